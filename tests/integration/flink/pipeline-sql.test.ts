/**
 * The pipeline's own SQL (jobs/catalog.sql + jobs/demographics.sql, rendered as the program renders
 * them) run by the Flink job resource on the harness's real Kafka, Flink, Nessie and MinIO:
 * Debezium-shaped change events in, the current rows and the change history out as Iceberg tables.
 */
import * as crypto from "crypto";
import * as path from "path";
import { flinkJobProvider } from "../../../components/dynamic/flink-job";
import { gatewayQuery, withSession } from "../../../components/dynamic/flink/gateway";
import { jobState } from "../../../components/dynamic/flink/rest";
import { JobTemplateValues, readJobTemplates, renderTableJob } from "../../../components/jobs";
import { BUILTIN_TABLES, TableDefinition, parseCapturedTables } from "../../../components/tables";
import { endpoints } from "../../../harness/cli";
import { JobFixture, jobFixture } from "../../support/job-fixture";
import { harnessJobValues } from "../../support/harness-job-values";

const RUN = crypto.randomBytes(4).toString("hex");
const ep = () => endpoints();
const TOPIC = `pipeline-it-${RUN}.public.demographics`;
const BUCKET = `pipeline-it-${RUN}`;
const NAMESPACE = `pipeline_it_${RUN}`;
const JOB = `pipeline-it-${RUN}`;

const values = (): JobTemplateValues =>
    harnessJobValues({ namespace: NAMESPACE, table: "demographics", warehouse: `s3://${BUCKET}/warehouse`, topic: TOPIC, consumerGroup: JOB });

const REPO = path.resolve(__dirname, "../../..");
/** The seed table in mode both, as the default config declares it; `withEmail` adds a column as a user would. */
const seedTable = (extraColumns: string[] = []): TableDefinition => {
    const parsed = parseCapturedTables(
        { demographics: { mode: "both", primaryKey: ["id"], columns: [...BUILTIN_TABLES.demographics.columns, ...extraColumns] } },
        [],
    );
    expect(parsed.problems).toEqual([]);
    return parsed.tables.demographics;
};
const sinkTables = (def: TableDefinition) => [
    { identifier: `lake.${NAMESPACE}.demographics`, columns: def.columns.map((c) => ({ name: c.name, type: c.type })) },
    {
        identifier: `lake.${NAMESPACE}.demographics_changes`,
        columns: [
            ...def.columns.map((c) => ({ name: c.name, type: c.type })),
            { name: "operation_type", type: "STRING" },
            { name: "event_time", type: "TIMESTAMP_LTZ(6)" },
            { name: "processing_time", type: "TIMESTAMP_LTZ(6)" },
        ],
    },
];

let fixture: JobFixture;
let outs: any;

/** One batch query in a session of its own that declares the pipeline's catalog first. */
async function batchQuery(sql: string): Promise<unknown[][]> {
    const gateway = ep()["flink-jobmanager"].gatewayUrl;
    const catalog = renderTableJob(readJobTemplates(REPO), values(), seedTable())[0].replace("{{secret.s3SecretAccessKey}}", ep().minio.secretAccessKey);
    return withSession(gateway, { properties: { "execution.runtime-mode": "batch" } }, async (session) => {
        await gatewayQuery(gateway, session, catalog, 180_000);
        return gatewayQuery(gateway, session, sql, 180_000);
    });
}

beforeAll(async () => {
    fixture = await jobFixture(BUCKET, TOPIC, JOB);
});

afterAll(async () => {
    if (outs) await flinkJobProvider.delete!(JOB, { ...outs, deleteMode: "cancel" });
    await fixture.tearDown(async () => {
        await batchQuery(`DROP TABLE IF EXISTS lake.${NAMESPACE}.demographics`).catch(() => undefined);
        await batchQuery(`DROP TABLE IF EXISTS lake.${NAMESPACE}.demographics_changes`).catch(() => undefined);
        await batchQuery(`DROP DATABASE IF EXISTS lake.${NAMESPACE}`);
    });
});

