/**
 * The builder's pure parts: which images to build in which order, what goes into a build context,
 * and the `docker build` arguments. No I/O here (tests/unit/harness/image-builder.test.ts).
 */
import * as path from "path";
import { StagedArtifact } from "./types";

/** What the builder needs to know of an image's `image.json`. */
export interface ImageBase {
    base: "os" | "jre";
}

/**
 * The images to build, bases first: the requested ones (all when none) plus the `jre` base of any
 * that needs it, in the order of `all` (IMAGE_NAMES lists bases first). The `os` base is not an
 * image directory and is always built before these.
 */
export function buildOrder(requested: string[] | undefined, all: readonly string[], definition: (name: string) => ImageBase): string[] {
    const names = !requested || requested.length === 0 ? [...all] : requested;
    const unknown = names.filter((n) => !all.includes(n));
    if (unknown.length) throw new Error(`unknown image(s): ${unknown.join(", ")} (known: ${all.join(", ")})`);
    const want = new Set<string>(names);
    for (const n of names) if (n !== "jre" && definition(n).base === "jre") want.add("jre");
    const order = all.filter((n) => want.has(n));
    const jre = order.indexOf("jre");
    if (jre > 0) {
        order.splice(jre, 1);
        order.unshift("jre");
    }
    return order;
}

/** One step of staging a build context. */
export interface StagingStep {
    /** Absolute source path (file or directory). */
    from: string;
    /** Path relative to the context directory. */
    to: string;
    /** `copy`: the image directory's own small files; `link`: artifacts, hard-linked where possible. */
    mode: "copy" | "link";
}

function checkRelative(what: string, rel: string): string {
    const norm = path.posix.normalize(rel.split(path.sep).join("/"));
    if (!rel || path.posix.isAbsolute(norm) || norm === "." || norm === ".." || norm.startsWith("../")) {
        throw new Error(`${what}: '${rel}' must be a relative path inside the build context`);
    }
    return norm;
}

/**
 * The build context of an image: its directory's files at the top, the staged artifacts under
 * `artifacts/`. Refuses paths that leave the context and two sources for one destination.
 */
export function stagingPlan(name: string, imageDir: string, imageFiles: string[], artifacts: StagedArtifact[]): StagingStep[] {
    const steps: StagingStep[] = [];
    const seen = new Map<string, string>();
    const add = (step: StagingStep) => {
        const clash = [...seen.keys()].find((t) => t === step.to || t.startsWith(step.to + "/") || step.to.startsWith(t + "/"));
        if (clash !== undefined)
            throw new Error(`image ${name}: '${step.to}' (from ${step.from}) overlaps '${clash}' (from ${seen.get(clash)}) in the build context`);
        seen.set(step.to, step.from);
        steps.push(step);
    };
    for (const f of [...imageFiles].sort()) {
        const to = checkRelative(`image ${name}: file`, f);
        if (to === "artifacts" || to.startsWith("artifacts/"))
            throw new Error(`image ${name}: components/images/${name}/${to} collides with the staged artifacts/ directory`);
        add({ from: path.join(imageDir, f), to, mode: "copy" });
    }
    for (const a of artifacts) {
        if (!path.isAbsolute(a.from)) throw new Error(`image ${name}: artifact source '${a.from}' must be an absolute path`);
        add({ from: a.from, to: `artifacts/${checkRelative(`image ${name}: artifact ${a.from}`, a.to)}`, mode: "link" });
    }
    return steps;
}

export interface BuildArgsInput {
    /** The image name (title label). */
    name: string;
    /** `<registry>/<name>:<tag>` to tag the result with. */
    ref: string;
    /** Ref of the base image passed as `--build-arg BASE=`. */
    baseRef: string;
    /** The staged build context. */
    contextDir: string;
}

/** Labels every project image carries (the version is the image's tag). */
export function imageLabels(name: string, ref: string): Record<string, string> {
    const tag = ref.slice(ref.lastIndexOf(":") + 1);
    return {
        "org.opencontainers.image.title": name,
        "org.opencontainers.image.version": tag,
        "org.opencontainers.image.source": "cdc-lakehouse",
    };
}

/** Arguments of `docker build` for one image. */
export function dockerBuildArgs(input: BuildArgsInput): string[] {
    const labels = Object.entries(imageLabels(input.name, input.ref)).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
    return ["build", "--network", "host", "--pull=false", "--build-arg", `BASE=${input.baseRef}`, ...labels, "--tag", input.ref, input.contextDir];
}

/** Human-readable size (`docker image inspect` gives bytes). */
export function formatBytes(bytes: number): string {
    if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
    if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
    return `${(bytes / 1024).toFixed(0)} KiB`;
}
