/**
 * One measured run on a deployed bench stack: write changes, wait (bounded) until every one is
 * visible in the Iceberg changelog table and the lag is back to zero, then turn the table's Nessie
 * commits into per-change latencies.
 */
import { BenchStack } from "./stack";
import { Op, WriteOptions, Writer, WriterPool, now } from "./writer";
import { IcebergTableProbe, batchQuery, nessieKey, waitFor } from "./iceberg";
import { LagProbe } from "./lag";
import { ServiceUsage, machineCpu, startProcSampling } from "./procs";
import { LagSample, LatencySummary, assignVisibility, latencies, percentile, summarize, visibilityPoints } from "./stats";

export type Log = (msg: string) => void;

/** What a bench keeps open on a stack; `expected` counts every change written so far (the changelog's total). */
export class Session {
    expected = 0;
    opsTotal: Record<Op, number> = { INSERT: 0, UPDATE: 0, DELETE: 0 };
    private constructor(
        readonly stack: BenchStack,
        readonly writer: Writer,
        public lag: LagProbe,
        readonly changes: IcebergTableProbe,
        readonly log: Log,
        /**
         * Whether the slot's confirmed position reaches the WAL's end once the pipeline has caught up.
         * Debezium's does (it confirms past WAL it skipped); Flink CDC confirms only the position of the
         * last change it read, so a run's drain does not wait for it.
         */
        readonly slotReachesWalEnd = true,
    ) {}

    /**
     * A session on the stack's pipeline, measured on its changelog table.
     * @param writers how many connections write side by side (WriterPool), each on its own rows.
     */
    static async open(stack: BenchStack, log: Log, writers = 1): Promise<Session> {
        const o = stack.outputs;
        return Session.openOn(stack, log, {
            topic: o.cdcTopics.demographics,
            jobName: o.flinkJobs.demographics.name,
            slot: o.connector.replicationSlot,
            table: new IcebergTableProbe(nessieKey(o.icebergChangeTables.demographics), stack.endpoints),
            writers,
        });
    }

    /**
     * A session measured on any Iceberg table fed from the stack's source table: `table` counts its
     * changes (a changelog's rows, an upsert mirror's delete records), `slot` is the replication slot
     * the pipeline reads, `topic` its Kafka topic (undefined for a job that reads the slot itself).
     */
    static async openOn(
        stack: BenchStack,
        log: Log,
        target: { topic: string | undefined; jobName: string; slot: string; table: IcebergTableProbe; writers?: number; slotReachesWalEnd?: boolean },
    ): Promise<Session> {
        const ep = stack.endpoints;
        const writer = await WriterPool.open(stack.schema, ep.postgres, target.writers ?? 1);
        const lag = await LagProbe.open(target.topic, target.jobName, target.slot, ep);
        const s = new Session(stack, writer, lag, target.table, log, target.slotReachesWalEnd ?? true);
        s.expected = await s.changes.totalChanges();
        return s;
    }

    /** After a reconfigure: the job has a new id; its groups keep their names. */
    async refresh(): Promise<void> {
        await this.lag.refreshGroups();
    }

    /**
     * Writes `n` changes as fast as the connection allows, `batch` per transaction, and waits until the
     * changelog holds them all (so the next run starts from a quiet pipeline).
     */
    async warmUp(n = 5, timeoutMs = 240_000, batch = 1): Promise<number> {
        const r = await this.writer.write({ changes: n, rate: 0, batch });
        this.count(r.ops);
        const ms = await waitFor(
            `the warm-up's ${n} changes in ${this.changes.key} (${this.expected} rows in all)`,
            async () => (await this.changes.totalChanges()) >= this.expected,
            timeoutMs,
            250,
            2000,
        );
        // Flink commits the source offsets to Kafka when a checkpoint completes (the same notification the Iceberg commit runs on).
        await waitFor(
            `the consumer groups of Flink job ${this.stack.outputs.flinkJobs.demographics.name} to commit offsets at the topic end`,
            async () => (await this.lag.consumerLag()).total === 0,
            timeoutMs,
            250,
            2000,
        );
        const total = await this.changes.totalChanges();
        if (total !== this.expected)
            throw new Error(`${this.changes.key} holds ${total} changes, expected ${this.expected}: the changelog does not match what was written`);
        return ms;
    }

