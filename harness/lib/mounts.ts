/**
 * Mount points under a directory: what `reset` unmounts before it deletes (never through a mount), and
 * what the cluster's node unmounts when it stops (the kubelet's own bind mount of its root, pod volumes left behind).
 */
import * as fs from "fs";
import * as path from "path";
import { run } from "../pulumi/gobuild";

/**
 * Mount points at or below `dir`, from a mounts table in /proc/self/mounts form (octal escapes as the
 * kernel writes them), in the table's order (a mount after the one it is stacked on).
 */
export function mountsBelow(dir: string, mountsTable: string): string[] {
    const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
    return mountsTable
        .split("\n")
        .map((line) => line.split(" ")[1])
        .filter((field): field is string => field !== undefined && field !== "")
        .map(unescape)
        .filter((target) => target === dir || target.startsWith(dir + path.sep));
}

/** This process's mount points at or below `dir` (/proc/self/mounts). */
export function currentMountsBelow(dir: string): string[] {
    return mountsBelow(dir, fs.readFileSync("/proc/self/mounts", "utf8"));
}

/**
 * Unmounts everything at or below `dir`, the last mounted first (`umount --lazy`, so a busy mount is
 * detached now and freed when its last user goes). Returns what was unmounted; throws naming the
 * first mount point `umount` refused and its message.
 */
export async function unmountBelow(dir: string): Promise<string[]> {
    const done: string[] = [];
    for (const target of [...currentMountsBelow(dir)].reverse()) {
        if (!currentMountsBelow(dir).includes(target)) continue;
        const r = await run("umount", ["--lazy", target], { timeoutMs: 30_000 });
        if (r.code !== 0) throw new Error(`umount --lazy ${target} failed: ${(r.stderr || r.stdout).trim()}`);
        done.push(target);
    }
    return done;
}
