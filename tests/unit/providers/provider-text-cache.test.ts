/** The cache of the dynamic providers' serialized text across program runs (components/dynamic/provider-text-cache.ts). */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { cacheFile, codeFingerprint, providerCacheDir, readCachedText, writeCachedText } from "../../../components/dynamic/provider-text-cache";
import { bucketProvider } from "../../../components/dynamic/bucket";

function fakeRepo(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "provider-cache-repo-"));
    fs.mkdirSync(path.join(root, "components", "dynamic", "toolkit"), { recursive: true });
    fs.writeFileSync(path.join(root, "components", "dynamic", "bucket.ts"), "export const a = 1;\n");
    fs.writeFileSync(path.join(root, "components", "dynamic", "toolkit", "http.ts"), "export const b = 2;\n");
    fs.writeFileSync(path.join(root, "components", "defaults.ts"), "export const c = 3;\n");
    fs.writeFileSync(path.join(root, "tsconfig.json"), "{}");
    fs.writeFileSync(path.join(root, "package-lock.json"), '{"lockfileVersion":3}');
    return root;
}

describe("codeFingerprint", () => {
    let root: string;
    beforeEach(() => (root = fakeRepo()));
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("is stable for the same code and changes with any source file, the lock file, the compile mode, the Node.js version or the repository's place", () => {
        const env = {};
        const base = codeFingerprint(root, env, "v22.20.0");
        expect(base).toMatch(/^[0-9a-f]{32}$/);
        expect(codeFingerprint(root, env, "v22.20.0")).toBe(base);

        const changed = (mutate: () => void, restore: () => void, ...args: [NodeJS.ProcessEnv?, string?]) => {
            mutate();
            const fp = codeFingerprint(root, args[0] ?? env, args[1] ?? "v22.20.0");
            restore();
            expect(codeFingerprint(root, env, "v22.20.0")).toBe(base);
            return fp;
        };
        const helper = path.join(root, "components", "dynamic", "toolkit", "http.ts");
        const seen = new Set<string | undefined>([base]);
        for (const fp of [
            changed(
                () => fs.writeFileSync(helper, "export const b = 3;\n"),
                () => fs.writeFileSync(helper, "export const b = 2;\n"),
            ),
            changed(
                () => fs.writeFileSync(path.join(root, "components", "dynamic", "toolkit", "poll.ts"), ""),
                () => fs.rmSync(path.join(root, "components", "dynamic", "toolkit", "poll.ts")),
            ),
            changed(
                () => fs.writeFileSync(path.join(root, "package-lock.json"), '{"lockfileVersion":3,"x":1}'),
                () => fs.writeFileSync(path.join(root, "package-lock.json"), '{"lockfileVersion":3}'),
            ),
            changed(
                () => undefined,
                () => undefined,
                { PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
            ),
            changed(
                () => undefined,
                () => undefined,
                env,
                "v22.21.0",
            ),
        ]) {
            expect(seen.has(fp)).toBe(false);
            seen.add(fp);
        }
        const moved = `${root}-moved`;
        fs.cpSync(root, moved, { recursive: true });
        try {
            expect(codeFingerprint(moved, env, "v22.20.0")).not.toBe(base);
        } finally {
            fs.rmSync(moved, { recursive: true, force: true });
        }
    });

    it("is undefined when the sources cannot be read (no cache then)", () => {
        fs.rmSync(path.join(root, "package-lock.json"));
        expect(codeFingerprint(root, {}, "v22.20.0")).toBeUndefined();
        expect(codeFingerprint(path.join(root, "nowhere"), {}, "v22.20.0")).toBeUndefined();
    });
});

describe("the cache files", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "provider-cache-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("keep exactly what Pulumi's serialization returned, and drop the same provider's texts of other fingerprints only", async () => {
        const serialized = await pulumi.runtime.serializeFunction(() => bucketProvider, { allowSecrets: true });
        expect(serialized.containsSecrets).toBe(false);
        const old = cacheFile(dir, "lakehouse:WarehouseBucket", "0123abcd");
        const otherType = cacheFile(dir, "lakehouse:KafkaTopic", "0123abcd");
        fs.writeFileSync(old, JSON.stringify({ text: "old" }));
        fs.writeFileSync(otherType, JSON.stringify({ text: "topic" }));

        const file = cacheFile(dir, "lakehouse:WarehouseBucket", "ffff0000");
        expect(path.basename(file)).toBe("lakehouse_WarehouseBucket-ffff0000.json");
        expect(writeCachedText(file, serialized)).toBe(true);
        expect(readCachedText(file)).toBe(serialized.text);
        expect(fs.readdirSync(dir).sort()).toEqual(["lakehouse_KafkaTopic-0123abcd.json", "lakehouse_WarehouseBucket-ffff0000.json"]);
    });

    it("never keeps a text that captured a secret", () => {
        const file = cacheFile(dir, "lakehouse:WarehouseBucket", "ffff0000");
        expect(writeCachedText(file, { text: "function () { return 'secret'; }", containsSecrets: true })).toBe(false);
        expect(fs.existsSync(file)).toBe(false);
    });

    it("treats an unreadable, empty or foreign file as a miss, and an unwritable directory as no cache", () => {
        const file = cacheFile(dir, "lakehouse:WarehouseBucket", "ffff0000");
        expect(readCachedText(file)).toBeUndefined();
        for (const content of ["not json", "{}", '{"text":""}', '{"text":42}']) {
            fs.writeFileSync(file, content);
            expect(readCachedText(file)).toBeUndefined();
        }
        const blocked = path.join(dir, "blocked");
        fs.writeFileSync(blocked, "a file where the directory would be");
        expect(writeCachedText(cacheFile(blocked, "lakehouse:WarehouseBucket", "ffff0000"), { text: "x", containsSecrets: false })).toBe(false);
    });

    it("lives in LAKEHOUSE_PROVIDER_CACHE (off: none), else under LAKEHOUSE_CACHE, else the user's cache directory", () => {
        expect(providerCacheDir({ LAKEHOUSE_PROVIDER_CACHE: "/tmp/pc", LAKEHOUSE_CACHE: "/var/cache/lh" })).toBe("/tmp/pc");
        expect(providerCacheDir({ LAKEHOUSE_PROVIDER_CACHE: "off" })).toBeUndefined();
        expect(providerCacheDir({ LAKEHOUSE_CACHE: "/var/cache/lh" })).toBe("/var/cache/lh/dynamic-providers");
        expect(providerCacheDir({})).toBe(path.join(os.homedir(), ".cache", "cdc-lakehouse", "dynamic-providers"));
    });
});
