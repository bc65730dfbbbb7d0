/**
 * A mistake in a table's declaration is fixed through config (issue 15): the Flink job resource on the
 * harness's real Kafka, Flink, Nessie and MinIO, with the pipeline's own SQL. A timestamptz declared
 * BIGINT fails the job on the first row; declaring TIMESTAMP_LTZ(6) then recreates the still-empty
 * Iceberg tables and the job runs. Once the tables hold rows, another type change is refused naming the
 * opt-in, and with it (`recreateOnTypeChange`, set by `lakehouse:allowDataLoss: [tables]`) the tables
 * are recreated and refilled from the topic: the row once, in its new type.
 */
import * as crypto from "crypto";
import * as path from "path";
import { flinkJobProvider } from "../../../components/dynamic/flink-job";
import { gatewayQuery, withSession } from "../../../components/dynamic/flink/gateway";
import { jobState } from "../../../components/dynamic/flink/rest";
import { jobSettings, jobSinkTables } from "../../../components/pipeline";
import { JobTemplateValues, readJobTemplates, renderTableJob } from "../../../components/jobs";
import { parseCapturedTables } from "../../../components/tables";
import { endpoints } from "../../../harness/cli";
import { JobFixture, jobFixture } from "../../support/job-fixture";
import { harnessJobValues } from "../../support/harness-job-values";

const RUN = crypto.randomBytes(4).toString("hex");
const ep = () => endpoints();
const TOPIC = `recreate-it-${RUN}.public.orders`;
const BUCKET = `recreate-it-${RUN}`;
const NAMESPACE = `recreate_it_${RUN}`;
const JOB = `recreate-it-${RUN}`;
const REPO = path.resolve(__dirname, "../../..");

const values = (): JobTemplateValues =>
    harnessJobValues({ namespace: NAMESPACE, table: "orders", warehouse: `s3://${BUCKET}/`, topic: TOPIC, consumerGroup: JOB });

/** The job's inputs as the program builds them, for `orders` with `placed` declared as `placedType`. */
function inputs(placedType: string, extra: Record<string, unknown> = {}): Record<string, any> {
    const parsed = parseCapturedTables({ orders: { mode: "both", primaryKey: ["id"], columns: ["id BIGINT", `placed ${placedType}`] } }, []);
    expect(parsed.problems).toEqual([]);
    // The slices of the stack config the pipeline builders read.
    const cfg: any = {
        namePrefix: JOB,
        iceberg: { catalog: "lake", namespace: NAMESPACE },
        source: { tableDefinitions: parsed.tables },
        flink: { parallelism: 1, checkpointIntervalMs: 2000 },
    };
    return {
        gatewayUrl: ep()["flink-jobmanager"].gatewayUrl,
        restUrl: ep()["flink-jobmanager"].restUrl,
        name: JOB,
        statements: renderTableJob(readJobTemplates(REPO), values(), parsed.tables.orders),
        settings: jobSettings(cfg, "orders"),
        secrets: { s3SecretAccessKey: ep().minio.secretAccessKey },
        state: "RUNNING",
        deleteMode: "savepoint",
        waitTimeoutSeconds: 180,
        sinkTables: jobSinkTables(cfg, "orders"),
        version: 1,
        ...extra,
    };
}

let fixture: JobFixture;
let outs: any;

async function batchQuery(sql: string): Promise<unknown[][]> {
    const gateway = ep()["flink-jobmanager"].gatewayUrl;
    const catalog = inputs("STRING").statements[0].replace("{{secret.s3SecretAccessKey}}", ep().minio.secretAccessKey);
    return withSession(gateway, { properties: { "execution.runtime-mode": "batch", "table.local-time-zone": "UTC" } }, async (session) => {
        await gatewayQuery(gateway, session, catalog, 180_000);
        return gatewayQuery(gateway, session, sql, 180_000);
    });
}

/** Polls (bounded) until the query returns `expected`. */
async function eventually(sql: string, expected: unknown[][], timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let rows: unknown[][] = [];
    for (let delay = 1000; Date.now() + delay < deadline; delay = Math.min(delay * 2, 5000)) {
        rows = await batchQuery(sql);
        if (JSON.stringify(rows) === JSON.stringify(expected)) return;
        await new Promise((r) => setTimeout(r, delay));
    }
    expect(rows).toEqual(expected);
}