test("jobs/upsert.sql and jobs/append.sql (mode both) turn change events into current rows and an appended change history", async () => {
    const statements = renderTableJob(readJobTemplates(REPO), values(), seedTable());
    const created = await flinkJobProvider.create!({
        gatewayUrl: ep()["flink-jobmanager"].gatewayUrl,
        restUrl: ep()["flink-jobmanager"].restUrl,
        name: JOB,
        statements,
        settings: { "parallelism.default": "1", "execution.checkpointing.interval": "2 s" },
        secrets: { s3SecretAccessKey: ep().minio.secretAccessKey },
        state: "RUNNING",
        deleteMode: "savepoint",
        waitTimeoutSeconds: 180,
        sinkTables: sinkTables(seedTable()),
        version: 1,
    });
    outs = created.outs;
    expect(outs.addedColumns).toEqual([]);
    expect(outs.jobState).toBe("RUNNING");

    const producer = fixture.kafka.producer();
    await producer.connect();
    const row = (id: number, name: string, age: number, city: string) => ({ id, name, age, city });
    const event = (op: string, before: object | null, after: object | null, ts: number) => ({
        key: JSON.stringify({ id: ((after ?? before) as any).id }),
        value: JSON.stringify({ before, after, op, ts_ms: ts, source: {} }),
    });
    const t0 = Date.parse("2026-11-24T10:00:00Z");
    await producer.send({
        topic: TOPIC,
        messages: [
            event("r", null, row(1, "ada", 36, "London"), t0),
            event("c", null, row(2, "grace", 45, "Arlington"), t0 + 1000),
            event("u", row(2, "grace", 45, "Arlington"), row(2, "grace", 46, "New York"), t0 + 2000),
            event("c", null, row(3, "edsger", 40, "Nuenen"), t0 + 3000),
            event("d", row(1, "ada", 36, "London"), null, t0 + 4000),
            { key: JSON.stringify({ id: 1 }), value: null },
        ],
    });
    await producer.disconnect();

    // The Iceberg sink commits on checkpoints: poll (bounded) until the history holds all five changes.
    const deadline = Date.now() + 180_000;
    let changes: unknown[][] = [];
    while (changes.length < 5) {
        if (Date.now() > deadline) throw new Error(`only ${changes.length} of 5 changes arrived in Iceberg within 180 s`);
        await new Promise((resolve) => setTimeout(resolve, 3000));
        changes = await batchQuery(
            `SELECT id, name, age, city, operation_type, CAST(event_time AS STRING), processing_time IS NOT NULL FROM lake.${NAMESPACE}.demographics_changes ORDER BY event_time`,
        );
    }
    expect(changes.map((r) => r.slice(0, 5))).toEqual([
        [1, "ada", 36, "London", "SNAPSHOT"],
        [2, "grace", 45, "Arlington", "INSERT"],
        [2, "grace", 46, "New York", "UPDATE"],
        [3, "edsger", 40, "Nuenen", "INSERT"],
        [1, "ada", 36, "London", "DELETE"],
    ]);
    expect(changes[0][5]).toMatch(/^2026-11-24 \d\d:00:00/);
    expect(changes.every((r) => r[6] === true)).toBe(true);

    const current = await batchQuery(`SELECT id, name, age, city FROM lake.${NAMESPACE}.demographics ORDER BY id`);
    expect(current).toEqual([
        [2, "grace", 46, "New York"],
        [3, "edsger", 40, "Nuenen"],
    ]);
});

