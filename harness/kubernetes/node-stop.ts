/**
 * Stopping the node leaves nothing running or mounted. Pods' containers run under containerd-shim
 * processes that outlive containerd, and the kubelet bind-mounts its root onto itself: killing the
 * processes alone left pods running and a mount under the run directory (which `reset` refuses to
 * delete through). So containerd's stop step first removes every pod sandbox through the CRI
 * (`crictl stopp`, `crictl rmp`: containerd stops the containers and releases each pod's network
 * through CNI, so no pod address leaks), then stops containerd, then unmounts what remains under the
 * cluster's directory.
 */
import * as path from "path";
import { HarnessContext } from "../lib/types";
import { stopRecordedProcess } from "../lib/process";
import { unmountBelow } from "../lib/mounts";
import { run } from "../pulumi/gobuild";
import { ClusterLayout, clusterPaths } from "./config";
import { kubernetesBinDir } from "./install";

/** crictl against the node's containerd; its output, or an error naming the command and crictl's message. */
async function crictl(ctx: HarnessContext, l: ClusterLayout, args: string[], timeoutMs: number): Promise<string> {
    const endpoint = `unix://${clusterPaths(l).containerdSocket}`;
    const r = await run(path.join(kubernetesBinDir(ctx.cacheDir), "crictl"), ["--runtime-endpoint", endpoint, "--timeout", "60s", ...args], { timeoutMs });
    if (r.code !== 0) throw new Error(`crictl ${args.join(" ")} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
}

/** Stops and removes every pod sandbox on the node (bounded); returns how many there were. */
export async function removePodSandboxes(ctx: HarnessContext, l: ClusterLayout): Promise<number> {
    const ids = (await crictl(ctx, l, ["pods", "--quiet"], 60_000)).split("\n").filter(Boolean);
    if (!ids.length) return 0;
    ctx.log(`stopping and removing the node's ${ids.length} pod sandbox(es) through the CRI`);
    await crictl(ctx, l, ["stopp", ...ids], 300_000);
    await crictl(ctx, l, ["rmp", "--force", ...ids], 300_000);
    return ids.length;
}

/** containerd's stop step: pods removed (best effort, said when it fails), containerd stopped, the cluster directory unmounted. */
export async function stopNode(ctx: HarnessContext, l: ClusterLayout, name: string): Promise<void> {
    try {
        await removePodSandboxes(ctx, l);
    } catch (err) {
        ctx.log(`could not remove the pods through the CRI (${(err as Error).message}); their containers may outlive containerd`);
    }
    await stopRecordedProcess(ctx, name);
    const unmounted = await unmountBelow(l.base);
    if (unmounted.length) ctx.log(`unmounted ${unmounted.length} mount(s) under ${l.base} (first: ${unmounted[0]})`);
}
