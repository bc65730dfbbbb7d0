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
import { parseOptions } from "./lib/format";
import { deployBenchStack } from "./lib/stack";
import { RunResult, SEED_BOUND_MS, Session, measure, verifyTotals } from "./lib/run";
import { latencyTable, serviceTable, throughputTable } from "./report";

const SPEC = {
    json: { type: "flag" },
    changes: { type: "number", default: 1000, min: 1, integer: true },
    rate: { type: "number", default: 50, min: 1 },
    intervals: { type: "numbers", default: [1000, 10000], min: 100 },
    "throughput-seconds": { type: "number", default: 30, min: 0 },
    "throughput-batch": { type: "number", default: 1, min: 1, integer: true },
    /** Also write the JSON result to this file (the human table still goes to stdout). */
    out: { type: "strings", default: [] },
} as const;

async function main(): Promise<void> {
    const opts = parseOptions(process.argv.slice(2), SPEC);
    const log = (m: string) => process.stderr.write(`[bench:latency ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
    const started = Date.now();
    const stack = await deployBenchStack("lat", { checkpointIntervalMs: opts.intervals[0] }, log);
    const latencyRuns: RunResult[] = [];
    const throughputRuns: RunResult[] = [];
    const reconfigureMs: Record<string, number> = {};
    let session: Session | undefined;
    let verified: Awaited<ReturnType<typeof verifyTotals>> | undefined;
    let verifyError: string | undefined;
    try {
        session = await Session.open(stack, log);
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
                throughputRuns.push(await measure(session, `throughput @${interval / 1000}s`, { durationMs: opts["throughput-seconds"] * 1000, rate: 0, batch: opts["throughput-batch"] }));
            }
        }
        log("verifying totals through the SQL Gateway");
        try {
            verified = await verifyTotals(session, { upsert: true });
        } catch (e) {
            // Print the figures anyway; the exit code says the check failed.
            verifyError = e instanceof Error ? e.message : String(e);
            log(`VERIFICATION FAILED: ${verifyError}`);
        }
    } finally {
        await session?.close();
        await stack.teardown();
    }
    const result = {
        bench: "latency",
        stack: stack.name,
        seedBoundMs: SEED_BOUND_MS,
        visibility: "Nessie commitTime of the commit that makes the changelog table's snapshot covering the change current; commit time = client clock after COMMIT returned",
        machine: "2 cores, shared with other engineers' concurrent tests",
        wallSeconds: (Date.now() - started) / 1000,
        reconfigureMs,
        latency: latencyRuns,
        throughput: throughputRuns,
        verified,
        verifyError,
    };
    if (opts.out.length) require("fs").writeFileSync(opts.out[0], JSON.stringify(result, null, 2));
    if (opts.json) {
        console.log(JSON.stringify(result, null, 2));
        if (verifyError) process.exitCode = 1;
        return;
    }
    console.log(`Change-to-queryable latency: PostgreSQL COMMIT -> change visible in the Iceberg changelog (${stack.outputs.icebergChangeTables.demographics})`);
    console.log(`stack ${stack.name} (throwaway copy of local, real services), seed bound ${SEED_BOUND_MS / 1000} s; machine: 2 cores shared with other engineers' concurrent work`);
    console.log("");
    console.log(latencyTable([...latencyRuns, ...throughputRuns]));
    console.log("");
    console.log("Throughput and drain (times after the last COMMIT; lag 0 = Flink groups' committed offsets at the topic end AND the slot confirmed the last write's LSN):");
    console.log(throughputTable([...latencyRuns, ...throughputRuns]));
    console.log("");
    console.log("Services during each run (from /proc of the harness pids):");
    console.log(serviceTable([...latencyRuns, ...throughputRuns]));
    console.log("");
    for (const r of [...latencyRuns, ...throughputRuns]) {
        console.log(`${r.label}: snapshot created -> Nessie commit median ${r.snapshotToNessieMedianMs?.toFixed(0) ?? "-"} ms; bench process CPU ${r.benchProcessCpuSeconds.toFixed(1)} s`);
    }
    for (const [k, v] of Object.entries(reconfigureMs)) console.log(`pulumi up to checkpoint interval ${k} ms took ${(v / 1000).toFixed(1)} s`);
    if (verified) {
        console.log(
            `verified through the SQL Gateway: changelog ${verified.changelogRows} rows = ${verified.expected} changes written (${Object.entries(verified.byOperation).map(([k, v]) => `${k} ${v}`).join(", ")})` +
                (verified.upsertRows !== undefined ? `; upsert table ${verified.upsertRows} rows = PostgreSQL ${verified.sourceRows}` : ""),
        );
    } else {
        console.log(`VERIFICATION FAILED: ${verifyError}`);
        process.exitCode = 1;
    }
    console.log(`wall time ${(result.wallSeconds / 60).toFixed(1)} min`);
}

main().catch((err) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
});
