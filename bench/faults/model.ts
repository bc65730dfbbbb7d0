/**
 * Pure parts of the fault scenarios (issue 7): the faults, the accounting of changes (lost /
 * duplicated / unexpected in the changelog, the mirror against PostgreSQL), the result table and the
 * command-line options of `npm run bench:faults`. No I/O here; unit-tested in tests/unit/bench/faults.test.ts.
 */

/** The harness services a scenario kills, in the order the scenarios run. */
export const FAULTS = ["connect", "flink-taskmanager", "flink-jobmanager", "zookeeper", "kafka", "nessie", "minio", "postgres"] as const;
export type Fault = (typeof FAULTS)[number];

/** What the table calls each fault. */
export const FAULT_LABELS: Record<Fault, string> = {
    connect: "Kafka Connect worker",
    "flink-taskmanager": "Flink TaskManager",
    "flink-jobmanager": "Flink JobManager",
    zookeeper: "ZooKeeper (Flink HA)",
    kafka: "Kafka broker",
    nessie: "Nessie",
    minio: "MinIO",
    postgres: "PostgreSQL",
};

export type Op = "INSERT" | "UPDATE" | "DELETE";

/** A row of the source table: id, name, age, city. */
export type Row = [number, string, number | null, string | null];

/** One change as the changelog table must hold it: the row (after-image; before-image for a DELETE) and the operation. */
export interface Change {
    id: number;
    name: string;
    age: number | null;
    city: string | null;
    op: Op;
    /** Client clock right after the COMMIT returned (or when an in-doubt change was found committed). */
    committedAtMs: number;
}

/** The identity of a change in the changelog: every column the changelog holds for it. */
export function changeKey(c: { id: number; name: string; age: number | null; city: string | null; op: string }): string {
    return JSON.stringify([Number(c.id), c.name, c.age === null || c.age === undefined ? null : Number(c.age), c.city ?? null, c.op]);
}

/** A changelog row as read back (`SELECT id, name, age, city, operation_type`), as a key. */
export function changelogRowKey(r: readonly unknown[]): string {
    return changeKey({
        id: Number(r[0]),
        name: String(r[1]),
        age: r[2] === null || r[2] === undefined ? null : Number(r[2]),
        city: (r[3] as string | null) ?? null,
        op: String(r[4]),
    });
}

export interface ChangelogAccount {
    /** Changes expected (written and committed in PostgreSQL). */
    expected: number;
    /** Expected changes found at least once. */
    present: number;
    /** Expected changes not found at all. */
    lost: number;
    /** Extra copies of expected changes (a change found 3 times counts 2). */
    duplicates: number;
    /** Expected changes found more than once. */
    duplicatedChanges: number;
    /** Up to 5 lost changes, for the report. */
    lostExamples: string[];
}

/**
 * Counts, for each expected change, how often the changelog holds it: missing ones are lost, extra
 * copies are duplicates (at-least-once delivery: reported, not an error).
 */
export function accountChangelog(expected: readonly string[], occurrences: ReadonlyMap<string, number>): ChangelogAccount {
    let present = 0;
    let lost = 0;
    let duplicates = 0;
    let duplicatedChanges = 0;
    const lostExamples: string[] = [];
    const seen = new Set<string>();
    for (const key of expected) {
        if (seen.has(key)) throw new Error(`expected change listed twice: ${key} (changes must be unique to be counted)`);
        seen.add(key);
        const n = occurrences.get(key) ?? 0;
        if (n === 0) {
            lost++;
            if (lostExamples.length < 5) lostExamples.push(key);
        } else {
            present++;
            if (n > 1) {
                duplicates += n - 1;
                duplicatedChanges++;
            }
        }
    }
    return { expected: expected.length, present, lost, duplicates, duplicatedChanges, lostExamples };
}

/** Occurrences of each key. */
export function countKeys(keys: Iterable<string>): Map<string, number> {
    const out = new Map<string, number>();
    for (const k of keys) out.set(k, (out.get(k) ?? 0) + 1);
    return out;
}

