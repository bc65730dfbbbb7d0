/** Kafka is the real thing: a produce/consume round trip through a fresh topic on the KRaft broker. */
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { endpoints, waitFor } from "../../../harness/cli";

// `testTimeout` in a jest project entry is not applied (it is a global option): bound each test here;
// every wait inside is bounded on its own.
jest.setTimeout(300000);

const bootstrap = endpoints().kafka.bootstrapServers;

describe("kafka (real Apache Kafka, KRaft, from the harness)", () => {
    const kafka = new Kafka({ clientId: "harness-smoke", brokers: [bootstrap], logLevel: logLevel.NOTHING, connectionTimeout: 10000, requestTimeout: 30000 });
    const admin = kafka.admin();
    const topic = `harness-smoke-${Date.now()}-${process.pid}`;

    beforeAll(async () => {
        await admin.connect();
    });

    afterAll(async () => {
        await admin.deleteTopics({ topics: [topic], timeout: 30000 }).catch(() => undefined);
        await admin.disconnect();
    });

    test("runs as a single KRaft node with a controller", async () => {
        const cluster = await admin.describeCluster();
        expect(cluster.brokers).toHaveLength(1);
        expect(cluster.brokers[0]).toMatchObject({ host: "127.0.0.1", port: 9092 });
        expect(cluster.controller).toBe(cluster.brokers[0].nodeId);
        expect(cluster.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    });

    test("round-trips messages through a fresh topic", async () => {
        expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true, timeout: 30000 })).toBe(true);
        expect(await admin.listTopics()).toContain(topic);

        const sent = [1, 2, 3].map((i) => ({ key: `k${i}`, value: JSON.stringify({ id: i, note: `round trip ${i}` }) }));
        const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
        await producer.connect();
        try {
            const acks = await producer.send({ topic, messages: sent, acks: -1 });
            expect(acks[0].errorCode).toBe(0);
        } finally {
            await producer.disconnect();
        }

        const received: Array<{ key: string; value: string; offset: string }> = [];
        const consumer = kafka.consumer({ groupId: `${topic}-group`, sessionTimeout: 10000, heartbeatInterval: 1000 });
        await consumer.connect();
        try {
            await consumer.subscribe({ topic, fromBeginning: true });
            await consumer.run({
                eachMessage: async ({ message }) => {
                    received.push({ key: message.key!.toString(), value: message.value!.toString(), offset: message.offset });
                },
            });
            await waitFor(`3 messages consumed back from Kafka topic ${topic}`, () => received.length >= 3, { timeoutMs: 60000 });
        } finally {
            await consumer.disconnect();
        }
        expect(received.map((m) => ({ key: m.key, value: m.value }))).toEqual(sent);
        expect(received.map((m) => m.offset)).toEqual(["0", "1", "2"]);

        // The consumer group's committed offsets live in __consumer_offsets (RF 1 on one broker).
        const offsets = await admin.fetchOffsets({ groupId: `${topic}-group`, topics: [topic] });
        expect(offsets[0].partitions[0].offset).toBe("3");
        await admin.deleteGroups([`${topic}-group`]).catch(() => undefined);
    });
});
