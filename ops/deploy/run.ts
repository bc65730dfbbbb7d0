/**
 * `npm run deploy`: the steps, in order. The decisions live in the pure modules next to this one
 * (args, plan, probes' parsers, ports, output); this file only runs commands and prints.
 *
 *   1. the Pulumi CLI: the harness's build or `pulumi` on PATH; when there is none, it is built with the
 *      harness's installer (harness/pulumi/install.ts), with progress lines;
 *   2. probes (auto mode, or a forced Docker stack): a Docker engine (bounded), the docker and random
 *      provider plugins at the SDK packages' versions (installed, or installable with a bound);
 *   3a. `dev` on Docker: the project's images (harness/images), the host-port check (ports.ts), then
 *      `pulumi stack select dev --create` and `pulumi up --stack dev <flags>` (plugin downloads allowed);
 *   3b. otherwise ONE line saying why, the harness's services (`ensureUp`), then `pulumi up --stack local
 *      <flags>` with the offline environment of `pulumiEnv`;
 *   4. where to look: the stack's endpoints and the check commands.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { createContext, ensureUp } from "../../harness/cli";
import { REPO_DIR, pulumiEnv, resolvePulumi } from "../../harness/pulumi/cli";
import { installPulumi } from "../../harness/pulumi/install";
import { services as harnessServices } from "../../harness/registry";
import { UsageError } from "../args";
import { parseDeployArgs, upsWithoutAsking } from "./args";
import { closingLines } from "./output";
import { DeployTarget, ProbeResults, nonInteractiveStop, planDeploy, platformOfStackFile, probesNeeded } from "./plan";
import { conflictMessage, harnessPortHolders, listeningPorts, parseDockerPorts, portConfigOf, portConflicts, publishedPorts, suggestedOffset } from "./ports";
import { Availability, exec, firstLine, pluginRequirements, probeDocker, probePlugins } from "./probes";

const started = Date.now();

function elapsed(): string {
    return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}

/** A progress line on stderr (Pulumi's own output goes to stdout). */
function progress(message: string): void {
    process.stderr.write(`[deploy ${new Date().toISOString().slice(11, 19)} +${elapsed()}] ${message}\n`);
}

/** Step 1: the CLI, built with the harness's installer when there is none. */
async function ensurePulumi(): Promise<string> {
    const found = resolvePulumi();
    if (found) {
        progress(`Pulumi CLI: ${found}`);
        return found;
    }
    progress(
        "No Pulumi CLI on PATH or in the harness's cache: building one from Go modules with the harness's installer (about 5 min on 2 cores with empty Go caches; needs Go >= 1.25.11)",
    );
    await installPulumi(createContext({ log: (m) => progress(`pulumi: ${m}`) }));
    const built = resolvePulumi();
    if (!built) throw new Error("the harness's installer finished but no Pulumi CLI is in its cache: see the build log it named above");
    progress(`Pulumi CLI built: ${built}`);
    return built;
}

/** Step 2: the probes this request needs. */
function runProbes(pulumi: string, env: NodeJS.ProcessEnv, needs: { docker: boolean; plugins: boolean }): ProbeResults {
    const results: ProbeResults = {};
    if (!needs.docker) return results;
    progress("probing the Docker engine (`docker version`, at most 10 s)");
    results.docker = probeDocker(exec, env);
    progress(results.docker.ok ? `${results.docker.detail}` : `no Docker engine: ${results.docker.reason}`);
    if (!results.docker.ok || !needs.plugins) return results;
    let plugins: Availability;
    try {
        const wanted = pluginRequirements(REPO_DIR);
        progress(`checking the provider plugins ${wanted.map((w) => `${w.name} ${w.version}`).join(", ")}`);
        plugins = probePlugins(pulumi, env, wanted, exec, progress);
    } catch (err) {
        plugins = { ok: false, reason: (err as Error).message };
    }
    progress(plugins.ok ? `provider plugins present: ${plugins.detail}` : `provider plugins unavailable: ${plugins.reason}`);
    results.plugins = plugins;
    return results;
}

/** Runs the CLI with captured output; throws naming the command and its first error line on failure. */
function pulumiCaptured(pulumi: string, env: NodeJS.ProcessEnv, args: string[], timeoutMs = 120_000): string {
    const r = exec(pulumi, args, { env, cwd: REPO_DIR, timeoutMs });
    if (r.code !== 0 || r.timedOut || r.error) {
        const why = r.error ?? (r.timedOut ? `no answer within ${timeoutMs / 1000} s` : firstLine(r.stderr) || `exit ${r.code}`);
        throw new Error(`\`pulumi ${args.join(" ")}\` failed: ${why}`);
    }
    return r.stdout;
}

