/**
 * Fault injection (issue 7): for each of the Kafka Connect worker, the Flink TaskManager, the Flink
 * JobManager, ZooKeeper (Flink's HA), the Kafka broker, Nessie, MinIO and PostgreSQL, while a writer
 * keeps changing rows in PostgreSQL: SIGKILL the service, restart it, let the pipeline recover (or,
 * except for the JobManager and ZooKeeper, which must recover without a person, recover it as a user
 * would: `pulumi up --refresh`), drain, and compare Iceberg with PostgreSQL. Deploys a throwaway copy
 * of the local stack through the real Pulumi engine and destroys it at the end (also on failure and
 * ctrl-c). KILLS SHARED SERVICES: run it only when nobody else uses the harness.
 *
 *   npm run bench:faults
 *   npm run bench:faults -- --json
 *   npm run bench:faults -- --faults kafka,nessie --rate 20 --auto-recovery-seconds 120
 */
import { formatUsage, OptionTable, parseCommandLine } from "../ops/args";
import { DEFAULT_OPTIONS, FAULTS, FaultOptions, resultsTable, ScenarioResult, unmetExpectations } from "./faults/model";
import { closeFaultEnv, FaultEnv, prepareFaultEnv, runScenario } from "./faults/scenarios";
import { benchLog, runBench } from "./lib/cli";

/** The options of `npm run bench:faults` (defaults: DEFAULT_OPTIONS of bench/faults/model.ts). */
export const FAULT_OPTIONS = {
    json: { type: "flag", description: "print one JSON object instead of the table" },
    faults: {
        type: "strings",
        default: DEFAULT_OPTIONS.faults,
        allowed: FAULTS,
        description: "services to kill, one scenario each, run in this order whatever the order given",
    },
    rate: { type: "number", default: DEFAULT_OPTIONS.rate, min: 0.1, description: "writer rate, changes per second" },
    "warmup-seconds": { type: "number", default: DEFAULT_OPTIONS.warmupSeconds, min: 0, description: "writing before the kill, seconds" },
    "down-seconds": { type: "number", default: DEFAULT_OPTIONS.downSeconds, min: 0, description: "between the kill and the restart, seconds" },
    "auto-recovery-seconds": {
        type: "number",
        default: DEFAULT_OPTIONS.autoRecoverySeconds,
        min: 10,
        description: "how long the pipeline may take to recover by itself before `pulumi up --refresh`, seconds",
    },
    "checkpoint-interval-ms": {
        type: "number",
        default: DEFAULT_OPTIONS.checkpointIntervalMs,
        min: 100,
        integer: true,
        description: "Flink checkpoint interval, ms",
    },
} as const satisfies OptionTable;

/** The text `npm run bench:faults -- --help` prints. */
export const FAULTS_USAGE = formatUsage(
    "usage: npm run bench:faults -- [options]\nKILLS SHARED SERVICES: run it only when nobody else uses the harness.",
    FAULT_OPTIONS,
);

/** Parses `npm run bench:faults` arguments; UsageError on anything wrong. */
export function parseFaultOptions(argv: readonly string[]): FaultOptions {
    const o = parseCommandLine(argv, FAULT_OPTIONS).options;
    return {
        json: o.json,
        // Run in the canonical order, each once.
        faults: FAULTS.filter((f) => o.faults.includes(f)),
        rate: o.rate,
        warmupSeconds: o["warmup-seconds"],
        downSeconds: o["down-seconds"],
        autoRecoverySeconds: o["auto-recovery-seconds"],
        checkpointIntervalMs: o["checkpoint-interval-ms"],
    };
}

function describe(opts: FaultOptions): string[] {
    return [
        `writer: ${opts.rate} single-row changes/s (INSERT 50%, UPDATE 30%, DELETE 20%), ${opts.warmupSeconds} s before the kill; service down ${opts.downSeconds} s, then restarted alone by the harness (ensureUp([service]))`,
        `recovered: automatic = with nothing but the restart of the killed process; "pulumi up" = after \`pulumi up --refresh\` (run when no live Flink job for 10 s, a FAILED connector/task, or nothing new in Iceberg within ${opts.autoRecoverySeconds} s; never for the JobManager and ZooKeeper, which must recover by themselves)`,
        "job RUNNING s = kill -> the Flink job seen RUNNING again after it was seen down (polled every 0.5 s; - when it never went down); job = the same job id or a new one, and the checkpoint it restored",
        "recovery s = kill -> the first change committed after the kill (INSERT/UPDATE) visible in the Iceberg changelog (batch query via the SQL Gateway, polled every 2 s)",
        "lag 0 s = kill -> the replication slot confirmed the writer's last LSN and the job's consumer groups committed the topic's end (the writer stops 3 s after recovery)",
        "restart s = from the restart (down-seconds after the kill) until the killed service runs again and passes its health check (the harness's up is repeated while it skips a dead service whose health check still passes); rows lost = committed changes missing from the changelog that were not missing before the scenario; duplicates = extra changelog copies added in this scenario",
        `Flink checkpoint interval ${opts.checkpointIntervalMs} ms; machine: 2 cores shared with other engineers' work`,
    ];
}

async function main(opts: FaultOptions): Promise<void> {
    const log = benchLog("faults");
    const started = Date.now();
    let env: FaultEnv | undefined;
    let closing: Promise<string[]> | undefined;
    const close = () => (closing ??= closeFaultEnv(env));
    const onSignal = (sig: NodeJS.Signals) => {
        log(`${sig}: destroying the stack before exiting`);
        void close().finally(() => process.exit(130));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const results: ScenarioResult[] = [];
    let teardownProblems: string[];
    try {
        env = await prepareFaultEnv(opts, log);
        for (const fault of opts.faults) results.push(await runScenario(env, fault));
    } finally {
        teardownProblems = await close();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
    }
    const out = {
        bench: "faults",
        stack: env?.stack.name,
        options: opts,
        definitions: describe(opts),
        wallSeconds: (Date.now() - started) / 1000,
        results,
        teardownProblems,
    };
    if (opts.json) {
        console.log(JSON.stringify(out, null, 2));
    } else {
        console.log(`Fault injection on stack ${env?.stack.name} (throwaway copy of local, real services)`);
        for (const d of describe(opts)) console.log(`  ${d}`);
        console.log("");
        console.log(resultsTable(results));
        console.log("");
        for (const r of results) {
            console.log(`${r.label}: ${r.changesWritten} changes written${r.error ? `; ERROR ${r.error.split("\n")[0]}` : ""}`);
            for (const n of r.notes) console.log(`  - ${n}`);
            for (const u of unmetExpectations(r)) console.log(`  - NOT MET: ${u}`);
        }
        if (teardownProblems.length) console.log(`teardown problems:\n  ${teardownProblems.join("\n  ")}`);
        console.log(`wall time ${(out.wallSeconds / 60).toFixed(1)} min`);
    }
    const failed = results.filter((r) => unmetExpectations(r).length > 0);
    if (failed.length) process.exitCode = 1;
}

if (require.main === module) runBench(process.argv.slice(2), FAULTS_USAGE, parseFaultOptions, main);
