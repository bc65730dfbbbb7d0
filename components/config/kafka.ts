/**
 * `lakehouse:kafka`: the broker count, the CDC topics' prefix and their partitions.
 */
import { DEFAULTS } from "../defaults";
import { ClientSecretValues, parseKafkaSecurity } from "./client-security";
import { KAFKA_CONNECT_NAME } from "./patterns";
import { Reader } from "./reader";
import { ExternalServices, KafkaConfig } from "./types";

/** Reads `lakehouse:kafka`; the replication factor follows the broker count (at most 3); `security` for an external Kafka only. */
export function parseKafka(r: Reader, values: Record<string, string>, external: ExternalServices, secrets: ClientSecretValues): KafkaConfig {
    const k = r.object(values, "kafka");
    const brokers = r.integer(k.brokers, "kafka.brokers", DEFAULTS.kafka.brokers, 1, 9);
    const replicationFactor = Math.min(brokers, 3);
    const security = parseKafkaSecurity(r, k.security, secrets, external);
    return {
        brokers,
        topicPrefix: r.string(
            k.topicPrefix,
            "kafka.topicPrefix",
            DEFAULTS.kafka.topicPrefix,
            KAFKA_CONNECT_NAME,
            "letters, digits, '.', '_' or '-' (it starts every CDC topic name)",
        ),
        topicPartitions: r.integer(k.topicPartitions, "kafka.topicPartitions", DEFAULTS.kafka.topicPartitions, 1, 1000),
        replicationFactor,
        minInsyncReplicas: Math.max(1, replicationFactor - 1),
        ...(security ? { security } : {}),
    };
}
