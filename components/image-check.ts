/**
 * The preview's check that the project images a Docker stack runs without pulling (built on this
 * machine by `npm run images -- build`) are on the engine, so a missing image stops the run before
 * any container is created rather than halfway through. Best effort and bounded: an engine that
 * does not answer within IMAGE_CHECK_TIMEOUT_MS is reported and skipped (the provider then says the same).
 */
import * as http from "http";
import * as pulumi from "@pulumi/pulumi";
import { ImageService, LakehouseConfig } from "./config";

/** Bound of the whole check, in milliseconds. */
export const IMAGE_CHECK_TIMEOUT_MS = 5_000;

/** Where the Docker Engine API is, from `DOCKER_HOST` (unix:// or tcp://) or the default socket; undefined for what this check cannot reach (ssh://). */
export function dockerEngineAddress(dockerHost: string | undefined): { socketPath: string } | { host: string; port: number } | undefined {
    if (!dockerHost) return { socketPath: "/var/run/docker.sock" };
    if (dockerHost.startsWith("unix://")) return { socketPath: dockerHost.slice("unix://".length) };
    const tcp = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(dockerHost);
    if (tcp) return { host: tcp[1], port: Number(tcp[2]) };
    return undefined;
}

/** The images of the stack's services that are expected on the engine (not pulled), deduplicated, with the services using each. */
export function localImages(cfg: LakehouseConfig, services: ImageService[]): Map<string, ImageService[]> {
    const out = new Map<string, ImageService[]>();
    for (const service of services) {
        const image = cfg.images[service];
        if (image.pull) continue;
        out.set(image.ref, [...(out.get(image.ref) ?? []), service]);
    }
    return out;
}

/** The project image name of a local reference (`lakehouse/kafka:3.9.1-…` -> `kafka`). */
export function imageNameOf(ref: string): string {
    const last = ref.slice(ref.lastIndexOf("/") + 1);
    return last.split(":")[0];
}

/** The error of missing images, naming each, the services that run it and the one command that builds them. */
export function missingImagesMessage(missing: Map<string, ImageService[]>): string {
    const lines = [...missing].map(([ref, services]) => `${ref} (${services.join(", ")})`);
    const names = [...new Set([...missing.keys()].map(imageNameOf))].join(" ");
    return (
        `The project's images below are not on the Docker engine, and a stack without lakehouse:images.registry does not pull them:\n  - ${lines.join("\n  - ")}\n` +
        `Build them on the engine's machine with \`npm run images -- build ${names}\` (\`npm run deploy\` does it), or push them to a registry and set lakehouse:images.registry.`
    );
}

/** GET of one image on the engine: true when present, false on 404; rejects on anything else or when the engine does not answer. */
function imagePresent(address: NonNullable<ReturnType<typeof dockerEngineAddress>>, ref: string, deadline: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
        const request = http.request(
            { ...address, method: "GET", path: `/images/${encodeURIComponent(ref)}/json`, timeout: Math.max(1, deadline - Date.now()) },
            (response) => {
                response.resume();
                if (response.statusCode === 200) resolve(true);
                else if (response.statusCode === 404) resolve(false);
                else reject(new Error(`the engine answered ${response.statusCode} for image ${ref}`));
            },
        );
        request.on("timeout", () => request.destroy(new Error(`the engine did not answer within ${IMAGE_CHECK_TIMEOUT_MS / 1000} s`)));
        request.on("error", reject);
        request.end();
    });
}

/** Which of `refs` the engine does not hold. */
export async function missingOnEngine(refs: string[], dockerHost: string | undefined): Promise<string[] | { skipped: string }> {
    const address = dockerEngineAddress(dockerHost);
    if (!address) return { skipped: `DOCKER_HOST ${dockerHost} is not a unix:// or tcp:// address` };
    const deadline = Date.now() + IMAGE_CHECK_TIMEOUT_MS;
    try {
        const present = await Promise.all(refs.map((ref) => imagePresent(address, ref, deadline)));
        return refs.filter((_, i) => !present[i]);
    } catch (err) {
        return { skipped: `the Docker engine did not answer (${(err as Error).message})` };
    }
}

/**
 * Under the Pulumi engine, on `platform: docker` with the ambient engine (no explicit provider):
 * fails the run with `missingImagesMessage` when a local project image is absent.
 */
export function checkLocalImagesOnEngine(cfg: LakehouseConfig, services: ImageService[], parent: pulumi.Resource, explicitProvider: boolean): void {
    if (!pulumi.runtime.hasEngine() || cfg.platform !== "docker" || explicitProvider) return;
    const wanted = localImages(cfg, services);
    if (wanted.size === 0) return;
    pulumi.output(true).apply(async () => {
        // Keeps the program running until the check has reported.
        const done = pulumi.runtime.rpcKeepAlive();
        try {
            const result = await missingOnEngine([...wanted.keys()], process.env.DOCKER_HOST);
            if ("skipped" in result) {
                pulumi.log.info(`Checking the project's images on the Docker engine was skipped: ${result.skipped}`, parent);
                return;
            }
            if (result.length) throw new pulumi.ResourceError(missingImagesMessage(new Map(result.map((ref) => [ref, wanted.get(ref)!]))), parent, true);
        } finally {
            done();
        }
    });
}
