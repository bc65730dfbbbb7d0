import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { KafkaConfig, ResourceSize } from "./config";
import { PORTS } from "./defaults";
import { DeployedWorkload, ImageSpec, Platform, PortSpec, WorkloadSpec } from "./platform";

export interface KafkaArgs {
    /** The image it runs (`lakehouse:images`): the project's own unless the stack names one. */
    image: ImageSpec;
    /** Broker count, topic prefix and replication sized to the brokers. */
    kafka: KafkaConfig;
    /** Stable seed for the KRaft cluster id (the stack's name prefix). */
    clusterSeed: string;
    /** Publish the external listener on the host (dev). */
    exposePorts: boolean;
    hostPortOffset: number;
    resources: ResourceSize;
    volumeSizeGiB: number;
    platform: Platform;
    /**
     * `host:port` broker `name`'s external listener advertises (where the machine running Pulumi
     * reaches it); default: the platform's address of the published port, e.g. `localhost:9092` on Docker.
     */
    externalAddress?: (broker: string, port: PortSpec) => string | undefined;
}

/** A KRaft cluster id (16 bytes, base64url) derived from a seed, so it is stable across runs of the program. */
export function kraftClusterId(seed: string): string {
    return crypto.createHash("sha256").update(seed).digest().subarray(0, 16).toString("base64url");
}

/** Host port of broker `index`: 9092 for the first, then 9192, 9292, ... */
export function brokerHostPort(index: number): number {
    return PORTS.kafkaHost + 100 * index;
}

export function brokerName(index: number): string {
    return `kafka-${index}`;
}

/** Bootstrap servers on the stack's network. */
export function internalBootstrapServers(brokers: number): string {
    return Array.from({ length: brokers }, (_, i) => `${brokerName(i)}:${PORTS.kafkaInternal}`).join(",");
}

/** One workload per broker; each is broker and controller of a KRaft quorum of all brokers. */
export function kafkaWorkloads(args: Omit<KafkaArgs, "platform">): WorkloadSpec[] {
    const { brokers, replicationFactor, minInsyncReplicas } = args.kafka;
    const voters = Array.from({ length: brokers }, (_, i) => `${i + 1}@${brokerName(i)}:${PORTS.kafkaController}`).join(",");
    const heapMiB = Math.max(256, Math.floor(args.resources.memoryMiB * 0.6));
    return Array.from({ length: brokers }, (_, i) => {
        const name = brokerName(i);
        const externalPort: PortSpec = { name: "external", port: PORTS.kafkaExternal, hostPort: brokerHostPort(i) };
        const address = args.externalAddress
            ? args.externalAddress(name, externalPort)
            : args.exposePorts
              ? `localhost:${brokerHostPort(i) + args.hostPortOffset}`
              : undefined;
        const external = address ? `,EXTERNAL://${address}` : "";
        return {
            name,
            service: "kafka",
            image: args.image,
            env: {
                CLUSTER_ID: kraftClusterId(args.clusterSeed),
                KAFKA_NODE_ID: String(i + 1),
                KAFKA_PROCESS_ROLES: "broker,controller",
                KAFKA_CONTROLLER_QUORUM_VOTERS: voters,
                KAFKA_LISTENERS: `INTERNAL://:${PORTS.kafkaInternal},CONTROLLER://:${PORTS.kafkaController},EXTERNAL://:${PORTS.kafkaExternal}`,
                KAFKA_ADVERTISED_LISTENERS: `INTERNAL://${name}:${PORTS.kafkaInternal}${external}`,
                KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,EXTERNAL:PLAINTEXT",
                KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
                KAFKA_INTER_BROKER_LISTENER_NAME: "INTERNAL",
                KAFKA_LOG_DIRS: "/var/lib/kafka/data",
                // Internal topics fail to create when their replication exceeds the brokers.
                KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: String(replicationFactor),
                KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: String(replicationFactor),
                KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: String(minInsyncReplicas),
                KAFKA_DEFAULT_REPLICATION_FACTOR: String(replicationFactor),
                KAFKA_MIN_INSYNC_REPLICAS: String(minInsyncReplicas),
                KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
                KAFKA_HEAP_OPTS: `-Xms${heapMiB}m -Xmx${heapMiB}m`,
            },
            secretEnv: {},
            ports: [{ name: "internal", port: PORTS.kafkaInternal }, { name: "controller", port: PORTS.kafkaController }, externalPort],
            volumes: [{ name: "data", mountPath: "/var/lib/kafka/data", sizeGiB: args.volumeSizeGiB }],
            files: [],
            health: {
                exec: ["CMD", "/opt/kafka/bin/kafka-broker-api-versions.sh", "--bootstrap-server", `localhost:${PORTS.kafkaInternal}`],
                tcpSocket: { port: PORTS.kafkaInternal },
                intervalSeconds: 10,
                timeoutSeconds: 20,
                retries: 12,
                startPeriodSeconds: 15,
                describe: `Kafka broker ${name} answers an ApiVersions request`,
            },
            // Brokers of one quorum start together; none waits for another.
            dependsOn: [],
            replicas: 1,
            stateful: true,
            resources: args.resources,
            runAsUser: 1000,
        };
    });
}

/** The Kafka cluster (KRaft). */
export class Kafka extends pulumi.ComponentResource {
    readonly brokers: DeployedWorkload[];
    /** `host:port,...` on the stack's network. */
    readonly internalBootstrapServers: string;
    /** `host:port,...` from the machine running Pulumi, when ports are published. */
    readonly hostBootstrapServers?: string;

    constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:kafka:Kafka", name, {}, opts);
        const externalAddress = args.externalAddress ?? ((broker: string, port: PortSpec) => args.platform.advertisedAddress(broker, port));
        this.brokers = kafkaWorkloads({ ...args, externalAddress }).map((spec) => args.platform.deploy(spec, this));
        // Deduplicated: an existing cluster answers every broker workload with the same bootstrap list.
        const join = (list: (string | undefined)[]) => [...new Set(list.filter((h): h is string => h !== undefined))].join(",") || undefined;
        this.internalBootstrapServers = join(this.brokers.map((b) => b.endpoints.internal.internal)) ?? internalBootstrapServers(args.kafka.brokers);
        this.hostBootstrapServers = join(this.brokers.map((b) => b.endpoints.external.host));
        this.registerOutputs({ internalBootstrapServers: this.internalBootstrapServers, hostBootstrapServers: this.hostBootstrapServers });
    }
}
