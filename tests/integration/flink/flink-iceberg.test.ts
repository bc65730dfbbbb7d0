/**
 * Flink SQL -> Iceberg tables in the Nessie catalog on MinIO, all real services started by the
 * harness. One gateway session creates the Iceberg catalog (NessieCatalog + S3FileIO), a namespace
 * and tables; a batch INSERT commits on finish and a batch SELECT reads the rows back exactly; a
 * streaming INSERT commits on a checkpoint while it is still running. Unique names per run; the
 * test drops what it creates and deletes its bucket.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { endpoints, ensureUp } from "../../../harness/cli";
import { createContext } from "../../../harness/lib/context";
import { SqlGatewayClient } from "../../../harness/flink/gateway-client";
import { FlinkRestClient, TERMINAL_JOB_STATES } from "../../../harness/flink/rest-client";
import { emptyAndDeleteBucket } from "../../support/s3-bucket";

jest.setTimeout(600000);

const ctx = createContext();
/** Every harness service's endpoints (URLs, directories), by service name. */
const ep = endpoints({ ctx });
const flinkEp = ep["flink-sql-gateway"];
const nessieEp = ep.nessie;
const minioEp = ep.minio;

const gateway = new SqlGatewayClient({ baseUrl: flinkEp.gatewayUrl });
const flink = new FlinkRestClient({ baseUrl: flinkEp.restUrl });
const s3 = new S3Client({
    endpoint: minioEp.endpoint,
    region: minioEp.region,
    forcePathStyle: true,
    credentials: { accessKeyId: minioEp.accessKeyId, secretAccessKey: minioEp.secretAccessKey },
});

const RUN = crypto.randomBytes(4).toString("hex");
const BUCKET = `flink-iceberg-it-${RUN}`;
const CATALOG = "lake";
const NAMESPACE = `flink_it_${RUN}`;
const BATCH_TABLE = `${CATALOG}.${NAMESPACE}.customers`;
const STREAM_TABLE = `${CATALOG}.${NAMESPACE}.events`;
const STEP = { timeoutMs: 180000 };

let session: string | undefined;
let bucketCreated = false;
const startedJobs: string[] = [];
const createdTables: string[] = [];
let namespaceCreated = false;

function sqlString(s: string): string {
    return `'${s.replace(/'/g, "''")}'`;
}

/** The catalog DDL the product issues too: NessieCatalog over S3FileIO on MinIO. */
function createCatalogSql(): string {
    const props: Record<string, string> = {
        type: "iceberg",
        "catalog-impl": "org.apache.iceberg.nessie.NessieCatalog",
        uri: nessieEp.apiV2,
        ref: nessieEp.defaultBranch || "main",
        warehouse: `s3://${BUCKET}/warehouse`,
        "io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
        "s3.endpoint": minioEp.endpoint,
        "s3.path-style-access": "true",
        "s3.access-key-id": minioEp.accessKeyId,
        "s3.secret-access-key": minioEp.secretAccessKey,
        "client.region": minioEp.region,
    };
    const body = Object.entries(props)
        .map(([k, v]) => `  ${sqlString(k)} = ${sqlString(v)}`)
        .join(",\n");
    return `CREATE CATALOG ${CATALOG} WITH (\n${body}\n)`;
}

async function listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
        const r = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
        for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return keys;
}