test("a column added to the table's declaration reaches both Iceberg tables: the job resumes from its savepoint, nothing lost or repeated", async () => {
    expect(outs?.jobState).toBe("RUNNING");
    const withEmail = seedTable(["email STRING"]);
    const news = { ...outs, statements: renderTableJob(readJobTemplates(REPO), values(), withEmail), sinkTables: sinkTables(withEmail) };
    const updated = await flinkJobProvider.update!(JOB, outs, news);
    outs = updated.outs;
    expect(outs.jobState).toBe("RUNNING");
    expect(outs.addedColumns).toEqual([`lake.${NAMESPACE}.demographics.email`, `lake.${NAMESPACE}.demographics_changes.email`]);
    expect(outs.restoredFrom).toMatch(/^s3:\/\/|^file:/);

    // The source table gains the column; Debezium's events now carry it.
    const producer = fixture.kafka.producer();
    await producer.connect();
    const t0 = Date.parse("2026-11-24T11:00:00Z");
    const grace = { id: 2, name: "grace", age: 46, city: "New York" };
    await producer.send({
        topic: TOPIC,
        messages: [
            {
                key: JSON.stringify({ id: 2 }),
                value: JSON.stringify({
                    before: { ...grace, email: null },
                    after: { ...grace, age: 47, email: "grace@navy.mil" },
                    op: "u",
                    ts_ms: t0,
                    source: {},
                }),
            },
            {
                key: JSON.stringify({ id: 4 }),
                value: JSON.stringify({
                    before: null,
                    after: { id: 4, name: "barbara", age: 30, city: "Boston", email: "bl@mit.edu" },
                    op: "c",
                    ts_ms: t0 + 1000,
                    source: {},
                }),
            },
        ],
    });
    await producer.disconnect();

    const deadline = Date.now() + 180_000;
    let changes: unknown[][] = [];
    while (changes.length < 7) {
        if (Date.now() > deadline) throw new Error(`only ${changes.length} of 7 changes arrived in Iceberg within 180 s`);
        await new Promise((resolve) => setTimeout(resolve, 3000));
        changes = await batchQuery(`SELECT id, age, email, operation_type FROM lake.${NAMESPACE}.demographics_changes ORDER BY event_time`);
    }
    // The five changes from before the update are there once each (the savepoint held the offsets), then the two new ones.
    expect(changes).toEqual([
        [1, 36, null, "SNAPSHOT"],
        [2, 45, null, "INSERT"],
        [2, 46, null, "UPDATE"],
        [3, 40, null, "INSERT"],
        [1, 36, null, "DELETE"],
        [2, 47, "grace@navy.mil", "UPDATE"],
        [4, 30, "bl@mit.edu", "INSERT"],
    ]);
    const current = await batchQuery(`SELECT id, name, age, city, email FROM lake.${NAMESPACE}.demographics ORDER BY id`);
    expect(current).toEqual([
        [2, "grace", 47, "New York", "grace@navy.mil"],
        [3, "edsger", 40, "Nuenen", null],
        [4, "barbara", 30, "Boston", "bl@mit.edu"],
    ]);

    // Declaring an existing column with another type is refused before the running job is touched.
    const retyped = seedTable(["email BIGINT"]);
    await expect(
        flinkJobProvider.update!(JOB, outs, {
            ...outs,
            statements: renderTableJob(readJobTemplates(REPO), values(), retyped),
            sinkTables: sinkTables(retyped),
        }),
    ).rejects.toThrow(`column email is STRING in lake.${NAMESPACE}.demographics but declared BIGINT`);
    expect(await jobState(ep()["flink-jobmanager"].restUrl, outs.jobId)).toBe("RUNNING");
});

