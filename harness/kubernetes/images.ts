/**
 * Images on the node without a registry: containerd (the cluster's own) imports them from archives.
 * - The sandbox ("pause") image: Kubernetes' own pause.c from the k8s.io/kubernetes module, compiled
 *   static with gcc, packed as a one-layer image archive named as the containerd config says.
 * - The project's images: `docker save` of what `npm run images -- build` made, imported as they are
 *   named, so pods that ask for `lakehouse/<name>:<tag>` (pull policy IfNotPresent) start from them.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { HarnessContext } from "../lib/types";
import { downloadModule, run } from "../pulumi/gobuild";
import { ClusterLayout, clusterPaths } from "./config";

/** Runs `ctr` against the cluster's own containerd, in the namespace the kubelet uses; its output, or an error naming the command. */
export async function ctr(l: ClusterLayout, args: string[], timeoutMs = 300_000) {
    const r = await run("ctr", ["--address", clusterPaths(l).containerdSocket, "--namespace", "k8s.io", ...args], { timeoutMs });
    if (r.code !== 0) throw new Error(`ctr ${args.join(" ")} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
}

/** The image references the node's containerd has (`ctr images ls -q`), normalized names included. */
export async function nodeImages(l: ClusterLayout): Promise<string[]> {
    return (await ctr(l, ["images", "ls", "-q"], 30_000)).split("\n").filter(Boolean);
}

/** True when `ref` (as a pod names it) is on the node: containerd stores Docker Hub names as docker.io/[library/]<name>. */
export function hasImage(images: string[], ref: string): boolean {
    const candidates = [ref, `docker.io/${ref}`, `docker.io/library/${ref}`];
    return images.some((i) => candidates.includes(i));
}

/** A Docker image archive (what `docker save` writes and `ctr images import` reads) of one layer tar. */
export function imageArchiveManifest(ref: string, layerDigest: string, entrypoint: string[]) {
    const config = { architecture: "amd64", os: "linux", config: { Entrypoint: entrypoint }, rootfs: { type: "layers", diff_ids: [`sha256:${layerDigest}`] } };
    return { config, manifest: [{ Config: "config.json", RepoTags: [ref], Layers: ["layer.tar"] }] };
}

export async function ensurePauseImage(ctx: HarnessContext, l: ClusterLayout): Promise<void> {
    if (hasImage(await nodeImages(l), l.pauseImage)) return;
    const k8s = ctx.versions.kubernetes;
    const work = path.join(ctx.cacheDir, "kubernetes", "pause");
    const archive = path.join(work, `pause-${k8s.pause}.tar`);
    if (!fs.existsSync(archive)) {
        ctx.log(`building the pause image ${l.pauseImage} from k8s.io/kubernetes@v${k8s.version}'s build/pause/linux/pause.c`);
        const stage = path.join(work, "stage");
        fs.rmSync(stage, { recursive: true, force: true });
        fs.mkdirSync(path.join(stage, "rootfs"), { recursive: true });
        const src = await downloadModule("k8s.io/kubernetes", `v${k8s.version}`, path.join(work, "..", "build.log"));
        const cc = await run(
            "gcc",
            [
                "-Os",
                "-static",
                "-Wall",
                "-Werror",
                `-DVERSION=v${k8s.pause}`,
                "-o",
                path.join(stage, "rootfs", "pause"),
                path.join(src, "build", "pause", "linux", "pause.c"),
            ],
            { timeoutMs: 120_000 },
        );
        if (cc.code !== 0) throw new Error(`gcc of pause.c failed (static glibc: apt-get install -y gcc libc6-dev): ${cc.stderr.trim()}`);
        const tar = await run("tar", [
            "--owner=0",
            "--group=0",
            "--numeric-owner",
            "-C",
            path.join(stage, "rootfs"),
            "-cf",
            path.join(stage, "layer.tar"),
            "pause",
        ]);
        if (tar.code !== 0) throw new Error(`tar of the pause layer failed: ${tar.stderr.trim()}`);
        const digest = crypto
            .createHash("sha256")
            .update(fs.readFileSync(path.join(stage, "layer.tar")))
            .digest("hex");
        const { config, manifest } = imageArchiveManifest(l.pauseImage, digest, ["/pause"]);
        fs.writeFileSync(path.join(stage, "config.json"), JSON.stringify(config));
        fs.writeFileSync(path.join(stage, "manifest.json"), JSON.stringify(manifest));
        const out = await run("tar", ["-C", stage, "-cf", `${archive}.partial`, "manifest.json", "config.json", "layer.tar"]);
        if (out.code !== 0) throw new Error(`tar of the pause image failed: ${out.stderr.trim()}`);
        fs.renameSync(`${archive}.partial`, archive);
        fs.rmSync(stage, { recursive: true, force: true });
    }
    await ctr(l, ["images", "import", archive]);
    ctx.log(`imported ${l.pauseImage} into the node's containerd`);
}

/**
 * Imports the named images from the Docker engine into the node (`docker save | ctr images import`),
 * skipping those already there. Returns the ones imported.
 */
export async function importFromDocker(l: ClusterLayout, refs: string[], log: (m: string) => void): Promise<string[]> {
    const have = await nodeImages(l);
    const imported: string[] = [];
    for (const ref of refs) {
        if (hasImage(have, ref)) continue;
        const tmp = path.join(l.base, "import.tar");
        log(`importing ${ref} from the Docker engine into the node's containerd`);
        const save = await run("docker", ["save", "-o", tmp, ref], { timeoutMs: 600_000 });
        if (save.code !== 0) throw new Error(`docker save ${ref} failed (build it with npm run images -- build): ${save.stderr.trim()}`);
        try {
            await ctr(l, ["images", "import", tmp], 600_000);
        } finally {
            fs.rmSync(tmp, { force: true });
        }
        imported.push(ref);
    }
    return imported;
}

/** `npx ts-node --transpile-only harness/kubernetes/images.ts [name...]`: the project's images (default: every one a workload runs) onto the node. */
if (require.main === module) {
    const { IMAGE_NAMES, projectImageRef } = require("../../components/images");
    const { createContext } = require("../lib/context");
    const { layout } = require("./index");
    const ctx = createContext();
    const names: string[] = process.argv.slice(2).length ? process.argv.slice(2) : IMAGE_NAMES.filter((n: string) => n !== "jre");
    importFromDocker(
        layout(ctx),
        names.map((n) => projectImageRef(n)),
        (m) => console.log(`[images] ${m}`),
    ).then(
        (done) => console.log(done.length ? `imported: ${done.join(", ")}` : "every image is already on the node"),
        (e) => {
            console.error(e instanceof Error ? e.message : e);
            process.exit(1);
        },
    );
}
