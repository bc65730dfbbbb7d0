/**
 * Every image's staging module, by image name (one line per image, like harness/registry.ts for the
 * services). A module that does not exist yet is reported as missing: `list` shows it, `build` refuses it.
 */
import * as path from "path";
import { ImageStaging } from "./types";

/** Image name -> staging module (relative to this directory). */
export const STAGING_MODULES: Record<string, string> = {
    jre: "./jre",
    postgres: "./postgres",
    kafka: "./kafka",
    connect: "./connect",
    minio: "./minio",
    nessie: "./nessie",
    flink: "./flink",
    zookeeper: "./zookeeper",
    "dremio-standin": "./dremio-standin",
};

function isMissingModule(err: unknown, file: string): boolean {
    const e = err as NodeJS.ErrnoException;
    return e && e.code === "MODULE_NOT_FOUND" && typeof e.message === "string" && e.message.includes(file);
}

/** The staging module of an image, or undefined when its file does not exist (yet). */
export function findStaging(name: string): ImageStaging | undefined {
    const rel = STAGING_MODULES[name];
    if (!rel) throw new Error(`harness/images/registry.ts lists no staging module for image '${name}' (known: ${Object.keys(STAGING_MODULES).join(", ")})`);
    const file = path.join(__dirname, rel);
    let mod: { image?: ImageStaging };
    try {
        mod = require(file);
    } catch (err) {
        if (isMissingModule(err, file)) return undefined;
        throw err;
    }
    if (!mod || !mod.image || mod.image.name !== name) {
        throw new Error(`harness/images/${rel.slice(2)}.ts must export \`image: ImageStaging\` with name '${name}'`);
    }
    return mod.image;
}

/** The staging module of an image; throws naming the file to write when it is missing. */
export function requireStaging(name: string): ImageStaging {
    const staging = findStaging(name);
    if (!staging)
        throw new Error(`image '${name}' has no staging module: write harness/images/${STAGING_MODULES[name].slice(2)}.ts exporting \`image: ImageStaging\``);
    return staging;
}
