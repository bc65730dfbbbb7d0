/**
 * Change-to-queryable latency (issue 5): PostgreSQL COMMIT to the change visible in the Iceberg
 * changelog table (the Nessie commit that makes the snapshot holding it current), over >= 1,000
 * single-row INSERT/UPDATE/DELETE changes at each Flink checkpoint interval; then sustained
 * throughput with the time for the lag to return to zero. Deploys a throwaway copy of the local
 * stack through the real Pulumi engine and destroys it at the end (also on failure and ctrl-c).
 *
 *   npm run bench:latency
 *   npm run bench:latency -- --json
 *   npm run bench:latency -- --changes 2000 --rate 100 --intervals 1000,10000 --throughput-seconds 30
 */
import { OptionTable, ParsedOptions, formatUsage, parseCommandLine } from "../ops/args";
import { benchLog, emitJsonResult, runBench } from "./lib/cli";
import { deployBenchStack } from "./lib/stack";
import { RunResult, SEED_BOUND_MS, measure, verifyRun, withSession } from "./lib/run";
import { latencyTable, serviceTable, throughputTable, verificationLine } from "./report";

/** The options of `npm run bench:latency`. */
export const LATENCY_OPTIONS = {
    json: { type: "flag", description: "print one JSON object instead of the tables" },
    changes: { type: "number", default: 1000, min: 1, integer: true, description: "single-row changes per checkpoint interval" },
    rate: { type: "number", default: 50, min: 1, description: "changes per second" },
    intervals: { type: "numbers", default: [1000, 10000], min: 100, description: "Flink checkpoint intervals to measure at, ms" },
    "throughput-seconds": { type: "number", default: 30, min: 0, description: "seconds of sustained throughput per interval (0: none)" },
    "throughput-batch": { type: "number", default: 1, min: 1, integer: true, description: "changes per transaction in the throughput run" },
    out: { type: "strings", default: [], value: "file", description: "also write the JSON result to this file (the tables still go to stdout)" },
} as const satisfies OptionTable;

/** The text `npm run bench:latency -- --help` prints. */
export const LATENCY_USAGE = formatUsage("usage: npm run bench:latency -- [options]", LATENCY_OPTIONS);

/** Parses `npm run bench:latency` arguments; UsageError on anything wrong. */
export function parseLatencyArgs(argv: readonly string[]): ParsedOptions<typeof LATENCY_OPTIONS> {
    return parseCommandLine(argv, LATENCY_OPTIONS).options;
}

async function main(opts: ParsedOptions<typeof LATENCY_OPTIONS>): Promise<void> {
    const log = benchLog("latency");
    const started = Date.now();
    const stack = await deployBenchStack("lat", { checkpointIntervalMs: opts.intervals[0] }, log);
    const latencyRuns: RunResult[] = [];
    const throughputRuns: RunResult[] = [];
    const reconfigureMs: Record<string, number> = {};
    const { verified, verifyError } = await withSession(stack, log, async (session) => {
        for (const [i, interval] of opts.intervals.entries()) {
            if (i > 0) {
                log(`checkpoint interval -> ${interval} ms (pulumi up: the job is stopped with a savepoint and resubmitted)`);
                reconfigureMs[String(interval)] = await stack.reconfigure({ checkpointIntervalMs: interval });
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
    const result = {
        bench: "latency",
        stack: stack.name,
        seedBoundMs: SEED_BOUND_MS,
        visibility:
            "Nessie commitTime of the commit that makes the changelog table's snapshot covering the change current; commit time = client clock after COMMIT returned",
        machine: "2 cores, shared with other engineers' concurrent tests",
        wallSeconds: (Date.now() - started) / 1000,
        reconfigureMs,
        latency: latencyRuns,
        throughput: throughputRuns,
        verified,
        verifyError,
    };
    if (emitJsonResult(result, opts, verifyError !== undefined)) return;
    console.log(
        `Change-to-queryable latency: PostgreSQL COMMIT -> change visible in the Iceberg changelog (${stack.outputs.icebergChangeTables.demographics})`,
    );
    console.log(
        `stack ${stack.name} (throwaway copy of local, real services), seed bound ${SEED_BOUND_MS / 1000} s; machine: 2 cores shared with other engineers' concurrent work`,
    );
    console.log("");
    console.log(latencyTable([...latencyRuns, ...throughputRuns]));
    console.log("");
    console.log(
        "Throughput and drain (times after the last COMMIT; lag 0 = Flink groups' committed offsets at the topic end AND the slot confirmed the last write's LSN):",
    );
    console.log(throughputTable([...latencyRuns, ...throughputRuns]));
    console.log("");
    console.log("Services during each run (from /proc of the harness pids):");
    console.log(serviceTable([...latencyRuns, ...throughputRuns]));
    console.log("");
    for (const r of [...latencyRuns, ...throughputRuns]) {
        console.log(
            `${r.label}: snapshot created -> Nessie commit median ${r.snapshotToNessieMedianMs?.toFixed(0) ?? "-"} ms; bench process CPU ${r.benchProcessCpuSeconds.toFixed(1)} s`,
        );
    }
    for (const [k, v] of Object.entries(reconfigureMs)) console.log(`pulumi up to checkpoint interval ${k} ms took ${(v / 1000).toFixed(1)} s`);
    console.log(verificationLine({ verified, verifyError }));
    if (!verified) process.exitCode = 1;
    console.log(`wall time ${(result.wallSeconds / 60).toFixed(1)} min`);
}

if (require.main === module) runBench(process.argv.slice(2), LATENCY_USAGE, parseLatencyArgs, main);
