/**
 * The Kafka SQL connector and flink-json on the harness's Flink classpath, against the harness's
 * real Kafka: Debezium-shaped change events on a topic are read by Flink SQL with the
 * `debezium-json` format and come out as a changelog (insert, update before/after, delete).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Kafka, logLevel } from "kafkajs";
import { endpoints, ensureUp } from "../../../harness/cli";
import { createContext } from "../../../harness/lib/context";
import { SqlGatewayClient } from "../../../harness/flink/gateway-client";
import { FlinkRestClient, TERMINAL_JOB_STATES } from "../../../harness/flink/rest-client";

jest.setTimeout(600000);

const ctx = createContext();
/** Every harness service's endpoints (URLs, directories), by service name. */
const ep = endpoints({ ctx });
const flinkEp = ep["flink-sql-gateway"];
const kafkaEp = ep.kafka;
const gateway = new SqlGatewayClient({ baseUrl: flinkEp.gatewayUrl });
const flink = new FlinkRestClient({ baseUrl: flinkEp.restUrl });

const RUN = crypto.randomBytes(4).toString("hex");
const TOPIC = `flink-it-${RUN}.public.customers`;
const kafka = new Kafka({ clientId: `flink-kafka-test-${RUN}`, brokers: [kafkaEp.bootstrapServers], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const producer = kafka.producer();

let session: string | undefined;
let topicCreated = false;
const jobs: string[] = [];

beforeAll(async () => {
    await ensureUp(["kafka", "flink-jobmanager", "flink-taskmanager", "flink-sql-gateway"], { ctx });
    await admin.connect();
    await producer.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    topicCreated = true;
    session = await gateway.openSession({ name: `flink-kafka-test-${RUN}`, properties: { "execution.runtime-mode": "streaming" } });
});

afterAll(async () => {
    for (const jobId of jobs) {
        const state = await flink.jobState(jobId).catch(() => undefined);
        if (state && !TERMINAL_JOB_STATES.includes(state)) await flink.cancelAndWait(jobId, { timeoutMs: 60000 });
        fs.rmSync(path.join(flinkEp.checkpointDir.replace(/^file:\/*/, "/"), jobId), { recursive: true, force: true });
    }
    if (session) await gateway.closeSession(session);
    if (topicCreated) await admin.deleteTopics({ topics: [TOPIC], timeout: 30000 });
    await producer.disconnect();
    await admin.disconnect();
});

test("debezium-json change events from a Kafka topic arrive as a Flink changelog", async () => {
    const event = (op: string, before: object | null, after: object | null) => ({ value: JSON.stringify({ before, after, op, ts_ms: Date.now() }) });
    await producer.send({
        topic: TOPIC,
        messages: [
            event("c", null, { id: 1, name: "ada" }),
            event("c", null, { id: 2, name: "grace" }),
            event("u", { id: 2, name: "grace" }, { id: 2, name: "grace hopper" }),
            event("d", { id: 1, name: "ada" }, null),
        ],
    });

    await gateway.run(
        session!,
        `CREATE TEMPORARY TABLE customers_${RUN} (id INT, name STRING) WITH (
            'connector' = 'kafka',
            'topic' = '${TOPIC}',
            'properties.bootstrap.servers' = '${kafkaEp.bootstrapServers}',
            'properties.group.id' = 'flink-it-${RUN}',
            'scan.startup.mode' = 'earliest-offset',
            'scan.bounded.mode' = 'latest-offset',
            'format' = 'debezium-json'
        )`,
        { timeoutMs: 60000 },
    );
    // Bounded by the latest offset at start, so the streaming query ends on its own (EOS).
    const r = await gateway.run(session!, `SELECT id, name FROM customers_${RUN}`, { timeoutMs: 180000 });
    if (r.jobId) jobs.push(r.jobId);
    expect(r.complete).toBe(true);
    expect(r.rows).toEqual([
        { kind: "INSERT", fields: [1, "ada"] },
        { kind: "INSERT", fields: [2, "grace"] },
        { kind: "UPDATE_BEFORE", fields: [2, "grace"] },
        { kind: "UPDATE_AFTER", fields: [2, "grace hopper"] },
        { kind: "DELETE", fields: [1, "ada"] },
    ]);
});
