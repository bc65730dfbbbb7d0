import * as pulumi from "@pulumi/pulumi";
import { KafkaConfig, ResourceSize } from "./config";
import { DEFAULTS, PORTS } from "./defaults";
import { DeployedWorkload, ImageSpec, Endpoint, Platform, WorkloadSpec } from "./platform";
import { POSTGRES_SECRETS } from "./postgres";
import { connectWorkerKafkaSecurity } from "./secured-clients";

export interface KafkaConnectArgs {
    /** The image it runs (`lakehouse:images`): the project's own unless the stack names one. */
    image: ImageSpec;
    /** Worker count (one Connect group) and the group id. */
    workers: number;
    groupId: string;
    /** Each worker restarts its FAILED connectors and tasks with backoff (default `DEFAULTS.connect.autoRestart`, true). */
    autoRestart?: boolean;
    kafka: KafkaConfig;
    /** Bootstrap servers on the stack's network. */
    bootstrapServers: string;
    /** Workloads that must be healthy first (the brokers). */
    dependsOn: string[];
    resources: ResourceSize;
    platform: Platform;
}

/** The Debezium PostgreSQL connector class; the health check waits until the worker has loaded it. */
export const DEBEZIUM_POSTGRES_CONNECTOR = "io.debezium.connector.postgresql.PostgresConnector";

/** Kafka's config provider (Kafka >= 3.5) that resolves `${env:NAME}` from the worker's environment. */
export const ENV_CONFIG_PROVIDER_CLASS = "org.apache.kafka.common.config.provider.EnvVarConfigProvider";

/**
 * What the connector's config holds as `database.password` on workers the program deploys:
 * `${env:LAKEHOUSE_REPLICATION_PASSWORD}`, resolved by each worker when it validates or starts the
 * connector. Connect stores the reference (REST config, configs topic), never the password.
 */
export function connectPasswordReference(): string {
    return `\${${DEFAULTS.connect.passwordConfigProvider}:${DEFAULTS.connect.replicationPasswordEnv}}`;
}

/** Names of the worker group's internal topics, derived from the group id so groups never share them. */
export function connectInternalTopics(groupId: string): { configs: string; offsets: string; status: string } {
    return { configs: `${groupId}-configs`, offsets: `${groupId}-offsets`, status: `${groupId}-status` };
}

/** Kafka Connect workers running Debezium. */
export function kafkaConnectWorkload(args: Omit<KafkaConnectArgs, "platform">): WorkloadSpec {
    const rf = String(args.kafka.replicationFactor);
    const topics = connectInternalTopics(args.groupId);
    const heapMiB = Math.max(256, Math.floor(args.resources.memoryMiB * 0.6));
    const json = "org.apache.kafka.connect.json.JsonConverter";
    const provider = DEFAULTS.connect.passwordConfigProvider;
    // TLS and SASL to an external Kafka (lakehouse:kafka.security): the worker's, its producers' and consumers' settings.
    const security = connectWorkerKafkaSecurity(args.kafka.security);
    const providerVariables = [DEFAULTS.connect.replicationPasswordEnv, ...security.providerVariables];
    return {
        name: "connect",
        service: "connect",
        image: args.image,
        env: {
            BOOTSTRAP_SERVERS: args.bootstrapServers,
            GROUP_ID: args.groupId,
            CONFIG_STORAGE_TOPIC: topics.configs,
            OFFSET_STORAGE_TOPIC: topics.offsets,
            STATUS_STORAGE_TOPIC: topics.status,
            // The image maps CONNECT_<KEY> to the worker property <key>.
            CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR: rf,
            CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR: rf,
            CONNECT_STATUS_STORAGE_REPLICATION_FACTOR: rf,
            // After the group loses a worker (or Kafka restarts under it), give its tasks back after 30 s,
            // not Connect's default 5 min: a CDC connector idle that long holds WAL and stalls the pipeline.
            CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS: String(DEFAULTS.connect.scheduledRebalanceMaxDelayMs),
            // Plain JSON without the schema envelope: what Flink's debezium-json format reads by default.
            KEY_CONVERTER: json,
            VALUE_CONVERTER: json,
            CONNECT_KEY_CONVERTER_SCHEMAS_ENABLE: "false",
            CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE: "false",
            HEAP_OPTS: `-Xms${heapMiB}m -Xmx${heapMiB}m`,
            // The image's restart-failed.sh: this worker's FAILED connectors and tasks are restarted, backed off.
            AUTO_RESTART_FAILED: String(args.autoRestart ?? DEFAULTS.connect.autoRestart),
            // Config providers: the connector config holds `${env:LAKEHOUSE_REPLICATION_PASSWORD}` and each
            // worker resolves it from its own environment, so Connect never stores the password. The
            // provider may read only that variable (not the worker's other env).
            CONNECT_CONFIG_PROVIDERS: provider,
            [`CONNECT_CONFIG_PROVIDERS_${provider.toUpperCase()}_CLASS`]: ENV_CONFIG_PROVIDER_CLASS,
            [`CONNECT_CONFIG_PROVIDERS_${provider.toUpperCase()}_PARAM_ALLOWLIST_PATTERN`]:
                providerVariables.length === 1 ? `^${providerVariables[0]}$` : `^(${providerVariables.join("|")})$`,
            ...security.env,
        },
        // From the stack's secret: a Kubernetes Secret key reference, a secret env entry on Docker.
        secretEnv: { [DEFAULTS.connect.replicationPasswordEnv]: { secret: POSTGRES_SECRETS.replication }, ...security.secretEnv },
        ports: [{ name: "rest", port: PORTS.connect, hostPort: PORTS.connect }],
        volumes: [],
        files: [],
        health: {
            exec: ["CMD-SHELL", `curl -fsS http://127.0.0.1:${PORTS.connect}/connector-plugins | grep -q ${DEBEZIUM_POSTGRES_CONNECTOR}`],
            httpGet: { path: "/connector-plugins", port: PORTS.connect },
            intervalSeconds: 10,
            timeoutSeconds: 10,
            retries: 18,
            startPeriodSeconds: 30,
            describe: `Kafka Connect REST lists ${DEBEZIUM_POSTGRES_CONNECTOR}`,
        },
        dependsOn: args.dependsOn,
        replicas: args.workers,
        stateful: false,
        resources: args.resources,
        runAsUser: 1001,
    };
}

/** Kafka Connect with the Debezium PostgreSQL plugin. */
export class KafkaConnect extends pulumi.ComponentResource {
    readonly workload: DeployedWorkload;
    /** REST endpoint of the worker group. */
    readonly rest: Endpoint;

    constructor(name: string, args: KafkaConnectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:connect:KafkaConnect", name, {}, opts);
        this.workload = args.platform.deploy(kafkaConnectWorkload(args), this);
        this.rest = this.workload.endpoints.rest;
        this.registerOutputs({ rest: this.rest });
    }
}
