/**
 * A Kafka topic, as a dynamic resource (kafkajs admin client). The pipeline creates each CDC topic
 * up front: Debezium creates a table's topic only with its first change, and a Flink Kafka source
 * on a topic that does not exist fails its job.
 *
 * - create: idempotent (an existing topic is adopted, then brought to the declared partitions and configs).
 * - update: more partitions, changed configs (incremental alter). Fewer partitions or another
 *   replication factor cannot be done in place and are refused by `check`, naming the field. So are
 *   more partitions of a key-ordered topic (every CDC topic): Kafka picks a key's partition by its hash
 *   modulo the count, so growing moves keys to other partitions, and a row's older change still
 *   queued in its old partition could be applied after a newer one in its new partition.
 * - read: partitions, replication factor and the declared configs as the broker reports them; a missing topic is gone.
 * - delete: keeps the topic and its data unless `deleteOnDestroy` is true.
 * - security: the brokers are reached over TLS and/or SASL as `security` says (PLAINTEXT by default), the
 *   password and a client certificate's key in `credentials`, a secret; a connection that fails names
 *   the likely fix (./toolkit/kafka-client.ts). How the topic is reached, never which topic it is.
 * Methods use only `require("kafkajs")`, this file's functions, ./toolkit, ../config/patterns and
 * ../defaults (they are serialized).
 */
import * as pulumi from "@pulumi/pulumi";
import { LakehouseResource } from "./lakehouse-resource";
import { KAFKA_TOPIC_NAME } from "../config/patterns";
import { PROVIDER_DEFAULTS } from "../defaults";
import { InputDiff, changedEntries, engineDiff, inputDiff } from "./toolkit/diff";
import { pollUntil } from "./toolkit/poll";
import { isKnown } from "./toolkit/unknown";
import { KafkaAdminTarget, KafkaClientCredentials, KafkaClientSecurity, checkKafkaClientSecurity, withKafkaAdmin } from "./toolkit/kafka-client";

export const KAFKA_TOPIC_PROVIDER_VERSION = 1;

export function checkKafkaTopicInputs(olds: Record<string, any> | undefined, news: Record<string, any>): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    if (news.bootstrapServers === undefined) failures.push({ property: "bootstrapServers", reason: "is required" });
    else if (isKnown(news.bootstrapServers) && !/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/.test(String(news.bootstrapServers))) {
        failures.push({ property: "bootstrapServers", reason: `"${news.bootstrapServers}" must be host:port[,host:port...]` });
    }
    if (isKnown(news.topic) && !KAFKA_TOPIC_NAME.test(String(news.topic)))
        failures.push({ property: "topic", reason: `"${news.topic}" may hold only letters, digits, '.', '_' and '-' (at most 249)` });
    for (const key of ["partitions", "replicationFactor"]) {
        if (isKnown(news[key]) && !(Number.isInteger(news[key]) && news[key] >= 1 && news[key] <= 10_000))
            failures.push({ property: key, reason: `${news[key]} must be a whole number from 1` });
    }
    failures.push(...checkKafkaClientSecurity(news.security, news.credentials));
    // The same topic (its name is its identity; the bootstrap address is only how it is reached).
    if (olds && olds.topic === news.topic) {
        if (isKnown(news.partitions) && olds.partitions > news.partitions)
            failures.push({
                property: "partitions",
                reason: `cannot shrink from ${olds.partitions} to ${news.partitions} (Kafka only adds partitions); use a new topic`,
            });
        if (isKnown(news.partitions) && olds.partitions < news.partitions && keyOrdered(news))
            failures.push({
                property: "partitions",
                reason:
                    `cannot grow topic "${news.topic}" from ${olds.partitions} to ${news.partitions}: it is ordered by key, and more partitions would move keys to ` +
                    `other partitions, so a row's older change still queued in its old partition could be applied after a newer one; ` +
                    `keep ${olds.partitions} (for the pipeline's CDC topics: lakehouse:kafka.topicPartitions)`,
            });
        if (isKnown(news.replicationFactor) && olds.replicationFactor !== undefined && olds.replicationFactor !== news.replicationFactor) {
            failures.push({
                property: "replicationFactor",
                reason: `cannot change from ${olds.replicationFactor} to ${news.replicationFactor} in place (that is a partition reassignment); keep ${olds.replicationFactor} or use a new topic`,
            });
        }
    }
    return failures;
}

/** Whether the topic's messages are ordered by key; state written before the input existed held only CDC topics, which are. */
export function keyOrdered(inputs: Record<string, any>): boolean {
    return inputs.keyOrdered ?? true;
}