beforeAll(async () => {
    fixture = await jobFixture(BUCKET, TOPIC, JOB);
    // Debezium's wire form of a timestamptz: ISO-8601 text in UTC.
    const producer = fixture.kafka.producer();
    await producer.connect();
    const after = { id: 1, placed: "2026-11-30T07:54:28.768699Z" };
    await producer.send({
        topic: TOPIC,
        messages: [{ key: JSON.stringify({ id: 1 }), value: JSON.stringify({ before: null, after, op: "c", ts_ms: Date.now(), source: {} }) }],
    });
    await producer.disconnect();
});

afterAll(async () => {
    if (outs) await flinkJobProvider.delete!(JOB, { ...outs, deleteMode: "cancel" });
    await fixture.tearDown(async () => {
        for (const t of ["orders", "orders_changes"]) await batchQuery(`DROP TABLE IF EXISTS lake.${NAMESPACE}.${t}`);
        await batchQuery(`DROP DATABASE IF EXISTS lake.${NAMESPACE}`);
    });
});

test("a type fixed before the table holds data recreates it; with rows, a change is refused unless allowed, then the tables are refilled from the topic", async () => {
    // The mistake: the timestamptz declared BIGINT fails the job on the first row.
    const failed = await flinkJobProvider.create!(inputs("BIGINT")).then(
        () => undefined,
        (err: { message: string; properties?: Record<string, any> }) => err,
    );
    expect(failed?.message).toMatch(/fails deterministically/);
    expect(await batchQuery(`SELECT COUNT(*) FROM lake.${NAMESPACE}.orders`)).toEqual([[0]]);

    // Fixed in config: the empty tables are recreated with the declared type, the job runs.
    const fixed = await flinkJobProvider.update!(JOB, failed!.properties!, inputs("TIMESTAMP_LTZ(6)"));
    outs = fixed.outs;
    expect(outs.jobState).toBe("RUNNING");
    expect(outs.recreatedTables).toEqual([`lake.${NAMESPACE}.orders`, `lake.${NAMESPACE}.orders_changes`]);
    expect(await jobState(ep()["flink-jobmanager"].restUrl, failed!.properties!.jobId)).not.toBe("RUNNING");
    await eventually(`SELECT id, DATE_FORMAT(placed, 'yyyy-MM-dd HH:mm:ss.SSSSSS') FROM lake.${NAMESPACE}.orders`, [[1, "2026-11-30 07:54:28.768699"]]);
    await eventually(`SELECT id, operation_type FROM lake.${NAMESPACE}.orders_changes`, [[1, "INSERT"]]);

    // The tables hold a row now: another type is refused, naming the opt-in, before the running job is touched
    // (a slot is free to count the rows; without one, the job is stopped to count and put back as it was).
    const running = outs.jobId;
    const refused = await flinkJobProvider.update!(JOB, outs, inputs("STRING")).then(
        () => undefined,
        (err: Error) => err,
    );
    expect(refused?.message).toMatch(/column placed is TIMESTAMP_LTZ\(6\) in lake\.\w+\.orders but declared STRING, and the table holds 1 row\(s\)/);
    expect(refused?.message).toContain('list "tables" under lakehouse:allowDataLoss');
    expect(refused?.message).toContain("(the running job was not touched)");
    expect(await jobState(ep()["flink-jobmanager"].restUrl, running)).toBe("RUNNING");

    // Allowed: both tables are recreated and refilled from the topic, the row once, in its new type.
    const allowed = await flinkJobProvider.update!(JOB, outs, inputs("STRING", { recreateOnTypeChange: true }));
    outs = allowed.outs;
    expect(outs.recreatedTables).toEqual([`lake.${NAMESPACE}.orders`, `lake.${NAMESPACE}.orders_changes`]);
    expect(outs.restoredFrom).toBe("");
    await eventually(`SELECT id, placed FROM lake.${NAMESPACE}.orders`, [[1, "2026-11-30T07:54:28.768699Z"]]);
    await eventually(`SELECT id, operation_type, placed FROM lake.${NAMESPACE}.orders_changes`, [[1, "INSERT", "2026-11-30T07:54:28.768699Z"]]);
}, 600_000);
