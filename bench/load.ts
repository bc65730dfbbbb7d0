/**
 * Load (issue 7): drives PostgreSQL at increasing change rates, single-row transactions and batches
 * of `--batch` rows per transaction, and reports per rate: achieved rate, change-to-queryable latency
 * p50/p95/p99, whether lag stayed bounded (consumer lag and slot lag sampled every second), the
 * highest sustained rate, and CPU and RSS per harness service. Then tries the tunables config can set,
 * one at a time over the baseline, on a reduced ladder. Deploys a throwaway copy of the local stack
 * through the real Pulumi engine and destroys it at the end (also on failure and ctrl-c).
 *
 *   npm run bench:load
 *   npm run bench:load -- --json
 *   npm run bench:load -- --rates 100,400,0 --batch-rates 5000,0 --step-seconds 20 --tunings baseline,linger
 *   npm run bench:load -- --partitions 4 --writers 4 --tunings baseline,p2,p4   (scale-out: parallelism 1, 2, 4)
 * A rate of 0 means as fast as the writer connections can commit.
 */
import { OptionTable, ParsedOptions, formatUsage, parseCommandLine } from "../ops/args";
import { benchLog, emitJsonResult, runBench } from "./lib/cli";
import { fmtNumber, secs, table } from "./lib/format";
import { BenchStackSettings, deployBenchStack } from "./lib/stack";
import { RunResult, measure, verifyRun, withSession } from "./lib/run";
import { BoundedVerdict, lagBounded } from "./lib/stats";
import { serviceTable, verificationLine } from "./report";

/** Each tuning is the baseline with one change. */
export const TUNINGS: Record<string, { describe: string; settings: BenchStackSettings }> = {
    baseline: {
        describe: "checkpoint 1 s, parallelism 1, Debezium defaults (max.batch.size 2048, max.queue.size 8192, poll.interval.ms 500), producer linger.ms 0",
        settings: { checkpointIntervalMs: 1000 },
    },
    "dbz-batch": {
        describe: "Debezium max.batch.size 8192, max.queue.size 32768, poll.interval.ms 50",
        settings: { checkpointIntervalMs: 1000, connectorConfig: { "max.batch.size": "8192", "max.queue.size": "32768", "poll.interval.ms": "50" } },
    },
    linger: {
        describe: "Connect producer override linger.ms 20 (producer.override.linger.ms)",
        settings: { checkpointIntervalMs: 1000, connectorConfig: { "producer.override.linger.ms": "20" } },
    },
    p2: { describe: "Flink parallelism 2", settings: { checkpointIntervalMs: 1000, parallelism: 2 } },
    p4: { describe: "Flink parallelism 4", settings: { checkpointIntervalMs: 1000, parallelism: 4 } },
    ckpt10s: { describe: "checkpoint interval 10 s", settings: { checkpointIntervalMs: 10000 } },
};

/** The options of `npm run bench:load`. */
export const LOAD_OPTIONS = {
    json: { type: "flag", description: "print one JSON object instead of the tables" },
    rates: {
        type: "numbers",
        default: [100, 400, 1000, 0],
        min: 0,
        description: "single-row change rates of the baseline ladder, per second (0: as fast as one connection commits)",
    },
    "batch-rates": { type: "numbers", default: [2000, 5000, 10000, 0], min: 0, description: "change rates of the baseline's batch ladder, per second" },
    batch: { type: "number", default: 100, min: 2, integer: true, description: "changes per transaction in the batch ladders" },
    "step-seconds": { type: "number", default: 20, min: 1, description: "seconds of writing per step" },
    tunings: { type: "strings", default: Object.keys(TUNINGS), allowed: Object.keys(TUNINGS), description: "tunings to run, the first deployed first" },
    "tuning-rates": { type: "numbers", default: [400, 0], min: 0, description: "single-row rates for the tunings after the baseline" },
    "tuning-batch-rates": { type: "numbers", default: [0], min: 0, description: "batch rates for the tunings after the baseline" },
    writers: {
        type: "number",
        default: 1,
        min: 1,
        integer: true,
        description: "PostgreSQL connections writing side by side, each on its own rows (a step's rate is split between them)",
    },
    "checkpoint-ms": {
        type: "number",
        min: 100,
        integer: true,
        description: "the checkpoint interval of every tuning, ms (default: each tuning's own, 1 s but ckpt10s)",
    },
    partitions: {
        type: "number",
        default: 1,
        min: 1,
        integer: true,
        description:
            "partitions of the CDC topic (lakehouse:kafka.topicPartitions), the same for every tuning; above 1 the upsert table is also checked against PostgreSQL",
    },
    secured: {
        type: "flag",
        description:
            "a copy of Pulumi.local-tls.yaml instead of local: PostgreSQL over TLS (verify-full), Kafka over SASL_SSL with SCRAM, Connect on it (the harness's postgres-tls, kafka-tls, connect-tls); the writers and the bench's Kafka reads over TLS and SASL too",
    },
    out: { type: "strings", default: [], value: "file", description: "also write the JSON result to this file (the tables still go to stdout)" },
} as const satisfies OptionTable;

