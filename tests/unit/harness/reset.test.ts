/** `npm run harness -- reset` (harness/cli.ts): every service's state goes, the download cache stays. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resetServices } from "../../../harness/cli";
import { currentMountsBelow, mountsBelow, unmountBelow } from "../../../harness/lib/mounts";
import { createContext } from "../../../harness/lib/context";

const quiet = () => undefined;

test("reset deletes the run directory's data, logs and pid records and keeps the download cache", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "harness-reset-"));
    try {
        const ctx = createContext({ cacheDir: path.join(root, "cache"), runDir: path.join(root, "run"), log: quiet });
        fs.mkdirSync(path.join(ctx.runDir, "kafka", "data"), { recursive: true });
        fs.writeFileSync(path.join(ctx.runDir, "kafka", "data", "segment.log"), "x");
        fs.writeFileSync(path.join(ctx.runDir, "logs", "kafka.log"), "started");
        fs.writeFileSync(path.join(ctx.cacheDir, "kafka.tgz"), "download");
        // A link to state kept elsewhere goes as a link; what it points to is not followed.
        const elsewhere = path.join(root, "elsewhere");
        fs.mkdirSync(elsewhere);
        fs.symlinkSync(elsewhere, path.join(ctx.runDir, "linked"));

        const deleted = await resetServices({ ctx });

        expect(deleted).toEqual(expect.arrayContaining([path.join(ctx.runDir, "kafka"), path.join(ctx.runDir, "logs"), path.join(ctx.runDir, "linked")]));
        expect(fs.readdirSync(ctx.runDir).sort()).toEqual(["logs", "pids"]);
        expect(fs.readdirSync(path.join(ctx.runDir, "logs"))).toEqual([]);
        expect(fs.readFileSync(path.join(ctx.cacheDir, "kafka.tgz"), "utf8")).toBe("download");
        expect(fs.existsSync(elsewhere)).toBe(true);

        // A second reset finds nothing more to delete than the empty logs and pids directories.
        expect((await resetServices({ ctx })).sort()).toEqual([path.join(ctx.runDir, "logs"), path.join(ctx.runDir, "pids")]);
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
});

test("reset unmounts what an interrupted run left mounted under the run directory and never deletes through it", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "harness-reset-mounts-"));
    const ctx = createContext({ cacheDir: path.join(root, "cache"), runDir: path.join(root, "run"), log: quiet });
    // A pod volume as the kubelet mounts it: a directory kept elsewhere, bind-mounted under the run directory.
    const volume = path.join(root, "volume");
    fs.mkdirSync(volume);
    fs.writeFileSync(path.join(volume, "data"), "kept");
    const pods = path.join(ctx.runDir, "kubernetes", "kubelet", "pods");
    fs.mkdirSync(path.join(pods, "p1"), { recursive: true });
    try {
        execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", pods]);
        fs.mkdirSync(path.join(pods, "p1"));
        execFileSync("mount", ["--bind", volume, path.join(pods, "p1")]);
        expect(currentMountsBelow(ctx.runDir)).toHaveLength(2);

        const deleted = await resetServices({ ctx });

        expect(currentMountsBelow(ctx.runDir)).toEqual([]);
        expect(deleted).toContain(path.join(ctx.runDir, "kubernetes"));
        expect(fs.readdirSync(ctx.runDir).sort()).toEqual(["logs", "pids"]);
        expect(fs.readFileSync(path.join(volume, "data"), "utf8")).toBe("kept");
    } finally {
        for (const _ of currentMountsBelow(ctx.runDir)) execFileSync("umount", ["--lazy", currentMountsBelow(ctx.runDir).reverse()[0]]);
        fs.rmSync(root, { recursive: true, force: true });
    }
});

test("mountsBelow finds mount points at or under the run directory, octal escapes decoded", () => {
    const table = [
        "overlay / overlay rw 0 0",
        "tmpfs /run/state/cdc tmpfs rw 0 0",
        "overlay /run/state/cdc/kubernetes/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs overlay rw 0 0",
        "tmpfs /run/state/cdc\\040old tmpfs rw 0 0",
        "tmpfs /run/state/cdcx tmpfs rw 0 0",
    ].join("\n");
    expect(mountsBelow("/run/state/cdc", table)).toEqual([
        "/run/state/cdc",
        "/run/state/cdc/kubernetes/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs",
    ]);
    expect(mountsBelow("/run/state/cdc old", table)).toEqual(["/run/state/cdc old"]);
    expect(mountsBelow("/elsewhere", table)).toEqual([]);
});

test("unmountBelow unmounts every mount under a directory, stacked ones first, and leaves others alone", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "harness-mounts-"));
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "harness-mounts-outside-"));
    const mount = (dir: string) => execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]);
    try {
        mount(root);
        fs.mkdirSync(path.join(root, "kubelet", "pods"), { recursive: true });
        mount(path.join(root, "kubelet"));
        fs.mkdirSync(path.join(root, "kubelet", "pods"));
        mount(path.join(root, "kubelet", "pods"));
        mount(outside);
        expect(currentMountsBelow(root)).toEqual([root, path.join(root, "kubelet"), path.join(root, "kubelet", "pods")]);

        expect(await unmountBelow(root)).toEqual([path.join(root, "kubelet", "pods"), path.join(root, "kubelet"), root]);
        expect(currentMountsBelow(root)).toEqual([]);
        expect(currentMountsBelow(outside)).toEqual([outside]);
        expect(await unmountBelow(root)).toEqual([]);
    } finally {
        for (const dir of [outside, root]) for (const _ of currentMountsBelow(dir)) execFileSync("umount", ["--lazy", dir]);
        fs.rmSync(root, { recursive: true, force: true });
        fs.rmSync(outside, { recursive: true, force: true });
    }
});
