/**
 * Which answers of a Kafka cluster the topic provider waits through (components/dynamic/kafka-topic.ts):
 * those of a topic that is created but not yet known to every broker. Against a real 3-broker cluster
 * this is the Kubernetes stack's path (issue 17); the harness's single broker never gives them.
 */
import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from "kafkajs";
import { isTransientKafkaError } from "../../../components/dynamic/kafka-topic";

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
