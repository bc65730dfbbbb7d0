/**
 * What `npm run deploy` needs to know about this machine before it picks a stack: is there a Docker
 * engine, and are the provider plugins the dev stack needs (docker, random) installed or installable.
 * Every probe is bounded and never throws: it answers `{ ok: true }` or `{ ok: false, reason }`, the
 * reason being one line that names the command and what it said. The parsers are pure; the probes
 * take the command runner as a parameter.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { findOnPath } from "../../harness/pulumi/gobuild";

/** The answer of one probe. */
export type Availability = { ok: true; detail?: string } | { ok: false; reason: string };

/** The result of one bounded command. */
export interface ExecResult {
    code: number;
    stdout: string;
    stderr: string;
    timedOut: boolean;
    /** Set when the command could not be started (e.g. ENOENT). */
    error?: string;
}

/** Runs a command with a bound; never throws. */
export type Exec = (command: string, args: string[], opts: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string }) => ExecResult;

/** The real runner: spawnSync with a timeout (SIGKILL when it passes). */
export const exec: Exec = (command, args, opts) => {
    const r = spawnSync(command, args, { env: opts.env, cwd: opts.cwd, timeout: opts.timeoutMs, killSignal: "SIGKILL", encoding: "utf8" });
    const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT";
    return {
        code: r.status ?? 1,
        stdout: r.stdout ?? "",
        stderr: r.stderr ?? "",
        timedOut,
        ...(r.error && !timedOut ? { error: r.error.message } : {}),
    };
};

/** How long `docker version` may take to answer. */
export const DOCKER_PROBE_TIMEOUT_MS = 10_000;
/** How long one `pulumi plugin install` may take (a download of a few tens of MB). */
export const PLUGIN_INSTALL_TIMEOUT_MS = 120_000;
/** How long `pulumi plugin ls` may take. */
export const PLUGIN_LIST_TIMEOUT_MS = 20_000;

/** The first non-empty line of a text, trimmed (for one-line reasons). */
export function firstLine(text: string): string {
    return (
        text
            .split("\n")
            .map((l) => l.trim())
            .find((l) => l.length > 0) ?? ""
    );
}

/** Does a Docker engine answer? `docker version --format '{{.Server.Version}}'`, bounded. */
export function probeDocker(run: Exec = exec, env: NodeJS.ProcessEnv = process.env): Availability {
    const r = run("docker", ["version", "--format", "{{.Server.Version}}"], { timeoutMs: DOCKER_PROBE_TIMEOUT_MS, env });
    return dockerAvailability(r);
}

/** The verdict of `docker version --format '{{.Server.Version}}'`. Pure. */
export function dockerAvailability(r: ExecResult): Availability {
    if (r.error) return { ok: false, reason: /ENOENT/.test(r.error) ? "no `docker` command on PATH" : `\`docker version\` could not run: ${r.error}` };
    if (r.timedOut) return { ok: false, reason: `no Docker engine answered \`docker version\` within ${DOCKER_PROBE_TIMEOUT_MS / 1000} s` };
    const version = r.stdout.trim();
    if (r.code !== 0 || !version) return { ok: false, reason: `no Docker engine answers (\`docker version\`: ${firstLine(r.stderr) || `exit ${r.code}`})` };
    return { ok: true, detail: `Docker engine ${version}` };
}

/** A resource plugin the program needs, at the version its SDK package asks for. */
export interface PluginRequirement {
    name: string;
    version: string;
}

/** The SDK packages whose resource plugins the dev stack needs. */
export const DEV_PLUGIN_PACKAGES = ["docker", "random"] as const;

/** The plugin a `@pulumi/<name>` package.json asks for (its `pulumi` block, else its own version). Pure. */
export function pluginRequirementOf(packageJson: unknown, name: string): PluginRequirement {
    const pkg = (packageJson ?? {}) as { version?: unknown; pulumi?: { name?: unknown; version?: unknown } };
    const version = typeof pkg.pulumi?.version === "string" ? pkg.pulumi.version : typeof pkg.version === "string" ? pkg.version : undefined;
    if (!version) throw new Error(`@pulumi/${name}'s package.json names no version`);
    return { name: typeof pkg.pulumi?.name === "string" ? pkg.pulumi.name : name, version: version.replace(/^v/, "") };
}

