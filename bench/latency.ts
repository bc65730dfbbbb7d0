/**
 * Change-to-queryable latency (issue 5): PostgreSQL COMMIT to the change visible in the Iceberg
 * changelog table (the Nessie commit that makes the snapshot holding it current), over >= 1,000
 * single-row INSERT/UPDATE/DELETE changes at each Flink checkpoint interval; then sustained
 * throughput with the time for the lag to return to zero. Deploys a throwaway copy of the local
 * stack through the real Pulumi engine and destroys it at the end (also on failure and ctrl-c);
 * with `--platform docker`, the dev stack's Docker rendering on this machine's engine instead
 * (bench/lib/docker-stack.ts), removed at the end the same way; with `--platform kubernetes`, a copy of the
 * `k8s` stack on the harness's cluster (bench/lib/kubernetes-stack.ts); `--compare` runs docker and local, one after the
 * other with the same options, and reports the ratios docker/local.
 *
 *   npm run bench:latency
 *   npm run bench:latency -- --json
 *   npm run bench:latency -- --changes 2000 --rate 100 --intervals 1000,10000 --throughput-seconds 30
 *   npm run bench:latency -- --compare --changes 300 --rate 50 --intervals 1000 --throughput-seconds 20
 *   npm run bench:latency -- --intervals 500,1000 --maintenance --connector-config poll.interval.ms=100
 */
import { OptionTable, ParsedOptions, UsageError, formatUsage, parseCommandLine } from "../ops/args";
import { benchLog, emitJsonResult, runBench } from "./lib/cli";
import { deployDockerBenchStack } from "./lib/docker-stack";
import { deployKubernetesBenchStack } from "./lib/kubernetes-stack";
import { BENCH_MAINTENANCE, BenchPlatform, BenchStack, BenchStackSettings, deployBenchStack } from "./lib/stack";
import { Log, RunResult, SEED_BOUND_MS, Totals, measure, verifyRun, withSession } from "./lib/run";
import { compareRuns, latencyTable, ratioTable, serviceTable, throughputTable, verificationLine } from "./report";

export { BENCH_MAINTENANCE } from "./lib/stack";

const PLATFORMS: readonly BenchPlatform[] = ["local", "docker", "kubernetes"];

/** The options of `npm run bench:latency`. */
export const LATENCY_OPTIONS = {
    json: { type: "flag", description: "print one JSON object instead of the tables" },
    changes: { type: "number", default: 1000, min: 1, integer: true, description: "single-row changes per checkpoint interval" },
    rate: { type: "number", default: 50, min: 1, description: "changes per second" },
    intervals: {
        type: "numbers",
        default: [1000, 10000],
        min: 100,
        description: "Flink checkpoint intervals to measure at, ms (one with docker and --compare)",
    },
    "throughput-seconds": { type: "number", default: 30, min: 0, description: "seconds of sustained throughput per interval (0: none)" },
    "throughput-batch": { type: "number", default: 1, min: 1, integer: true, description: "changes per transaction in the throughput run" },
    platform: {
        type: "string",
        value: "local|docker|kubernetes",
        description:
            "local (default): a throwaway copy of the local stack on the harness's services, through the Pulumi engine; docker: the dev stack's Docker rendering on this machine's engine (stack dockerbench, host ports + 30000); kubernetes: a copy of the k8s stack on the harness's cluster (npm run harness -- up k8s), through the Pulumi engine (stack k8sbench)",
    },
    compare: { type: "flag", description: "run on docker, then on local, with the same options, and report the ratios docker/local" },
    secured: {
        type: "flag",
        description:
            "a copy of Pulumi.local-tls.yaml instead of local: PostgreSQL over TLS (verify-full), Kafka over SASL_SSL with SCRAM, Connect on it (the harness's postgres-tls, kafka-tls, connect-tls); local platform",
    },
    "compare-secured": {
        type: "flag",
        description: "run on local, then on local-tls (--secured), with the same options, and report the ratios secured/plaintext",
    },
    out: { type: "strings", default: [], value: "file", description: "also write the JSON result to this file (the tables still go to stdout)" },
    maintenance: {
        type: "flag",
        description: "run the table maintenance job beside the pipeline (lakehouse:maintenance, compaction and expiration every 60 s; local platform)",
    },
    "connector-config": {
        type: "strings",
        default: [],
        value: "key=value",
        description:
            "a Debezium setting for the run (lakehouse:pipeline.connectorConfig), e.g. poll.interval.ms=100; comma-separated for several; local platform",
    },
} as const satisfies OptionTable;

