/**
 * A cache, across program runs, of the dynamic providers' serialized text.
 *
 * Every `pulumi preview`/`up` serializes each dynamic provider it uses (Pulumi's closure serializer walks
 * every function a provider reaches through the V8 inspector: 0.4-1.7 s of CPU per provider, most of a
 * preview's time). The text is a function of the code alone: the providers reach only the pure
 * functions of `components/` and npm packages (by `require`), and no provider captures a value read
 * from the environment or the clock at load. So the text is kept under a key that hashes everything it
 * can depend on (every source file under `components/`, `tsconfig.json`, `package-lock.json`, how
 * ts-node compiles, the Node.js version, where the repository is) and reused while that key holds; a
 * change to any of them is a different key. What lands in state is byte for byte what Pulumi's own
 * serialization produces (tests/unit/providers/lakehouse-resource.test.ts compares the registrations,
 * tests/integration/stack/local-stack.test.ts the state of an `up` with the preview's text).
 *
 * Used only in a program the Pulumi CLI's language host runs (`PULUMI_NODEJS_MONITOR` set): unit tests
 * with mocks (compiled by Jest's own transformer) always serialize afresh. A text that captured a secret
 * is never written. The cache is best effort: a directory that cannot be written is a miss, never an error.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { lakehouseCacheDir } from "../cache-dir";

/** What Pulumi's `serializeFunction` returns. */
export interface SerializedProviderText {
    text: string;
    containsSecrets: boolean;
}

/** The files and settings a provider's serialized text can depend on, hashed; undefined when they cannot be read. */
export function codeFingerprint(repoRoot: string, env: NodeJS.ProcessEnv = process.env, nodeVersion: string = process.version): string | undefined {
    const hash = crypto.createHash("sha256");
    const add = (label: string, value: string | Buffer) => {
        hash.update(`${label}\0${value.length}\0`);
        hash.update(value);
    };
    try {
        for (const file of sourceFiles(path.join(repoRoot, "components"))) add(path.relative(repoRoot, file), fs.readFileSync(file));
        for (const file of ["tsconfig.json", "package-lock.json"]) add(file, fs.readFileSync(path.join(repoRoot, file)));
    } catch {
        return undefined;
    }
    add("repo", repoRoot);
    add("node", nodeVersion);
    // How ts-node compiles the program: a type-checked and a transpile-only run may emit different JavaScript.
    for (const k of ["PULUMI_NODEJS_TRANSPILE_ONLY", "PULUMI_NODEJS_TYPESCRIPT", "PULUMI_NODEJS_TSCONFIG_PATH", "TS_NODE_COMPILER_OPTIONS"])
        add(k, env[k] ?? "");
    return hash.digest("hex").slice(0, 32);
}

/** Every .ts, .js and .json file under `dir`, sorted (so the fingerprint does not depend on directory order). */
function sourceFiles(dir: string): string[] {
    const out: string[] = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            if (entry.name !== "node_modules") out.push(...sourceFiles(p));
        } else if (/\.(ts|js|json)$/.test(entry.name)) out.push(p);
    }
    return out.sort();
}

/** The cache file of one provider (by its resource type) under one fingerprint. */
export function cacheFile(cacheDir: string, resourceType: string, fingerprint: string): string {
    return path.join(cacheDir, `${resourceType.replace(/[^A-Za-z0-9_-]+/g, "_")}-${fingerprint}.json`);
}

/** The cached text, or undefined (absent, unreadable, or not what this module writes). */
export function readCachedText(file: string): string | undefined {
    try {
        const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as { text?: unknown };
        return typeof parsed.text === "string" && parsed.text.length > 0 ? parsed.text : undefined;
    } catch {
        return undefined;
    }
}

/**
 * Writes a provider's text atomically (a temporary file renamed over the target: concurrent runs each
 * write the same bytes) and removes that provider's files of other fingerprints. Never writes a text that
 * captured a secret. Errors are swallowed: the cache is best effort.
 */
export function writeCachedText(file: string, serialized: SerializedProviderText): boolean {
    if (serialized.containsSecrets) return false;
    try {
        const dir = path.dirname(file);
        fs.mkdirSync(dir, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify({ text: serialized.text }));
        fs.renameSync(tmp, file);
        const prefix = path.basename(file).replace(/-[0-9a-f]+\.json$/, "-");
        for (const other of fs.readdirSync(dir))
            if (other.startsWith(prefix) && other.endsWith(".json") && other !== path.basename(file) && /^[0-9a-f]+\.json$/.test(other.slice(prefix.length)))
                fs.rmSync(path.join(dir, other), { force: true });
        return true;
    } catch {
        return false;
    }
}

/**
 * Where the cache lives: `LAKEHOUSE_PROVIDER_CACHE` (`off`: no cache, every run serializes afresh), else
 * `<LAKEHOUSE_CACHE or ~/.cache/cdc-lakehouse>/dynamic-providers`.
 */
export function providerCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
    const own = env.LAKEHOUSE_PROVIDER_CACHE;
    if (own === "off") return undefined;
    if (own) return path.resolve(own);
    return path.join(lakehouseCacheDir(env), "dynamic-providers");
}
