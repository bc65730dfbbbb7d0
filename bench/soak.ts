/**
 * Soak (issue 18): a steady stream of single-row changes for a long time at 1 s checkpoints, twice on
 * a throwaway copy of the local stack: without table maintenance, then with it (bench/lib/stack.ts
 * BENCH_MAINTENANCE: every task each minute, a 5-minute time-travel window). The table is loaded with
 * `--rows` rows first and the stream keeps it at about that size (50% UPDATE, 25% INSERT, 25% DELETE),
 * so the query at the start and at the end read the same number of rows; `--rows 0` writes the growing
 * mix instead (50% INSERT, 30% UPDATE, 20% DELETE from an empty table). Every `--sample-seconds`
 * it reads both Iceberg tables' data files, delete files and snapshots from their metadata files (what
 * `npm run health` reads); at the start, every `--query-minutes` beside the stream and at the end it times
 * a full-table batch query of the upsert mirror through the SQL Gateway (at the end also on a copy of the
 * same rows compacted, then on the mirror again, each with the mirror's files then). Each run ends with
 * the exactness check (the changelog holds every change written, the mirror equals PostgreSQL; a mirror
 * that could not be read within the bound is reported as not checked). Reports the counts over time and,
 * per run, the query time end / start; then the with/without ratios.
 *
 *   npm run bench:soak                                   # 30 min per run at 1,000 changes/s on 500,000 rows
 *   npm run bench:soak -- --minutes 5 --rate 500 --rows 50000 --json
 */
import { isResultTimeout } from "../components/dynamic/flink/gateway";
import { OptionTable, ParsedOptions, UsageError, formatUsage, parseCommandLine } from "../ops/args";
import { summarizeTableMetadata } from "../ops/health/table-metadata";
import { benchLog, emitJsonResult, runBench } from "./lib/cli";
import { IcebergTableProbe, batchQuery, nessieKey } from "./lib/iceberg";
import { fmtNumber, table } from "./lib/format";
import { Log, Session, Totals, verifyRun, withSession } from "./lib/run";
import { benchMaintenance, deployBenchStack } from "./lib/stack";

/** The options of `npm run bench:soak`. */
export const SOAK_OPTIONS = {
    json: { type: "flag", description: "print one JSON object instead of the tables" },
    minutes: { type: "number", default: 30, min: 1, description: "minutes of writes per run" },
    rate: { type: "number", default: 1000, min: 1, description: "changes per second (single-row transactions on one connection)" },
    "checkpoint-ms": { type: "number", default: 1000, min: 100, integer: true, description: "Flink checkpoint interval, ms" },
    rows: {
        type: "number",
        default: 500_000,
        min: 0,
        integer: true,
        description: "rows loaded before the stream, which then keeps the table at about that size; 0: the growing mix from an empty table",
    },
    "query-minutes": {
        type: "number",
        default: 5,
        min: 0,
        description: "minutes between two timed full scans of the mirror while the stream runs (0: only at the start and the end)",
    },
    "sample-seconds": { type: "number", default: 60, min: 5, description: "seconds between two readings of the tables' files and snapshots" },
    runs: { type: "strings", default: ["without", "with"], allowed: ["without", "with"], description: "which runs: without and/or with table maintenance" },
    maintenance: {
        type: "strings",
        default: [],
        value: "key=value",
        description:
            "a lakehouse:maintenance setting over the bench's (bench/lib/stack.ts), dotted for nested keys, comma-separated for several, e.g. rewriteDataFiles.commitCount=5,lockCheckDelaySeconds=5",
    },
    secured: {
        type: "flag",
        description:
            "a copy of Pulumi.local-tls.yaml instead of local: PostgreSQL over TLS (verify-full), Kafka over SASL_SSL with SCRAM, Connect on it (as bench:load --secured); the writer over TLS too",
    },
    out: { type: "strings", default: [], value: "file", description: "also write the JSON result to this file (the tables still go to stdout)" },
} as const satisfies OptionTable;

/** The text `npm run bench:soak -- --help` prints. */
export const SOAK_USAGE = formatUsage("usage: npm run bench:soak -- [options]", SOAK_OPTIONS);

export type SoakOptions = ParsedOptions<typeof SOAK_OPTIONS>;

/** Parses `npm run bench:soak` arguments; UsageError on anything wrong. */
export function parseSoakArgs(argv: readonly string[]): SoakOptions {
    const opts = parseCommandLine(argv, SOAK_OPTIONS).options;
    if (opts["sample-seconds"] > opts.minutes * 60) throw new UsageError("--sample-seconds must be at most the run's length (--minutes x 60)");
    try {
        benchMaintenance(opts.maintenance);
    } catch (err) {
        throw new UsageError(`--maintenance: ${(err as Error).message}`);
    }
    return opts;
}