/** `--connector-config key=value` pairs as a map; UsageError on one without `=`. */
export function connectorConfigOption(pairs: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const pair of pairs) {
        const at = pair.indexOf("=");
        if (at <= 0) throw new UsageError(`--connector-config takes key=value, e.g. poll.interval.ms=100; got "${pair}"`);
        out[pair.slice(0, at)] = pair.slice(at + 1);
    }
    return out;
}

/** The text `npm run bench:latency -- --help` prints. */
export const LATENCY_USAGE = formatUsage("usage: npm run bench:latency -- [options]", LATENCY_OPTIONS);

export type LatencyOptions = ParsedOptions<typeof LATENCY_OPTIONS>;

/** Parses `npm run bench:latency` arguments; UsageError on anything wrong. */
export function parseLatencyArgs(argv: readonly string[]): LatencyOptions {
    const opts = parseCommandLine(argv, LATENCY_OPTIONS).options;
    if (opts.platform !== undefined && !PLATFORMS.includes(opts.platform as BenchPlatform))
        throw new UsageError(`--platform is local, docker or kubernetes, not "${opts.platform}"`);
    if (opts.compare && opts.platform !== undefined) throw new UsageError("--compare runs on both platforms: leave out --platform");
    if ((opts.maintenance || opts["connector-config"].length) && (opts.compare || (opts.platform ?? "local") !== "local"))
        throw new UsageError("--maintenance and --connector-config apply to the local platform: leave out --platform and --compare");
    if ((opts.secured || opts["compare-secured"]) && (opts.compare || (opts.platform ?? "local") !== "local"))
        throw new UsageError("--secured and --compare-secured run on the local platform (the harness's secured services): leave out --platform and --compare");
    if (opts.secured && opts["compare-secured"]) throw new UsageError("--compare-secured runs both stacks: leave out --secured");
    connectorConfigOption(opts["connector-config"]);
    if ((opts.compare || opts.platform === "docker") && opts.intervals.length !== 1)
        throw new UsageError(
            `${opts.compare ? "--compare" : "--platform docker"} measures one checkpoint interval (the Docker rendering is created under mocks and cannot be updated): pass --intervals <ms>, e.g. --intervals 1000`,
        );
    return opts;
}

/** What one platform's run measured (the JSON of `npm run bench:latency -- --json`). */
export interface LatencyResult {
    bench: "latency";
    platform: BenchPlatform;
    stack: string;
    /** What was deployed. */
    description: string;
    changelogTable: string;
    seedBoundMs: number;
    visibility: string;
    machine: string;
    /** Bringing the stack up (`pulumi up` of the local copy; the program on the engine for docker). */
    deploySeconds: number;
    wallSeconds: number;
    reconfigureMs: Record<string, number>;
    latency: RunResult[];
    throughput: RunResult[];
    verified?: Totals;
    verifyError?: string;
}

/** Deploys the stack of `platform`, measures latency and throughput at each interval, verifies, and tears it down. */
export async function runLatency(opts: LatencyOptions, platform: BenchPlatform, log: Log, secured = opts.secured): Promise<LatencyResult> {
    const started = Date.now();
    const connectorConfig = connectorConfigOption(opts["connector-config"]);
    const settings: BenchStackSettings = {
        checkpointIntervalMs: opts.intervals[0],
        ...(secured ? { secured: true } : {}),
        ...(Object.keys(connectorConfig).length ? { connectorConfig } : {}),
        ...(opts.maintenance ? { maintenance: BENCH_MAINTENANCE } : {}),
    };
    const stack: BenchStack =
        platform === "docker"
            ? await deployDockerBenchStack(settings, log)
            : platform === "kubernetes"
              ? await deployKubernetesBenchStack(settings, log)
              : await deployBenchStack(secured ? "lats" : "lat", settings, log);
    const deploySeconds = (Date.now() - started) / 1000;
    const latencyRuns: RunResult[] = [];
    const throughputRuns: RunResult[] = [];
    const reconfigureMs: Record<string, number> = {};
    const { verified, verifyError } = await withSession(stack, log, async (session) => {
        for (const [i, interval] of opts.intervals.entries()) {
            if (i > 0) {
                log(`checkpoint interval -> ${interval} ms (pulumi up: the job is stopped with a savepoint and resubmitted)`);
                reconfigureMs[String(interval)] = await stack.reconfigure({ ...settings, checkpointIntervalMs: interval });
                await session.refresh();
            }
            const warm = await session.warmUp();
            log(`warm-up visible after ${(warm / 1000).toFixed(1)} s (groups: ${session.lag.groups.join(", ")})`);
            latencyRuns.push(await measure(session, `latency @${interval / 1000}s`, { changes: opts.changes, rate: opts.rate, batch: 1 }));
            if (opts["throughput-seconds"] > 0) {
                throughputRuns.push(
                    await measure(session, `throughput @${interval / 1000}s`, {
                        durationMs: opts["throughput-seconds"] * 1000,
                        rate: 0,
                        batch: opts["throughput-batch"],
                    }),
                );
            }
        }
        return verifyRun(session, { upsert: true });
    });
    return {
        bench: "latency",
        platform,
        stack: stack.name,
        description: stack.description,
        changelogTable: stack.outputs.icebergChangeTables.demographics,
        seedBoundMs: SEED_BOUND_MS,
        visibility:
            "Nessie commitTime of the commit that makes the changelog table's snapshot covering the change current; commit time = client clock after COMMIT returned",
        machine: "2 cores, shared with other engineers' concurrent tests",
        deploySeconds,
        wallSeconds: (Date.now() - started) / 1000,
        reconfigureMs,
        latency: latencyRuns,
        throughput: throughputRuns,
        verified,
        verifyError,
    };
}

