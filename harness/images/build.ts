/**
 * The image builder: runs the harness installs an image's artifacts come from, stages its build
 * context under `<cache>/images/context/<name>` (the image directory's files + `artifacts/`,
 * hard-linked from the cache where possible), and builds `os`, then `jre`, then the requested
 * images with `docker build --network host --build-arg BASE=<base ref>`. An image whose tag exists
 * is skipped (the tag is a hash of its inputs, see components/images.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { IMAGE_NAMES, IMAGES_DIR, ImageName, imageDefinition, projectImageRef, relativeFiles } from "../../components/images";
import { withFileLock } from "../lib/lock";
import { HarnessContext } from "../lib/types";
import { installServices } from "../cli";
import { imageExists, imageSize, runLogged } from "./docker";
import { ensureOsBase } from "./os-base";
import { buildOrder, dockerBuildArgs, formatBytes, stagingPlan, StagingStep } from "./plan";
import { requireStaging } from "./registry";

export const BUILD_TIMEOUT_MS = 30 * 60_000;

export interface BuildResult {
    name: string;
    ref: string;
    /** `built` now, or `present` (the tag existed). */
    outcome: "built" | "present";
    seconds: number;
    sizeBytes?: number;
}

export function contextDir(ctx: HarnessContext, name: string): string {
    return path.join(ctx.cacheDir, "images", "context", name);
}

export function buildLog(ctx: HarnessContext, name: string): string {
    return path.join(ctx.cacheDir, "images", "logs", `${name}.log`);
}

/** Hard link (same file system) or copy, keeping the mode. */
function linkOrCopy(from: string, to: string): void {
    try {
        fs.linkSync(from, to);
    } catch {
        fs.copyFileSync(from, to);
        fs.chmodSync(to, fs.statSync(from).mode & 0o7777);
    }
}

function placeTree(from: string, to: string, link: boolean): void {
    const st = fs.statSync(from);
    if (st.isDirectory()) {
        fs.mkdirSync(to, { recursive: true });
        for (const e of fs.readdirSync(from)) placeTree(path.join(from, e), path.join(to, e), link);
        return;
    }
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (link) linkOrCopy(from, to);
    else {
        fs.copyFileSync(from, to);
        fs.chmodSync(to, st.mode & 0o7777);
    }
}

/** Writes a staged context from scratch. */
export function stageContext(dir: string, steps: StagingStep[]): void {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const s of steps) {
        if (!fs.existsSync(s.from)) throw new Error(`cannot stage ${s.from}: it does not exist (did the harness install run?)`);
        placeTree(s.from, path.join(dir, s.to), s.mode === "link");
    }
}

function elapsed(started: number): string {
    return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}

/** Builds one image (its base must exist). */
async function buildOne(ctx: HarnessContext, name: ImageName, baseRef: string, t0: number): Promise<BuildResult> {
    const ref = projectImageRef(name);
    const started = Date.now();
    if (imageExists(ref)) {
        ctx.log(`${name}: ${ref} is present, skipped [${elapsed(t0)}]`);
        return { name, ref, outcome: "present", seconds: 0, sizeBytes: imageSize(ref) };
    }
    const staging = requireStaging(name);
    if (staging.installs.length) {
        ctx.log(`${name}: harness install of ${staging.installs.join(", ")} [${elapsed(t0)}]`);
        await installServices(staging.installs, { ctx });
    }
    const imageDir = path.join(ctx.repoDir, IMAGES_DIR, name);
    const steps = stagingPlan(name, imageDir, relativeFiles(imageDir), await staging.artifacts(ctx));
    const dir = contextDir(ctx, name);
    stageContext(dir, steps);
    ctx.log(`${name}: staged ${steps.length} entries in ${dir} [${elapsed(t0)}]`);
    const log = buildLog(ctx, name);
    fs.writeFileSync(log, "");
    ctx.log(`${name}: docker build ${ref} on ${baseRef} (log: ${log}) [${elapsed(t0)}]`);
    try {
        await runLogged("docker", dockerBuildArgs({ name, ref, baseRef, contextDir: dir }), { logFile: log, timeoutMs: BUILD_TIMEOUT_MS });
    } catch (err) {
        throw new Error(`image ${name} failed to build: ${(err as Error).message}`);
    }
    const seconds = (Date.now() - started) / 1000;
    const sizeBytes = imageSize(ref);
    ctx.log(`${name}: built ${ref} in ${seconds.toFixed(1)} s, ${sizeBytes !== undefined ? formatBytes(sizeBytes) : "size unknown"} [${elapsed(t0)}]`);
    return { name, ref, outcome: "built", seconds, sizeBytes };
}

/** The longest a build waits for another build of the images into the same cache. */
const BUILD_LOCK_WAIT_MS = 45 * 60_000;

/**
 * Builds the os base, then the requested images (all when none) with their bases, in order; one build
 * per cache at a time (CI starts one in the background while the tests run, and a test that needs the
 * images waits for it, then finds them present).
 */
export async function buildImages(ctx: HarnessContext, requested?: string[]): Promise<BuildResult[]> {
    return withFileLock(
        path.join(ctx.cacheDir, "images", "build.lock"),
        { waitingFor: "another build of the project's images into this cache", timeoutMs: BUILD_LOCK_WAIT_MS, log: ctx.log },
        () => buildImagesHoldingLock(ctx, requested),
    );
}

async function buildImagesHoldingLock(ctx: HarnessContext, requested?: string[]): Promise<BuildResult[]> {
    const t0 = Date.now();
    const order = buildOrder(requested, IMAGE_NAMES, (n) => imageDefinition(n as ImageName)) as ImageName[];
    // Fail before any work when a staging module is missing.
    order.forEach((n) => requireStaging(n));
    ctx.log(`os: resolving the Debian bookworm base [${elapsed(t0)}]`);
    const osRef = await ensureOsBase(ctx);
    ctx.log(`os: ${osRef} [${elapsed(t0)}]`);
    const results: BuildResult[] = [];
    for (const name of order) {
        const base = imageDefinition(name).base === "jre" ? projectImageRef("jre") : osRef;
        if (base !== osRef && !imageExists(base)) throw new Error(`image ${name} needs its base ${base}, which is absent: build jre first`);
        results.push(await buildOne(ctx, name, base, t0));
    }
    ctx.log(`done in ${elapsed(t0)}`);
    return results;
}
