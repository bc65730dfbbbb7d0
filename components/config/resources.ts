/**
 * `lakehouse:resources`: memory and CPUs per service.
 */
import { DEFAULT_RESOURCES, SERVICE_NAMES, ServiceName } from "../defaults";
import { Reader } from "./reader";
import { ResourceSize } from "./types";

/** Reads `lakehouse:resources` over the defaults; a service with a bad entry keeps its default size. */
export function parseResources(r: Reader, values: Record<string, string>): Record<ServiceName, ResourceSize> {
    const res = r.object(values, "resources");
    const resources = {} as Record<ServiceName, ResourceSize>;
    for (const service of SERVICE_NAMES) {
        const fallback = DEFAULT_RESOURCES[service];
        const given = res[service] === undefined ? undefined : r.record(res[service], `resources.${service}`, "an object { memoryMiB, cpus }");
        resources[service] = given ? parseResourceSize(r, given, `resources.${service}`, fallback) : { ...fallback };
    }
    return resources;
}

/** One service's `{ memoryMiB, cpus }`; each bad value falls back to the default's. */
function parseResourceSize(r: Reader, given: Record<string, unknown>, key: string, fallback: ResourceSize): ResourceSize {
    r.onlyKeys(given, key, ["memoryMiB", "cpus"]);
    const cpus = given.cpus === undefined ? fallback.cpus : given.cpus;
    if (typeof cpus !== "number" || !(cpus > 0) || cpus > 64) r.problem(`${key}.cpus`, given.cpus, "a number of CPUs above 0 and at most 64");
    return {
        memoryMiB: r.integer(given.memoryMiB, `${key}.memoryMiB`, fallback.memoryMiB, 256, 262_144),
        cpus: typeof cpus === "number" && cpus > 0 && cpus <= 64 ? cpus : fallback.cpus,
    };
}