/** One table's files and snapshots at one moment. */
export interface TableShape {
    dataFiles: number | null;
    deleteFiles: number | null;
    snapshots: number;
}

/** One reading during a run: the minute it was taken, the changes written so far, both tables' shapes. */
export interface SoakSample {
    atSeconds: number;
    written: number;
    mirror: TableShape;
    changelog: TableShape;
    /** The full scan of the mirror timed right after this reading (every `--query-minutes`), seconds. */
    querySeconds?: number;
    /** False when that scan did not finish within its bound (`querySeconds` is then the bound). */
    queryFinished?: boolean;
}

/** What one run measured. */
export interface SoakRun {
    maintenance: boolean;
    /** On the secured services (`--secured`); absent in results from before the option. */
    secured?: boolean;
    /** The rows loaded first and kept by the steady mix; 0 (or absent, in results from before it) for the growing mix. */
    rows?: number;
    /** How long the load took until the changelog held it, seconds. */
    loadSeconds?: number;
    /** The run's lakehouse:maintenance, when it ran with it. */
    maintenanceSettings?: Record<string, unknown>;
    stack: string;
    checkpointIntervalMs: number;
    targetRate: number;
    written: number;
    achievedRate: number;
    samples: SoakSample[];
    /** The full-table query of the mirror at the start (after the warm-up) and the end (after the drain), seconds. */
    queryStartSeconds: number;
    queryEndSeconds: number;
    /** False when the end query did not finish within its bound (`queryEndSeconds` is then the bound): the mirror could not be read. */
    queryEndFinished?: boolean;
    /**
     * The same query on a copy of the mirror's rows at the end written at once (one commit, no delete
     * files): what it costs on the same rows compacted, so `queryEndSeconds` over it is the files' and
     * delete files' share, apart from the table's growth. Absent when the end query did not finish.
     */
    queryCompactedSeconds?: number;
    /** The mirror's files when the end query started. */
    endShape?: TableShape;
    /**
     * The same query of the mirror again, after the compacted copy's (a minute or more later, nothing
     * written meanwhile), with the mirror's files then: beside `queryEndSeconds` it tells the table's shape
     * (the same files, the same time) from what else ran at the end (maintenance still compacting).
     */
    queryEndAgainSeconds?: number;
    againShape?: TableShape;
    verified?: Totals;
    verifyError?: string;
    /**
     * Why the exactness check left the mirror out (it then checked the changelog alone): its full scan
     * did not finish within its bound. Expected without maintenance; a failure with it (soakFailed).
     */
    mirrorUnchecked?: string;
}

/**
 * Whether the soak failed: a run whose check found a difference or could not run, or a run with
 * maintenance whose mirror could not be read. A mirror nothing compacts becoming unreadable is what
 * the run without maintenance measures, not a failure; its changelog is still checked exactly.
 */
export function soakFailed(runs: readonly SoakRun[]): boolean {
    return runs.some((r) => !r.verified || (r.maintenance && r.mirrorUnchecked !== undefined));
}

/** The summary's "exact" cell: what the check compared, and why it failed or what it left out. */
export function exactCell(r: SoakRun): string {
    if (!r.verified) return `NO: ${r.verifyError ?? "not checked"}`;
    return r.mirrorUnchecked ? `changelog yes; mirror not checked: ${r.mirrorUnchecked}` : "yes";
}

/** The largest of a field over the samples (null when no sample has it). */
export function peak(samples: readonly SoakSample[], table: "mirror" | "changelog", field: keyof TableShape): number | null {
    const values = samples.map((s) => s[table][field]).filter((v): v is number => typeof v === "number");
    return values.length ? Math.max(...values) : null;
}

/** The counts over time, one row per sample. */
export function samplesTable(run: SoakRun): string {
    const n = (v: number | null) => (v === null ? "-" : fmtNumber(v));
    return table(
        ["at", "written", "mirror data", "mirror deletes", "mirror snapshots", "changelog data", "changelog snapshots", "query s"],
        run.samples.map((s) => [
            `${(s.atSeconds / 60).toFixed(1)} min`,
            fmtNumber(s.written),
            n(s.mirror.dataFiles),
            n(s.mirror.deleteFiles),
            fmtNumber(s.mirror.snapshots),
            n(s.changelog.dataFiles),
            fmtNumber(s.changelog.snapshots),
            s.querySeconds === undefined ? "" : `${s.queryFinished === false ? "> " : ""}${s.querySeconds.toFixed(2)}`,
        ]),
    );
}

