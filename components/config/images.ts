/**
 * `lakehouse:images`: the image of each service, pinned to an exact tag or digest.
 */
import { DEFAULT_IMAGES, SERVICE_NAMES, ServiceName } from "../defaults";
import { Reader } from "./reader";

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

/** Reads `lakehouse:images` over the defaults: every given image pinned, Flink's a 1.20.x. */
export function parseImages(r: Reader, values: Record<string, string>): Record<ServiceName, string> {
    const imagesRaw = r.object(values, "images");
    const images = { ...DEFAULT_IMAGES };
    for (const service of SERVICE_NAMES) {
        const ref = imagesRaw[service];
        if (ref === undefined) continue;
        if (typeof ref !== "string" || !isPinnedImage(ref)) {
            r.problem(`images.${service}`, ref, 'an image pinned to an exact tag or digest, e.g. "postgres:15.10" (not "latest", not untagged)');
        } else if (service === "flink" && !/^1\.20\.\d+/.test(ref.slice(ref.lastIndexOf("/") + 1).split(":")[1] ?? "")) {
            r.problem(
                "images.flink",
                ref,
                'a Flink 1.20.x image such as "flink:1.20.1-scala_2.12-java17" (the connector jars in components/images/flink/pom.xml are built for 1.20)',
            );
        } else {
            images[service] = ref;
        }
    }
    return images;
}
