/**
 * Table maintenance (issue 18): the stack's maintenance job (jobs/maintenance, Iceberg's Flink
 * TableMaintenance API), run by the FlinkJarJob resource on the harness's real Flink, Nessie and MinIO,
 * with the arguments the program renders. An upsert table is given many small commits, each with
 * equality deletes (as the streaming writer makes them); the job then compacts its data files with
 * their deletes applied and expires the old snapshots, while the table's rows stay exactly what was
 * written (through the live provider). The resource's whole lifecycle runs in both its live and serialized forms.
 */
import * as crypto from "crypto";
import * as path from "path";
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { MaintenanceConfig } from "../../../components/config";
import { DEFAULTS } from "../../../components/defaults";
import { flinkJarJobProvider } from "../../../components/dynamic/flink-jar-job";
import { jobState } from "../../../components/dynamic/flink/rest";
import { versionTable } from "../../../components/images";
import {
    MAINTENANCE_ENTRY_CLASS,
    MaintenanceVersions,
    maintenanceJarBuild,
    maintenanceMavenProperties,
    maintenanceProgramArgs,
} from "../../../components/maintenance";
import { endpoints } from "../../../harness/cli";
import { tableLocation } from "../../../ops/health";
import { nessieTable, tableFiles } from "../../../ops/probes";
import { bothForms } from "../../support/dynamic";
import { IcebergSession, icebergSession, pollFor } from "../../support/iceberg-session";
import { emptyAndDeleteBucket } from "../../support/s3-bucket";

const RUN = crypto.randomBytes(4).toString("hex");
const BUCKET = `maint-it-${RUN}`;
const NAMESPACE = `maint_it_${RUN}`;
const REPO = path.resolve(__dirname, "../../..");
const ep = () => endpoints();

/** Short schedules, so the test sees each task run within seconds. */
const SCHEDULES: MaintenanceConfig = {
    ...DEFAULTS.maintenance,
    enabled: true,
    rateLimitSeconds: 2,
    lockCheckDelaySeconds: 2,
    expireSnapshots: { intervalSeconds: 10, maxSnapshotAgeSeconds: 1, retainLast: 2 },
    rewriteDataFiles: { intervalSeconds: 10, commitCount: 0, targetFileSizeMiB: 128, minInputFiles: 2, deleteFileThreshold: 1 },
    // 20 s: longer than any write of this test takes from its file to its commit (the config allows an hour at least).
    deleteOrphanFiles: { intervalSeconds: 10, minAgeSeconds: 20 },
};

function inputs(name: string, table: string, schedules: MaintenanceConfig = SCHEDULES): Record<string, any> {
    const e = ep();
    return {
        restUrl: e["flink-jobmanager"].restUrl,
        name,
        jar: maintenanceJarBuild(REPO, maintenanceMavenProperties(versionTable(REPO) as MaintenanceVersions)),
        entryClass: MAINTENANCE_ENTRY_CLASS,
        programArgs: maintenanceProgramArgs(
            name,
            {
                nessieUri: e.nessie.apiV2,
                nessieBranch: "main",
                warehouse: `s3://${BUCKET}/`,
                s3Endpoint: e.minio.endpoint,
                s3PathStyle: "true",
                s3AccessKeyId: e.minio.accessKeyId,
                awsRegion: e.minio.region,
            },
            [`${NAMESPACE}.${table}`],
            schedules,
        ),
        secrets: { s3SecretAccessKey: e.minio.secretAccessKey },
        state: "RUNNING",
        deleteMode: "savepoint",
        allowNonRestoredState: true,
        waitTimeoutSeconds: 180,
        version: 1,
    };
}

let s3: S3Client;
let lake: IcebergSession;

/** The table's current metadata file (from Nessie) and its location. */
async function tableMetadata(table: string): Promise<{ metadataLocation: string; location: string }> {
    const m = await nessieTable(ep().nessie.apiV2, "main", `${NAMESPACE}.${table}`, 30_000);
    const metadataLocation = m.content?.metadataLocation;
    if (!metadataLocation) throw new Error(`${NAMESPACE}.${table} has no metadata location in Nessie`);
    return { metadataLocation, location: tableLocation(metadataLocation) };
}

/**
 * The table's data files, delete files and snapshots, as its current metadata file says (what
 * `npm run health` reads): straight from Nessie and S3, past any catalog cache of the SQL session.
 */
async function tableShape(table: string): Promise<{ data: number; deletes: number; snapshots: number }> {
    const e = ep();
    const target = {
        endpoint: e.minio.endpoint,
        region: e.minio.region,
        accessKeyId: e.minio.accessKeyId,
        secretAccessKey: e.minio.secretAccessKey,
        forcePathStyle: true,
    };
    const files = await tableFiles(target, (await tableMetadata(table)).metadataLocation, 30_000);
    return { data: files.dataFiles ?? 0, deletes: files.deleteFiles ?? 0, snapshots: files.snapshots };
}