/** Per run: written, rate, peaks and the last reading, the query times and their ratio, exactness. */
export function summaryTable(runs: readonly SoakRun[]): string {
    const n = (v: number | null | undefined) => (v === null || v === undefined ? "-" : fmtNumber(v));
    return table(
        [
            "run",
            "written",
            "rate/s",
            "mirror data (peak / end)",
            "mirror deletes (peak / end)",
            "snapshots (peak / end)",
            "query start s",
            "query end s",
            "end / start",
            "same rows compacted s",
            "end / compacted",
            "end again s",
            "again / compacted",
            "exact",
        ],
        runs.map((r) => {
            const last = r.samples[r.samples.length - 1];
            return [
                r.maintenance ? "with maintenance" : "without",
                fmtNumber(r.written),
                r.achievedRate.toFixed(0),
                `${n(peak(r.samples, "mirror", "dataFiles"))} / ${n(last?.mirror.dataFiles)}`,
                `${n(peak(r.samples, "mirror", "deleteFiles"))} / ${n(last?.mirror.deleteFiles)}`,
                `${n(peak(r.samples, "mirror", "snapshots"))} / ${n(last?.mirror.snapshots)}`,
                r.queryStartSeconds.toFixed(2),
                `${r.queryEndFinished === false ? "> " : ""}${r.queryEndSeconds.toFixed(2)}`,
                `${r.queryEndFinished === false ? "> " : ""}${(r.queryEndSeconds / r.queryStartSeconds).toFixed(2)}`,
                r.queryCompactedSeconds === undefined ? "-" : r.queryCompactedSeconds.toFixed(2),
                r.queryCompactedSeconds === undefined ? "-" : (r.queryEndSeconds / r.queryCompactedSeconds).toFixed(2),
                r.queryEndAgainSeconds === undefined ? "-" : r.queryEndAgainSeconds.toFixed(2),
                r.queryEndAgainSeconds === undefined || r.queryCompactedSeconds === undefined
                    ? "-"
                    : (r.queryEndAgainSeconds / r.queryCompactedSeconds).toFixed(2),
                exactCell(r),
            ];
        }),
    );
}

/** A table's shape from its current metadata file. */
async function shapeOf(probe: IcebergTableProbe): Promise<TableShape> {
    const location = await probe.metadataLocation();
    if (!location) return { dataFiles: null, deleteFiles: null, snapshots: 0 };
    const s = summarizeTableMetadata(location, await probe.metadata(location));
    return { dataFiles: s.dataFiles, deleteFiles: s.deleteFiles, snapshots: s.snapshots };
}

/** The mirror as the bench's batch session names it: `lake.<namespace>.<table>`. */
function mirrorTable(session: Session): string {
    return `lake.${session.stack.outputs.icebergTables.demographics.split(".").slice(1).join(".")}`;
}

/**
 * Copies the mirror's rows into a new table in one batch job (CREATE TABLE AS SELECT: one commit, a
 * few data files, no delete files), times the same full query on the copy, and drops it: what the
 * query costs on the same rows compacted.
 */
async function timeCompactedCopy(session: Session): Promise<number> {
    const o = session.stack.outputs;
    const copy = `${mirrorTable(session)}_compacted_copy`;
    await batchQuery(o.warehouse, `CREATE TABLE ${copy} AS SELECT * FROM ${mirrorTable(session)}`, session.stack.endpoints, FULL_SCAN_BOUND_MS, {
        "table.dml-sync": "true",
    });
    try {
        return (await timeFullScan(session, copy)).seconds;
    } finally {
        await batchQuery(o.warehouse, `DROP TABLE IF EXISTS ${copy}`, session.stack.endpoints).catch(() => undefined);
    }
}

/** How long loading `--rows` may take until the changelog holds every row (500,000 rows took 42 s here, 2026-12-03). */
export const LOAD_BOUND_MS = 1_800_000;
/** Rows per transaction while loading. */
export const LOAD_BATCH = 1000;

/** How long one full-table query may take: the end query of a mirror nothing compacted may not finish at all. */
export const FULL_SCAN_BOUND_MS = 600_000;

/**
 * Times one full-table batch query of the mirror through the SQL Gateway, seconds; `finished` false
 * when it did not finish within {@link FULL_SCAN_BOUND_MS} (the SQL Gateway closes the operation, which
 * cancels the query's job), so the run is reported rather than lost.
 */
