/**
 * The pipeline settle check and the Flink job's fail-fast, against the harness's real Kafka, Flink,
 * Nessie and MinIO: a Kafka topic of Debezium-shaped change events, a Flink SQL job writing them to an
 * Iceberg table in a bucket of the test's own, and the check (on the provider object and on its
 * serialized form):
 * (a) passes on the healthy job (a checkpoint completed after it started) and reports how long it took;
 * (b) fails naming the cause when the job is made to fail (a value its declared column type cannot
 *     hold: Flink's NumberFormatException and the config key) and when the warehouse bucket is
 *     deleted out of band (S3's NoSuchBucket), and `read` reports both as drift;
 * (c) a FlinkSqlJob whose declared column type does not fit the data fails within seconds, not after
 *     its 300 s wait, naming Flink's exception and the config key; when its tasks all report RUNNING
 *     before its source reads the bad record, the pipeline check that follows the jobs fails so instead.
 * The connector part of the check runs on the real engine (tests/integration/stack/pipeline-e2e.test.ts).
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { Kafka, logLevel } from "kafkajs";
import { flinkJobProvider, flinkRequest } from "../../../components/dynamic/flink-job";
import { diffPipelineCheck, pipelineCheckProvider } from "../../../components/dynamic/pipeline-check";
import { endpoints } from "../../../harness/cli";
import { bothForms } from "../../support/dynamic";
import { emptyAndDeleteBucket } from "../../support/s3-bucket";

const id = Date.now().toString(36);
const bucket = `pipeline-check-${id}`;
const namespace = `pipeline_check_${id}`;
const topic = `pipeline_check_${id}.public.orders`;
const ep = () => endpoints();

function s3(): S3Client {
    const m = ep().minio;
    return new S3Client({
        endpoint: m.endpoint,
        region: m.region,
        forcePathStyle: true,
        credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey },
    });
}

/** Empties and deletes a bucket (out of band, as in the incident). */
async function deleteBucket(name: string): Promise<void> {
    const client = s3();
    try {
        await emptyAndDeleteBucket(client, name);
    } finally {
        client.destroy();
    }
}

const kafka = () => new Kafka({ clientId: "pipeline-check-test", brokers: ep().kafka.bootstrapServers.split(","), logLevel: logLevel.NOTHING });

/** Debezium-shaped change events (`debezium-json`, no schema), one per value of `placed`. */
async function produce(rows: { id: number; placed: unknown }[]): Promise<void> {
    const producer = kafka().producer();
    await producer.connect();
    try {
        await producer.send({
            topic,
            messages: rows.map((r) => ({
                key: JSON.stringify({ id: r.id }),
                value: JSON.stringify({ before: null, after: { id: r.id, placed: r.placed }, op: "c" }),
            })),
        });
    } finally {
        await producer.disconnect();
    }
}

/** The job as the program renders one: catalog, namespace, Kafka source `<table>_cdc`, Iceberg upsert table, INSERT. */
function jobStatements(table: string, topicName: string, placedType: string, sink: "iceberg" | "blackhole"): string[] {
    const m = ep().minio;
    const source = `CREATE TEMPORARY TABLE ${table}_cdc (id BIGINT, placed ${placedType}, PRIMARY KEY (id) NOT ENFORCED) WITH (
        'connector' = 'kafka', 'topic' = '${topicName}', 'properties.bootstrap.servers' = '${ep().kafka.bootstrapServers}',
        'properties.group.id' = 'pipeline-check-${id}-${table}', 'scan.startup.mode' = 'earliest-offset', 'format' = 'debezium-json')`;
    if (sink === "blackhole") {
        return [
            source,
            `CREATE TEMPORARY TABLE ${table}_sink (id BIGINT, placed ${placedType}, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'blackhole')`,
            `INSERT INTO ${table}_sink SELECT id, placed FROM ${table}_cdc`,
        ];
    }
    return [
        `CREATE CATALOG lake WITH ('type' = 'iceberg', 'catalog-impl' = 'org.apache.iceberg.nessie.NessieCatalog', 'uri' = '${ep().nessie.apiV2}', 'ref' = 'main',
            'warehouse' = 's3://${bucket}/', 'io-impl' = 'org.apache.iceberg.aws.s3.S3FileIO', 's3.endpoint' = '${m.endpoint}', 's3.path-style-access' = 'true',
            's3.access-key-id' = '${m.accessKeyId}', 's3.secret-access-key' = '{{secret.s3SecretAccessKey}}', 'client.region' = '${m.region}')`,
        `CREATE DATABASE IF NOT EXISTS lake.${namespace}`,
        source,
        `CREATE TABLE IF NOT EXISTS lake.${namespace}.${table} (id BIGINT, placed ${placedType}, PRIMARY KEY (id) NOT ENFORCED) WITH ('format-version' = '2', 'write.upsert.enabled' = 'true')`,
        `INSERT INTO lake.${namespace}.${table} SELECT id, placed FROM ${table}_cdc`,
    ];
}

