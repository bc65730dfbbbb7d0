/**
 * Runs the Pulumi CLI offline: `npm run pulumi -- <args>` (wired as `ts-node harness/pulumi/cli.ts`).
 *
 * - Uses the harness's build (<cache>/bin/pulumi) when present, else `pulumi` on PATH.
 * - PULUMI_BACKEND_URL: `file://<repo>/.pulumi-state` (created) unless already set.
 * - PULUMI_CONFIG_PASSPHRASE: LOCAL_PASSPHRASE unless PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE is set.
 * - PULUMI_SKIP_UPDATE_CHECK=true, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true.
 * - PATH: the CLI's own directory first (its language host and the dynamic provider host live there), and
 *   node_modules/@pulumi/pulumi last as a fallback for the dynamic provider host.
 * No shell is involved; arguments and the exit code pass through unchanged.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OptionTable, splitOwnOptions } from "../../ops/args";
import { defaultCacheDir, findOnPath } from "./gobuild";
import { DYNAMIC_PROVIDER_HOST, harnessPulumiBinary } from "./install";

/** Repository root (harness/pulumi/ is two levels below it). */
export const REPO_DIR = path.resolve(__dirname, "..", "..");

/**
 * The passphrase of the local `passphrase` secrets provider for throwaway local stacks. Not a secret:
 * it only protects state on this machine's file backend. Set PULUMI_CONFIG_PASSPHRASE to use another.
 */
export const LOCAL_PASSPHRASE = "lakehouse-local-passphrase";

export function defaultStateDir(repoDir: string = REPO_DIR): string {
    return path.join(repoDir, ".pulumi-state");
}

/** The CLI to run: the harness build if present, else `pulumi` on PATH, else undefined. */
export function resolvePulumi(opts: { cacheDir?: string; env?: NodeJS.ProcessEnv } = {}): string | undefined {
    const env = opts.env ?? process.env;
    const harness = harnessPulumiBinary(opts.cacheDir ?? (env.LAKEHOUSE_CACHE || defaultCacheDir()));
    if (fs.existsSync(harness)) return harness;
    return findOnPath("pulumi", env.PATH || "");
}

export interface PulumiEnvOptions {
    /** Base environment (default process.env). */
    env?: NodeJS.ProcessEnv;
    /** The CLI that will run (its directory goes first on PATH). */
    pulumiPath: string;
    /** Local state directory for the file backend, used when PULUMI_BACKEND_URL is not set. */
    stateDir?: string;
    repoDir?: string;
}

/** The environment the offline CLI runs with. Creates the state directory of a file:// backend. */
export function pulumiEnv(opts: PulumiEnvOptions): NodeJS.ProcessEnv {
    const base = opts.env ?? process.env;
    const repoDir = opts.repoDir ?? REPO_DIR;
    const env: NodeJS.ProcessEnv = { ...base };
    if (!env.PULUMI_BACKEND_URL) {
        const dir = path.resolve(opts.stateDir ?? defaultStateDir(repoDir));
        env.PULUMI_BACKEND_URL = `file://${dir}`;
    }
    if (env.PULUMI_BACKEND_URL.startsWith("file://")) {
        const dir = env.PULUMI_BACKEND_URL.slice("file://".length).replace(/^~(?=\/|$)/, process.env.HOME || "~");
        if (dir) fs.mkdirSync(dir, { recursive: true });
    }
    if (!env.PULUMI_CONFIG_PASSPHRASE && !env.PULUMI_CONFIG_PASSPHRASE_FILE) env.PULUMI_CONFIG_PASSPHRASE = LOCAL_PASSPHRASE;
    env.PULUMI_SKIP_UPDATE_CHECK = "true";
    env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION = "true";
    const parts = [path.dirname(opts.pulumiPath), ...(base.PATH || "").split(path.delimiter).filter(Boolean)];
    const sdkDir = path.join(repoDir, "node_modules", "@pulumi", "pulumi");
    if (!fs.existsSync(path.join(path.dirname(opts.pulumiPath), DYNAMIC_PROVIDER_HOST)) && fs.existsSync(path.join(sdkDir, DYNAMIC_PROVIDER_HOST))) {
        parts.push(sdkDir);
    }
    env.PATH = [...new Set(parts)].join(path.delimiter);
    return env;
}

export interface RunPulumiOptions {
    /** Working directory (the Pulumi project). */
    cwd?: string;
    /** Extra environment, applied over process.env before the offline defaults are filled in. */
    env?: NodeJS.ProcessEnv;
    /** File backend directory when PULUMI_BACKEND_URL is not set in `env`/process.env. */
    stateDir?: string;
    /** Kill the CLI (SIGTERM, then SIGKILL 10 s later) after this long. Default 10 minutes. */
    timeoutMs?: number;
    /** Text for the CLI's standard input (default: none, stdin closed). */
    input?: string;
}