/** The text `npm run bench:load -- --help` prints. */
export const LOAD_USAGE = formatUsage("usage: npm run bench:load -- [options]", LOAD_OPTIONS);

/** Parses `npm run bench:load` arguments; UsageError on anything wrong. */
export function parseLoadArgs(argv: readonly string[]): ParsedOptions<typeof LOAD_OPTIONS> {
    return parseCommandLine(argv, LOAD_OPTIONS).options;
}

interface Step {
    tuning: string;
    run: RunResult;
    verdict: BoundedVerdict;
    sustained: boolean;
}

/** Drain bound of the verdict: three checkpoint cycles (at least the cluster's 2 s min-pause) plus 10 s. */
export function drainBoundMs(checkpointIntervalMs: number): number {
    return 3 * Math.max(checkpointIntervalMs, 2000) + 10_000;
}

/** Latency growth allowed over a step: two checkpoint cycles (at least the 2 s min-pause). */
export function growthAllowanceMs(checkpointIntervalMs: number): number {
    return 2 * Math.max(checkpointIntervalMs, 2000);
}

async function main(opts: ParsedOptions<typeof LOAD_OPTIONS>): Promise<void> {
    const log = benchLog("load");
    const started = Date.now();
    const tunings = opts.tunings;
    // The topic's partitions are the stack's, not a tuning's: a CDC topic does not grow.
    const settingsOf = (tuning: string): BenchStackSettings => ({
        ...TUNINGS[tuning].settings,
        ...(opts["checkpoint-ms"] !== undefined ? { checkpointIntervalMs: opts["checkpoint-ms"] } : {}),
        topicPartitions: opts.partitions,
        ...(opts.secured ? { secured: true } : {}),
    });
    const describeTuning = (tuning: string) =>
        `${TUNINGS[tuning].describe}${opts["checkpoint-ms"] !== undefined ? ` (checkpoints every ${opts["checkpoint-ms"] / 1000} s: --checkpoint-ms)` : ""}`;
    const stack = await deployBenchStack(opts.secured ? "loads" : "load", settingsOf(tunings[0]), log);
    const steps: Step[] = [];
    const reconfigureMs: Record<string, number> = {};
    const { verified, verifyError } = await withSession(
        stack,
        log,
        async (session) => {
            let stopped: string | undefined;
            try {
                for (const [i, name] of tunings.entries()) {
                    if (i > 0) {
                        log(`tuning ${name}: ${describeTuning(name)} (pulumi up)`);
                        reconfigureMs[name] = await stack.reconfigure(settingsOf(name));
                        await session.refresh();
                    }
                    await session.warmUp();
                    const full = name === "baseline" || tunings.length === 1;
                    const ladder = [
                        ...(full ? opts.rates : opts["tuning-rates"]).map((rate) => ({ rate, batch: 1 })),
                        ...(full ? opts["batch-rates"] : opts["tuning-batch-rates"]).map((rate) => ({ rate, batch: opts.batch })),
                    ];
                    for (const w of ladder) {
                        const label = `${name} ${w.batch === 1 ? "1/tx" : `${w.batch}/tx`} ${w.rate > 0 ? `${w.rate}/s` : "max"}`;
                        const run = await measure(session, label, { durationMs: opts["step-seconds"] * 1000, rate: w.rate, batch: w.batch, maxInFlight: 1 });
                        const during = run.lag.series.filter((x) => x.atMs <= run.writeWindow.endMs);
                        const verdict = lagBounded(
                            during,
                            run.drain.visibleMs,
                            drainBoundMs(run.checkpointIntervalMs),
                            run.trend,
                            growthAllowanceMs(run.checkpointIntervalMs),
                        );
                        const sustained = verdict.bounded && (w.rate === 0 || run.achievedRate >= 0.9 * w.rate);
                        steps.push({ tuning: name, run, verdict, sustained });
                        log(
                            `${label}: ${run.achievedRate.toFixed(0)}/s, p99 ${secs(run.latency.p99Ms)} s, ${verdict.bounded ? "bounded" : `NOT bounded (${verdict.reason})`}`,
                        );
                    }
                }
            } catch (e) {
                // Keep the steps measured so far: they are printed, and the exit code says the run failed.
                stopped = `run stopped: ${e instanceof Error ? e.message : String(e)}`;
                log(stopped);
            }
            // Several partitions or writers: also the upsert table against PostgreSQL (a row's changes applied out of order would show).
            return verifyRun(session, { upsert: opts.partitions > 1 || opts.writers > 1 }, stopped);
        },
        opts.writers,
    );

    const best = (filter: (s: Step) => boolean) =>
        steps.filter((s) => s.sustained && filter(s)).reduce<Step | undefined>((b, s) => (!b || s.run.achievedRate > b.run.achievedRate ? s : b), undefined);
    const highest: Record<string, { single?: number; batch?: number }> = {};
    for (const t of tunings)
        highest[t] = {
            single: best((s) => s.tuning === t && s.run.target.batch === 1)?.run.achievedRate,
            batch: best((s) => s.tuning === t && s.run.target.batch > 1)?.run.achievedRate,
        };
    const result = {
        bench: "load",
        stack: stack.name,
        machine: "2 cores, shared with other engineers' concurrent tests",
        secured: opts.secured === true,
        writers: opts.writers,
        topicPartitions: opts.partitions,
        checkpointIntervalMsOverride: opts["checkpoint-ms"],
        wallSeconds: (Date.now() - started) / 1000,
        tunings: Object.fromEntries(tunings.map((t) => [t, TUNINGS[t]])),
        reconfigureMs,
        steps: steps.map((s) => ({ tuning: s.tuning, verdict: s.verdict, sustained: s.sustained, ...s.run })),
        highestSustained: highest,
        verified,
        verifyError,
    };
    if (emitJsonResult(result, opts, verifyError !== undefined)) return;
    console.log(
        `Load: PostgreSQL change rate ladder through the whole pipeline to Iceberg, ${opts["step-seconds"]} s per step (stack ${stack.name}, real services)`,
    );
    console.log(
        `machine: 2 cores, shared with other engineers' concurrent work; ${opts.secured ? "secured services (PostgreSQL over TLS, Kafka over SASL_SSL); " : ""}${opts.writers === 1 ? "one writer connection" : `${opts.writers} writer connections side by side`} (single-row: one autocommit transaction per change; batch: ${opts.batch} changes per transaction); ${opts.partitions} partition(s) per CDC topic${opts["checkpoint-ms"] !== undefined ? `; checkpoints every ${opts["checkpoint-ms"] / 1000} s in every tuning` : ""}`,
    );
    console.log("");
    console.log(
        table(
            [
                "tuning",
                "tx",
                "target/s",
                "achieved/s",
                "changes",
                "p50 s",
                "p95 s",
                "p99 s",
                "p50 1st/last quarter s",
                "max consumer lag",
                "max slot lag KiB",
                "visible after",
                "lag 0 after",
                "bounded",
                "commit every",
            ],
            steps.map((s) => [
                s.tuning,
                s.run.target.batch === 1 ? "1 row" : `${s.run.target.batch} rows`,
                s.run.target.rate > 0 ? s.run.target.rate : "max",
                s.run.achievedRate,
                s.run.changes,
                secs(s.run.latency.p50Ms),
                secs(s.run.latency.p95Ms),
                secs(s.run.latency.p99Ms),
                `${secs(s.run.trend.firstQuarterP50Ms)}/${secs(s.run.trend.lastQuarterP50Ms)}`,
                s.verdict.maxConsumerLag,
                s.verdict.maxSlotLagBytes / 1024,
                `${secs(s.run.drain.visibleMs)} s`,
                s.run.drain.lagZeroMs === undefined ? "no" : `${secs(s.run.drain.lagZeroMs)} s`,
                s.sustained ? "yes" : s.verdict.bounded ? "yes (rate missed)" : `no: ${s.verdict.reason}`,
                s.run.commitIntervalMedianMs === undefined ? "-" : `${secs(s.run.commitIntervalMedianMs)} s`,
            ]),
        ),
    );
    console.log("");
    console.log("Highest sustained rate (achieved, with lag bounded) per tuning:");
    console.log(
        table(
            ["tuning", "what", "single-row tx /s", `${opts.batch}-row tx changes/s`],
            tunings.map((t) => [t, describeTuning(t), highest[t].single ?? "-", highest[t].batch ?? "-"]),
        ),
    );
    console.log("");
    for (const t of tunings) {
        console.log(`Services, tuning ${t} (cpu s over the step incl. drain, cpu % of one core, peak RSS of the pid; grp = with child processes):`);
        console.log(
            serviceTable(
                steps
                    .filter((s) => s.tuning === t)
                    .map((s) => ({ label: s.run.label.slice(t.length + 1), services: s.run.services, machineBusyPercent: s.run.machineBusyPercent })),
            ),
        );
        console.log("");
    }
    for (const [k, v] of Object.entries(reconfigureMs)) console.log(`pulumi up to tuning ${k} took ${(v / 1000).toFixed(1)} s`);
    console.log(verificationLine({ verified, verifyError }));
    if (!verified) process.exitCode = 1;
    console.log(
        `bench process CPU over all steps: ${fmtNumber(steps.reduce((a, s) => a + s.run.benchProcessCpuSeconds, 0))} s; wall time ${(result.wallSeconds / 60).toFixed(1)} min`,
    );
}

if (require.main === module) runBench(process.argv.slice(2), LOAD_USAGE, parseLoadArgs, main);
