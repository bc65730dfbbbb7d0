/**
 * The data invariants of a live stack that an edit must keep, read from the real services: every
 * object of the warehouse bucket still there, the replication slot the same slot (never dropped,
 * positions only forward), the connector's offsets never reset, the Iceberg tables the same tables
 * (Nessie content ids), the Iceberg mirror equal to PostgreSQL, and the changelog holding every
 * change the writer made exactly once with no second snapshot. Each check returns the problems it
 * found (empty: kept), so a caller can report all of them at once.
 */
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { connectRequest } from "../../components/dynamic/connector";
import { endpoints } from "../../harness/cli";
import { accountChangelog, changeKey, changelogRowKey, countKeys, diffMirror, unexpectedRows, Change, MirrorDiff } from "../../bench/faults/model";
import { IcebergReader, inReaderCatalog, readLag, waitUntil } from "../../bench/faults/probes";

export { IcebergReader };
import { pgRows } from "../../bench/faults/writer";

type Log = (msg: string) => void;

/** One object of a listing: its size and when it was last written (ms since the epoch). */
export interface ListedObject {
    size: number;
    modified: number;
}

/** Every key of a bucket (ListObjectsV2, all pages) with its size and time of writing. */
export async function listBucket(bucket: string): Promise<Map<string, ListedObject>> {
    const m = endpoints().minio;
    const client = new S3Client({
        endpoint: m.endpoint,
        region: m.region,
        forcePathStyle: true,
        credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey },
    });
    const out = new Map<string, ListedObject>();
    try {
        let token: string | undefined;
        for (let page = 0; page < 10_000; page++) {
            const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
            for (const o of r.Contents ?? []) out.set(o.Key!, { size: Number(o.Size ?? 0), modified: o.LastModified?.getTime() ?? 0 });
            if (!r.IsTruncated) break;
            token = r.NextContinuationToken;
        }
        return out;
    } finally {
        client.destroy();
    }
}

/**
 * The Iceberg Flink sink's temporary manifests, `<table>/metadata/<job id>-<operator id>-<subtask>-<attempt>-<checkpoint>-<n>.avro`:
 * written at a checkpoint, deleted by the sink's committer once it has committed them into the table's
 * own manifests (`<uuid>-m<n>.avro`, `snap-...avro`), so their going is the commit, not a loss.
 */
export const FLINK_TEMPORARY_MANIFEST = /\/metadata\/[0-9a-f]{32}-[0-9a-f]{32}-\d+-\d+-\d+-\d+\.avro$/;

/** A file of an Iceberg table's metadata directory (manifests, manifest lists, metadata files). */
const TABLE_METADATA = /\/metadata\/[^/]+$/;

/**
 * How old a table's metadata file must be before its going counts as a loss. Within one commit Iceberg
 * writes files it then deletes itself: the manifest of the commit's new files once it is merged into a
 * bigger one (`MergingSnapshotProducer.cleanUncommitted`, every `commit.manifest.min-count-to-merge`
 * commits), and a failed attempt's manifest list and metadata file. A listing taken while the job
 * commits can see them; a commit never lasts this long.
 */
export const COMMIT_IN_FLIGHT_MS = 60_000;

/**
 * Every object of a bucket ever held to "never deleted": each listing adds what it sees, except a
 * table's metadata file younger than `COMMIT_IN_FLIGHT_MS` (possibly a commit's own scratch, see
 * there), which is held from the first listing that sees it older. Data files are held at once.
 */
export class ObjectLedger {
    private readonly held = new Set<string>();

    /** Adds a listing taken at `listedAt` (ms since the epoch). */
    record(listing: ReadonlyMap<string, ListedObject>, listedAt: number): void {
        for (const [key, o] of listing) {
            if (!TABLE_METADATA.test(key) || listedAt - o.modified >= COMMIT_IN_FLIGHT_MS) this.held.add(key);
        }
    }

    /** Held keys missing from `listing`, except under `volatilePrefixes` and the sink's temporary manifests (see `lostObjects`). */
    lost(listing: ReadonlyMap<string, ListedObject>, volatilePrefixes: readonly string[]): string[] {
        return lostObjects(this.held, listing, volatilePrefixes);
    }

    get size(): number {
        return this.held.size;
    }
}

/**
 * Keys in `before` missing from `after`, except under `volatilePrefixes` (Flink deletes checkpoints
 * it no longer retains: that is its retention, not a loss) and the sink's temporary manifests.
 */
export function lostObjects(before: Iterable<string>, after: ReadonlyMap<string, unknown>, volatilePrefixes: readonly string[]): string[] {
    return [...before].filter((k) => !after.has(k) && !volatilePrefixes.some((p) => k.startsWith(p)) && !FLINK_TEMPORARY_MANIFEST.test(k));
}

