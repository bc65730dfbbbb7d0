/**
 * `npm run images -- push <registry> [name...]`: tags the locally built project images as
 * `<registry>/<name>:<tag>` (the references a stack with `lakehouse:images.registry` runs) and
 * pushes them. Needs `docker login <registry>` first where the registry asks for it.
 */
import * as path from "path";
import { IMAGE_NAMES, ImageName, isImageName, projectImageRef } from "../../components/images";
import { IMAGE_REGISTRY } from "../../components/config/images";
import { HarnessContext } from "../lib/types";
import { imageExists, runLogged } from "./docker";

/** Bound of one image's push. */
export const PUSH_TIMEOUT_MS = 20 * 60_000;

/** What `push` does for each image: the local reference and the one in the registry. */
export function pushPlan(registry: string, names: string[]): { name: ImageName; local: string; remote: string }[] {
    if (!IMAGE_REGISTRY.test(registry)) {
        throw new Error(`registry "${registry}" must be a host and optional path, lower-case, without scheme or tag, e.g. registry.example.com/data`);
    }
    const unknown = names.filter((n) => !isImageName(n));
    if (unknown.length) throw new Error(`unknown image ${unknown.join(", ")} (images: ${IMAGE_NAMES.join(", ")})`);
    // The JVM base is inside the others; pushing it alone serves no stack.
    const chosen = (names.length ? names : IMAGE_NAMES.filter((n) => n !== "jre")) as ImageName[];
    return chosen.map((name) => ({ name, local: projectImageRef(name), remote: projectImageRef(name, registry) }));
}

export async function pushImages(ctx: HarnessContext, registry: string, names: string[]): Promise<string[]> {
    const plan = pushPlan(registry, names);
    const missing = plan.filter((p) => !imageExists(p.local));
    if (missing.length) {
        throw new Error(
            `not built here: ${missing.map((p) => p.local).join(", ")}; run \`npm run images -- build ${missing.map((p) => p.name).join(" ")}\` first`,
        );
    }
    const logFile = path.join(ctx.cacheDir, "images", "logs", "push.log");
    for (const p of plan) {
        const started = Date.now();
        ctx.log(`pushing ${p.remote}`);
        await runLogged("docker", ["tag", p.local, p.remote], { logFile, timeoutMs: 30_000 });
        await runLogged("docker", ["push", p.remote], { logFile, timeoutMs: PUSH_TIMEOUT_MS });
        ctx.log(`pushed ${p.remote} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    return plan.map((p) => p.remote);
}
