/**
 * The real-services harness: installs and runs PostgreSQL, Kafka, Kafka Connect + Debezium, Nessie,
 * MinIO and Flink as plain local processes on loopback, in dependency order, each gated on its own
 * health check.
 *
 *   npx ts-node --transpile-only harness/cli.ts <command>
 *     up [name...]          install + start (skips healthy services; a subset pulls in its dependencies)
 *     down [name...]        stop what the harness started (a subset also stops its dependents), reverse order
 *     status [--json]       health, ports, pid and resident memory per service (exit 1 if any is unhealthy)
 *     logs <name> [--lines N]
 *     install [name...]     downloads/builds only (with no name: every service and the Pulumi CLI)
 *     endpoints [--json]    endpoints and credentials of every service
 *
 * Also a library: ensureUp(), stopServices(), status(), endpoints(), installServices().
 */
import * as fs from "fs";
import * as path from "path";
import { HarnessContext, ServiceDefinition } from "./lib/types";
import { createContext, scopedContext } from "./lib/context";
import {
    isRecordAlive,
    logFile,
    portInUse,
    readPidRecord,
    removePidRecord,
    startProcess,
    stopRecordedProcess,
    tailLog,
    treePssKiB,
    treeRssKiB,
} from "./lib/process";
import { waitFor, withTimeout } from "./lib/wait";
import { currentMountsBelow, unmountBelow } from "./lib/mounts";
import { withFileLock } from "./lib/lock";
import { services as registered } from "./registry";
import { installPulumi } from "./pulumi/install";
import { OptionTable, Printer, parseCommandLine, readCommandLine } from "../ops/args";

export { createContext } from "./lib/context";
export { waitFor } from "./lib/wait";

const TAIL_LINES = 60;

// ---------------------------------------------------------------------------------------------
// Dependency order

function byName(defs: ServiceDefinition[]): Map<string, ServiceDefinition> {
    return new Map(defs.map((d) => [d.name, d]));
}

function unknownNames(names: string[], defs: ServiceDefinition[]): string[] {
    const known = byName(defs);
    return names.filter((n) => !known.has(n));
}

/**
 * Names with groups expanded: a name that is no service but prefixes services (`k8s` for `k8s-etcd`,
 * `k8s-apiserver`, ...) stands for all of them.
 */
export function expandGroups(names: string[], defs: ServiceDefinition[] = registered): string[] {
    const known = byName(defs);
    return [
        ...new Set(
            names.flatMap((n) => {
                if (known.has(n)) return [n];
                const members = defs.filter((d) => d.name.startsWith(`${n}-`)).map((d) => d.name);
                return members.length ? members : [n];
            }),
        ),
    ];
}

/** What a bare `up` or `status` means: every service but those started only on demand (the Kubernetes cluster). */
function defaultServices(defs: ServiceDefinition[]): ServiceDefinition[] {
    return dependencyOrder(defs.filter((d) => !d.onDemand));
}