    /** Counts changes written outside `measure` (the soak's own writes). */
    record(ops: Record<Op, number>): void {
        this.count(ops);
    }

    private count(ops: Record<Op, number>) {
        for (const k of Object.keys(ops) as Op[]) {
            this.opsTotal[k] += ops[k];
            this.expected += ops[k];
        }
    }

    async close(): Promise<void> {
        await this.writer.close();
        await this.lag.close();
        this.changes.close();
    }
}

export interface RunResult {
    label: string;
    target: { rate: number; batch: number; changes?: number; durationMs?: number };
    checkpointIntervalMs: number;
    changes: number;
    ops: Record<Op, number>;
    transactions: number;
    writeSeconds: number;
    /** Epoch ms of the first write and of the last commit. */
    writeWindow: { startMs: number; endMs: number };
    /** Changes committed per second while writing. */
    achievedRate: number;
    latency: LatencySummary;
    /** Median latency of the first and the last quarter of the changes (a pipeline falling behind shows a growing latency). */
    trend: { firstQuarterP50Ms: number; lastQuarterP50Ms: number };
    /** Percentile / the seed's 10 s bound. */
    ratioToBound: { p50: number; p95: number; p99: number };
    /** Changes per second from the first commit to the last change visible in Iceberg. */
    endToEndRate: number;
    /** After the last commit: until every change is visible in Iceberg; until consumer lag is 0 and the slot confirmed the last LSN. */
    drain: { visibleMs: number; consumerLagZeroMs?: number; slotConfirmedMs?: number; lagZeroMs?: number };
    lag: { samples: number; maxConsumerLag: number; maxSlotLagBytes: number; series: LagSample[] };
    icebergCommits: number;
    /** Median interval between the changelog table's Nessie commits during the run (the effective checkpoint cadence). */
    commitIntervalMedianMs?: number;
    /** Median of Nessie commit time minus the snapshot's own timestamp-ms. */
    snapshotToNessieMedianMs?: number;
    services: ServiceUsage[];
    /** Busy share of all cores of the machine during the run (other engineers' work included). */
    machineBusyPercent: number;
    benchProcessCpuSeconds: number;
}

export const SEED_BOUND_MS = 10_000;