export function diffKafkaTopic(olds: Record<string, any>, news: Record<string, any>): InputDiff {
    // Defaults of inputs added after version 1, so older state compares equal.
    const normal = (v: Record<string, any>): Record<string, any> => ({
        ...v,
        security: v.security ?? {},
        credentials: v.credentials ?? {},
        deleteOnDestroy: v.deleteOnDestroy ?? false,
        keyOrdered: keyOrdered(v),
        version: v.version ?? 1,
    });
    const o = normal(olds);
    const n = normal(news);
    const changedKeys = [
        ...["bootstrapServers", "security", "credentials", "topic", "partitions", "replicationFactor", "deleteOnDestroy", "keyOrdered", "version"].filter(
            (key) => JSON.stringify(o[key]) !== JSON.stringify(n[key]),
        ),
        // Configs as the broker holds them: strings.
        ...changedEntries(o.configs, n.configs, (a, b) => String(a) === String(b)).map((key) => `configs["${key}"]`),
    ];
    // Only a new name is another topic. The bootstrap address and the security are how Pulumi reaches the
    // cluster: a new one is an update that makes sure the topic exists there. The old topic is kept (deleteOnDestroy).
    return inputDiff(changedKeys, ["topic"]);
}

/** Runs `fn` with a connected kafkajs admin of the resource's brokers and security (the provider's bounds). */
function withAdmin<T>(target: KafkaAdminTarget, fn: (admin: any) => Promise<T>): Promise<T> {
    return withKafkaAdmin(target, fn, {
        connectTimeoutMs: PROVIDER_DEFAULTS.connectTimeoutMs,
        requestTimeoutMs: PROVIDER_DEFAULTS.requestTimeoutMs,
        retries: 5,
    });
}

/** Partitions, replication factor and the named configs of a topic; undefined when it does not exist. */
async function describeTopic(
    admin: any,
    topic: string,
    configNames: string[],
): Promise<{ partitions: number; replicationFactor: number; configs: Record<string, string>; leaderless: number } | undefined> {
    if (!(await admin.listTopics()).includes(topic)) return undefined;
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = meta.topics[0].partitions;
    const configs: Record<string, string> = {};
    if (configNames.length) {
        const described = await admin.describeConfigs({ resources: [{ type: 2, name: topic, configNames }], includeSynonyms: false });
        for (const entry of described.resources[0]?.configEntries ?? []) configs[entry.configName] = String(entry.configValue);
    }
    const leaderless = partitions.filter((p: { leader?: number }) => p.leader === undefined || p.leader < 0).length;
    return { partitions: partitions.length, replicationFactor: partitions[0]?.replicas?.length ?? 0, configs, leaderless };
}

/**
 * The answers a Kafka cluster gives while a topic it just created is not yet known to every broker,
 * or a partition has no leader yet: they pass (kafkajs marks them `retriable`). Seen on a fresh
 * 3-broker cluster: `createTopics` with `waitForLeaders` gave up with UNKNOWN_TOPIC_OR_PARTITION
 * ("This server does not host this topic-partition") on a topic it had created.
 */
export function isTransientKafkaError(err: unknown): boolean {
    const TRANSIENT = [
        "UNKNOWN_TOPIC_OR_PARTITION",
        "LEADER_NOT_AVAILABLE",
        "NOT_LEADER_OR_FOLLOWER",
        "NOT_LEADER_FOR_PARTITION",
        "NOT_CONTROLLER",
        "REQUEST_TIMED_OUT",
    ];
    for (let e: any = err, depth = 0; e && depth < 5; e = e.originalError ?? e.cause, depth++) {
        if (e.retriable === true || TRANSIENT.includes(e.type)) return true;
    }
    return false;
}