function jobInputs(table: string, statements: string[]) {
    return {
        gatewayUrl: ep()["flink-jobmanager"].gatewayUrl,
        restUrl: ep()["flink-jobmanager"].restUrl,
        name: `pipeline-check-${id}-${table}-to-iceberg`,
        statements,
        // The program's job settings (components/pipeline.ts jobSettings) at the default 5 s interval.
        settings: {
            "parallelism.default": "1",
            "execution.checkpointing.interval": "5000 ms",
            "execution.checkpointing.min-pause": "0 ms",
            "restart-strategy.type": "exponential-delay",
            "restart-strategy.exponential-delay.initial-backoff": "1 s",
            "restart-strategy.exponential-delay.max-backoff": "1 min",
        },
        secrets: { s3SecretAccessKey: ep().minio.secretAccessKey },
        state: "RUNNING",
        deleteMode: "cancel",
        allowNonRestoredState: false,
        waitTimeoutSeconds: 300,
        sinkTables: [],
        version: 1,
    };
}

function checkInputs(jobs: { table: string; name: string; jobId: string }[], timeoutSeconds = 120) {
    const m = ep().minio;
    return {
        flinkRestUrl: ep()["flink-jobmanager"].restUrl,
        connectUrl: ep().connect.url,
        jobs: jobs.map((j) => ({ ...j, sqlHash: "test", required: true })),
        warehouse: { endpoint: m.endpoint, region: m.region, bucket, pathStyle: true, accessKeyId: m.accessKeyId },
        s3SecretAccessKey: m.secretAccessKey,
        namespace: `main:${namespace}`,
        timeoutSeconds,
        status: "settled",
        version: 1,
    };
}

