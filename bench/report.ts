/** Human-readable tables of run results, shared by bench/latency.ts and bench/load.ts (pure). */
import { fmtNumber, secs, table } from "./lib/format";
import type { RunResult, Verification } from "./lib/run";
import type { ServiceUsage } from "./lib/procs";

/** Per run: the change-to-queryable latency percentiles, their ratio to the seed's 10 s bound, and the Iceberg commits. */
export function latencyTable(runs: readonly RunResult[]): string {
    return table(
        ["run", "ckpt", "changes", "I/U/D", "rate/s", "p50 s", "p95 s", "p99 s", "max s", "p50/10s", "p95/10s", "p99/10s", "commits", "commit every"],
        runs.map((r) => [
            r.label,
            `${r.checkpointIntervalMs / 1000} s`,
            r.changes,
            `${r.ops.INSERT}/${r.ops.UPDATE}/${r.ops.DELETE}`,
            r.achievedRate,
            secs(r.latency.p50Ms),
            secs(r.latency.p95Ms),
            secs(r.latency.p99Ms),
            secs(r.latency.maxMs),
            r.ratioToBound.p50,
            r.ratioToBound.p95,
            r.ratioToBound.p99,
            r.icebergCommits,
            r.commitIntervalMedianMs === undefined ? "-" : `${secs(r.commitIntervalMedianMs)} s`,
        ]),
    );
}

/** Per run: write and end-to-end rates, the largest lags, and how long after the last commit each lag drained. */
export function throughputTable(runs: readonly RunResult[]): string {
    return table(
        [
            "run",
            "ckpt",
            "changes",
            "write s",
            "written/s",
            "end-to-end/s",
            "max consumer lag",
            "max slot lag KiB",
            "visible after",
            "lag 0 after",
            "consumer 0",
            "slot 0",
        ],
        runs.map((r) => [
            r.label,
            `${r.checkpointIntervalMs / 1000} s`,
            r.changes,
            r.writeSeconds,
            r.achievedRate,
            r.endToEndRate,
            r.lag.maxConsumerLag,
            r.lag.maxSlotLagBytes / 1024,
            `${secs(r.drain.visibleMs)} s`,
            r.drain.lagZeroMs === undefined ? "no" : `${secs(r.drain.lagZeroMs)} s`,
            r.drain.consumerLagZeroMs === undefined ? "no" : `${secs(r.drain.consumerLagZeroMs)} s`,
            r.drain.slotConfirmedMs === undefined ? "no" : `${secs(r.drain.slotConfirmedMs)} s`,
        ]),
    );
}

/** Rows: services; per run: CPU seconds, CPU % of one core, peak RSS of the pid (and of its process group when larger). */
export function serviceTable(runs: readonly { label: string; services: ServiceUsage[]; machineBusyPercent: number }[]): string {
    const names = [...new Set(runs.flatMap((r) => r.services.map((s) => s.service)))];
    const cell = (u?: ServiceUsage) => {
        if (!u) return "-";
        const group = u.groupRssMiBMax > u.rssMiBMax * 1.05 ? ` (grp ${u.groupRssMiBMax.toFixed(0)})` : "";
        return `${fmtNumber(u.cpuSeconds)}s ${u.cpuPercent.toFixed(0)}% ${u.rssMiBMax.toFixed(0)}M${group}`;
    };
    const rows = names.map((n) => [n, ...runs.map((r) => cell(r.services.find((s) => s.service === n)))]);
    rows.push(["(machine busy, all cores)", ...runs.map((r) => `${r.machineBusyPercent.toFixed(0)}%`)]);
    return table(["service: cpu s, cpu % of a core, peak RSS MiB", ...runs.map((r) => r.label)], rows);
}

/** The last word of a bench: the totals verified through the SQL Gateway, or VERIFICATION FAILED and why. */
export function verificationLine(v: Verification): string {
    if (!v.verified) return `VERIFICATION FAILED: ${v.verifyError}`;
    const t = v.verified;
    return (
        `verified through the SQL Gateway: changelog ${t.changelogRows} rows = ${t.expected} changes written (${Object.entries(t.byOperation)
            .map(([k, n]) => `${k} ${n}`)
            .join(", ")})` + (t.upsertRows !== undefined ? `; upsert table ${t.upsertRows} rows = PostgreSQL ${t.sourceRows}` : "")
    );
}

/** a / b, or undefined when either is missing or b is 0 (a ratio that would say nothing). */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
    if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return undefined;
    return a / b;
}

/** One run measured on two platforms, as ratios a/b. */
export interface RunRatio {
    label: string;
    changes: { a: number; b: number };
    p50?: number;
    p95?: number;
    p99?: number;
    max?: number;
    /** Changes committed per second while writing. */
    writtenRate?: number;
    /** Changes per second from the first commit to the last change visible in Iceberg. */
    endToEndRate?: number;
    /** Time from the last commit to the last change visible. */
    visibleAfter?: number;
}

/**
 * The runs of `a` and `b` with the same label (same options on two platforms) as ratios a/b of their
 * latency percentiles, rates and drain; a label measured on only one side is an error (the two were
 * not run with the same options).
 */
export function compareRuns(a: readonly RunResult[], b: readonly RunResult[]): RunRatio[] {
    const labels = (runs: readonly RunResult[]) => runs.map((r) => r.label).join(", ");
    if (a.length !== b.length || a.some((r) => !b.find((x) => x.label === r.label)))
        throw new Error(`the two runs measured different things (${labels(a)} against ${labels(b)}): run both with the same options`);
    return a.map((x) => {
        const y = b.find((r) => r.label === x.label)!;
        return {
            label: x.label,
            changes: { a: x.changes, b: y.changes },
            p50: ratio(x.latency.p50Ms, y.latency.p50Ms),
            p95: ratio(x.latency.p95Ms, y.latency.p95Ms),
            p99: ratio(x.latency.p99Ms, y.latency.p99Ms),
            max: ratio(x.latency.maxMs, y.latency.maxMs),
            writtenRate: ratio(x.achievedRate, y.achievedRate),
            endToEndRate: ratio(x.endToEndRate, y.endToEndRate),
            visibleAfter: ratio(x.drain.visibleMs, y.drain.visibleMs),
        };
    });
}

/** The ratios of `compareRuns` as a table (2 decimals; "-" where a ratio says nothing). */
export function ratioTable(rows: readonly RunRatio[]): string {
    const r = (v: number | undefined) => (v === undefined ? "-" : v.toFixed(2));
    return table(
        ["run", "changes a/b", "p50", "p95", "p99", "max", "written/s", "end-to-end/s", "visible after"],
        rows.map((x) => [
            x.label,
            `${x.changes.a}/${x.changes.b}`,
            r(x.p50),
            r(x.p95),
            r(x.p99),
            r(x.max),
            r(x.writtenRate),
            r(x.endToEndRate),
            r(x.visibleAfter),
        ]),
    );
}