test("mode upsert writes only the mirror and mode append only the changelog (a keyless table keeps every change; DECIMAL read from Debezium's string form)", async () => {
    const defs = parseCapturedTables(
        {
            accounts: { mode: "upsert", primaryKey: ["id"], columns: ["id BIGINT", "owner STRING", "balance DECIMAL(12, 2)"] },
            audit: { mode: "append", columns: ["kind STRING", "detail STRING"] },
        },
        [],
    );
    expect(defs.problems).toEqual([]);
    const topic = (table: string) => `pipeline-it-${RUN}.public.${table}`;
    const admin = fixture.kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: ["accounts", "audit"].map((t) => ({ topic: topic(t), numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
    await admin.disconnect();
    const jobs: Record<string, any> = {};
    try {
        for (const table of ["accounts", "audit"]) {
            const created = await flinkJobProvider.create!({
                gatewayUrl: ep()["flink-jobmanager"].gatewayUrl,
                restUrl: ep()["flink-jobmanager"].restUrl,
                name: `${JOB}-${table}`,
                statements: renderTableJob(
                    readJobTemplates(REPO),
                    { ...values(), table, topic: topic(table), consumerGroup: `${JOB}-${table}` },
                    defs.tables[table],
                ),
                settings: { "parallelism.default": "1", "execution.checkpointing.interval": "2 s" },
                secrets: { s3SecretAccessKey: ep().minio.secretAccessKey },
                state: "RUNNING",
                deleteMode: "cancel",
                waitTimeoutSeconds: 180,
                version: 1,
            });
            jobs[table] = created.outs;
            expect(created.outs.jobState).toBe("RUNNING");
        }
        const producer = fixture.kafka.producer();
        await producer.connect();
        const t0 = Date.parse("2026-11-24T12:00:00Z");
        const env = (op: string, before: object | null, after: object | null, ts: number) => ({
            value: JSON.stringify({ before, after, op, ts_ms: ts, source: {} }),
        });
        await producer.send({
            topic: topic("accounts"),
            messages: [
                env("c", null, { id: 1, owner: "ada", balance: "12.50" }, t0),
                env("c", null, { id: 2, owner: "grace", balance: "99.99" }, t0 + 1),
                env("u", { id: 1, owner: "ada", balance: "12.50" }, { id: 1, owner: "ada", balance: "7.25" }, t0 + 2),
                env("d", { id: 2, owner: "grace", balance: "99.99" }, null, t0 + 3),
            ],
        });
        await producer.send({
            topic: topic("audit"),
            messages: [
                env("c", null, { kind: "login", detail: "ada" }, t0),
                env("c", null, { kind: "login", detail: "ada" }, t0 + 1),
                env("d", { kind: "login", detail: "ada" }, null, t0 + 2),
            ],
        });
        await producer.disconnect();

        const deadline = Date.now() + 180_000;
        let accounts: unknown[][] = [];
        let audit: unknown[][] = [];
        // A table not committed yet fails the query: keep polling, and say why in the timeout's message.
        let lastError = "";
        const poll = (sql: string) =>
            batchQuery(sql).catch((err: Error) => {
                lastError = err.message;
                return [];
            });
        while (JSON.stringify(accounts) !== JSON.stringify([[1, "ada", "7.25"]]) || audit.length < 3) {
            if (Date.now() > deadline)
                throw new Error(
                    `Iceberg did not reach the expected rows within 180 s: accounts ${JSON.stringify(accounts)}, audit ${JSON.stringify(audit)}${lastError ? `; last query error: ${lastError}` : ""}`,
                );
            await new Promise((resolve) => setTimeout(resolve, 3000));
            accounts = await poll(`SELECT id, owner, CAST(balance AS STRING) FROM lake.${NAMESPACE}.accounts ORDER BY id`);
            audit = await poll(`SELECT kind, detail, operation_type FROM lake.${NAMESPACE}.audit_changes ORDER BY event_time`);
        }
        expect(accounts).toEqual([[1, "ada", "7.25"]]);
        // Two identical inserts stay two rows: a keyless changelog keeps every change.
        expect(audit).toEqual([
            ["login", "ada", "INSERT"],
            ["login", "ada", "INSERT"],
            ["login", "ada", "DELETE"],
        ]);
        // Each mode created only its own table.
        const tables = (await batchQuery(`SHOW TABLES FROM lake.${NAMESPACE}`)).map((r) => r[0]);
        expect(tables).toEqual(expect.arrayContaining(["accounts", "audit_changes"]));
        expect(tables).not.toContain("accounts_changes");
        expect(tables).not.toContain("audit");
    } finally {
        for (const [table, out] of Object.entries(jobs)) await flinkJobProvider.delete!(`${JOB}-${table}`, out);
        for (const t of ["accounts", "audit_changes"]) await batchQuery(`DROP TABLE IF EXISTS lake.${NAMESPACE}.${t}`).catch(() => undefined);
        const cleanup = fixture.kafka.admin();
        await cleanup.connect();
        await cleanup.deleteTopics({ topics: ["accounts", "audit"].map(topic) }).catch(() => undefined);
        await cleanup.disconnect();
    }
});
