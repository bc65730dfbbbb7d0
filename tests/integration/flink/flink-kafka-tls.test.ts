/**
 * The Flink jobs' Kafka sources on a SASL_SSL Kafka (issue 19), on the harness's real Flink and its
 * `kafka-tls` (SCRAM-SHA-512 over TLS, the harness's CA): the source options the program renders into
 * the job templates from `lakehouse:kafka.security` (`flinkKafkaSecurityOptions`: the protocol, the
 * mechanism, the CA inline as a PEM trust store, the JAAS login as `{{secret.kafkaJaasConfig}}`),
 * filled as the job resource fills secrets when it sends the SQL, read Debezium-shaped events back.
 * With a wrong password the query fails, with Kafka's own words.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Kafka, logLevel } from "kafkajs";
import { fillSecrets } from "../../../components/dynamic/flink/sql";
import { flinkKafkaSecurityOptions, kafkaJaasConfig } from "../../../components/secured-clients";
import { endpoints, ensureUp } from "../../../harness/cli";
import { createContext } from "../../../harness/lib/context";
import { tlsClientOptions } from "../../../harness/kafka";
import { SqlGatewayClient } from "../../../harness/flink/gateway-client";
import { FlinkRestClient, TERMINAL_JOB_STATES } from "../../../harness/flink/rest-client";

jest.setTimeout(600_000);

const ctx = createContext();
const RUN = crypto.randomBytes(4).toString("hex");
const TOPIC = `flink-tls-${RUN}.public.customers`;
const secured = () => endpoints({ ctx, onDemand: true })["kafka-tls"];
const flinkEp = () => endpoints({ ctx })["flink-sql-gateway"];
const jobs: string[] = [];
let session: string | undefined;

/** The stack's `kafka.security` for kafka-tls, as a user would write it. */
const security = () => ({
    protocol: "SASL_SSL",
    saslMechanism: secured().saslMechanism,
    username: secured().username,
    caCert: fs.readFileSync(secured().caFile, "utf8"),
});

/** A bounded Kafka source table on the topic with the rendered security options, the secret filled in. */
function sourceTable(name: string, password: string): string {
    const options = flinkKafkaSecurityOptions(security());
    const sql = `CREATE TEMPORARY TABLE ${name} (id INT, name STRING) WITH (
        'connector' = 'kafka',
        'topic' = '${TOPIC}',
        'properties.bootstrap.servers' = '${secured().bootstrapServers}',
        ${options}
        'properties.group.id' = 'flink-tls-${RUN}',
        'scan.startup.mode' = 'earliest-offset',
        'scan.bounded.mode' = 'latest-offset',
        'format' = 'debezium-json'
    )`;
    expect(sql).toContain("'properties.sasl.jaas.config' = '{{secret.kafkaJaasConfig}}'");
    return fillSecrets(sql, { kafkaJaasConfig: kafkaJaasConfig(security(), password) });
}

beforeAll(async () => {
    await ensureUp(["kafka-tls", "flink-jobmanager", "flink-taskmanager", "flink-sql-gateway"], { ctx });
    const kafka = new Kafka({ clientId: `flink-tls-${RUN}`, logLevel: logLevel.NOTHING, ...tlsClientOptions(ctx) });
    const admin = kafka.admin();
    const producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    try {
        await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
        const event = (op: string, before: object | null, after: object | null) => ({ value: JSON.stringify({ before, after, op, ts_ms: Date.now() }) });
        await producer.send({
            topic: TOPIC,
            messages: [event("c", null, { id: 1, name: "ada" }), event("u", { id: 1, name: "ada" }, { id: 1, name: "ada l" })],
        });
    } finally {
        await producer.disconnect();
        await admin.disconnect();
    }
    session = await new SqlGatewayClient({ baseUrl: flinkEp().gatewayUrl }).openSession({
        name: `flink-tls-${RUN}`,
        properties: { "execution.runtime-mode": "streaming" },
    });
});

afterAll(async () => {
    const flink = new FlinkRestClient({ baseUrl: flinkEp().restUrl });
    for (const jobId of jobs) {
        const state = await flink.jobState(jobId).catch(() => undefined);
        if (state && !TERMINAL_JOB_STATES.includes(state)) await flink.cancelAndWait(jobId, { timeoutMs: 60_000 });
        fs.rmSync(path.join(flinkEp().checkpointDir.replace(/^file:\/*/, "/"), jobId), { recursive: true, force: true });
    }
    if (session) await new SqlGatewayClient({ baseUrl: flinkEp().gatewayUrl }).closeSession(session);
    const kafka = new Kafka({ clientId: `flink-tls-${RUN}`, logLevel: logLevel.NOTHING, ...tlsClientOptions(ctx) });
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [TOPIC], timeout: 30_000 }).catch(() => undefined);
    await admin.disconnect();
});

test("a Flink Kafka source with the rendered SASL_SSL options reads the topic's change events", async () => {
    const gateway = new SqlGatewayClient({ baseUrl: flinkEp().gatewayUrl });
    await gateway.run(session!, sourceTable(`customers_${RUN}`, secured().password), { timeoutMs: 60_000 });
    const r = await gateway.run(session!, `SELECT id, name FROM customers_${RUN}`, { timeoutMs: 180_000 });
    if (r.jobId) jobs.push(r.jobId);
    expect(r.complete).toBe(true);
    expect(r.rows).toEqual([
        { kind: "INSERT", fields: [1, "ada"] },
        { kind: "UPDATE_BEFORE", fields: [1, "ada"] },
        { kind: "UPDATE_AFTER", fields: [1, "ada l"] },
    ]);
});

test("with a wrong password the source fails with Kafka's own words", async () => {
    const gateway = new SqlGatewayClient({ baseUrl: flinkEp().gatewayUrl });
    await gateway.run(session!, sourceTable(`wrong_${RUN}`, "not-the-password"), { timeoutMs: 60_000 });
    const error: Error = await gateway.run(session!, `SELECT id, name FROM wrong_${RUN}`, { timeoutMs: 180_000 }).then(
        () => new Error("the query succeeded"),
        (e: Error) => e,
    );
    expect(error.message).toMatch(/Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/);
});