/** Reads the plugin versions from node_modules/@pulumi/<name>/package.json; throws naming the fix when a package is missing. */
export function pluginRequirements(repoDir: string, names: readonly string[] = DEV_PLUGIN_PACKAGES): PluginRequirement[] {
    return names.map((name) => {
        const file = path.join(repoDir, "node_modules", "@pulumi", name, "package.json");
        if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm install\``);
        return pluginRequirementOf(JSON.parse(fs.readFileSync(file, "utf8")), name);
    });
}

/** The requirements `pulumi plugin ls --json` does not list as installed resource plugins. Pure. */
export function missingPlugins(pluginLsJson: string, wanted: readonly PluginRequirement[]): PluginRequirement[] {
    let listed: unknown;
    try {
        listed = JSON.parse(pluginLsJson || "[]");
    } catch {
        return [...wanted];
    }
    const have = new Set(
        (Array.isArray(listed) ? listed : [])
            .filter((p): p is { name: string; kind?: string; version?: string } => typeof p === "object" && p !== null && typeof p.name === "string")
            .filter((p) => (p.kind ?? "resource") === "resource")
            .map((p) => `${p.name}@${String(p.version ?? "").replace(/^v/, "")}`),
    );
    return wanted.filter((w) => !have.has(`${w.name}@${w.version}`));
}

/**
 * One line saying why `pulumi plugin install` failed: the cause of its first failed download when it
 * names one (e.g. `no download in 5 attempts: dial tcp: lookup get.pulumi.com ...: no such host`), else
 * its `error:` line. Pure.
 */
export function pluginInstallFailure(r: ExecResult, timeoutMs: number = PLUGIN_INSTALL_TIMEOUT_MS): string {
    if (r.error) return r.error;
    if (r.timedOut) return `no answer within ${Math.round(timeoutMs / 1000)} s`;
    const lines = `${r.stderr}\n${r.stdout}`.split("\n").map((l) => l.trim());
    const error = lines.find((l) => l.startsWith("error:"))?.replace(/^error:\s*/, "");
    const download = lines.find((l) => /error downloading plugin:/i.test(l));
    const cause = download
        ?.replace(/^.*error downloading plugin:\s*/i, "")
        .replace(/^Get "[^"]*":\s*/, "")
        .trim();
    const attempts = /failed all (\d+) attempts/.exec(error ?? "")?.[1];
    if (cause) return `${attempts ? `no download in ${attempts} attempts` : "download failed"}: ${cause}`;
    return error || firstLine(r.stderr) || `exit ${r.code}`;
}

/**
 * Are the plugins installed, or installable now? Lists them (`pulumi plugin ls --json`), counts a
 * `pulumi-resource-<name>` on PATH as installed, and tries `pulumi plugin install resource <name>
 * <version>` (bounded) for each missing one, stopping at the first that fails.
 */
export function probePlugins(
    pulumi: string,
    env: NodeJS.ProcessEnv,
    wanted: readonly PluginRequirement[],
    run: Exec = exec,
    log: (m: string) => void = () => undefined,
): Availability {
    const ls = run(pulumi, ["plugin", "ls", "--json"], { timeoutMs: PLUGIN_LIST_TIMEOUT_MS, env });
    const missing = missingPlugins(ls.code === 0 ? ls.stdout : "[]", wanted).filter((p) => !findOnPath(`pulumi-resource-${p.name}`, env.PATH || ""));
    for (const p of missing) {
        log(
            `installing the ${p.name} provider plugin ${p.version} (\`pulumi plugin install resource ${p.name} ${p.version}\`, at most ${PLUGIN_INSTALL_TIMEOUT_MS / 1000} s)`,
        );
        const r = run(pulumi, ["plugin", "install", "resource", p.name, p.version], { timeoutMs: PLUGIN_INSTALL_TIMEOUT_MS, env });
        if (r.code !== 0 || r.timedOut || r.error)
            return { ok: false, reason: `\`pulumi plugin install resource ${p.name} ${p.version}\`: ${pluginInstallFailure(r)}` };
    }
    return { ok: true, detail: wanted.map((w) => `${w.name} ${w.version}`).join(", ") };
}
