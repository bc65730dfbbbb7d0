/**
 * Small helpers to build Go programs from published Go modules (through the Go module proxy that
 * `go env GOPROXY` names), shared by the MinIO and Pulumi installers. No shell: every command is
 * spawned with an argument vector, its output appended to a build log in the cache.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The cache root: `$LAKEHOUSE_CACHE` or `~/.cache/cdc-lakehouse`. */
export function defaultCacheDir(): string {
    return process.env.LAKEHOUSE_CACHE || path.join(os.homedir(), ".cache", "cdc-lakehouse");
}

/** Where the harness's built binaries go. */
export function binDir(cacheDir: string): string {
    return path.join(cacheDir, "bin");
}

/** The `go` executable: `$GO`, else `go` on PATH, else the standard /usr/local/go install. */
export function goExecutable(): string {
    if (process.env.GO) return process.env.GO;
    const onPath = findOnPath("go");
    if (onPath) return onPath;
    const standard = "/usr/local/go/bin/go";
    if (fs.existsSync(standard)) return standard;
    throw new Error("Go toolchain not found: install Go (>= 1.25.11, what the go.mod of the Pulumi CLI requires) or set $GO to the go binary");
}

/** First executable named `name` on `searchPath` (default: $PATH), or undefined. */
export function findOnPath(name: string, searchPath: string = process.env.PATH || ""): string | undefined {
    for (const dir of searchPath.split(path.delimiter)) {
        if (!dir) continue;
        const candidate = path.join(dir, name);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) return candidate;
        } catch {
            // not here
        }
    }
    return undefined;
}

export interface RunResult {
    code: number;
    stdout: string;
    stderr: string;
}

/**
 * Runs a command without a shell, appending its output to `logFile` (when given) and returning it.
 * Never rejects for a non-zero exit; rejects only when the command cannot be spawned.
 */
export function run(
    command: string,
    args: string[],
    opts: { cwd?: string; env?: NodeJS.ProcessEnv; logFile?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        const log = opts.logFile ? fs.openSync(opts.logFile, "a") : undefined;
        if (log !== undefined) {
            fs.writeSync(log, `\n$ (cd ${opts.cwd ?? process.cwd()}) ${command} ${args.join(" ")}\n`);
        }
        const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let timer: NodeJS.Timeout | undefined;
        if (opts.timeoutMs) {
            timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
        }
        child.stdout.on("data", (b: Buffer) => {
            out.push(b);
            if (log !== undefined) fs.writeSync(log, b);
        });
        child.stderr.on("data", (b: Buffer) => {
            err.push(b);
            if (log !== undefined) fs.writeSync(log, b);
        });
        child.on("error", (e) => {
            if (timer) clearTimeout(timer);
            if (log !== undefined) fs.closeSync(log);
            reject(e);
        });
        child.on("close", (code, signal) => {
            if (timer) clearTimeout(timer);
            if (log !== undefined) {
                fs.writeSync(log, `[exit ${code ?? signal}]\n`);
                fs.closeSync(log);
            }
            resolve({ code: code ?? 128, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
        });
    });
}

/** Last `n` lines of a file, for error messages. */
export function tail(file: string, n = 30): string {
    try {
        const lines = fs.readFileSync(file, "utf8").split("\n");
        return lines.slice(-n).join("\n");
    } catch {
        return "";
    }
}

/** Environment for Go builds: no toolchain downloads, no VCS stamping, static binaries. */
export function goEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
        ...process.env,
        GOTOOLCHAIN: "local",
        GOFLAGS: "-buildvcs=false",
        CGO_ENABLED: "0",
        ...extra,
    };
}

/** `go mod download -json module@version`: the read-only directory of that module in the module cache. */
export async function downloadModule(module: string, version: string, logFile: string): Promise<string> {
    const r = await run(goExecutable(), ["mod", "download", "-json", `${module}@${version}`], { env: goEnv(), logFile, cwd: os.tmpdir() });
    let info: { Dir?: string; Error?: string } = {};
    try {
        info = JSON.parse(r.stdout);
    } catch {
        // fall through with the raw output
    }
    if (r.code !== 0 || !info.Dir) {
        throw new Error(`go mod download ${module}@${version} failed: ${info.Error ?? (r.stderr.trim() || r.stdout.trim())}`);
    }
    return info.Dir;
}

/** Copies a (read-only) module directory to `dest`, making the copy writable. Replaces `dest`. */
export function writableCopy(src: string, dest: string): void {
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.cpSync(src, dest, { recursive: true });
    makeWritable(dest);
}

function makeWritable(p: string): void {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    fs.chmodSync(p, st.mode | 0o200);
    if (st.isDirectory()) {
        for (const e of fs.readdirSync(p)) makeWritable(path.join(p, e));
    }
}

/** A small JSON marker that says "this exact thing is built"; install steps compare it to skip work. */
export function readMarker(file: string): Record<string, unknown> | undefined {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        return undefined;
    }
}

export function writeMarker(file: string, value: Record<string, unknown>): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}

/** True when every key of `want` equals the marker's value and every file exists. */
export function isInstalled(markerFile: string, want: Record<string, unknown>, files: string[]): boolean {
    const m = readMarker(markerFile);
    if (!m) return false;
    for (const [k, v] of Object.entries(want)) {
        if (JSON.stringify(m[k]) !== JSON.stringify(v)) return false;
    }
    return files.every((f) => fs.existsSync(f));
}

/** Moves a freshly built file into place atomically (same filesystem) and makes it executable. */
export function placeBinary(built: string, dest: string): void {
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.chmodSync(built, 0o755);
    fs.renameSync(built, dest);
}
