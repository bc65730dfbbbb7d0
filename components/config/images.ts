/**
 * `lakehouse:images`: where the image of each service comes from. By default every service runs the
 * project's own image (components/images, built by `npm run images -- build` from the artifacts the
 * tests run), referenced locally or, with `images.registry`, in the registry the stack names.
 */
import { DEFAULTS, SERVICE_NAMES, UPSTREAM_DREMIO_IMAGE } from "../defaults";
import { ImageName, LOCAL_IMAGE_REGISTRY, projectImageRef } from "../images";
import type { ImageSpec } from "../platform/spec";
import type { Reader } from "./reader";

/** Services whose image a stack chooses: the seven, and ZooKeeper (Flink's high availability on Docker). */
export const IMAGE_SERVICES = [...SERVICE_NAMES, "zookeeper"] as const;
export type ImageService = (typeof IMAGE_SERVICES)[number];

/** Keys of `lakehouse:images`. */
export const IMAGES_KEYS = ["registry", ...IMAGE_SERVICES] as const;

/** A registry host and optional path, lower-case, without scheme or tag (`registry.example.com/data`, `localhost:5000`). */
export const IMAGE_REGISTRY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/** True when an image reference names an exact tag (not `latest`) or a digest. */
export function isPinnedImage(ref: string): boolean {
    if (/\s/.test(ref) || ref.length === 0) return false;
    if (/@sha256:[a-f0-9]{64}$/.test(ref)) return true;
    const lastSegment = ref.slice(ref.lastIndexOf("/") + 1);
    const colon = lastSegment.indexOf(":");
    if (colon <= 0) return false;
    const tag = lastSegment.slice(colon + 1);
    return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag) && tag !== "latest";
}

/** The project image each service runs by default (Dremio: the stand-in, only when the stack asks for it). */
export function projectImageOf(service: ImageService, dremioStandIn: boolean): ImageName | undefined {
    if (service === "dremio") return dremioStandIn ? "dremio-standin" : undefined;
    return service;
}

/**
 * The image of every service. A project image is `local` (built on the engine's machine, never
 * pulled) unless the stack names a registry; an image the stack names itself, and upstream Dremio,
 * are pulled.
 */
export function defaultImages(registry: string | undefined, dremioStandIn: boolean): Record<ImageService, ImageSpec> {
    const images = {} as Record<ImageService, ImageSpec>;
    for (const service of IMAGE_SERVICES) {
        const project = projectImageOf(service, dremioStandIn);
        images[service] = project
            ? { ref: projectImageRef(project, registry ?? LOCAL_IMAGE_REGISTRY), pull: registry !== undefined }
            : { ref: UPSTREAM_DREMIO_IMAGE, pull: true };
    }
    return images;
}

/** Reads `lakehouse:images` over the project's images: a registry, and per service a pinned image to pull instead. */
export function parseImages(r: Reader, values: Record<string, string>, dremioStandIn: boolean = DEFAULTS.dremio.standIn): Record<ImageService, ImageSpec> {
    const raw = r.object(values, "images");
    let registry: string | undefined;
    if (raw.registry !== undefined) {
        if (typeof raw.registry !== "string" || !IMAGE_REGISTRY.test(raw.registry)) {
            r.problem(
                "images.registry",
                raw.registry,
                'a registry host and optional path, lower-case, without scheme or tag, e.g. "registry.example.com/data" or "localhost:5000" (push the images there with `npm run images -- push <registry>`)',
            );
        } else registry = raw.registry;
    }
    const images = defaultImages(registry, dremioStandIn);
    for (const service of IMAGE_SERVICES) {
        const ref = raw[service];
        if (ref === undefined) continue;
        if (typeof ref !== "string" || !isPinnedImage(ref)) {
            r.problem(
                `images.${service}`,
                ref,
                `an image pinned to an exact tag or digest, built from components/images/${projectImageOf(service, true)} (not "latest", not untagged); leave it unset for the project's own image`,
            );
        } else if (service === "flink" && !/^1\.20\.\d+/.test(ref.slice(ref.lastIndexOf("/") + 1).split(":")[1] ?? "")) {
            r.problem(
                "images.flink",
                ref,
                "a Flink image tagged 1.20.x, built from components/images/flink (the connector jars it holds are built for Flink 1.20)",
            );
        } else {
            images[service] = { ref, pull: true };
        }
    }
    return images;
}