/** `X/Y` (a pg_lsn) as a number for comparisons. */
export function lsnValue(lsn: string | null | undefined): bigint {
    if (!lsn) return -1n;
    const [hi, lo] = lsn.split("/");
    return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

export interface SlotReading {
    exists: boolean;
    plugin?: string;
    database?: string;
    restartLsn?: string;
    confirmedFlushLsn?: string;
    /** pg_stat_replication_slots: counts since the slot was created (a dropped and re-made slot starts again near 0). */
    totalTxns?: number;
    totalBytes?: number;
}

export async function readSlot(slot: string): Promise<SlotReading> {
    const rows = await pgRows(
        `SELECT s.plugin, s.database, s.restart_lsn::text AS restart, s.confirmed_flush_lsn::text AS confirmed, st.total_txns, st.total_bytes
         FROM pg_replication_slots s LEFT JOIN pg_stat_replication_slots st ON st.slot_name = s.slot_name WHERE s.slot_name = $1`,
        [slot],
    );
    if (!rows.length) return { exists: false };
    const r = rows[0];
    return {
        exists: true,
        plugin: r.plugin,
        database: r.database,
        restartLsn: r.restart,
        confirmedFlushLsn: r.confirmed,
        totalTxns: r.total_txns === null ? undefined : Number(r.total_txns),
        totalBytes: r.total_bytes === null ? undefined : Number(r.total_bytes),
    };
}

/** Problems between two readings of the slot: gone, another database or plugin, a position or a count going back. */
export function slotRegressions(before: SlotReading, after: SlotReading): string[] {
    const out: string[] = [];
    if (!after.exists) return ["the replication slot is gone"];
    if (!before.exists) return [];
    if (after.database !== before.database || after.plugin !== before.plugin)
        out.push(`slot now on ${after.database}/${after.plugin}, was ${before.database}/${before.plugin}`);
    if (lsnValue(after.restartLsn) < lsnValue(before.restartLsn)) out.push(`slot restart_lsn went back: ${before.restartLsn} -> ${after.restartLsn}`);
    if (lsnValue(after.confirmedFlushLsn) < lsnValue(before.confirmedFlushLsn))
        out.push(`slot confirmed_flush_lsn went back: ${before.confirmedFlushLsn} -> ${after.confirmedFlushLsn}`);
    if (before.totalTxns !== undefined && after.totalTxns !== undefined && after.totalTxns < before.totalTxns)
        out.push(`slot total_txns went back ${before.totalTxns} -> ${after.totalTxns} (dropped and re-made)`);
    if (before.totalBytes !== undefined && after.totalBytes !== undefined && after.totalBytes < before.totalBytes)
        out.push(`slot total_bytes went back ${before.totalBytes} -> ${after.totalBytes} (dropped and re-made)`);
    return out;
}

/**
 * Samples the slot every `everyMs` for the whole test: a slot that is ever missing, or whose
 * positions or counters ever go back, is recorded (a drop between two invariant checks shows here).
 */
export class SlotWatch {
    readonly problems: string[] = [];
    samples = 0;
    private last?: SlotReading;
    private timer?: NodeJS.Timeout;
    private busy = false;
    constructor(
        private readonly slot: string,
        private readonly everyMs = 1000,
    ) {}

    start(): void {
        this.timer = setInterval(() => {
            if (this.busy) return;
            this.busy = true;
            readSlot(this.slot)
                .then((r) => {
                    this.samples++;
                    if (this.last)
                        for (const p of slotRegressions(this.last, r)) if (this.problems.length < 20) this.problems.push(`${new Date().toISOString()}: ${p}`);
                    if (r.exists) this.last = r;
                })
                .catch(() => undefined)
                .finally(() => (this.busy = false));
        }, this.everyMs);
    }

    stop(): void {
        if (this.timer) clearInterval(this.timer);
    }
}

/** The connector's source offsets (Connect >= 3.6): Debezium's `lsn` and the whole offset, or undefined when none is committed yet. */
export async function connectorOffsets(name: string): Promise<{ lsn?: number; offset?: Record<string, unknown> }> {
    const r = await connectRequest(endpoints().connect.url, "GET", `/connectors/${encodeURIComponent(name)}/offsets`);
    const offset = r.offsets?.[0]?.offset as Record<string, unknown> | undefined;
    return { lsn: offset?.lsn === undefined ? undefined : Number(offset.lsn), offset };
}

export async function connectorConfig(name: string): Promise<Record<string, string>> {
    return connectRequest(endpoints().connect.url, "GET", `/connectors/${encodeURIComponent(name)}/config`);
}

/** Keys whose value differs between two connector configs. */
export function changedKeys(a: Record<string, string>, b: Record<string, string>): string[] {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
}

/** The Nessie content id of a key (`ns` or `ns.table`) on `main`, or undefined when it does not exist. */
export async function nessieContentId(key: string): Promise<string | undefined> {
    const r = await fetch(`${endpoints().nessie.apiV2}/trees/main/contents/${encodeURIComponent(key)}`, { signal: AbortSignal.timeout(30_000) });
    if (r.status === 404) return undefined;
    if (!r.ok) throw new Error(`Nessie GET contents ${key}: ${r.status} ${(await r.text()).slice(0, 300)}`);
    return ((await r.json()) as { content?: { id?: string } }).content?.id;
}

export interface PipelineTable {
    topic: string;
    upsertTable?: string;
    changelogTable?: string;
    job: string;
    consumerGroups: string[];
}

/** Waits (bounded) until the slot confirmed `lsn` and the job's consumer groups committed the topic's end. */
export async function waitLagZero(table: PipelineTable, slot: string, lsn: string, timeoutMs: number, log: Log): Promise<number> {
    const started = Date.now();
    await waitUntil(
        `lag zero (slot ${slot} confirmed ${lsn}; groups ${table.consumerGroups.join(", ")} at the end of ${table.topic})`,
        timeoutMs,
        async () => {
            const l = await readLag(table.topic, table.consumerGroups, slot, lsn);
            const seen = `slot ${l.slotConfirmed ? "confirmed" : `behind by ${l.slotLagBytes} bytes`}, consumer lag ${JSON.stringify(l.byGroup)}`;
            return l.slotConfirmed && l.consumerLag === 0 && Object.keys(l.byGroup).length === table.consumerGroups.length ? { value: true, seen } : { seen };
        },
        log,
    );
    return Date.now() - started;
}

export interface ChangelogCheck {
    expected: number;
    lost: number;
    duplicates: number;
    unexpected: number;
    snapshotRows: number;
    examples: string[];
}

/** The changelog against the writer's changes: lost, duplicated, unexpected rows and SNAPSHOT (read) rows. */
export async function readChangelog(reader: IcebergReader, changelogTable: string, changes: readonly Change[]): Promise<ChangelogCheck> {
    const rows = await reader.query(`SELECT id, name, age, city, operation_type FROM ${inReaderCatalog(changelogTable)}`);
    const occurrences = countKeys(rows.map(changelogRowKey));
    const expected = changes.map(changeKey);
    const account = accountChangelog(expected, occurrences);
    const u = unexpectedRows(occurrences, new Set(expected));
    return {
        expected: account.expected,
        lost: account.lost,
        duplicates: account.duplicates,
        unexpected: u.rows,
        snapshotRows: rows.filter((r) => r[4] === "SNAPSHOT").length,
        examples: [...account.lostExamples.map((e) => `lost ${e}`), ...u.examples.map((e) => `unexpected ${e}`)].slice(0, 5),
    };
}

export async function readMirror(reader: IcebergReader, schema: string, upsertTable: string): Promise<MirrorDiff> {
    const source = (await pgRows(`SELECT id, name, age, city FROM ${schema}.demographics ORDER BY id`)).map((r) => [r.id, r.name, r.age, r.city]);
    const iceberg = await reader.query(`SELECT id, name, age, city FROM ${inReaderCatalog(upsertTable)} ORDER BY id`);
    return diffMirror(source, iceberg);
}

/**
 * Waits (bounded; Iceberg commits trail the consumer offsets by up to a checkpoint) until the mirror
 * equals PostgreSQL and the changelog holds every change; returns the last readings either way.
 */
export async function waitMirrorAndChangelog(
    reader: IcebergReader,
    schema: string,
    table: PipelineTable,
    changes: readonly Change[],
    timeoutMs: number,
    log: Log,
): Promise<{ mirror?: MirrorDiff; changelog?: ChangelogCheck; error?: string }> {
    let mirror: MirrorDiff | undefined;
    let changelog: ChangelogCheck | undefined;
    try {
        await waitUntil(
            `the Iceberg mirror ${table.upsertTable} to equal ${schema}.demographics and the changelog ${table.changelogTable} to hold all ${changes.length} changes`,
            timeoutMs,
            async () => {
                mirror = await readMirror(reader, schema, table.upsertTable!);
                changelog = await readChangelog(reader, table.changelogTable!, changes);
                const seen = `mirror ${mirror.equal ? "equal" : `${mirror.missing} missing, ${mirror.extra} extra, ${mirror.differing} differing`}; changelog ${changelog.lost} of ${changelog.expected} missing`;
                return mirror.equal && changelog.lost === 0 ? { value: true, seen } : { seen };
            },
            log,
            2000,
            5000,
        );
        return { mirror, changelog };
    } catch (e) {
        return { mirror, changelog, error: (e as Error).message };
    }
}