/** The tables of one platform's run. */
export function formatLatency(result: LatencyResult): string {
    const runs = [...result.latency, ...result.throughput];
    const lines = [
        `Change-to-queryable latency: PostgreSQL COMMIT -> change visible in the Iceberg changelog (${result.changelogTable})`,
        `${result.description}, brought up in ${result.deploySeconds.toFixed(0)} s; seed bound ${result.seedBoundMs / 1000} s; machine: 2 cores shared with other engineers' work`,
        "",
        latencyTable(runs),
        "",
        "Throughput and drain (times after the last COMMIT; lag 0 = Flink groups' committed offsets at the topic end AND the slot confirmed the last write's LSN):",
        throughputTable(runs),
        "",
        `Services during each run (from /proc of ${result.platform === "local" ? "the harness pids" : "each container's main process and its descendants"}):`,
        serviceTable(runs),
        "",
    ];
    for (const r of runs)
        lines.push(
            `${r.label}: snapshot created -> Nessie commit median ${r.snapshotToNessieMedianMs?.toFixed(0) ?? "-"} ms; bench process CPU ${r.benchProcessCpuSeconds.toFixed(1)} s`,
        );
    for (const [k, v] of Object.entries(result.reconfigureMs)) lines.push(`pulumi up to checkpoint interval ${k} ms took ${(v / 1000).toFixed(1)} s`);
    lines.push(verificationLine(result));
    lines.push(`wall time ${(result.wallSeconds / 60).toFixed(1)} min`);
    return lines.join("\n");
}

async function main(opts: LatencyOptions): Promise<void> {
    const log = benchLog("latency");
    if (opts["compare-secured"]) {
        const plain = await runLatency(opts, "local", log, false);
        log(`plaintext: ${verificationLine(plain)}; now the secured stack (local-tls) with the same options`);
        const securedRun = await runLatency(opts, "local", log, true);
        const ratios = compareRuns([...securedRun.latency, ...securedRun.throughput], [...plain.latency, ...plain.throughput]);
        const failed = plain.verifyError !== undefined || securedRun.verifyError !== undefined;
        if (emitJsonResult({ bench: "latency-compare-secured", ratio: "secured / plaintext", plaintext: plain, secured: securedRun, ratios }, opts, failed))
            return;
        console.log(`=== plaintext (local) ===\n${formatLatency(plain)}\n\n=== secured (local-tls) ===\n${formatLatency(securedRun)}\n`);
        console.log("Secured / plaintext (same options, one after the other; latency > 1 = slower over TLS and SASL, rates < 1 = fewer changes per second):");
        console.log(ratioTable(ratios));
        if (failed) process.exitCode = 1;
        return;
    }
    if (!opts.compare) {
        const result = await runLatency(opts, (opts.platform ?? "local") as BenchPlatform, log);
        if (emitJsonResult(result, opts, result.verifyError !== undefined)) return;
        console.log(formatLatency(result));
        if (!result.verified) process.exitCode = 1;
        return;
    }
    const docker = await runLatency(opts, "docker", log);
    log(`docker: ${verificationLine(docker)}; now the local stack with the same options`);
    const local = await runLatency(opts, "local", log);
    const ratios = compareRuns([...docker.latency, ...docker.throughput], [...local.latency, ...local.throughput]);
    const failed = docker.verifyError !== undefined || local.verifyError !== undefined;
    if (emitJsonResult({ bench: "latency-compare", ratio: "docker / local", docker, local, ratios }, opts, failed)) return;
    console.log(`=== docker ===\n${formatLatency(docker)}\n\n=== local ===\n${formatLatency(local)}\n`);
    console.log("Docker rendering / local stack (same options, one after the other; latency > 1 = slower on docker, rates < 1 = fewer changes per second):");
    console.log(ratioTable(ratios));
    if (failed) process.exitCode = 1;
}

if (require.main === module) runBench(process.argv.slice(2), LATENCY_USAGE, parseLatencyArgs, main);