/** `commits` upsert commits (creating the table first), each rewriting every key (so each adds data and equality-delete files); returns the rows as they end. */
async function writeCommits(table: string, keys: number, commits: number, create = true): Promise<unknown[][]> {
    if (create)
        await lake.query(
            `CREATE TABLE lake.${NAMESPACE}.${table} (id BIGINT, v STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('format-version' = '2', 'write.upsert.enabled' = 'true')`,
        );
    for (let c = 1; c <= commits; c++) {
        const rows = Array.from({ length: keys }, (_, k) => `(${k + 1}, 'v${c}-${k + 1}')`).join(", ");
        await lake.query(`INSERT INTO lake.${NAMESPACE}.${table} VALUES ${rows}`);
    }
    const expected = Array.from({ length: keys }, (_, k) => [k + 1, `v${commits}-${k + 1}`]);
    // The gateway answers an INSERT before its commit is visible: wait for the last one.
    await pollFor(
        `${table} to show its last commit`,
        60_000,
        () => rowsOf(table),
        (rows) => JSON.stringify(rows) === JSON.stringify(expected),
    );
    return expected;
}

function rowsOf(table: string): Promise<unknown[][]> {
    return lake.query(`SELECT id, v FROM lake.${NAMESPACE}.${table} ORDER BY id`);
}