export interface RunPulumiResult {
    code: number;
    stdout: string;
    stderr: string;
    /** True when the timeout killed it. */
    timedOut: boolean;
}

/** Runs the offline CLI with `args` and captures its output. Rejects only when no CLI can be found. */
export function runPulumi(args: string[], opts: RunPulumiOptions = {}): Promise<RunPulumiResult> {
    const baseEnv = { ...process.env, ...(opts.env ?? {}) };
    const pulumiPath = resolvePulumi({ env: baseEnv });
    if (!pulumiPath) return Promise.reject(new Error(notFoundMessage()));
    const env = pulumiEnv({ env: baseEnv, pulumiPath, stateDir: opts.stateDir });
    const timeoutMs = opts.timeoutMs ?? 600_000;
    return new Promise((resolve, reject) => {
        const child = spawn(pulumiPath, args, { cwd: opts.cwd, env, stdio: ["pipe", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let timedOut = false;
        let killTimer: NodeJS.Timeout | undefined;
        const timer = setTimeout(() => {
            timedOut = true;
            child.kill("SIGTERM");
            killTimer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        }, timeoutMs);
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => err.push(b));
        child.stdin.on("error", () => undefined);
        child.stdin.end(opts.input ?? "");
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            if (killTimer) clearTimeout(killTimer);
            resolve({
                code: code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1),
                stdout: Buffer.concat(out).toString(),
                stderr: Buffer.concat(err).toString(),
                timedOut,
            });
        });
    });
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
    const n = (os.constants.signals as Record<string, number | undefined>)[signal];
    return typeof n === "number" ? n : undefined;
}

export function notFoundMessage(): string {
    return (
        `pulumi CLI not found: neither ${harnessPulumiBinary(process.env.LAKEHOUSE_CACHE || defaultCacheDir())} ` +
        `(build it with \`npx ts-node harness/pulumi/install.ts\` or the harness's install) nor \`pulumi\` on PATH`
    );
}

/** The options of `npm run pulumi` itself: none, so that every argument (`--help` too) reaches the Pulumi CLI. */
export const PULUMI_CLI_OPTIONS = {} as const satisfies OptionTable;

/** The arguments `npm run pulumi -- <args>` hands to the Pulumi CLI: all of them, in order and unchanged. */
export function pulumiCliArgs(argv: readonly string[]): string[] {
    return splitOwnOptions(argv, PULUMI_CLI_OPTIONS).rest;
}

/**
 * The harness's CLI cannot start a policy pack from its directory (its Node.js language host answers
 * "not supported", harness/pulumi/README.md): `--policy-pack <dir>` of a pack that ships a `run-pack.sh`
 * becomes `--policy-pack <dir>/run-pack.sh`, which that CLI runs as the analyzer. Other arguments are unchanged.
 */
export function policyPackArgsForHarnessCli(args: readonly string[], cwd: string = process.cwd()): string[] {
    return args.map((arg, i) => {
        const prev = args[i - 1];
        const inline = arg.startsWith("--policy-pack=") ? arg.slice("--policy-pack=".length) : undefined;
        const dir = inline ?? (prev === "--policy-pack" ? arg : undefined);
        if (dir === undefined) return arg;
        const script = path.join(path.resolve(cwd, dir), "run-pack.sh");
        if (!fs.existsSync(path.join(path.resolve(cwd, dir), "PulumiPolicy.yaml")) || !fs.existsSync(script)) return arg;
        return inline !== undefined ? `--policy-pack=${script}` : script;
    });
}

/** The `npm run pulumi -- <args>` entry point: inherits stdio, forwards signals, passes the exit code. */
export function main(argv: string[]): void {
    const pulumiPath = resolvePulumi();
    if (!pulumiPath) {
        console.error(notFoundMessage());
        process.exit(127);
    }
    const isHarnessCli = path.resolve(pulumiPath) === path.resolve(harnessPulumiBinary(process.env.LAKEHOUSE_CACHE || defaultCacheDir()));
    const args = isHarnessCli ? policyPackArgsForHarnessCli(argv) : argv;
    const env = pulumiEnv({ pulumiPath });
    const child = spawn(pulumiPath, args, { stdio: "inherit", env });
    const forward = (sig: NodeJS.Signals) => () => {
        child.kill(sig);
    };
    const handlers: [NodeJS.Signals, () => void][] = (["SIGINT", "SIGTERM", "SIGHUP"] as NodeJS.Signals[]).map((s) => [s, forward(s)]);
    for (const [s, h] of handlers) process.on(s, h);
    child.on("error", (e) => {
        console.error(`failed to run ${pulumiPath}: ${e.message}`);
        process.exit(127);
    });
    child.on("close", (code, signal) => {
        for (const [s, h] of handlers) process.off(s, h);
        if (code !== null) process.exit(code);
        process.exit(128 + (signal ? (signalNumber(signal) ?? 0) : 0));
    });
}

if (require.main === module) {
    main(pulumiCliArgs(process.argv.slice(2)));
}