/** Creates the topic if missing, then brings partitions and configs to the declared values. */
async function applyTopic(inputs: Record<string, any>): Promise<Record<string, any>> {
    const configs: Record<string, string> = Object.fromEntries(Object.entries(inputs.configs ?? {}).map(([k, v]) => [k, String(v)]));
    return withAdmin(inputs as { bootstrapServers: string }, async (admin) => {
        let current = await describeTopic(admin, inputs.topic, Object.keys(configs));
        if (!current) {
            await admin
                .createTopics({
                    waitForLeaders: true,
                    timeout: PROVIDER_DEFAULTS.requestTimeoutMs,
                    topics: [
                        {
                            topic: inputs.topic,
                            numPartitions: inputs.partitions,
                            replicationFactor: inputs.replicationFactor,
                            configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
                        },
                    ],
                })
                .catch((err: Error) => {
                    // Created, but not every broker knows it yet: the wait below decides.
                    if (!isTransientKafkaError(err)) throw new Error(`Kafka rejected topic "${inputs.topic}": ${err.message}`);
                });
            current = await pollUntil(
                `Kafka topic "${inputs.topic}" to be listed with a leader for each partition`,
                (inputs.waitTimeoutSeconds ?? PROVIDER_DEFAULTS.waitTimeoutSeconds) * 1000,
                async () => {
                    try {
                        const found = await describeTopic(admin, inputs.topic, Object.keys(configs));
                        if (!found) return { done: false, seen: "not listed yet" };
                        if (found.leaderless > 0) return { done: false, seen: `${found.leaderless} of ${found.partitions} partition(s) without a leader` };
                        return { done: true, value: found };
                    } catch (err) {
                        if (!isTransientKafkaError(err)) throw err;
                        return { done: false, seen: (err as Error).message };
                    }
                },
            );
        }
        if (!current) throw new Error(`Kafka topic "${inputs.topic}" was created but is not listed`);
        if (current.replicationFactor !== inputs.replicationFactor) {
            throw new Error(
                `Kafka topic "${inputs.topic}" exists with replication factor ${current.replicationFactor}, not ${inputs.replicationFactor}; set replicationFactor to ${current.replicationFactor} or use another topic`,
            );
        }
        if (current.partitions < inputs.partitions) await admin.createPartitions({ topicPartitions: [{ topic: inputs.topic, count: inputs.partitions }] });
        const changed = Object.entries(configs).filter(([k, v]) => current!.configs[k] !== v);
        if (changed.length) {
            await admin
                .alterConfigs({
                    validateOnly: false,
                    resources: [{ type: 2, name: inputs.topic, configEntries: changed.map(([name, value]) => ({ name, value })) }],
                })
                .catch((err: Error) => {
                    throw new Error(`Kafka rejected configs ${changed.map(([k]) => k).join(", ")} of topic "${inputs.topic}": ${err.message}`);
                });
        }
        return { ...inputs, configs, partitions: Math.max(current.partitions, inputs.partitions) };
    });
}

export const kafkaTopicProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: any, news: any) {
        return { inputs: news, failures: checkKafkaTopicInputs(olds && Object.keys(olds).length ? olds : undefined, news) };
    },
    async diff(_id: string, olds: any, news: any) {
        return engineDiff(diffKafkaTopic(olds, news), olds, news);
    },
    async create(inputs: any) {
        return { id: inputs.topic, outs: await applyTopic(inputs) };
    },
    async update(_id: string, _olds: any, news: any) {
        return { outs: await applyTopic(news) };
    },
    async read(id: string, props: any) {
        const current = await withAdmin(props, (admin) => describeTopic(admin, props.topic ?? id, Object.keys(props.configs ?? {})));
        if (!current) return {};
        return {
            id,
            props: {
                ...props,
                partitions: current.partitions,
                replicationFactor: current.replicationFactor,
                configs: { ...(props.configs ?? {}), ...current.configs },
            },
        };
    },
    async delete(id: string, props: any) {
        if (!props.deleteOnDestroy) return;
        await withAdmin(props, async (admin) => {
            if ((await admin.listTopics()).includes(props.topic ?? id))
                await admin.deleteTopics({ topics: [props.topic ?? id], timeout: PROVIDER_DEFAULTS.requestTimeoutMs });
        });
    },
};

export interface KafkaTopicArgs {
    /** Bootstrap servers as the machine running Pulumi reaches them. */
    bootstrapServers: pulumi.Input<string>;
    /** How the brokers are reached: protocol (default PLAINTEXT), SASL mechanism and user, CA and client certificate (PEM). */
    security?: pulumi.Input<KafkaClientSecurity>;
    /** The SASL password and the client certificate's key: kept secret in state. */
    credentials?: pulumi.Input<KafkaClientCredentials>;
    topic: pulumi.Input<string>;
    partitions: pulumi.Input<number>;
    replicationFactor: pulumi.Input<number>;
    /** Topic configs, e.g. `cleanup.policy`, `retention.ms`. */
    configs?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Delete the topic (and its data) on destroy. Default false: the change history is kept. */
    deleteOnDestroy?: pulumi.Input<boolean>;
    /**
     * Messages are keyed and their order per key matters (every CDC topic: Debezium keys a change by
     * the row's primary key). Default true: `partitions` is then fixed once the topic exists.
     */
    keyOrdered?: pulumi.Input<boolean>;
}

export class KafkaTopic extends LakehouseResource {
    declare readonly topic: pulumi.Output<string>;
    declare readonly partitions: pulumi.Output<number>;

    constructor(name: string, args: KafkaTopicArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            kafkaTopicProvider,
            name,
            {
                ...args,
                ...(args.credentials !== undefined ? { credentials: pulumi.secret(args.credentials) } : {}),
                configs: args.configs ?? {},
                deleteOnDestroy: args.deleteOnDestroy ?? false,
                keyOrdered: args.keyOrdered ?? true,
                version: KAFKA_TOPIC_PROVIDER_VERSION,
            },
            { ...opts, additionalSecretOutputs: ["credentials"] },
            "lakehouse",
            "KafkaTopic",
        );
    }
}