/** Bounded polling with backoff until Flink's exception history of the job holds an entry (the job failed at least once). */
async function waitForJobFailure(jobId: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let delay = 250;
    for (;;) {
        const r = await flinkRequest("Flink REST", ep()["flink-jobmanager"].restUrl, "GET", `/jobs/${jobId}/exceptions`);
        const first = r.exceptionHistory?.entries?.[0]?.stacktrace;
        if (first) return String(first);
        if (Date.now() + delay > deadline) throw new Error(`Flink job ${jobId} recorded no failure within ${timeoutMs / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 2000);
    }
}

describe("pipeline settle check and fail-fast on real Kafka, Flink, Nessie and MinIO", () => {
    const created: { jobId: string }[] = [];
    let forms: [string, any][];

    beforeAll(async () => {
        forms = await bothForms(pipelineCheckProvider);
        const client = s3();
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
        client.destroy();
        const admin = kafka().admin();
        await admin.connect();
        await admin.createTopics({
            topics: [
                { topic, numPartitions: 1, replicationFactor: 1 },
                { topic: `${topic}_bad`, numPartitions: 1, replicationFactor: 1 },
            ],
            waitForLeaders: true,
        });
        await admin.disconnect();
    });

    afterAll(async () => {
        // Nothing left running, whatever a failed assertion skipped.
        for (const j of created)
            await flinkRequest("Flink REST", ep()["flink-jobmanager"].restUrl, "PATCH", `/jobs/${j.jobId}?mode=cancel`).catch(() => undefined);
        await deleteBucket(bucket).catch(() => undefined);
        const admin = kafka().admin();
        await admin.connect();
        await admin.deleteTopics({ topics: [topic, `${topic}_bad`] }).catch(() => undefined);
        await admin.disconnect();
    });

    test("(c) a declared column type that does not fit the data fails the FlinkSqlJob within seconds, naming Flink's exception and the config key", async () => {
        const producer = kafka().producer();
        await producer.connect();
        await producer.send({
            topic: `${topic}_bad`,
            messages: [{ value: JSON.stringify({ before: null, after: { id: 1, placed: "2024-05-01T10:00:00Z" }, op: "c" }) }],
        });
        await producer.disconnect();
        const started = Date.now();
        let message = "";
        let failedIn = "FlinkSqlJob";
        const inputs = jobInputs("orders", jobStatements("orders", `${topic}_bad`, "BIGINT", "blackhole"));
        try {
            const job = (await flinkJobProvider.create!(inputs)).outs;
            // The job's tasks can all report RUNNING before its source has read the bad record (seen in CI, and
            // again on an idle machine): the create then has nothing to fail on. The program's pipeline check, which
            // runs right after the jobs, is what catches it then; it must fail just as fast and name the same.
            created.push({ jobId: job.jobId });
            failedIn = "pipeline check (the job reached RUNNING before its first record)";
            await pipelineCheckProvider.create!(checkInputs([{ table: "orders", name: inputs.name, jobId: job.jobId }]));
        } catch (err) {
            message = (err as Error).message;
            const jobId = (err as { properties?: { jobId?: string } }).properties?.jobId;
            if (jobId) created.push({ jobId });
        }
        const seconds = (Date.now() - started) / 1000;
        console.log(`(c) ${failedIn}: a BIGINT column fed an ISO timestamp failed after ${seconds.toFixed(1)} s (the job's wait bound: 300 s): ${message}`);
        expect(message).toMatch(/fails deterministically \(java\.lang\.NumberFormatException/);
        expect(message).toContain('For input string: "2024-05-01T10:00:00Z"');
        expect(message).toContain("lakehouse:source.tables.orders.columns");
        expect(seconds).toBeLessThan(60);
    }, 180_000);

    test("(a) passes on a healthy job and reports its time; (b) fails naming the cause when the job fails or the bucket is gone", async () => {
        await produce([{ id: 1, placed: 1714557600000 }]);
        const job = (await flinkJobProvider.create!(jobInputs("orders", jobStatements("orders", topic, "BIGINT", "iceberg")))).outs;
        created.push({ jobId: job.jobId });
        const jobs = [{ table: "orders", name: job.name, jobId: job.jobId }];

        // (a) healthy, on both forms of the provider: a checkpoint after the check started, the bucket listed.
        const timings: number[] = [];
        for (const [form, provider] of forms) {
            const started = Date.now();
            const result = await provider.create(checkInputs(jobs));
            timings.push((Date.now() - started) / 1000);
            expect([form, result.outs.status]).toEqual([form, "settled"]);
            expect(result.outs.summary).toMatch(new RegExp(`${job.name} RUNNING \\(checkpoint \\d+ completed\\).*warehouse s3://${bucket}/ .* readable`));
            expect(result.outs.settledSeconds).toBeLessThan(30);
            expect((await provider.read(result.id, result.outs)).props.status).toBe("settled");
        }
        console.log(`(a) settle check on a healthy job (5 s checkpoint interval): ${timings.map((t) => `${t.toFixed(1)} s`).join(", ")}`);

        // (b1) the job made to fail: a value its declared BIGINT column cannot hold.
        await produce([{ id: 2, placed: "2024-05-01T10:00:00Z" }]);
        const trace = await waitForJobFailure(job.jobId, 60_000);
        console.log(
            `(b) Flink's exception for the bad value:\n${trace
                .split("\n")
                .filter((l) => !l.startsWith("\tat "))
                .join("\n")
                .slice(0, 3000)}`,
        );
        const [, provider] = forms[1];
        const read = await provider.read("pipeline-check-test", { ...checkInputs(jobs), settledSeconds: 1 });
        expect(read.props.status).toMatch(/^unhealthy: .*NumberFormatException/);
        expect(diffPipelineCheck(read.props, checkInputs(jobs)).changedKeys).toEqual(["status"]);
        let started = Date.now();
        await expect(provider.update("pipeline-check-test", read.props, checkInputs(jobs))).rejects.toThrow(
            /fails deterministically \(java\.lang\.NumberFormatException.*For input string: "2024-05-01T10:00:00Z".*lakehouse:source\.tables\.orders\.columns/s,
        );
        console.log(`(b) settle check on a job failing deterministically failed after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        expect(Date.now() - started).toBeLessThan(20_000);

        // (b2) the warehouse bucket deleted out of band.
        await flinkRequest("Flink REST", ep()["flink-jobmanager"].restUrl, "PATCH", `/jobs/${job.jobId}?mode=cancel`);
        await deleteBucket(bucket);
        started = Date.now();
        await expect(provider.create(checkInputs([]))).rejects.toThrow(
            new RegExp(`warehouse s3://${bucket}/ at .* is not readable: NoSuchBucket: The specified bucket does not exist`),
        );
        expect(Date.now() - started).toBeLessThan(20_000);
        expect((await provider.read("pipeline-check-test", { ...checkInputs([]), settledSeconds: 1 })).props.status).toMatch(/^unhealthy: .*NoSuchBucket/);
    }, 600_000);
});
