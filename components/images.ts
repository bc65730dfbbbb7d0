/**
 * The project's own images: one directory per image under `components/images/<name>/` (Dockerfile,
 * `image.json`, the scripts the image runs), built by `npm run images -- build` from the artifacts
 * the harness installs (harness/versions.json), so what a stack deploys is what the tests ran.
 *
 * An image's reference is a pure function of the repository: its tag is a hash of the image's
 * directory, its base's directory and the version-table sections it is pinned by. The program, the
 * builder and the tests compute it the same way, and the tag changes exactly when an input does.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/** Where image directories live, relative to the repository root. */
export const IMAGES_DIR = "components/images";

/** The repository's root (this file lives in `components/`). */
export const REPO_ROOT = path.resolve(__dirname, "..");

/** Every image the project builds, bases first. `jre` is the shared JVM base of the Java services. */
export const IMAGE_NAMES = ["jre", "postgres", "kafka", "connect", "minio", "nessie", "flink", "zookeeper", "dremio-standin"] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];

/** The registry part of the default references: local images, never pushed. */
export const LOCAL_IMAGE_REGISTRY = "lakehouse";

/** `components/images/<name>/image.json`. */
export interface ImageDefinition {
    /** `os`: the Debian bookworm base (pulled, or made with debootstrap where nothing can be pulled); `jre`: the JVM base. */
    base: "os" | "jre";
    /** Sections of harness/versions.json whose artifacts the image holds (hashed into the tag). */
    versions: string[];
    /** Dotted path in harness/versions.json of a readable version for the tag's prefix, e.g. `kafka.version`. */
    version?: string;
    /**
     * Other repository files or directories the image's artifacts are resolved or built from (e.g. the
     * harness's Flink pom, the Dremio stand-in's sources), hashed into the tag like the image's own files.
     */
    inputs?: string[];
}

export function isImageName(name: string): name is ImageName {
    return (IMAGE_NAMES as readonly string[]).includes(name);
}

function readJson(file: string): any {
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** The version table every install and image is pinned by. */
export function versionTable(repoRoot: string = REPO_ROOT): Record<string, any> {
    return readJson(path.join(repoRoot, "harness", "versions.json"));
}

/** Reads and checks an image's `image.json`. */
export function imageDefinition(name: ImageName, repoRoot: string = REPO_ROOT): ImageDefinition {
    const file = path.join(repoRoot, IMAGES_DIR, name, "image.json");
    const raw = readJson(file);
    if (raw.base !== "os" && raw.base !== "jre") throw new Error(`${file}: "base" must be "os" or "jre"`);
    if (name === "jre" && raw.base !== "os") throw new Error(`${file}: the jre image is built on "os"`);
    if (!Array.isArray(raw.versions) || raw.versions.some((v: unknown) => typeof v !== "string")) {
        throw new Error(`${file}: "versions" must list keys of harness/versions.json`);
    }
    if (raw.version !== undefined && typeof raw.version !== "string") throw new Error(`${file}: "version" must be a dotted path in harness/versions.json`);
    if (
        raw.inputs !== undefined &&
        (!Array.isArray(raw.inputs) || raw.inputs.some((v: unknown) => typeof v !== "string" || path.isAbsolute(v) || v.includes("..")))
    ) {
        throw new Error(`${file}: "inputs" must list repository-relative files or directories`);
    }
    return { base: raw.base, versions: raw.versions, ...(raw.version ? { version: raw.version } : {}), ...(raw.inputs?.length ? { inputs: raw.inputs } : {}) };
}

/** Every file under a directory, as sorted `/`-separated relative paths (the builder stages the same list). */
export function relativeFiles(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
            const full = path.join(d, entry.name);
            if (entry.isDirectory()) walk(full);
            else out.push(path.relative(dir, full).split(path.sep).join("/"));
        }
    };
    walk(dir);
    return out;
}

/** Every file of a directory (relative path, bytes), sorted, so the hash does not depend on the walk. */
function filesOf(dir: string): [string, Buffer][] {
    return relativeFiles(dir).map((rel) => [rel, fs.readFileSync(path.join(dir, rel))]);
}

function valueAt(table: Record<string, any>, dotted: string): unknown {
    return dotted.split(".").reduce<any>((v, k) => (v === undefined || v === null ? undefined : v[k]), table);
}

/** The tag of an image: `<version>-<hash12>`, or `<hash12>` without a readable version. */
export function imageTag(name: ImageName, repoRoot: string = REPO_ROOT): string {
    const def = imageDefinition(name, repoRoot);
    const versions = versionTable(repoRoot);
    const hash = crypto.createHash("sha256");
    const chain: ImageName[] = def.base === "jre" && name !== "jre" ? ["jre", name] : [name];
    for (const image of chain) {
        for (const [rel, bytes] of filesOf(path.join(repoRoot, IMAGES_DIR, image))) {
            hash.update(`${image}/${rel}\0`);
            hash.update(bytes);
            hash.update("\0");
        }
    }
    for (const input of [...(def.inputs ?? [])].sort()) {
        const full = path.join(repoRoot, input);
        if (!fs.existsSync(full)) throw new Error(`${IMAGES_DIR}/${name}/image.json: input ${input} does not exist`);
        const files: [string, Buffer][] = fs.statSync(full).isDirectory() ? filesOf(full) : [["", fs.readFileSync(full)]];
        for (const [rel, bytes] of files) {
            hash.update(`input:${input}/${rel}\0`);
            hash.update(bytes);
            hash.update("\0");
        }
    }
    for (const key of [...def.versions].sort()) {
        if (!(key in versions)) throw new Error(`${IMAGES_DIR}/${name}/image.json: "${key}" is not a section of harness/versions.json`);
        hash.update(`${key}=${JSON.stringify(versions[key])}\0`);
    }
    const digest = hash.digest("hex").slice(0, 12);
    if (!def.version) return digest;
    const readable = valueAt(versions, def.version);
    if (typeof readable !== "string" && typeof readable !== "number") {
        throw new Error(`${IMAGES_DIR}/${name}/image.json: "version" ${def.version} is not a string or number in harness/versions.json`);
    }
    return `${String(readable).replace(/[^A-Za-z0-9_.-]/g, "-")}-${digest}`;
}

/** `<registry>/<name>:<tag>`; the default registry is the local one (`lakehouse/<name>:<tag>`). */
export function projectImageRef(name: ImageName, registry: string = LOCAL_IMAGE_REGISTRY, repoRoot: string = REPO_ROOT): string {
    return `${registry.replace(/\/+$/, "")}/${name}:${imageTag(name, repoRoot)}`;
}
