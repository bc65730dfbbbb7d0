/**
 * When changes became visible in an Iceberg table: the table's commits on its Nessie branch (each one
 * makes a snapshot current; Nessie's commitTime is when readers of the catalog can see it) and the
 * table's metadata JSON on S3 (each snapshot's summary total-records). And a count through the real
 * SQL Gateway to check the totals.
 */
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { gatewayQuery, withSession } from "../../components/dynamic/flink/gateway";
import { BenchEndpoints, harnessBenchEndpoints } from "./endpoints";
import { ChangeCounter, IcebergSnapshot, TableCommit, changelogChanges, parseNessieTime } from "./stats";

async function nessieGet(apiV2: string, path: string): Promise<any> {
    const url = `${apiV2}${path}`;
    const r = await fetch(url, { headers: { Accept: "application/json" }, signal: AbortSignal.timeout(30_000) });
    if (!r.ok) {
        const e: any = new Error(`Nessie GET ${url}: ${r.status} ${(await r.text()).slice(0, 500)}`);
        e.status = r.status;
        throw e;
    }
    return r.json();
}

/** "<catalog>.<namespace>.<table>" -> the Nessie key "<namespace>.<table>". */
export function nessieKey(identifier: string): string {
    const parts = identifier.split(".");
    if (parts.length < 3) throw new Error(`expected <catalog>.<namespace>.<table>, got ${identifier}`);
    return parts.slice(1).join(".");
}

export class IcebergTableProbe {
    private readonly s3: S3Client;
    private readonly nessieApiV2: string;
    /** @param countOf how a snapshot counts the changes it holds (a changelog's rows by default; stats.mirrorChanges for an upsert mirror). */
    constructor(
        readonly key: string,
        ep: BenchEndpoints = harnessBenchEndpoints(),
        readonly branch = "main",
        readonly countOf: ChangeCounter = changelogChanges,
    ) {
        const m = ep.s3;
        this.nessieApiV2 = ep.nessieApiV2;
        this.s3 = new S3Client({
            endpoint: m.endpoint,
            region: m.region,
            forcePathStyle: true,
            credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey },
        });
    }

    /** The table's current metadata location, or undefined while the table does not exist. */
    async metadataLocation(): Promise<string | undefined> {
        try {
            const r = await nessieGet(this.nessieApiV2, `/trees/${this.branch}/contents/${encodeURIComponent(this.key)}`);
            return r.content?.metadataLocation;
        } catch (e: any) {
            if (e.status === 404) return undefined;
            throw e;
        }
    }

    async metadata(location?: string): Promise<{ "current-snapshot-id"?: number; snapshots?: IcebergSnapshot[] }> {
        const loc = location ?? (await this.metadataLocation());
        if (!loc) throw new Error(`Iceberg table ${this.key} is not in Nessie (branch ${this.branch})`);
        const m = /^s3a?:\/\/([^/]+)\/(.+)$/.exec(loc);
        if (!m) throw new Error(`unexpected metadata location ${loc}`);
        const obj = await this.s3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
        return JSON.parse(await obj.Body!.transformToString());
    }

    /** The changes the current snapshot holds (`countOf`: a changelog's total-records); 0 when the table has none yet or does not exist. */
    async totalChanges(): Promise<number> {
        const loc = await this.metadataLocation();
        if (!loc) return 0;
        const md = await this.metadata(loc);
        const cur = md.snapshots?.find((s) => String(s["snapshot-id"]) === String(md["current-snapshot-id"]));
        return cur ? this.countOf(cur) || 0 : 0;
    }

    /** The table's commits on the branch made at or after `sinceMs` (newest first in Nessie; returned oldest first). */
    async commitsSince(sinceMs: number): Promise<TableCommit[]> {
        const out: TableCommit[] = [];
        let token: string | undefined;
        const filter = `operations.exists(op, op.key == '${this.key}')`;
        for (let page = 0; page < 1000; page++) {
            const q = new URLSearchParams({ fetch: "ALL", maxRecords: "250", filter });
            if (token) q.set("pageToken", token);
            const r = await nessieGet(this.nessieApiV2, `/trees/${this.branch}/history?${q}`);
            let older = false;
            for (const e of r.logEntries ?? []) {
                const at = parseNessieTime(e.commitMeta.commitTime);
                if (at < sinceMs) {
                    older = true;
                    break;
                }
                for (const op of e.operations ?? []) {
                    if (op.type === "PUT" && op.key.elements.join(".") === this.key && op.content?.snapshotId !== undefined) {
                        out.push({ snapshotId: String(op.content.snapshotId), commitTimeMs: at });
                    }
                }
            }
            if (older || !r.hasMore || !r.token) break;
            token = r.token;
        }
        return out.reverse();
    }

    close(): void {
        this.s3.destroy();
    }
}