async function nessieContent(key: string): Promise<{ type: string; metadataLocation?: string } | undefined> {
    const res = await fetch(`${nessieEp.apiV2}/trees/${nessieEp.defaultBranch || "main"}/contents/${encodeURIComponent(key)}`, {
        signal: AbortSignal.timeout(10000),
    });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`Nessie GET contents/${key} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    return ((await res.json()) as { content: { type: string; metadataLocation?: string } }).content;
}

beforeAll(async () => {
    await ensureUp(["minio", "nessie", "flink-jobmanager", "flink-taskmanager", "flink-sql-gateway"], { ctx });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    bucketCreated = true;
    session = await gateway.openSession({
        name: `flink-iceberg-test-${RUN}`,
        properties: { "execution.runtime-mode": "batch", "table.dml-sync": "true" },
    });
    await gateway.run(session, createCatalogSql(), STEP);
});

afterAll(async () => {
    const problems: string[] = [];
    const attempt = async (what: string, fn: () => Promise<unknown>) => {
        try {
            await fn();
        } catch (err) {
            problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
        }
    };
    for (const jobId of startedJobs) {
        await attempt(`cancel job ${jobId}`, async () => {
            const state = await flink.jobState(jobId);
            if (!TERMINAL_JOB_STATES.includes(state)) await flink.cancelAndWait(jobId, { timeoutMs: 60000 });
            // Retained checkpoints of our own job (RETAIN_ON_CANCELLATION keeps them otherwise).
            fs.rmSync(path.join(flinkEp.checkpointDir.replace(/^file:\/*/, "/"), jobId), { recursive: true, force: true });
        });
    }
    if (session) {
        for (const t of createdTables.reverse()) await attempt(`drop ${t}`, () => gateway.run(session!, `DROP TABLE IF EXISTS ${t}`, STEP));
        if (namespaceCreated) await attempt(`drop ${NAMESPACE}`, () => gateway.run(session!, `DROP DATABASE IF EXISTS ${CATALOG}.${NAMESPACE}`, STEP));
        await attempt("close session", () => gateway.closeSession(session!));
    }
    if (bucketCreated) {
        await attempt(`empty and delete bucket ${BUCKET}`, () => emptyAndDeleteBucket(s3, BUCKET));
    }
    s3.destroy();
    if (problems.length) throw new Error(`cleanup problems:\n  ${problems.join("\n  ")}`);
});

test("CREATE DATABASE makes a Nessie namespace", async () => {
    await gateway.run(session!, `CREATE DATABASE ${CATALOG}.${NAMESPACE}`, STEP);
    namespaceCreated = true;
    const content = await nessieContent(NAMESPACE);
    expect(content?.type).toBe("NAMESPACE");
    const dbs = await gateway.run(session!, `SHOW DATABASES IN ${CATALOG}`, STEP).catch(() =>
        // Older syntax: USE CATALOG then SHOW DATABASES.
        gateway.run(session!, `USE CATALOG ${CATALOG}`, STEP).then(() => gateway.run(session!, "SHOW DATABASES", STEP)),
    );
    expect(dbs.rows.map((r) => r.fields[0])).toContain(NAMESPACE);
});

test("a batch INSERT commits to an Iceberg v2 upsert table and a batch SELECT reads the rows back", async () => {
    await gateway.run(
        session!,
        `CREATE TABLE ${BATCH_TABLE} (
            id BIGINT,
            name STRING,
            score DOUBLE,
            PRIMARY KEY (id) NOT ENFORCED
        ) WITH ('format-version' = '2', 'write.upsert.enabled' = 'true')`,
        STEP,
    );
    createdTables.push(BATCH_TABLE);

    // The table is in Nessie, its metadata on MinIO under the warehouse.
    const content = await nessieContent(`${NAMESPACE}.customers`);
    expect(content?.type).toBe("ICEBERG_TABLE");
    expect(content?.metadataLocation).toMatch(new RegExp(`^s3://${BUCKET}/warehouse/`));

    // table.dml-sync=true: the statement's results end only when the job has finished (and committed).
    const insert = await gateway.run(session!, `INSERT INTO ${BATCH_TABLE} VALUES (1, 'ada', 9.5), (2, 'grace', 8.25), (3, 'edsger', 7.0)`, STEP);
    expect(insert.jobId).toBeDefined();
    expect(await flink.jobState(insert.jobId!)).toBe("FINISHED");

    // An upsert on the primary key replaces the row instead of adding one.
    await gateway.run(session!, `INSERT INTO ${BATCH_TABLE} VALUES (2, 'grace hopper', 10.0)`, STEP);

    const r = await gateway.run(session!, `SELECT id, name, score FROM ${BATCH_TABLE} ORDER BY id`, STEP);
    expect(r.rows.map((row) => row.fields)).toEqual([
        [1, "ada", 9.5],
        [2, "grace hopper", 10.0],
        [3, "edsger", 7.0],
    ]);

    const files = await listKeys(`warehouse/`);
    expect(files.some((k) => k.includes("customers") && k.endsWith(".parquet"))).toBe(true);
    expect(files.some((k) => k.includes("customers") && k.endsWith(".metadata.json"))).toBe(true);
});

test("a streaming INSERT commits on a checkpoint while the job keeps running", async () => {
    await gateway.run(session!, `CREATE TABLE ${STREAM_TABLE} (id BIGINT, payload STRING) WITH ('format-version' = '2')`, STEP);
    createdTables.push(STREAM_TABLE);
    const src = `gen_${RUN}`;
    await gateway.run(
        session!,
        `CREATE TEMPORARY TABLE ${src} (id BIGINT, payload STRING) WITH (
            'connector' = 'datagen', 'rows-per-second' = '20',
            'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '100000',
            'fields.payload.length' = '12')`,
        STEP,
    );
    const jobId = await gateway.submitJob(session!, `INSERT INTO ${STREAM_TABLE} SELECT id, payload FROM ${src}`, {
        ...STEP,
        executionConfig: { "execution.runtime-mode": "streaming", "table.dml-sync": "false" },
    });
    startedJobs.push(jobId);
    expect(await flink.waitForJobState(jobId, ["RUNNING"], STEP)).toBe("RUNNING");

    // Nothing is visible before a checkpoint; after one completes, the Iceberg committer has committed.
    const counts = await flink.waitForCheckpoints(jobId, 2, { timeoutMs: 120000 });
    expect(counts.completed).toBeGreaterThanOrEqual(2);
    expect(await flink.jobState(jobId)).toBe("RUNNING");

    const r = await gateway.run(session!, `SELECT COUNT(*) AS n, MIN(id) AS lo FROM ${STREAM_TABLE}`, {
        ...STEP,
        executionConfig: { "execution.runtime-mode": "batch" },
    });
    const [n, lo] = r.rows[0].fields as number[];
    expect(n).toBeGreaterThan(0);
    expect(lo).toBe(1);

    await flink.cancelAndWait(jobId, { timeoutMs: 60000 });
    expect(await flink.jobState(jobId)).toBe("CANCELED");
});
