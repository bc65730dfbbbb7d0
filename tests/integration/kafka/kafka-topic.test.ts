/** The Kafka topic resource against the harness's real Kafka, on the provider object and its serialized form. */
import { Kafka, logLevel } from "kafkajs";
import { checkKafkaTopicInputs, diffKafkaTopic, kafkaTopicProvider } from "../../../components/dynamic/kafka-topic";
import { endpoints } from "../../../harness/cli";
import { bothForms } from "../../support/dynamic";

const bootstrap = () => endpoints().kafka.bootstrapServers;

describe.each([["provider object"], ["serialized provider"]])("Kafka topic on real Kafka (%s)", (form) => {
    let provider: any;
    const topic = `topic-test-${form.startsWith("s") ? "ser" : "obj"}-${Date.now().toString(36)}`;
    const inputs = (extra: Record<string, unknown> = {}) => ({
        bootstrapServers: bootstrap(),
        topic,
        partitions: 1,
        replicationFactor: 1,
        configs: { "retention.ms": "604800000" },
        deleteOnDestroy: false,
        version: 1,
        ...extra,
    });
    const admin = () => new Kafka({ clientId: "topic-test", brokers: [bootstrap()], logLevel: logLevel.NOTHING }).admin();

    beforeAll(async () => {
        provider = Object.fromEntries(await bothForms(kafkaTopicProvider))[form];
    });

    test("creates, adopts, grows, alters, reads drift, keeps or deletes on destroy", async () => {
        const created = await provider.create(inputs());
        expect(created.id).toBe(topic);
        const again = await provider.create(inputs());
        expect(again.outs.partitions).toBe(1);
        const read = await provider.read(topic, created.outs);
        expect(read.props).toEqual(created.outs);
        expect(diffKafkaTopic(read.props, inputs()).changes).toBe(false);

        const grown = (await provider.update(topic, created.outs, inputs({ partitions: 3, configs: { "retention.ms": "86400000" } }))).outs;
        expect(grown.partitions).toBe(3);
        const a = admin();
        await a.connect();
        const meta = await a.fetchTopicMetadata({ topics: [topic] });
        expect(meta.topics[0].partitions).toHaveLength(3);
        // Out of band: a config edited on the broker shows as exactly that key.
        await a.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: topic, configEntries: [{ name: "retention.ms", value: "1000" }] }] });
        const drifted = await provider.read(topic, grown);
        expect(diffKafkaTopic(drifted.props, inputs({ partitions: 3, configs: { "retention.ms": "86400000" } })).changedKeys).toEqual([
            'configs["retention.ms"]',
        ]);

        expect(checkKafkaTopicInputs(grown, inputs({ partitions: 2 })).map((f) => f.property)).toEqual(["partitions"]);
        expect(checkKafkaTopicInputs(grown, inputs({ partitions: 3, replicationFactor: 3 }))[0].reason).toContain("cannot change from 1 to 3 in place");
        const moved = await provider.diff(topic, grown, inputs({ partitions: 3, topic: `${topic}-2` }));
        // The engine gets each changed path: the new name replaces; the retention (still the altered one in `grown`) is an update.
        const retention = { 'configs["retention.ms"]': { kind: "update", inputDiff: true } };
        expect(moved).toEqual({
            changes: true,
            replaces: ["topic"],
            deleteBeforeReplace: false,
            detailedDiff: { topic: { kind: "update-replace", inputDiff: true }, ...retention },
        });
        // Another spelling of the bootstrap address is the same topic: an update that keeps its messages.
        await a.connect();
        const producer = new Kafka({ clientId: "topic-test", brokers: [bootstrap()], logLevel: logLevel.NOTHING }).producer();
        await producer.connect();
        await producer.send({ topic, messages: [{ key: "k", value: "kept" }] });
        await producer.disconnect();
        const viaLocalhost = inputs({ partitions: 3, bootstrapServers: bootstrap().replace("127.0.0.1", "localhost") });
        expect(await provider.diff(topic, grown, viaLocalhost)).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
            detailedDiff: { bootstrapServers: { kind: "update", inputDiff: true }, ...retention },
        });
        expect(checkKafkaTopicInputs(grown, { ...viaLocalhost, partitions: 2 }).map((f) => f.property)).toEqual(["partitions"]);
        const updated = (await provider.update(topic, grown, viaLocalhost)).outs;
        expect(updated).toMatchObject({ bootstrapServers: viaLocalhost.bootstrapServers, partitions: 3 });
        const offsets = await a.fetchTopicOffsets(topic);
        expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(1);

        // Default delete keeps the topic and its data; deleteOnDestroy removes it; deleting again is fine.
        await provider.delete(topic, grown);
        expect(await a.listTopics()).toContain(topic);
        await provider.delete(topic, { ...grown, deleteOnDestroy: true });
        await provider.delete(topic, { ...grown, deleteOnDestroy: true });
        const deadline = Date.now() + 30_000;
        while ((await a.listTopics()).includes(topic) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
        expect(await a.listTopics()).not.toContain(topic);
        expect(await provider.read(topic, grown)).toEqual({});
        await a.disconnect();
    });
});