/**
 * `CREATE CATALOG lake` on the stack's Nessie and object storage as the SQL Gateway reaches them
 * (default: the harness's): the stack's Iceberg tables, as the benchmarks and the fault scenarios read them.
 */
export function lakeCatalogStatement(warehouse: string, ep: BenchEndpoints = harnessBenchEndpoints()): string {
    const c = ep.gatewayCatalog;
    const q = (v: string) => v.replace(/'/g, "''");
    return `CREATE CATALOG lake WITH ('type' = 'iceberg', 'catalog-impl' = 'org.apache.iceberg.nessie.NessieCatalog', 'uri' = '${q(c.nessieUri)}', 'ref' = 'main',
        'warehouse' = '${q(warehouse)}', 'io-impl' = 'org.apache.iceberg.aws.s3.S3FileIO', 's3.endpoint' = '${q(c.s3Endpoint)}', 's3.path-style-access' = 'true',
        's3.access-key-id' = '${q(ep.s3.accessKeyId)}', 's3.secret-access-key' = '${q(ep.s3.secretAccessKey)}', 'client.region' = '${q(ep.s3.region)}')`;
}

/**
 * One batch query through the stack's SQL Gateway (default: the harness's) in a session with the
 * stack's Iceberg catalog (and `properties`, e.g. `table.dml-sync` to wait for an INSERT's job); each
 * statement bounded at `timeoutMs`.
 */
export async function batchQuery(
    warehouse: string,
    sql: string,
    ep: BenchEndpoints = harnessBenchEndpoints(),
    timeoutMs = 180_000,
    properties: Record<string, string> = {},
): Promise<unknown[][]> {
    const gateway = ep.sqlGatewayUrl;
    const secrets = [ep.s3.secretAccessKey];
    return withSession(gateway, { name: "bench-batch-query", properties: { "execution.runtime-mode": "batch", ...properties } }, async (session) => {
        await gatewayQuery(gateway, session, lakeCatalogStatement(warehouse, ep), timeoutMs, { secrets, what: "the SQL Gateway to create the lake catalog" });
        return gatewayQuery(gateway, session, sql, timeoutMs, { secrets });
    });
}

/** How a wait reports that it is still waiting: every `everyMs`, one line to `report` (default: standard error, beside the bench's log). */
export interface WaitProgress {
    everyMs?: number;
    report?: (line: string) => void;
}

/**
 * Waits (bounded, with backoff) until `check` returns true, saying what it waits for every 15 s while
 * it waits and when it gives up. Returns the time it took (ms).
 */
export async function waitFor(
    what: string,
    check: () => Promise<boolean>,
    timeoutMs: number,
    firstDelayMs = 100,
    maxDelayMs = 1000,
    progress: WaitProgress = {},
): Promise<number> {
    const started = Date.now();
    const everyMs = progress.everyMs ?? 15_000;
    const report = progress.report ?? ((line: string) => process.stderr.write(`${line}\n`));
    let reportedAt = started;
    let delay = firstDelayMs;
    let lastError: unknown;
    for (;;) {
        if (Date.now() - reportedAt >= everyMs) {
            reportedAt = Date.now();
            report(
                `waiting for ${what} (${((reportedAt - started) / 1000).toFixed(0)} s of ${(timeoutMs / 1000).toFixed(0)} s)${lastError ? `; last error: ${lastError}` : ""}`,
            );
        }
        try {
            if (await check()) return Date.now() - started;
            lastError = undefined;
        } catch (e) {
            lastError = e;
        }
        if (Date.now() - started + delay > timeoutMs) {
            throw new Error(`gave up waiting for ${what} after ${(timeoutMs / 1000).toFixed(0)} s${lastError ? ` (last error: ${lastError})` : ""}`);
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 1.5, maxDelayMs);
    }
}