/** Topological order (dependencies first), ties broken by registry order. Throws on a cycle. */
export function dependencyOrder(defs: ServiceDefinition[]): ServiceDefinition[] {
    const map = byName(defs);
    const out: ServiceDefinition[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (d: ServiceDefinition, trail: string[]) => {
        const s = state.get(d.name);
        if (s === "done") return;
        if (s === "visiting") throw new Error(`dependency cycle: ${[...trail, d.name].join(" -> ")}`);
        state.set(d.name, "visiting");
        for (const dep of d.dependsOn) {
            const dd = map.get(dep);
            if (dd) visit(dd, [...trail, d.name]);
        }
        state.set(d.name, "done");
        out.push(d);
    };
    for (const d of defs) visit(d, []);
    return out;
}

/** The named services plus everything they depend on, in start order. */
export function withDependencies(names: string[] | undefined, defs: ServiceDefinition[] = registered): ServiceDefinition[] {
    if (!names || names.length === 0) return defaultServices(defs);
    names = expandGroups(names, defs);
    const bad = unknownNames(names, defs);
    if (bad.length) throw new Error(`unknown service(s): ${bad.join(", ")} (known: ${defs.map((d) => d.name).join(", ")})`);
    const map = byName(defs);
    const want = new Set<string>();
    const add = (n: string) => {
        if (want.has(n)) return;
        want.add(n);
        for (const dep of map.get(n)!.dependsOn) add(dep);
    };
    names.forEach(add);
    return dependencyOrder(defs).filter((d) => want.has(d.name));
}

/** The named services plus everything that depends on them, in start order. */
export function withDependents(names: string[] | undefined, defs: ServiceDefinition[] = registered): ServiceDefinition[] {
    if (!names || names.length === 0) return dependencyOrder(defs);
    names = expandGroups(names, defs);
    const bad = unknownNames(names, defs);
    if (bad.length) throw new Error(`unknown service(s): ${bad.join(", ")} (known: ${defs.map((d) => d.name).join(", ")})`);
    const want = new Set<string>(names);
    let grew = true;
    while (grew) {
        grew = false;
        for (const d of defs) {
            if (!want.has(d.name) && d.dependsOn.some((dep) => want.has(dep))) {
                want.add(d.name);
                grew = true;
            }
        }
    }
    return dependencyOrder(defs).filter((d) => want.has(d.name));
}

// ---------------------------------------------------------------------------------------------
// A lock so that two `up`/`down` runs (e.g. a test run's setup and a person) do not race.

function withLock<T>(ctx: HarnessContext, what: string, fn: () => Promise<T>): Promise<T> {
    return withFileLock(
        path.join(ctx.runDir, "harness.lock"),
        { waitingFor: `the harness lock for ${what} (another harness run is busy)`, timeoutMs: 20 * 60 * 1000, log: ctx.log },
        fn,
    );
}

// ---------------------------------------------------------------------------------------------
// Health

/** One bounded health check; never throws. */
export async function isHealthy(ctx: HarnessContext, def: ServiceDefinition, timeoutMs = 10000): Promise<boolean> {
    try {
        return (await withTimeout(Promise.resolve(def.health.check(ctx)), timeoutMs, def.health.describe)) === true;
    } catch {
        return false;
    }
}

// ---------------------------------------------------------------------------------------------
// install / up / down

export interface HarnessOptions {
    ctx?: HarnessContext;
}

/** Downloads/builds the named services (and their dependencies), sequentially. */
export async function installServices(names?: string[], options: HarnessOptions = {}): Promise<void> {
    const ctx = options.ctx || createContext();
    for (const def of withDependencies(names)) {
        const sctx = scopedContext(ctx, def.name);
        try {
            await def.install(sctx);
        } catch (err) {
            throw new Error(`install of ${def.name} failed: ${(err as Error).message}`);
        }
    }
}

type UpResult = "already-healthy" | "started";

export class ServiceStartError extends Error {
    constructor(
        public readonly service: string,
        message: string,
        public readonly logTail: string,
    ) {
        super(message);
        this.name = "ServiceStartError";
    }
}

async function stopOne(ctx: HarnessContext, def: ServiceDefinition): Promise<boolean> {
    const record = readPidRecord(ctx, def.name);
    if (!record) return false;
    const sctx = scopedContext(ctx, def.name);
    if (isRecordAlive(record) && def.stop) {
        try {
            await def.stop(sctx);
        } catch (err) {
            sctx.log(`its own stop step failed (${(err as Error).message}); signalling its process group`);
        }
    }
    await stopRecordedProcess(sctx, def.name);
    return true;
}

async function startOne(ctx: HarnessContext, def: ServiceDefinition, dependencyRestarted: boolean): Promise<UpResult> {
    const sctx = scopedContext(ctx, def.name);
    const record = readPidRecord(ctx, def.name);
    const ours = record !== undefined && isRecordAlive(record);
    // A process this harness started that has died is down, whatever a remote check still says (the
    // JobManager lists a killed TaskManager until its heartbeat times out).
    const diedOnUs = record !== undefined && !ours;
    if (diedOnUs) sctx.log(`process ${record!.pid} recorded for ${def.name} is gone: starting it again`);
    if (!diedOnUs && (await isHealthy(sctx, def))) {
        if (!(dependencyRestarted && ours)) {
            sctx.log(ours ? `already healthy (pid ${record!.pid})` : "already healthy (not started by this harness)");
            return "already-healthy";
        }
        sctx.log("a dependency was restarted: restarting this service too");
    } else if (ours) {
        sctx.log(`process ${record!.pid} is running but not healthy: restarting it`);
    }
    if (record) await stopOne(ctx, def);

    for (const [portName, port] of Object.entries(def.ports)) {
        if (await portInUse(port)) {
            throw new ServiceStartError(
                def.name,
                `${def.name}: port ${port} (${portName}) on 127.0.0.1 is already in use by a process this harness did not start, and ${def.name} is not healthy there. Stop that process and run up again.`,
                "",
            );
        }
    }

    if (def.prepare) await def.prepare(sctx);
    const cmd = def.start(sctx);
    const started = startProcess(sctx, def.name, cmd);
    sctx.log(`started pid ${started.pid}; log ${logFile(ctx, def.name)}`);
    try {
        await waitFor(def.health.describe, () => withTimeout(Promise.resolve(def.health.check(sctx)), 15000, def.health.describe), {
            timeoutMs: def.startTimeoutMs,
            log: sctx.log,
            abortIf: () => (isRecordAlive(started) ? undefined : `the ${def.name} process (pid ${started.pid}) exited`),
        });
        if (def.afterHealthy) await def.afterHealthy(sctx);
    } catch (err) {
        const tail = tailLog(ctx, def.name, TAIL_LINES);
        process.stderr.write(`\n----- last ${TAIL_LINES} lines of ${logFile(ctx, def.name)} -----\n${tail}\n----- end of ${def.name} log -----\n\n`);
        await stopOne(ctx, def).catch((e) => sctx.log(`stop after failed start failed: ${(e as Error).message}`));
        throw new ServiceStartError(def.name, `${def.name} did not become healthy: ${(err as Error).message}`, tail);
    }
    return "started";
}

/**
 * Installs and starts the named services (default: all) and their dependencies, each as soon as its
 * dependencies are healthy. Healthy services are left alone unless a dependency had to be restarted.
 * Throws if any service fails; the ones that did come up stay up.
 */
export async function ensureUp(names?: string[], options: HarnessOptions = {}): Promise<void> {
    const ctx = options.ctx || createContext();
    const selected = withDependencies(names);
    await withLock(ctx, "up", async () => {
        const t0 = Date.now();
        await installServices(
            selected.map((d) => d.name),
            { ctx },
        );
        const results = new Map<string, Promise<UpResult>>();
        for (const def of selected) {
            results.set(
                def.name,
                (async () => {
                    const deps = def.dependsOn.filter((d) => results.has(d));
                    let depResults: UpResult[];
                    try {
                        depResults = await Promise.all(deps.map((d) => results.get(d)!));
                    } catch {
                        throw new Error(`${def.name} not started: a dependency (${deps.join(", ")}) failed`);
                    }
                    return startOne(ctx, def, depResults.includes("started"));
                })(),
            );
        }
        const settled = await Promise.allSettled([...results.values()]);
        const failures = settled
            .map((s, i) => (s.status === "rejected" ? `${selected[i].name}: ${(s.reason as Error).message}` : undefined))
            .filter((x): x is string => x !== undefined);
        if (failures.length) throw new Error(`services failed to start:\n  ${failures.join("\n  ")}`);
        ctx.log(`all healthy in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${selected.map((d) => d.name).join(", ")}`);
    });
}

/** Stops the named services (default: all) and their dependents, in reverse dependency order. */
export async function stopServices(names?: string[], options: HarnessOptions = {}): Promise<string[]> {
    const ctx = options.ctx || createContext();
    const selected = withDependents(names).reverse();
    const stopped: string[] = [];
    await withLock(ctx, "down", async () => {
        for (const def of selected) {
            const record = readPidRecord(ctx, def.name);
            if (!record) continue;
            if (await stopOne(ctx, def)) stopped.push(def.name);
            removePidRecord(ctx, def.name);
        }
    });
    ctx.log(stopped.length ? `stopped: ${stopped.join(", ")}` : "nothing the harness started was running");
    return stopped;
}

/**
 * Stops every service, then deletes the run directory's contents (data, logs, pid records) and the
 * state services keep outside it: the next `up` starts from nothing. The download cache is kept.
 * Mounts under the run directory (left by a run killed mid-way) are unmounted first, never deleted through.
 * Returns the paths it deleted.
 */
export async function resetServices(options: HarnessOptions = {}): Promise<string[]> {
    const ctx = options.ctx || createContext();
    await stopServices(undefined, { ctx });
    const deleted: string[] = [];
    await withLock(ctx, "reset", async () => {
        // Mounts an interrupted run left behind (a killed kubelet's pod volumes, containerd's rootfs) are
        // unmounted first: deleting through a bind mount would delete what it shows from elsewhere.
        const unmounted = await unmountBelow(ctx.runDir).catch((e: Error) => {
            const left = currentMountsBelow(ctx.runDir);
            throw new Error(
                `reset: ${left.length} mount(s) remain under ${ctx.runDir} and could not be unmounted (${e.message}); unmount them as root (umount --lazy <path>) and run reset again`,
            );
        });
        if (unmounted.length) ctx.log(`reset: unmounted ${unmounted.length} mount(s) an earlier run left under ${ctx.runDir} (first: ${unmounted[0]})`);
        const outside = registered.flatMap((def) => def.stateOutsideRunDir?.(ctx) ?? []);
        const inside = fs
            .readdirSync(ctx.runDir)
            .filter((entry) => entry !== "harness.lock")
            .map((entry) => path.join(ctx.runDir, entry));
        for (const p of [...outside, ...inside]) {
            if (!fs.existsSync(p) && !isSymlink(p)) continue;
            fs.rmSync(p, { recursive: true, force: true });
            deleted.push(p);
        }
        fs.mkdirSync(path.join(ctx.runDir, "logs"), { recursive: true });
        fs.mkdirSync(path.join(ctx.runDir, "pids"), { recursive: true });
    });
    ctx.log(deleted.length ? `reset: deleted ${deleted.join(", ")}` : `reset: ${ctx.runDir} held nothing`);
    return deleted;
}

function isSymlink(p: string): boolean {
    try {
        return fs.lstatSync(p).isSymbolicLink();
    } catch {
        return false;
    }
}

// ---------------------------------------------------------------------------------------------
// status / endpoints

export interface ServiceStatus {
    name: string;
    healthy: boolean;
    /** Whether a process recorded by this harness is alive. */
    running: boolean;
    pid: number | null;
    ports: Record<string, number>;
    /** VmRSS summed over the process group and its descendants. */
    rssKiB: number;
    rssMiB: number;
    /** PSS summed over the same processes (shared pages counted once across them). */
    pssMiB: number;
    dependsOn: string[];
    startedAt: string | null;
    log: string;
}

export async function status(names?: string[], options: HarnessOptions = {}): Promise<ServiceStatus[]> {
    const ctx = options.ctx || createContext();
    const named = names && names.length ? expandGroups(names) : undefined;
    const selected = named ? withDependencies(named).filter((d) => named.includes(d.name)) : defaultServices(registered);
    return Promise.all(
        selected.map(async (def) => {
            const record = readPidRecord(ctx, def.name);
            const running = record !== undefined && isRecordAlive(record);
            const rss = record && running ? treeRssKiB(record) : 0;
            const pss = record && running ? treePssKiB(record) : 0;
            return {
                name: def.name,
                healthy: await isHealthy(scopedContext(ctx, def.name), def, 8000),
                running,
                pid: running ? record!.pid : null,
                ports: def.ports,
                rssKiB: rss,
                rssMiB: Math.round(rss / 1024),
                pssMiB: Math.round(pss / 1024),
                dependsOn: def.dependsOn,
                startedAt: running ? record!.startedAt : null,
                log: logFile(ctx, def.name),
            };
        }),
    );
}

/** Endpoints and credentials of every registered service (those started on demand only with `onDemand: true`), keyed by service name. */
export function endpoints(options: HarnessOptions & { onDemand?: boolean } = {}): Record<string, Record<string, string>> {
    const ctx = options.ctx || createContext();
    const out: Record<string, Record<string, string>> = {};
    for (const def of options.onDemand ? dependencyOrder(registered) : defaultServices(registered)) out[def.name] = def.endpoints(scopedContext(ctx, def.name));
    return out;
}

// ---------------------------------------------------------------------------------------------
// CLI

function formatStatus(rows: ServiceStatus[]): string {
    const header = ["SERVICE", "HEALTHY", "PID", "RSS(MiB)", "PSS(MiB)", "PORTS"];
    const lines = rows.map((r) => [
        r.name,
        r.healthy ? "yes" : "no",
        r.pid === null ? "-" : String(r.pid),
        r.running ? String(r.rssMiB) : "-",
        r.running ? String(r.pssMiB) : "-",
        Object.entries(r.ports)
            .map(([k, v]) => `${k}=${v}`)
            .join(" "),
    ]);
    const all = [header, ...lines];
    const widths = header.map((_, i) => Math.max(...all.map((l) => l[i].length)));
    const total = rows.reduce((s, r) => s + r.rssKiB, 0);
    const totalPss = rows.reduce((s, r) => s + r.pssMiB, 0);
    return (
        all
            .map((l) =>
                l
                    .map((c, i) => c.padEnd(widths[i]))
                    .join("  ")
                    .trimEnd(),
            )
            .join("\n") + `\ntotal of running services: RSS ${Math.round(total / 1024)} MiB, PSS ${totalPss} MiB\n`
    );
}

const USAGE = `usage: harness <command>
  up [name...]            install and start (with dependencies), skipping healthy services
  down [name...]          stop what the harness started (with dependents), reverse order
  reset                   stop everything, then delete every service's data, logs and pid records
                          (the run directory, $LAKEHOUSE_RUN); the download cache is kept
  status [--json] [name...]
  logs <name> [--lines N]
  install [name...]       downloads/builds only; with no name, also the offline Pulumi CLI
  endpoints [--json]
services: ${registered.map((d) => d.name).join(", ")}`;

/** The options of `npm run harness`; the command and service names are positional. */
export const HARNESS_OPTIONS = {
    json: { type: "flag" },
    lines: { type: "number", integer: true, min: 1, default: 100 },
} as const satisfies OptionTable;

/** What `npm run harness -- <command> ...` was asked. */
export interface HarnessArgs {
    /** up, down, reset, status, logs, install, endpoints, help (undefined: none given). */
    cmd?: string;
    /** The service names after the command. */
    names: string[];
    /** `--json` (status, endpoints). */
    json: boolean;
    /** `--lines N` (logs; default 100). */
    lines: number;
}

/** Parses `npm run harness` arguments; UsageError on an unknown flag or a bad `--lines`. */
export function parseHarnessArgs(argv: readonly string[]): HarnessArgs {
    const { options, positionals } = parseCommandLine(argv, HARNESS_OPTIONS, { positionals: true });
    const [cmd, ...names] = positionals;
    return { ...(cmd !== undefined ? { cmd } : {}), names, json: options.json, lines: options.lines };
}

const STDIO: Printer = { out: (text) => process.stdout.write(text + "\n"), err: (text) => process.stderr.write(text + "\n") };

/** Runs `npm run harness` with `argv`; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
    const command = readCommandLine(argv, USAGE, parseHarnessArgs, STDIO);
    if ("exitCode" in command) return command.exitCode;
    const { cmd, names: positional, json, lines } = command.args;
    switch (cmd) {
        case "up":
            await ensureUp(positional);
            return 0;
        case "down":
            await stopServices(positional);
            return 0;
        case "reset":
            if (positional.length) throw new Error("usage: reset (it takes no service names: it resets every service)");
            await resetServices();
            return 0;
        case "install":
            await installServices(positional);
            // Everything, when no service is named: the Pulumi CLI too (what `npm run deploy` needs).
            if (positional.length === 0) await installPulumi(createContext());
            return 0;
        case "status": {
            const rows = await status(positional);
            if (json) process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
            else process.stdout.write(formatStatus(rows));
            return rows.every((r) => r.healthy) ? 0 : 1;
        }
        case "logs": {
            if (positional.length !== 1) throw new Error("usage: logs <name> [--lines N]");
            withDependencies(positional); // validates the name
            const ctx = createContext();
            const file = logFile(ctx, positional[0]);
            if (!fs.existsSync(file)) throw new Error(`no log yet for ${positional[0]} (${file})`);
            process.stdout.write(tailLog(ctx, positional[0], lines) + "\n");
            return 0;
        }
        case "endpoints": {
            const all = endpoints();
            if (json) process.stdout.write(JSON.stringify(all, null, 2) + "\n");
            else for (const [svc, eps] of Object.entries(all)) for (const [k, v] of Object.entries(eps)) process.stdout.write(`${svc}.${k}=${v}\n`);
            return 0;
        }
        case undefined:
        case "help":
            process.stdout.write(USAGE + "\n");
            return cmd === undefined ? 2 : 0;
        default:
            process.stderr.write(`unknown command '${cmd}'\n${USAGE}\n`);
            return 2;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err) => {
            process.stderr.write(`harness: ${err instanceof Error ? err.message : String(err)}\n`);
            process.exit(1);
        },
    );
}