beforeAll(async () => {
    const e = ep();
    s3 = new S3Client({
        endpoint: e.minio.endpoint,
        region: e.minio.region,
        forcePathStyle: true,
        credentials: { accessKeyId: e.minio.accessKeyId, secretAccessKey: e.minio.secretAccessKey },
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    lake = await icebergSession(BUCKET);
    await lake.query(`CREATE DATABASE IF NOT EXISTS lake.${NAMESPACE}`);
});

afterAll(async () => {
    if (lake) {
        const tables = await lake.query(`SHOW TABLES IN lake.${NAMESPACE}`).catch(() => [] as unknown[][]);
        for (const [t] of tables) await lake.query(`DROP TABLE IF EXISTS lake.${NAMESPACE}.${t}`).catch(() => undefined);
        await lake.query(`DROP DATABASE IF EXISTS lake.${NAMESPACE}`).catch(() => undefined);
        await lake.close();
    }
    if (s3) {
        await emptyAndDeleteBucket(s3, BUCKET);
        s3.destroy();
    }
});

/** The provider in one of its two forms: as loaded, or serialized the way the engine stores it. */
async function providerForm(form: "live" | "serialized"): Promise<typeof flinkJarJobProvider> {
    return (await bothForms(flinkJarJobProvider)).find(([f]) => f.startsWith(form === "live" ? "provider" : "serialized"))![1];
}

/** An update of the schedules stops the job with a savepoint and runs a new one from it; delete then ends it with a savepoint. */
async function updateThenDelete(provider: typeof flinkJarJobProvider, name: string, outs: any, table: string): Promise<void> {
    const news = inputs(name, table, { ...SCHEDULES, expireSnapshots: { ...SCHEDULES.expireSnapshots, retainLast: 3 } });
    const diff = await provider.diff!(name, outs, news);
    expect(diff.changes).toBe(true);
    expect(diff.replaces ?? []).toEqual([]);
    const updated = await provider.update!(name, outs, news);
    expect(updated.outs.jobId).not.toBe(outs.jobId);
    expect(updated.outs.restoredFrom).toMatch(/savepoint/);
    expect(await jobState(ep()["flink-jobmanager"].restUrl, outs.jobId)).toBe("FINISHED");
    expect(await jobState(ep()["flink-jobmanager"].restUrl, updated.outs.jobId)).toBe("RUNNING");

    await provider.delete!(name, updated.outs);
    expect(await jobState(ep()["flink-jobmanager"].restUrl, updated.outs.jobId)).toBe("FINISHED");
    const gone = await provider.read!(name, updated.outs);
    expect(gone.props?.state).toBe("FINISHED");
}

// What the job does to a table is the job's, not the provider form's: it is shown once, through the live
// provider. The serialized form (how the engine runs the provider) goes through the whole lifecycle.
describe("the maintenance job (live provider)", () => {
    const table = "orders_live";
    const name = `maint-it-${RUN}-live`;
    let outs: any;

    afterAll(async () => {
        if (outs?.jobId) await flinkJarJobProvider.delete!(name, { ...outs, deleteMode: "cancel" }).catch(() => undefined);
    });

    test("compacts small files with their deletes applied and expires old snapshots; the rows stay exact", async () => {
        const provider = await providerForm("live");
        const expected = await writeCommits(table, 5, 8);
        const before = await pollFor(
            `${table} to have its 8 snapshots`,
            60_000,
            () => tableShape(table),
            (s) => s.snapshots === 8,
        );
        console.log(`${table} before maintenance: ${JSON.stringify(before)}`);
        // Upsert commits add data files and equality-delete files: the pile the issue describes.
        expect(before.snapshots).toBe(8);
        expect(before.data).toBeGreaterThanOrEqual(2);
        expect(before.deletes).toBeGreaterThanOrEqual(7);
        expect(await rowsOf(table)).toEqual(expected);

        const created = await provider.create!(inputs(name, table));
        outs = created.outs;
        expect(created.id).toBe(name);
        expect(outs.jobState).toBe("RUNNING");
        expect(await jobState(ep()["flink-jobmanager"].restUrl, outs.jobId)).toBe("RUNNING");

        // Compaction rewrites the files with their deletes applied; the delete files it applied are then
        // removed (they apply to no live data file); old snapshots expire.
        const compacted = (s: { data: number; deletes: number; snapshots: number }) => s.data === 1 && s.deletes === 0 && s.snapshots <= 2;
        const after = await pollFor(
            `the maintenance job to compact ${table} to one data file, no delete file and at most 2 snapshots`,
            180_000,
            () => tableShape(table),
            compacted,
        );
        console.log(`${table} after maintenance: ${JSON.stringify(after)}`);
        expect(after).toEqual({ data: 1, deletes: 0, snapshots: expect.any(Number) });
        expect(after.snapshots).toBeLessThanOrEqual(2);
        expect(await rowsOf(table)).toEqual(expected);

        // The streaming writer keeps committing: a new commit adds files, and the next round compacts them again.
        const latest = await writeCommits(table, 5, 1, false);
        expect(await rowsOf(table)).toEqual(latest);
        const again = await pollFor(`the maintenance job to compact ${table} again after one more commit`, 180_000, () => tableShape(table), compacted);
        console.log(`${table} after one more commit and maintenance: ${JSON.stringify(again)}`);
        expect(await rowsOf(table)).toEqual(latest);

        // A file under the table's location that no snapshot references (a writer that died before its
        // commit leaves one) is deleted once older than the minimum age; the table's own files are not.
        const orphanKey = `${(await tableMetadata(table)).location.replace(`s3://${BUCKET}/`, "")}/data/orphan-${RUN}.parquet`;
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: orphanKey, Body: "not referenced by any snapshot" }));
        const exists = () =>
            s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: orphanKey })).then(
                () => true,
                (err: { $metadata?: { httpStatusCode?: number } }) => {
                    if (err.$metadata?.httpStatusCode === 404) return false;
                    throw err;
                },
            );
        expect(await exists()).toBe(true);
        await pollFor(`the orphan file ${orphanKey} to be deleted`, 120_000, exists, (e) => !e);
        expect(await rowsOf(table)).toEqual(latest);

        // Read: a running job reads as declared.
        const read = await provider.read!(name, outs);
        expect(read.props?.state).toBe("RUNNING");
        expect(read.props?.jobState).toBe("RUNNING");
    }, 400_000);

    test("an update of the schedules stops the job with a savepoint and runs it from there; delete ends it", async () => {
        await updateThenDelete(await providerForm("live"), name, outs, table);
        outs = undefined;
    }, 400_000);
});

describe("the maintenance job (serialized provider)", () => {
    const table = "orders_serialized";
    const name = `maint-it-${RUN}-serialized`;
    let outs: any;

    afterAll(async () => {
        if (outs?.jobId) await flinkJarJobProvider.delete!(name, { ...outs, deleteMode: "cancel" }).catch(() => undefined);
    });

    test("create runs the job, read reads it as declared, an update of the schedules reruns it from a savepoint, delete ends it", async () => {
        const provider = await providerForm("serialized");
        await writeCommits(table, 2, 1);
        const created = await provider.create!(inputs(name, table));
        outs = created.outs;
        expect(created.id).toBe(name);
        expect(outs.jobState).toBe("RUNNING");
        expect(await jobState(ep()["flink-jobmanager"].restUrl, outs.jobId)).toBe("RUNNING");
        const read = await provider.read!(name, outs);
        expect(read.props?.state).toBe("RUNNING");
        expect(read.props?.jobState).toBe("RUNNING");

        await updateThenDelete(provider, name, outs, table);
        outs = undefined;
    }, 400_000);
});