export async function measure(s: Session, label: string, w: WriteOptions, drainTimeoutMs = 300_000): Promise<RunResult> {
    const baseline = s.expected;
    const total = await s.changes.totalChanges();
    if (total !== baseline) throw new Error(`${s.changes.key} holds ${total} changes before "${label}", expected ${baseline}: the pipeline is not quiet`);
    const sinceMs = Date.now() - 1; // Nessie's clock is this host's clock
    const procs = startProcSampling(1000, await s.stack.servicePids());
    const cpu0 = machineCpu();
    const self0 = process.cpuUsage();
    const sampler = s.lag.startSampling(1000);
    s.log(
        `${label}: writing ${w.changes !== undefined ? `${w.changes} changes` : `for ${(w.durationMs! / 1000).toFixed(0)} s`} at ${w.rate > 0 ? `${w.rate}/s` : "max rate"}, ${w.batch} per transaction`,
    );
    let r;
    try {
        r = await s.writer.write(w);
    } catch (e) {
        await sampler.stop();
        procs.stop();
        throw e;
    }
    const n = r.commitAtMs.length;
    for (const k of Object.keys(r.ops) as Op[]) {
        s.opsTotal[k] += r.ops[k];
        s.expected += r.ops[k];
    }
    const lastCommit = r.commitAtMs[n - 1];
    s.log(`${label}: ${n} changes in ${((r.endedAtMs - r.startedAtMs) / 1000).toFixed(1)} s; waiting for them in Iceberg`);
    await waitFor(
        `${n} changes of "${label}" in ${s.changes.key} (${s.expected} in all)`,
        async () => (await s.changes.totalChanges()) >= s.expected,
        drainTimeoutMs,
        100,
        500,
    );
    let consumerLagZeroMs: number | undefined;
    let slotConfirmedMs: number | undefined;
    await waitFor(
        s.slotReachesWalEnd
            ? `consumer lag of ${s.lag.groups.join(", ")} on ${s.lag.topic} at 0 and slot ${s.lag.slot} confirming ${r.endLsn}`
            : `consumer lag of ${s.lag.groups.join(", ") || "(no consumer group)"} at 0`,
        async () => {
            if (consumerLagZeroMs === undefined && (await s.lag.consumerLag()).total === 0) consumerLagZeroMs = now() - lastCommit;
            if (s.slotReachesWalEnd && slotConfirmedMs === undefined && (await s.lag.slotConfirmed(r.endLsn))) slotConfirmedMs = now() - lastCommit;
            return consumerLagZeroMs !== undefined && (slotConfirmedMs !== undefined || !s.slotReachesWalEnd);
        },
        drainTimeoutMs,
        100,
        500,
    ).catch((e) => s.log(`${label}: ${e.message}`));
    const series = await sampler.stop();
    const services = procs.stop();
    const cpu1 = machineCpu();
    const self1 = process.cpuUsage(self0);

    const totalAfter = await s.changes.totalChanges();
    if (totalAfter !== s.expected)
        throw new Error(`${s.changes.key} holds ${totalAfter} changes after "${label}", expected ${s.expected}: changes lost or duplicated`);

    const loc = await s.changes.metadataLocation();
    const md = await s.changes.metadata(loc);
    const commits = await s.changes.commitsSince(sinceMs);
    const points = visibilityPoints(commits, md.snapshots ?? [], baseline, sinceMs, s.changes.countOf);
    const visible = assignVisibility(n, points);
    const lat = latencies(r.commitAtMs, visible);
    const latency = summarize(lat);
    const lastVisible = (visible as number[]).reduce((m, v) => Math.max(m, v), Number.NEGATIVE_INFINITY);
    const quarter = Math.max(1, Math.floor(n / 4));
    const inRun = points.filter((p) => p.visibleAtMs <= lastVisible);
    const intervals = inRun.slice(1).map((p, i) => p.visibleAtMs - inRun[i].visibleAtMs);
    const snapTimes = new Map((md.snapshots ?? []).map((x) => [String(x["snapshot-id"]), x["timestamp-ms"]]));
    const snapToNessie = commits.filter((c) => snapTimes.has(c.snapshotId)).map((c) => c.commitTimeMs - snapTimes.get(c.snapshotId)!);
    const maxOf = (xs: number[]) => xs.reduce((m, v) => Math.max(m, v), 0);
    return {
        label,
        target: { rate: w.rate, batch: w.batch, changes: w.changes, durationMs: w.durationMs },
        checkpointIntervalMs: s.stack.settings.checkpointIntervalMs,
        changes: n,
        ops: r.ops,
        transactions: r.transactions,
        writeSeconds: (lastCommit - r.startedAtMs) / 1000,
        writeWindow: { startMs: r.startedAtMs, endMs: lastCommit },
        achievedRate: n / ((lastCommit - r.startedAtMs) / 1000),
        latency,
        trend: { firstQuarterP50Ms: percentile(lat.slice(0, quarter), 50)!, lastQuarterP50Ms: percentile(lat.slice(n - quarter), 50)! },
        ratioToBound: { p50: latency.p50Ms / SEED_BOUND_MS, p95: latency.p95Ms / SEED_BOUND_MS, p99: latency.p99Ms / SEED_BOUND_MS },
        endToEndRate: n / ((lastVisible - r.commitAtMs[0]) / 1000),
        drain: {
            visibleMs: Math.max(0, lastVisible - lastCommit),
            consumerLagZeroMs,
            slotConfirmedMs,
            lagZeroMs: consumerLagZeroMs !== undefined && slotConfirmedMs !== undefined ? Math.max(consumerLagZeroMs, slotConfirmedMs) : undefined,
        },
        lag: {
            samples: series.length,
            maxConsumerLag: maxOf(series.map((x) => x.consumerLag)),
            maxSlotLagBytes: maxOf(series.map((x) => x.slotLagBytes)),
            series,
        },
        icebergCommits: inRun.length,
        commitIntervalMedianMs: percentile(intervals, 50),
        snapshotToNessieMedianMs: percentile(snapToNessie, 50),
        services,
        machineBusyPercent: cpu1.total > cpu0.total ? ((cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total)) * 100 : 0,
        benchProcessCpuSeconds: (self1.user + self1.system) / 1e6,
    };
}