/** Changelog rows that are no expected change and no initial-snapshot row (e.g. a change recorded wrongly). */
export function unexpectedRows(occurrences: ReadonlyMap<string, number>, expected: ReadonlySet<string>): { rows: number; examples: string[] } {
    let rows = 0;
    const examples: string[] = [];
    for (const [k, n] of occurrences) {
        if (expected.has(k) || JSON.parse(k)[4] === "SNAPSHOT") continue;
        rows += n;
        if (examples.length < 5) examples.push(k);
    }
    return { rows, examples };
}

const rowKey = (r: readonly unknown[]) =>
    JSON.stringify([Number(r[0]), String(r[1]), r[2] === null || r[2] === undefined ? null : Number(r[2]), (r[3] as string | null) ?? null]);

export interface MirrorDiff {
    equal: boolean;
    sourceRows: number;
    icebergRows: number;
    /** Ids in PostgreSQL and not in Iceberg. */
    missing: number;
    /** Ids in Iceberg and not in PostgreSQL (e.g. a lost DELETE). */
    extra: number;
    /** Ids in both with other values (e.g. a lost UPDATE), or an id twice in Iceberg. */
    differing: number;
    examples: string[];
}

/** The upsert table against the source table, by id: equal means the same rows exactly. */
export function diffMirror(source: readonly (readonly unknown[])[], iceberg: readonly (readonly unknown[])[]): MirrorDiff {
    const byId = (rows: readonly (readonly unknown[])[]) => {
        const m = new Map<number, string[]>();
        for (const r of rows) {
            const id = Number(r[0]);
            m.set(id, [...(m.get(id) ?? []), rowKey(r)]);
        }
        return m;
    };
    const s = byId(source);
    const i = byId(iceberg);
    let missing = 0;
    let extra = 0;
    let differing = 0;
    const examples: string[] = [];
    const note = (e: string) => examples.length < 5 && examples.push(e);
    for (const [id, rows] of s) {
        const got = i.get(id);
        if (!got) {
            missing++;
            note(`missing in Iceberg: ${rows[0]}`);
        } else if (got.length !== 1 || got[0] !== rows[0]) {
            differing++;
            note(`id ${id}: PostgreSQL ${rows[0]}, Iceberg ${got.join(" + ")}`);
        }
    }
    for (const [id, rows] of i) {
        if (!s.has(id)) {
            extra++;
            note(`only in Iceberg: ${rows.join(" + ")}`);
        }
    }
    return { equal: missing + extra + differing === 0, sourceRows: source.length, icebergRows: iceberg.length, missing, extra, differing, examples };
}

/** How a scenario's pipeline got back to processing changes. */
export type Recovery = "automatic" | "pulumi up" | "pulumi up + connector task restart" | "no";

/** What a fault's scenario must show beyond the common bar (recovered, nothing lost, mirror equal, healthy after). */
export interface FaultExpectation {
    /** Recovery without a person: no `pulumi` command and no manual restart may be needed (the scenario runs none). */
    automatic: boolean;
    /** The Flink job keeps its id across the fault (it is recovered, not resubmitted). */
    sameJob: boolean;
    /** The job's state came back from a checkpoint at least as new as the last one completed before the kill. */
    restoredFromLatestCheckpoint: boolean;
}

/**
 * Per fault. The JobManager runs with high availability (ZooKeeper in the harness): its loss must
 * recover by itself, the job under the same id from its latest checkpoint; so must a ZooKeeper loss
 * (the JobManager loses and regains leadership, then recovers its jobs the same way). A TaskManager
 * loss restarts the job's tasks from the latest checkpoint under the same id. The other faults must
 * recover too, and are allowed the user's step (`pulumi up --refresh`, reported as such) so that the
 * scenario still measures data safety if they ever stop recovering by themselves.
 */
export const FAULT_EXPECTATIONS: Record<Fault, FaultExpectation> = {
    connect: { automatic: false, sameJob: false, restoredFromLatestCheckpoint: false },
    "flink-taskmanager": { automatic: false, sameJob: false, restoredFromLatestCheckpoint: false },
    "flink-jobmanager": { automatic: true, sameJob: true, restoredFromLatestCheckpoint: true },
    zookeeper: { automatic: true, sameJob: true, restoredFromLatestCheckpoint: true },
    kafka: { automatic: false, sameJob: false, restoredFromLatestCheckpoint: false },
    nessie: { automatic: false, sameJob: false, restoredFromLatestCheckpoint: false },
    minio: { automatic: false, sameJob: false, restoredFromLatestCheckpoint: false },
    postgres: { automatic: false, sameJob: false, restoredFromLatestCheckpoint: false },
};

