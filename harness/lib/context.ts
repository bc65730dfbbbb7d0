/**
 * Builds the HarnessContext: where the repository, the download cache and the run state live,
 * the pinned versions, and a progress logger.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { lakehouseCacheDir } from "../../components/cache-dir";
import { HarnessContext } from "./types";

/** Repository root: harness/lib/ is two levels below it. */
export const repoDir: string = path.resolve(__dirname, "..", "..");

export function defaultCacheDir(): string {
    return lakehouseCacheDir();
}

export function defaultRunDir(): string {
    return process.env.LAKEHOUSE_RUN || path.join(os.homedir(), ".local", "state", "cdc-lakehouse");
}

export function loadVersions(dir: string = repoDir): Record<string, any> {
    const file = path.join(dir, "harness", "versions.json");
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

function timestamp(): string {
    return new Date().toISOString().slice(11, 23);
}

/** A progress line on stderr, so that `--json` output on stdout stays machine-readable. */
export function defaultLog(message: string): void {
    process.stderr.write(`[harness ${timestamp()}] ${message}\n`);
}

export interface ContextOptions {
    cacheDir?: string;
    runDir?: string;
    log?: (message: string) => void;
}

export function createContext(options: ContextOptions = {}): HarnessContext {
    const cacheDir = path.resolve(options.cacheDir || defaultCacheDir());
    const runDir = path.resolve(options.runDir || defaultRunDir());
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.mkdirSync(path.join(runDir, "logs"), { recursive: true });
    fs.mkdirSync(path.join(runDir, "pids"), { recursive: true });
    return {
        repoDir,
        cacheDir,
        runDir,
        versions: loadVersions(repoDir),
        log: options.log || defaultLog,
    };
}

/** A context whose log lines name the service they are about. */
export function scopedContext(ctx: HarnessContext, name: string): HarnessContext {
    return { ...ctx, log: (message: string) => ctx.log(`${name}: ${message}`) };
}
