/**
 * Which answers of a Kafka cluster the topic provider waits through (components/dynamic/kafka-topic.ts):
 * those of a topic that is created but not yet known to every broker. Against a real 3-broker cluster
 * this is the Kubernetes stack's path (issue 17); the harness's single broker never gives them. And
 * which partition changes `check` refuses before anything is touched.
 */
import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from "kafkajs";
import { checkKafkaTopicInputs, diffKafkaTopic, isTransientKafkaError } from "../../../components/dynamic/kafka-topic";

// kafkajs builds its protocol errors from the broker's error codes; its createTopics error is not in its types.
const { createErrorFromCode } = require("kafkajs/src/protocol/error");
const { KafkaJSCreateTopicError } = require("kafkajs");
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const LEADER_NOT_AVAILABLE = 5;
const TOPIC_ALREADY_EXISTS = 36;
const INVALID_REPLICATION_FACTOR = 38;
const POLICY_VIOLATION = 44;

test("a topic not yet known to every broker, or a partition without a leader, is waited through", () => {
    const unknown = createErrorFromCode(UNKNOWN_TOPIC_OR_PARTITION);
    expect(unknown).toBeInstanceOf(KafkaJSProtocolError);
    expect(unknown.message).toBe("This server does not host this topic-partition");
    expect(isTransientKafkaError(unknown)).toBe(true);
    expect(isTransientKafkaError(createErrorFromCode(LEADER_NOT_AVAILABLE))).toBe(true);
    // What createTopics with waitForLeaders threw on the k8s stack: the retries used up, the cause inside.
    expect(isTransientKafkaError(new KafkaJSNumberOfRetriesExceeded(unknown, { retryCount: 5, retryTime: 9000 }))).toBe(true);
});

test("what retrying cannot change is surfaced at once", () => {
    expect(isTransientKafkaError(createErrorFromCode(INVALID_REPLICATION_FACTOR))).toBe(false);
    expect(isTransientKafkaError(createErrorFromCode(POLICY_VIOLATION))).toBe(false);
    expect(isTransientKafkaError(new KafkaJSCreateTopicError(createErrorFromCode(TOPIC_ALREADY_EXISTS), "t"))).toBe(false);
    expect(isTransientKafkaError(new KafkaJSNonRetriableError(createErrorFromCode(INVALID_REPLICATION_FACTOR)))).toBe(false);
    expect(isTransientKafkaError(new Error("boom"))).toBe(false);
    expect(isTransientKafkaError(undefined)).toBe(false);
});

describe("partitions of an existing topic", () => {
    const topic = (extra: Record<string, unknown> = {}) => ({
        bootstrapServers: "127.0.0.1:9092",
        topic: "lakehouse.public.demographics",
        partitions: 2,
        replicationFactor: 1,
        configs: {},
        deleteOnDestroy: false,
        version: 1,
        ...extra,
    });

    test("a key-ordered topic (the default, every CDC topic) keeps its count: growing is refused at preview, naming why and the fix", () => {
        const failures = checkKafkaTopicInputs(topic({ keyOrdered: true }), topic({ keyOrdered: true, partitions: 4 }));
        expect(failures).toEqual([
            {
                property: "partitions",
                reason:
                    'cannot grow topic "lakehouse.public.demographics" from 2 to 4: it is ordered by key, and more partitions would move keys to other partitions, ' +
                    "so a row's older change still queued in its old partition could be applied after a newer one; keep 2 (for the pipeline's CDC topics: " +
                    "lakehouse:kafka.topicPartitions)",
            },
        ]);
        // State written before the input existed held only CDC topics: the same refusal.
        expect(checkKafkaTopicInputs(topic(), topic({ partitions: 4 }))).toEqual(failures);
        // The same count, a new topic, or a topic whose order does not matter: nothing refused.
        expect(checkKafkaTopicInputs(topic({ keyOrdered: true }), topic({ keyOrdered: true }))).toEqual([]);
        expect(checkKafkaTopicInputs(topic(), topic({ topic: "other", partitions: 4 }))).toEqual([]);
        expect(checkKafkaTopicInputs(undefined, topic({ partitions: 4 }))).toEqual([]);
        expect(checkKafkaTopicInputs(topic({ keyOrdered: false }), topic({ keyOrdered: false, partitions: 4 }))).toEqual([]);
    });

    test("state from before keyOrdered compares equal to a CDC topic's inputs: upgrading the program shows no change", () => {
        expect(diffKafkaTopic(topic(), topic({ keyOrdered: true })).changes).toBe(false);
        expect(diffKafkaTopic(topic(), topic({ keyOrdered: false })).changedKeys).toEqual(["keyOrdered"]);
    });
});

describe("how the topic is reached: security and credentials", () => {
    const topic = (extra: Record<string, unknown> = {}) => ({
        bootstrapServers: "kafka:9092",
        topic: "p.s.t",
        partitions: 1,
        replicationFactor: 1,
        configs: {},
        deleteOnDestroy: false,
        version: 1,
        ...extra,
    });
    const SASL = { protocol: "SASL_SSL", saslMechanism: "SCRAM-SHA-512", username: "lakehouse" };

    test("state from before the inputs existed compares equal to PLAINTEXT with none; a new protocol or password is an update, never a replacement", () => {
        expect(diffKafkaTopic(topic(), topic({ security: {}, credentials: {} })).changes).toBe(false);
        const secured = diffKafkaTopic(topic(), topic({ security: SASL, credentials: { password: "p" } }));
        expect(secured).toMatchObject({ changes: true, replaces: [] });
        expect(secured.changedKeys).toEqual(["security", "credentials"]);
        expect(
            diffKafkaTopic(topic({ security: SASL, credentials: { password: "p" } }), topic({ security: SASL, credentials: { password: "q" } })).changedKeys,
        ).toEqual(["credentials"]);
    });

    test("check refuses a SASL protocol without its login, naming each key", () => {
        expect(checkKafkaTopicInputs(undefined, topic({ security: { protocol: "SASL_SSL" } })).map((f) => f.property)).toEqual([
            "security.saslMechanism",
            "security.username",
            "credentials.password",
        ]);
        expect(checkKafkaTopicInputs(undefined, topic({ security: SASL, credentials: { password: "p" } }))).toEqual([]);
    });
});
