/**
 * Idempotent installs: each install is a directory in the cache with a marker file holding a
 * fingerprint of what was installed (versions, coordinates). A matching marker means done; anything
 * else is rebuilt in a scratch directory and moved into place, so an interrupted install never
 * looks finished.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { HarnessContext } from "./types";

const MARKER = ".installed";

export function fingerprint(value: unknown): string {
    return crypto.createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
}

export function isInstalled(dir: string, print: string): boolean {
    try {
        return fs.readFileSync(path.join(dir, MARKER), "utf8").trim() === print;
    } catch {
        return false;
    }
}

/**
 * Ensures `dir` holds what `build` produces for `spec`. `build` receives an empty scratch directory.
 * Returns the final directory.
 */
export async function ensureInstalled(
    ctx: HarnessContext,
    what: string,
    dir: string,
    spec: unknown,
    build: (scratch: string) => Promise<void>,
): Promise<string> {
    const print = fingerprint(spec);
    if (isInstalled(dir, print)) return dir;
    const started = Date.now();
    ctx.log(`installing ${what} into ${dir}`);
    const scratch = `${dir}.partial-${process.pid}`;
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.mkdirSync(scratch, { recursive: true });
    try {
        await build(scratch);
        fs.writeFileSync(path.join(scratch, MARKER), print + "\n");
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(path.dirname(dir), { recursive: true });
        fs.renameSync(scratch, dir);
    } catch (err) {
        fs.rmSync(scratch, { recursive: true, force: true });
        throw err;
    }
    ctx.log(`installed ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return dir;
}
