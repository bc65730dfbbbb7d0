/**
 * Pure figures for the benchmarks: percentiles, latency assignment from Iceberg snapshots, lag
 * boundedness. No I/O here (unit-tested in tests/unit/bench/bench-stats.test.ts).
 */

/** Nearest-rank percentile (p in (0, 100]) of `values`; undefined for an empty list. */
export function percentile(values: readonly number[], p: number): number | undefined {
    if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100], got ${p}`);
    if (values.length === 0) return undefined;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.ceil((p / 100) * sorted.length) - 1];
}

export interface LatencySummary {
    count: number;
    minMs: number;
    p50Ms: number;
    p95Ms: number;
    p99Ms: number;
    maxMs: number;
    meanMs: number;
}

/** count/min/p50/p95/p99/max/mean of latencies in ms; throws on an empty list (a bench with no data is a failure). */
export function summarize(latenciesMs: readonly number[]): LatencySummary {
    if (latenciesMs.length === 0) throw new Error("no latencies to summarize");
    const sorted = [...latenciesMs].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.ceil((p / 100) * sorted.length) - 1];
    return {
        count: sorted.length,
        minMs: sorted[0],
        p50Ms: at(50),
        p95Ms: at(95),
        p99Ms: at(99),
        maxMs: sorted[sorted.length - 1],
        meanMs: sorted.reduce((s, v) => s + v, 0) / sorted.length,
    };
}

/** One commit of the changelog table that readers can see: how many bench changes it covers, and when. */
export interface VisibilityPoint {
    /** Changes of this run the table holds once this commit is current (total-records minus the baseline). */
    cumulative: number;
    /** When the commit became visible (epoch ms). */
    visibleAtMs: number;
}

/**
 * For changes 1..n (in commit order, which is the order of the changelog table's single-partition
 * topic), the time each became visible: the time of the first commit whose cumulative count covers
 * it. Points are sorted by time; a count that goes down is an error (the changelog is append-only).
 * Returns undefined for changes no commit covers.
 */
export function assignVisibility(n: number, points: readonly VisibilityPoint[]): (number | undefined)[] {
    const sorted = [...points].sort((a, b) => a.visibleAtMs - b.visibleAtMs);
    for (let i = 1; i < sorted.length; i++) {
        if (sorted[i].cumulative < sorted[i - 1].cumulative) {
            throw new Error(
                `changelog count went down from ${sorted[i - 1].cumulative} to ${sorted[i].cumulative} at ${new Date(sorted[i].visibleAtMs).toISOString()}: not an append-only history`,
            );
        }
    }
    const out: (number | undefined)[] = new Array(n).fill(undefined);
    let j = 0;
    for (let i = 1; i <= n; i++) {
        while (j < sorted.length && sorted[j].cumulative < i) j++;
        if (j === sorted.length) break;
        out[i - 1] = sorted[j].visibleAtMs;
    }
    return out;
}

/** Latency of each change: visible time minus commit time; throws naming the first change no commit covers. */
export function latencies(commitAtMs: readonly number[], visibleAtMs: readonly (number | undefined)[]): number[] {
    if (commitAtMs.length !== visibleAtMs.length) throw new Error(`${commitAtMs.length} commit times but ${visibleAtMs.length} visibility times`);
    return commitAtMs.map((c, i) => {
        const v = visibleAtMs[i];
        if (v === undefined) throw new Error(`change ${i + 1} of ${commitAtMs.length} never became visible in the Iceberg changelog`);
        return v - c;
    });
}

/** A Nessie commit of the table: the snapshot it made current and when. */
export interface TableCommit {
    snapshotId: string;
    commitTimeMs: number;
}

/** The parts of an Iceberg table-metadata JSON this bench reads. */
export interface IcebergSnapshot {
    "snapshot-id": number | string;
    "timestamp-ms": number;
    summary?: Record<string, string>;
}

/** How many changes a snapshot holds in all: a changelog's rows, or an upsert mirror's delete records. */
export type ChangeCounter = (snapshot: IcebergSnapshot) => number;

/** A changelog table: one row per change, so its `total-records`. */
export const changelogChanges: ChangeCounter = (snap) => Number(snap.summary?.["total-records"]);

/**
 * An upsert mirror (Iceberg's Flink sink with `write.upsert.enabled`): every insert, update and
 * delete writes exactly one delete record for its key (equality, or positional when the key was
 * written earlier in the same checkpoint; an update's before-image writes none), so the sum of the
 * two delete totals counts the changes. Only while nothing compacts the table.
 */
export const mirrorChanges: ChangeCounter = (snap) =>
    Number(snap.summary?.["total-equality-deletes"] ?? 0) + Number(snap.summary?.["total-position-deletes"] ?? 0);

/**
 * Visibility points from the table's Nessie commits and its snapshots: the changes each commit's
 * snapshot holds (`countOf`, by default the changelog's `total-records`) minus `baselineTotal`.
 * Commits without a snapshot (snapshotId -1: create, schema change) and commits before `sinceMs` are
 * skipped; when several commits carry one snapshot, the earliest counts. A commit whose snapshot is
 * missing from the metadata is an error.
 */
export function visibilityPoints(
    commits: readonly TableCommit[],
    snapshots: readonly IcebergSnapshot[],
    baselineTotal: number,
    sinceMs: number,
    countOf: ChangeCounter = changelogChanges,
): VisibilityPoint[] {
    const byId = new Map(snapshots.map((s) => [String(s["snapshot-id"]), s]));
    const earliest = new Map<string, number>();
    for (const c of commits) {
        if (c.snapshotId === "-1" || c.commitTimeMs < sinceMs) continue;
        const prev = earliest.get(c.snapshotId);
        if (prev === undefined || c.commitTimeMs < prev) earliest.set(c.snapshotId, c.commitTimeMs);
    }
    const points: VisibilityPoint[] = [];
    for (const [id, at] of earliest) {
        const snap = byId.get(id);
        if (!snap) throw new Error(`Nessie commit at ${new Date(at).toISOString()} points at snapshot ${id}, which the table metadata does not list`);
        const total = countOf(snap);
        if (!Number.isFinite(total)) throw new Error(`snapshot ${id} has no total-records in its summary`);
        points.push({ cumulative: total - baselineTotal, visibleAtMs: at });
    }
    return points.sort((a, b) => a.visibleAtMs - b.visibleAtMs);
}

/** Nessie's commitTime (ISO with nanoseconds) as epoch ms with the sub-ms part kept. */
export function parseNessieTime(iso: string): number {
    const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
    if (!m) throw new Error(`not an ISO timestamp: ${iso}`);
    const whole = Date.parse(`${m[1]}${m[3]}`);
    const frac = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
    return whole + frac;
}

export interface LagSample {
    atMs: number;
    /** Messages the Flink job's consumer groups have not committed (summed over groups and partitions). */
    consumerLag: number;
    /** WAL bytes between pg_current_wal_lsn() and the slot's confirmed_flush_lsn. */
    slotLagBytes: number;
}

/**
 * Least-squares slope of `y` over `x` (per unit of x); 0 for fewer than two distinct x.
 */
export function slope(points: readonly { x: number; y: number }[]): number {
    const n = points.length;
    if (n < 2) return 0;
    const mx = points.reduce((s, p) => s + p.x, 0) / n;
    const my = points.reduce((s, p) => s + p.y, 0) / n;
    let num = 0;
    let den = 0;
    for (const p of points) {
        num += (p.x - mx) * (p.y - my);
        den += (p.x - mx) ** 2;
    }
    return den === 0 ? 0 : num / den;
}

export interface BoundedVerdict {
    bounded: boolean;
    /** Growth of the consumer lag over the second half of the write window, in messages per second (informative: Flink commits offsets per checkpoint, so the lag is a sawtooth). */
    lagGrowthPerS: number;
    maxConsumerLag: number;
    maxSlotLagBytes: number;
    /** Median latency of the last quarter of the changes minus that of the first quarter. */
    latencyGrowthMs?: number;
    reason: string;
}

/**
 * Whether lag stayed bounded while writing: the backlog drains within `drainBoundMs` once writes stop
 * (drainMs undefined = it did not drain in the time allowed), and the change-to-visible latency did
 * not grow over the run by more than `growthAllowanceMs` (median of the last quarter of the changes
 * against the first quarter): a pipeline that falls behind accumulates lag, which shows up as latency.
 * The consumer-lag slope is reported, not judged: with one offset commit per checkpoint the lag is a
 * sawtooth whose slope over a short window is noise.
 */
export function lagBounded(
    samples: readonly LagSample[],
    drainMs: number | undefined,
    drainBoundMs: number,
    trend: { firstQuarterP50Ms: number; lastQuarterP50Ms: number } | undefined,
    growthAllowanceMs: number,
): BoundedVerdict {
    const maxConsumerLag = samples.reduce((m, s) => Math.max(m, s.consumerLag), 0);
    const maxSlotLagBytes = samples.reduce((m, s) => Math.max(m, s.slotLagBytes), 0);
    const half = samples.slice(Math.floor(samples.length / 2));
    const lagGrowthPerS = slope(half.map((s) => ({ x: s.atMs / 1000, y: s.consumerLag })));
    const latencyGrowthMs = trend ? trend.lastQuarterP50Ms - trend.firstQuarterP50Ms : undefined;
    const base = { lagGrowthPerS, maxConsumerLag, maxSlotLagBytes, latencyGrowthMs };
    if (drainMs === undefined) return { bounded: false, ...base, reason: "backlog did not drain" };
    if (drainMs > drainBoundMs)
        return { bounded: false, ...base, reason: `drain took ${(drainMs / 1000).toFixed(1)} s > ${(drainBoundMs / 1000).toFixed(0)} s` };
    if (latencyGrowthMs !== undefined && latencyGrowthMs > growthAllowanceMs) {
        return {
            bounded: false,
            ...base,
            reason: `latency grew ${(latencyGrowthMs / 1000).toFixed(1)} s over the run (> ${(growthAllowanceMs / 1000).toFixed(1)} s)`,
        };
    }
    return { bounded: true, ...base, reason: "ok" };
}