/** The totals verifyTotals compared: the changelog's rows (in all and per operation), the changes written, and with `upsert` the upsert table's and PostgreSQL's rows. */
export interface Totals {
    changelogRows: number;
    expected: number;
    byOperation: Record<string, number>;
    upsertRows?: number;
    sourceRows?: number;
    /** Row count and two sums over every row's values (MirrorChecksum), of the upsert table and of PostgreSQL's table. */
    upsertChecksum?: MirrorChecksum;
    sourceChecksum?: MirrorChecksum;
}

/**
 * What the exactness check compares between the upsert table and PostgreSQL: the row count and two
 * sums that change when any row holds another age or city than its latest (an older change applied
 * after a newer one shows here, not only in the count). Each sum stays below 2^53 for millions of rows.
 */
export interface MirrorChecksum {
    rows: number;
    ageSum: number;
    citySum: number;
}

/** The checksum query; `length` is CHAR_LENGTH in Flink SQL and LENGTH in PostgreSQL. */
export function mirrorChecksumSql(table: string, length: "CHAR_LENGTH" | "LENGTH"): string {
    // Summed as BIGINT: Flink sums INT columns as INT, which would wrap. Named: PostgreSQL's client keys a row by column name.
    return (
        `SELECT COUNT(*) AS row_count, COALESCE(SUM(CAST(MOD(id, 1000) * age AS BIGINT)), 0) AS age_sum, ` +
        `COALESCE(SUM(CAST(MOD(id, 997) * ${length}(city) AS BIGINT)), 0) AS city_sum FROM ${table}`
    );
}

/**
 * Bound of each verification query: a table after a load run is thousands of small files (one per
 * writer subtask and checkpoint) that a 640 MiB TaskManager reads in minutes, not seconds.
 */
export const VERIFY_QUERY_TIMEOUT_MS = 900_000;

/** `<catalog>.<namespace>.<table>` as the bench's batch session names it: in its `lake` catalog (bench/lib/iceberg.ts lakeCatalogStatement). */
export function inLakeCatalog(identifier: string): string {
    return `lake.${identifier.split(".").slice(1).join(".")}`;
}

/** The checksum of an upsert mirror (`<catalog>.<namespace>.<table>`, read through the SQL Gateway) and of the stack's source table. */
export async function mirrorChecksums(s: Session, mirrorIdentifier: string): Promise<{ table: MirrorChecksum; source: MirrorChecksum }> {
    const checksum = (row: unknown[] | undefined): MirrorChecksum => ({ rows: Number(row?.[0]), ageSum: Number(row?.[1]), citySum: Number(row?.[2]) });
    const table = checksum(
        (
            await batchQuery(
                s.stack.outputs.warehouse,
                mirrorChecksumSql(inLakeCatalog(mirrorIdentifier), "CHAR_LENGTH"),
                s.stack.endpoints,
                VERIFY_QUERY_TIMEOUT_MS,
            )
        )[0],
    );
    const source = checksum(Object.values((await s.writer.query(mirrorChecksumSql(`${s.stack.schema}.demographics`, "LENGTH")))[0]));
    return { table, source };
}