/** Where a job's state came from when it last started (Flink's `latest.restored` checkpoint statistics). */
export interface RestoredCheckpoint {
    id: number;
    path: string;
    isSavepoint: boolean;
}

export interface ScenarioResult {
    fault: Fault;
    label: string;
    recovered: Recovery;
    /** Kill -> the first change committed in PostgreSQL after the kill visible in the Iceberg changelog table. */
    recoveryMs?: number;
    /** Kill -> lag zero (the slot confirmed the writer's last LSN and the job's groups committed the topic's end), after the writer stopped. */
    lagZeroMs?: number;
    /** The killed service's restart: harness start until its health check passed. */
    restartMs?: number;
    /** How long the pulumi up of the recovery took (when one ran). */
    pulumiUpMs?: number;
    /** When the writer stopped, ms after the kill. */
    writerStoppedMs?: number;
    /** Kill -> the pipeline's Flink job seen RUNNING again after it was seen down (or its JobManager unreachable); undefined when it never went down. */
    jobRunningAgainMs?: number;
    /** The live job before the kill and after the recovery. */
    jobBefore?: string;
    jobAfter?: string;
    /** The id of the last checkpoint completed before the kill (as read just before it). */
    checkpointBeforeKill?: number;
    /** The checkpoint the job after the recovery restored its state from, when it restored any. */
    restored?: RestoredCheckpoint;
    changesWritten: number;
    /** Changes whose COMMIT had no answer (connection lost), resolved by reading the row back. */
    inDoubt: number;
    /** Committed changes missing from the changelog (whole table) that were not missing before this scenario. */
    lost: number;
    /** Extra changelog copies of changes (whole table) added during this scenario. */
    duplicates: number;
    /** Changelog rows that are no change written, added during this scenario. */
    unexpected: number;
    mirror?: MirrorDiff;
    /** Services the final `up` found unhealthy and restarted. */
    restartedAfter: string[];
    healthyAfter: boolean;
    notes: string[];
    error?: string;
}

/**
 * Everything a scenario result fails to show, as sentences (empty = it passed): the common bar
 * (no error, changes written, recovered, lag drained, mirror equal to PostgreSQL, no committed change
 * missing from the changelog, services healthy after) plus the fault's own expectations.
 */
export function unmetExpectations(r: ScenarioResult, e: FaultExpectation = FAULT_EXPECTATIONS[r.fault]): string[] {
    const out: string[] = [];
    if (r.error) out.push(`the scenario failed: ${r.error.split("\n")[0]}`);
    if (r.changesWritten <= 0) out.push("no change was written during the scenario");
    if (r.recovered === "no") out.push("the pipeline did not recover");
    else if (e.automatic && r.recovered !== "automatic") out.push(`recovery needed a person (${r.recovered}); this fault must recover by itself`);
    if (e.automatic && r.pulumiUpMs !== undefined) out.push("a pulumi command ran during the recovery");
    if (!(r.recoveryMs !== undefined && r.recoveryMs > 0)) out.push("no recovery time: nothing written after the kill became visible in Iceberg");
    if (r.lagZeroMs === undefined) out.push("lag never drained to zero");
    if (!r.mirror?.equal)
        out.push(
            r.mirror
                ? `the Iceberg mirror differs from PostgreSQL (${r.mirror.missing} missing, ${r.mirror.extra} extra, ${r.mirror.differing} differ)`
                : "the mirror was not compared",
        );
    if (r.lost !== 0) out.push(`${r.lost} committed change(s) missing from the changelog`);
    if (!r.healthyAfter) out.push("services not all healthy after the scenario");
    if (e.sameJob && !(r.jobBefore && r.jobAfter === r.jobBefore))
        out.push(`the Flink job was not recovered under its id (before ${r.jobBefore ?? "none"}, after ${r.jobAfter ?? "none live"})`);
    if (e.restoredFromLatestCheckpoint) {
        if (!r.restored) out.push("the recovered job restored no checkpoint");
        else if (r.restored.isSavepoint) out.push(`the recovered job restored savepoint ${r.restored.path}, not its latest checkpoint`);
        else if (r.checkpointBeforeKill !== undefined && r.restored.id < r.checkpointBeforeKill)
            out.push(`the recovered job restored checkpoint ${r.restored.id}, older than ${r.checkpointBeforeKill} completed before the kill`);
    }
    return out;
}