async function timeFullScan(session: Session, table = mirrorTable(session)): Promise<{ seconds: number; finished: boolean }> {
    const o = session.stack.outputs;
    const started = Date.now();
    try {
        await batchQuery(o.warehouse, `SELECT COUNT(*), SUM(age), COUNT(DISTINCT city) FROM ${table}`, session.stack.endpoints, FULL_SCAN_BOUND_MS);
    } catch (err) {
        if (!isResultTimeout(err)) throw err;
        return { seconds: FULL_SCAN_BOUND_MS / 1000, finished: false };
    }
    return { seconds: (Date.now() - started) / 1000, finished: true };
}

/** One run: deploy, warm up, time the scan, write for `minutes` sampling the tables, drain, time the scan again, verify, tear down. */
export async function runSoak(opts: SoakOptions, maintenance: boolean, log: Log): Promise<SoakRun> {
    const maintenanceSettings = maintenance ? benchMaintenance(opts.maintenance) : undefined;
    const stack = await deployBenchStack(
        `${maintenance ? "soakm" : "soak"}${opts.secured ? "s" : ""}`,
        {
            checkpointIntervalMs: opts["checkpoint-ms"],
            ...(maintenanceSettings ? { maintenance: maintenanceSettings } : {}),
            ...(opts.secured ? { secured: true } : {}),
        },
        log,
    );
    if (maintenanceSettings) log(`table maintenance: ${JSON.stringify(maintenanceSettings)}`);
    return withSession(stack, log, async (session) => {
        const o = stack.outputs;
        const mirror = new IcebergTableProbe(nessieKey(o.icebergTables.demographics), stack.endpoints);
        const changelog = new IcebergTableProbe(nessieKey(o.icebergChangeTables.demographics), stack.endpoints);
        try {
            let loadSeconds: number | undefined;
            if (opts.rows > 0) {
                session.writer.steady(opts.rows);
                const loadStarted = Date.now();
                log(
                    `loading ${fmtNumber(opts.rows)} rows (${LOAD_BATCH} per transaction), then 50% UPDATE, 25% INSERT, 25% DELETE keeps the table at that size`,
                );
                await session.warmUp(opts.rows, LOAD_BOUND_MS, LOAD_BATCH);
                loadSeconds = (Date.now() - loadStarted) / 1000;
                log(`${fmtNumber(opts.rows)} rows loaded and in the changelog after ${loadSeconds.toFixed(1)} s`);
            }
            await session.warmUp();
            // One untimed scan first: the start's time is then the table's, not the first batch job's
            // class loading and JIT in a TaskManager that has run none yet (the end's scan never pays that).
            await timeFullScan(session);
            const queryStartSeconds = (await timeFullScan(session)).seconds;
            log(`${maintenance ? "with" : "without"} maintenance: full scan of the mirror at the start ${queryStartSeconds.toFixed(2)} s`);
            const samples: SoakSample[] = [];
            const started = Date.now();
            const endAt = started + opts.minutes * 60_000;
            let written = 0;
            const queryEveryMs = opts["query-minutes"] * 60_000;
            let nextQueryAt = started + queryEveryMs;
            // The scans while the stream runs go on beside the writer (the stream does not pause for them);
            // one at a time: a scan still running when the next is due (a mirror nothing compacts) delays it.
            let scanning: Promise<void> | undefined;
            let scanError: unknown;
            const scanAt = (sample: SoakSample) => {
                scanning = timeFullScan(session)
                    .then((scan) => {
                        sample.querySeconds = scan.seconds;
                        sample.queryFinished = scan.finished;
                        log(
                            `full scan of the mirror at ${(sample.atSeconds / 60).toFixed(1)} min, beside the stream: ${scan.finished ? "" : "did not finish within "}${scan.seconds.toFixed(2)} s`,
                        );
                    })
                    .catch((err: unknown) => {
                        scanError = scanError ?? err;
                    })
                    .finally(() => {
                        scanning = undefined;
                    });
            };
            while (Date.now() < endAt) {
                if (scanError !== undefined) throw scanError;
                const sliceMs = Math.min(opts["sample-seconds"] * 1000, endAt - Date.now());
                const r = await session.writer.write({ durationMs: sliceMs, rate: opts.rate, batch: 1 });
                session.record(r.ops);
                written += r.commitAtMs.length;
                const sample: SoakSample = {
                    atSeconds: (Date.now() - started) / 1000,
                    written,
                    mirror: await shapeOf(mirror),
                    changelog: await shapeOf(changelog),
                };
                samples.push(sample);
                log(
                    `${(sample.atSeconds / 60).toFixed(1)} min: ${written} written; mirror ${sample.mirror.dataFiles} data, ${sample.mirror.deleteFiles} delete files, ${sample.mirror.snapshots} snapshots; changelog ${sample.changelog.dataFiles} data files, ${sample.changelog.snapshots} snapshots`,
                );
                // Not after the last reading: the end's scan follows the drain.
                if (queryEveryMs > 0 && scanning === undefined && Date.now() >= nextQueryAt && Date.now() < endAt) {
                    scanAt(sample);
                    while (nextQueryAt <= Date.now()) nextQueryAt += queryEveryMs;
                }
            }
            await scanning;
            if (scanError !== undefined) throw scanError;
            const writeSeconds = (Date.now() - started) / 1000;
            log(`waiting until the changelog holds all ${session.expected} changes`);
            const deadline = Date.now() + 600_000;
            while ((await session.changes.totalChanges()) < session.expected) {
                if (Date.now() > deadline) throw new Error(`the changelog did not reach ${session.expected} changes within 600 s of the last write`);
                await new Promise((resolve) => setTimeout(resolve, 1000));
            }
            const endShape = await shapeOf(mirror);
            const end = await timeFullScan(session);
            const queryEndSeconds = end.seconds;
            log(
                `full scan of the mirror at the end ${end.finished ? `${queryEndSeconds.toFixed(2)} s` : `did not finish within ${queryEndSeconds} s`} (${endShape.dataFiles} data, ${endShape.deleteFiles} delete files)`,
            );
            const queryCompactedSeconds = end.finished ? await timeCompactedCopy(session) : undefined;
            if (queryCompactedSeconds !== undefined)
                log(`the same query on the same rows compacted (a copy written at once) ${queryCompactedSeconds.toFixed(2)} s`);
            const againShape = end.finished ? await shapeOf(mirror) : undefined;
            const again = end.finished ? await timeFullScan(session) : undefined;
            if (again?.finished && againShape)
                log(`the mirror again, after the copy ${again.seconds.toFixed(2)} s (${againShape.dataFiles} data, ${againShape.deleteFiles} delete files)`);
            // The exactness check reads the whole mirror too: where a full scan could not finish (a mirror
            // nothing compacted), it checks the changelog alone and says the mirror was not read.
            const verification = await verifyRun(session, { upsert: end.finished });
            const mirrorUnchecked = end.finished ? undefined : `the mirror could not be read within ${queryEndSeconds} s`;
            return {
                maintenance,
                ...(opts.secured ? { secured: true } : {}),
                rows: opts.rows,
                ...(loadSeconds !== undefined ? { loadSeconds } : {}),
                ...(maintenanceSettings ? { maintenanceSettings } : {}),
                stack: stack.name,
                checkpointIntervalMs: opts["checkpoint-ms"],
                targetRate: opts.rate,
                written,
                achievedRate: written / writeSeconds,
                samples,
                queryStartSeconds,
                queryEndSeconds,
                queryEndFinished: end.finished,
                ...(queryCompactedSeconds !== undefined ? { queryCompactedSeconds } : {}),
                endShape,
                ...(again?.finished && againShape ? { queryEndAgainSeconds: again.seconds, againShape } : {}),
                ...verification,
                ...(mirrorUnchecked ? { mirrorUnchecked } : {}),
            };
        } finally {
            mirror.close();
            changelog.close();
        }
    });
}

async function main(opts: SoakOptions): Promise<void> {
    const log = benchLog("soak");
    const runs: SoakRun[] = [];
    for (const which of opts.runs) runs.push(await runSoak(opts, which === "with", log));
    const failed = soakFailed(runs);
    if (emitJsonResult({ bench: "soak", runs }, opts, failed)) return;
    for (const r of runs)
        console.log(
            `\n${r.maintenance ? "With" : "Without"} table maintenance (${r.stack}${r.secured ? ", secured services: PostgreSQL over TLS, Kafka over SASL_SSL" : ""}, ${r.rows ? `a steady table of ${fmtNumber(r.rows)} rows` : "a growing table"}, checkpoints every ${r.checkpointIntervalMs} ms${r.maintenanceSettings ? `; ${JSON.stringify(r.maintenanceSettings)}` : ""}):\n${samplesTable(r)}`,
        );
    console.log(`\n${summaryTable(runs)}`);
    if (failed) process.exitCode = 1;
}

if (require.main === module) runBench(process.argv.slice(2), SOAK_USAGE, parseSoakArgs, main);