/** The final check: COUNT(*) of the changelog (and per operation) and of the upsert table through the SQL Gateway. */
export async function verifyTotals(s: Session, opts: { upsert: boolean }): Promise<Totals> {
    const o = s.stack.outputs;
    const ep = s.stack.endpoints;
    const byOp = await batchQuery(
        o.warehouse,
        `SELECT operation_type, COUNT(*) FROM ${inLakeCatalog(o.icebergChangeTables.demographics)} GROUP BY operation_type`,
        ep,
        VERIFY_QUERY_TIMEOUT_MS,
    );
    const byOperation = Object.fromEntries(byOp.map((r) => [String(r[0]), Number(r[1])]));
    const changelogRows = Object.values(byOperation).reduce((a, b) => a + b, 0);
    // The upsert table after millions of changes is mostly equality deletes: reading it is a heavy job for
    // the harness's 640 MiB TaskManager (it thrashed once under a load run), so only the benches that need it ask.
    const mirror = opts.upsert ? await mirrorChecksums(s, o.icebergTables.demographics) : undefined;
    const upsertChecksum = mirror?.table;
    const sourceChecksum = mirror?.source;
    const upsertRows = upsertChecksum?.rows;
    const sourceRows = sourceChecksum?.rows;
    const problems: string[] = [];
    if (changelogRows !== s.expected)
        problems.push(`the changelog ${o.icebergChangeTables.demographics} has ${changelogRows} rows through the SQL Gateway, expected ${s.expected}`);
    for (const [op, k] of Object.entries(s.opsTotal))
        if ((byOperation[op] ?? 0) !== k) problems.push(`${op}: ${byOperation[op] ?? 0} changelog rows, ${k} written`);
    if (opts.upsert && upsertRows !== sourceRows)
        problems.push(`the upsert table ${o.icebergTables.demographics} has ${upsertRows} rows, PostgreSQL ${sourceRows}`);
    else if (opts.upsert && JSON.stringify(upsertChecksum) !== JSON.stringify(sourceChecksum))
        problems.push(
            `the upsert table ${o.icebergTables.demographics} holds other values than PostgreSQL: checksum ${JSON.stringify(upsertChecksum)}, PostgreSQL ${JSON.stringify(sourceChecksum)}`,
        );
    if (problems.length) throw new Error(`TOTALS DO NOT MATCH:\n  ${problems.join("\n  ")}`);
    return { changelogRows, expected: s.expected, byOperation, upsertRows, sourceRows, upsertChecksum, sourceChecksum };
}

/** How a bench run ended: the totals when they matched, else why not. */
export interface Verification {
    verified?: Totals;
    verifyError?: string;
}

/**
 * The final check of a bench (verifyTotals), with its failure kept as text and logged: the figures
 * are printed anyway and the exit code says the check failed. `stopped`: why the run itself stopped
 * early, reported as the failure without querying.
 */
export async function verifyRun(s: Session, opts: { upsert: boolean }, stopped?: string): Promise<Verification> {
    s.log("verifying totals through the SQL Gateway");
    try {
        if (stopped) throw new Error(stopped);
        return { verified: await verifyTotals(s, opts) };
    } catch (e) {
        const verifyError = e instanceof Error ? e.message : String(e);
        s.log(`VERIFICATION FAILED: ${verifyError}`);
        return { verifyError };
    }
}

/** Opens a session on `stack` (with `writers` connections), runs `work` in it, and always closes the session and tears the stack down. */
export async function withSession<T>(stack: BenchStack, log: Log, work: (s: Session) => Promise<T>, writers = 1): Promise<T> {
    let session: Session | undefined;
    try {
        session = await Session.open(stack, log, writers);
        return await work(session);
    } finally {
        await session?.close();
        await stack.teardown();
    }
}