/** Step 3a's port check: throws the conflict message when a port the stack publishes is held by anything but its own containers. */
function checkDevPorts(pulumi: string, env: NodeJS.ProcessEnv, stack: string): void {
    const cfg = portConfigOf(pulumiCaptured(pulumi, env, ["config", "--json", "--stack", stack]));
    const wanted = publishedPorts(cfg);
    const own = exec("docker", ["ps", "--filter", `label=lakehouse.stack=${stack}`, "--format", "{{.Ports}}"], { timeoutMs: 10_000, env });
    const conflicts = portConflicts(wanted, listeningPorts(), parseDockerPorts(own.stdout), harnessPortHolders(harnessServices));
    if (conflicts.length) throw new Error(conflictMessage(stack, conflicts, suggestedOffset(wanted, cfg.hostPortOffset, listeningPorts())));
    progress(`host ports free for stack ${stack}: ${wanted.map((p) => p.port).join(", ") || "none published"}`);
}

/** Step 3a's images: the library of `npm run images -- build`, loaded only on this path. */
async function buildProjectImages(): Promise<void> {
    progress("building the project's images (`npm run images -- build`; images already built are skipped)");
    const { buildImages } = await import("../../harness/images/build");
    const results = await buildImages(createContext({ log: (m) => progress(`images: ${m}`) }));
    progress(`images ready: ${results.map((r) => `${r.name} (${r.outcome})`).join(", ")}`);
}

/** `pulumi up` with the terminal attached; resolves with its exit code. */
function pulumiUp(pulumi: string, env: NodeJS.ProcessEnv, stack: string, upFlags: string[]): number {
    progress(`pulumi up --stack ${stack} ${upFlags.join(" ")}`.trimEnd());
    const r = spawnSync(pulumi, ["up", "--stack", stack, ...upFlags], { cwd: REPO_DIR, env, stdio: "inherit" });
    if (r.error) throw new Error(`could not run ${pulumi}: ${r.error.message}`);
    return r.status ?? 1;
}

/** The environment per target: offline for the harness (no plugin downloads needed), downloads allowed otherwise. */
function envFor(pulumi: string, target: DeployTarget): NodeJS.ProcessEnv {
    const offline = pulumiEnv({ pulumiPath: pulumi });
    return target === "harness" ? offline : { ...offline, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "false" };
}

/** `npm run deploy -- <argv>`; resolves with the exit code. */
export async function deploy(argv: string[]): Promise<number> {
    let args;
    try {
        args = parseDeployArgs(argv);
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        console.error(`${err.message}\nusage: npm run deploy [-- --stack <name>] [-- <pulumi up flags, e.g. --yes>]`);
        return 2;
    }
    const stop = nonInteractiveStop(Boolean(process.stdin.isTTY), upsWithoutAsking(args.upFlags));
    if (stop) {
        console.error(stop);
        return 2;
    }

    const pulumi = await ensurePulumi();
    const stackFile = args.stack ? path.join(REPO_DIR, `Pulumi.${args.stack}.yaml`) : undefined;
    const platform = stackFile && fs.existsSync(stackFile) ? platformOfStackFile(fs.readFileSync(stackFile, "utf8")) : undefined;
    const probes = runProbes(pulumi, envFor(pulumi, "docker"), probesNeeded(args.stack, platform));
    const plan = planDeploy(args.stack, probes, platform);
    if (!plan.ok) {
        console.error(plan.error);
        return 1;
    }
    if (plan.notice) console.log(plan.notice);
    const env = envFor(pulumi, plan.target);

    if (plan.target === "docker") await buildProjectImages();
    if (plan.target === "harness") {
        progress("starting the harness's services (installs are cached; healthy services are left alone)");
        await ensureUp(undefined, { ctx: createContext({ log: (m) => progress(`harness: ${m}`) }) });
    }
    pulumiCaptured(pulumi, env, ["stack", "select", plan.stack, "--create"]);
    progress(`stack ${plan.stack} selected (state: ${env.PULUMI_BACKEND_URL})`);
    if (plan.target === "docker") checkDevPorts(pulumi, env, plan.stack);

    const code = pulumiUp(pulumi, env, plan.stack, args.upFlags);
    if (code !== 0) {
        console.error(`pulumi up --stack ${plan.stack} failed (exit ${code}) after ${elapsed()}; its output above names the resource and the cause.`);
        return code;
    }
    let outputs: string | undefined;
    try {
        outputs = pulumiCaptured(pulumi, env, ["stack", "output", "--json", "--stack", plan.stack], 60_000);
    } catch (err) {
        progress(`could not read the stack's outputs: ${(err as Error).message}`);
    }
    console.log(["", ...closingLines(plan.stack, outputs), `(deploy took ${elapsed()})`].join("\n"));
    return 0;
}