/** The job column of the table: the same job (and the checkpoint it restored), or a new one. */
export function jobCell(r: Pick<ScenarioResult, "jobBefore" | "jobAfter" | "restored">): string {
    if (!r.jobAfter) return "-";
    const from = r.restored ? ` (from ${r.restored.isSavepoint ? "savepoint" : "chk"} ${r.restored.id})` : "";
    return `${r.jobAfter === r.jobBefore ? "same" : "new"}${from}`;
}

/** A duration in seconds with one decimal, or "-". */
export function seconds(ms: number | undefined): string {
    return ms === undefined || !Number.isFinite(ms) ? "-" : (ms / 1000).toFixed(1);
}

/** A plain-text table: header, a rule, rows; columns padded, numeric columns right-aligned. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
    for (const r of rows) if (r.length !== header.length) throw new Error(`row has ${r.length} cells, header ${header.length}: ${r.join(" | ")}`);
    const all = [header, ...rows];
    const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
    const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^(-|-?\d+(\.\d+)?)$/.test(r[i])));
    const line = (r: readonly string[]) =>
        r
            .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
            .join("  ")
            .trimEnd();
    return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** The summary table of `npm run bench:faults`. */
export function resultsTable(results: readonly ScenarioResult[]): string {
    const header = [
        "fault",
        "recovered",
        "recovery s",
        "job RUNNING s",
        "lag 0 s",
        "restart s",
        "job",
        "changes",
        "rows lost",
        "duplicates",
        "mirror = source",
        "healthy after",
    ];
    const rows = results.map((r) => [
        r.label,
        r.recovered === "automatic" ? "yes (automatic)" : r.recovered === "no" ? "no" : `yes (${r.recovered})`,
        seconds(r.recoveryMs),
        seconds(r.jobRunningAgainMs),
        seconds(r.lagZeroMs),
        seconds(r.restartMs),
        jobCell(r),
        String(r.changesWritten),
        String(r.lost),
        String(r.duplicates),
        r.mirror ? (r.mirror.equal ? "yes" : `no (${r.mirror.missing} missing, ${r.mirror.extra} extra, ${r.mirror.differing} differ)`) : "-",
        r.healthyAfter ? (r.restartedAfter.length ? `yes (up restarted ${r.restartedAfter.join(", ")})` : "yes") : "no",
    ]);
    return textTable(header, rows);
}

export interface FaultOptions {
    json: boolean;
    faults: Fault[];
    /** Writer rate, changes per second. */
    rate: number;
    /** Writing before the kill, seconds. */
    warmupSeconds: number;
    /** Between the kill and the restart, seconds. */
    downSeconds: number;
    /** How long to wait for the pipeline to recover on its own before a user steps in, seconds. */
    autoRecoverySeconds: number;
    checkpointIntervalMs: number;
}

export const DEFAULT_OPTIONS: FaultOptions = {
    json: false,
    faults: [...FAULTS],
    rate: 10,
    warmupSeconds: 10,
    downSeconds: 5,
    // Longer than Kafka Connect's scheduled.rebalance.max.delay.ms (default 5 min): a restarted worker may get
    // the crashed worker's tasks only when that delay ends, which is still recovery on its own.
    autoRecoverySeconds: 400,
    checkpointIntervalMs: 2000,
};

/** Exponential backoff delays: first, first*factor, ... capped at max. */
export function backoff(attempt: number, firstMs = 500, maxMs = 5000, factor = 2): number {
    return Math.min(maxMs, firstMs * factor ** Math.max(0, attempt));
}

/**
 * How a change in doubt (its COMMIT got no answer) turned out, from the row as it is now (the writer
 * is sequential, so nothing else touched it since): committed or not.
 */
export function inDoubtCommitted(c: { op: Op; id: number; name: string }, rowNow: { name: string } | undefined): boolean {
    switch (c.op) {
        case "INSERT":
            return rowNow !== undefined;
        case "UPDATE":
            return rowNow !== undefined && rowNow.name === c.name;
        case "DELETE":
            return rowNow === undefined;
    }
}
