/**
 * The shape of a stack's validated configuration (`LakehouseConfig`) and of each of its sections,
 * with the closed value lists those types are derived from.
 */
import type { DataKind } from "../data-protection";
import type { PostgresTls } from "../dynamic/postgres-client";
import type { KafkaClientSecurity } from "../dynamic/toolkit/kafka-client";
import type { ServiceName } from "../defaults";
import type { ImageSpec } from "../platform/spec";
import type { TableDefinition } from "../tables";
import type { ClientSecretKey } from "./client-security";
import type { ImageService } from "./images";

/** The Pulumi config namespace of every key the program reads (`lakehouse:<key>`). */
export const CONFIG_NAMESPACE = "lakehouse";

/** Where the stack's services run (the ones not given under `external`). */
export const PLATFORMS = ["docker", "kubernetes", "external"] as const;
/** One of PLATFORMS. */
export type PlatformKind = (typeof PLATFORMS)[number];

/** Version stores Nessie can keep its commits in. */
export const NESSIE_VERSION_STORES = ["jdbc", "rocksdb", "in-memory"] as const;
/** One of NESSIE_VERSION_STORES. */
export type NessieVersionStore = (typeof NESSIE_VERSION_STORES)[number];

/** Credentials a stack may set (as secrets); the program generates any that are not set. */
export const CREDENTIAL_KEYS = ["postgresPassword", "replicationPassword", "minioRootPassword", "dremioAdminPassword"] as const;
/** One of CREDENTIAL_KEYS. */
export type CredentialKey = (typeof CREDENTIAL_KEYS)[number];

/** Where the warehouse bucket lives. */
export const STORAGE_PROVIDERS = ["minio", "aws"] as const;
/** One of STORAGE_PROVIDERS. */
export type StorageProvider = (typeof STORAGE_PROVIDERS)[number];

/** How the machine running Pulumi reaches the Services of a Kubernetes stack. */
export const KUBERNETES_ACCESS = ["in-cluster", "node-port", "none"] as const;
/** One of KUBERNETES_ACCESS. */
export type KubernetesAccess = (typeof KUBERNETES_ACCESS)[number];

/** Services that keep data, and so get a PersistentVolumeClaim on Kubernetes. */
export const STATEFUL_SERVICES = ["postgres", "kafka", "minio", "nessie", "dremio"] as const;
/** One of STATEFUL_SERVICES. */
export type StatefulServiceName = (typeof STATEFUL_SERVICES)[number];

/** `lakehouse:source`: the captured PostgreSQL database, its tables and roles. */
export interface SourceConfig {
    /** Database that holds the captured tables. */
    database: string;
    schema: string;
    /** Tables captured by CDC (unqualified, in `schema`), in declared order. */
    tables: string[];
    /** How each captured table is written to Iceberg: mode, key and columns (see components/tables.ts). */
    tableDefinitions: Record<string, TableDefinition>;
    /** Create the seed's `demographics` table (id, name, age, city) when the database is initialised. */
    createSeedTable: boolean;
    /** Publication the connector reads (created for `tables`). */
    publication: string;
    /** Superuser of the stack's PostgreSQL. */
    adminUser: string;
    /** Role with REPLICATION used by Debezium. */
    replicationUser: string;
    /** PostgreSQL `max_slot_wal_keep_size`: how much WAL a stalled slot may hold (-1 = unlimited). */
    maxSlotWalKeepSize: string;
    maxReplicationSlots: number;
    maxWalSenders: number;
    /**
     * TLS to an external PostgreSQL (`source.tls`: sslmode, CA, client certificate; its key is the secret
     * `postgresClientKey`); unset: plaintext (sslmode disable).
     */
    tls?: Omit<PostgresTls, "clientKey">;
}

/** `lakehouse:kafka`: the brokers and the CDC topics. */
export interface KafkaConfig {
    brokers: number;
    /** Debezium `topic.prefix`: topics are `<prefix>.<schema>.<table>`. */
    topicPrefix: string;
    /** Partitions of each CDC topic (keyed by primary key; fixed once a topic exists). */
    topicPartitions: number;
    /** Replication factor of internal and CDC topics, sized to the broker count (at most 3). */
    replicationFactor: number;
    minInsyncReplicas: number;
    /**
     * How every client reaches an external Kafka (`kafka.security`: protocol, SASL mechanism and user, CA,
     * client certificate; the password and key are the secrets `kafkaPassword`, `kafkaClientKey`); unset: PLAINTEXT.
     */
    security?: KafkaClientSecurity;
}

/** `lakehouse:connect`: the Kafka Connect workers. */
export interface ConnectConfig {
    workers: number;
    groupId: string;
    /** Restart FAILED connectors and tasks with backoff (the image's restart-failed.sh). */
    autoRestart: boolean;
}

/** `lakehouse:flink`: the session cluster, checkpoints and high availability. */
export interface FlinkConfig {
    taskManagers: number;
    slotsPerTaskManager: number;
    parallelism: number;
    checkpointIntervalMs: number;
    /** Durable checkpoint directory (default: the warehouse bucket). */
    checkpointsUri: string;
    /** Durable savepoint directory (default: the warehouse bucket). */
    savepointsUri: string;
    /**
     * JobManager high availability: Kubernetes HA on Kubernetes, ZooKeeper HA (with a ZooKeeper
     * workload) on Docker; the running jobs survive the loss of the JobManager.
     */
    highAvailability: boolean;
    /** Durable HA storage: job graphs and completed-checkpoint metadata (default: the warehouse bucket). */
    highAvailabilityStorageUri: string;
    /**
     * HTTPS on the REST endpoints of the Flink the program runs (JobManager REST API, SQL Gateway), with
     * the stack's own certificate; its private key is the secret `lakehouse:flinkTlsKey`. Default unset:
     * plain HTTP on the stack's network and published ports.
     */
    tls?: FlinkRestTls;
}

/** `lakehouse:flink.tls`: the REST endpoints' server certificate and the CA their clients trust (both PEM). */
export interface FlinkRestTls {
    /** The server certificate (and any intermediates), naming the hosts its clients use. */
    certificate: string;
    /** The CA that signed it: the program's clients, the gateway and the periodic-savepoints job trust it. */
    caCert: string;
}

/**
 * Services that already exist, per service: the program deploys nothing for them and manages only
 * what lives inside them. Every address is as the machine running Pulumi (and, for services the
 * program does deploy, their containers) reaches it.
 */
export interface ExternalServices {
    /** `host:port` of an existing PostgreSQL; the source database, roles and tables are in `source`. */
    postgres?: { address: string };
    /** Bootstrap servers of an existing Kafka, `host:port[,host:port...]`. */
    kafka?: { bootstrapServers: string };
    /** REST URL of an existing Kafka Connect group with the Debezium PostgreSQL plugin; over https, `caCert` is the CA to trust (PEM). */
    connect?: { url: string; caCert?: string };
    /** S3 endpoint URL (MinIO or another S3-compatible store). */
    minio?: { endpoint: string; caCert?: string };
    /**
     * Nessie base URL (without /api/v2); over https, `caCert` is the CA to trust (PEM; default the
     * system's CAs). A Nessie that wants a bearer token gets the secret `lakehouse:nessieToken`.
     */
    nessie?: { url: string; caCert?: string };
    /**
     * An existing Flink session cluster: REST URL and SQL Gateway URL; over https (Flink's
     * `security.ssl.rest.*`), `caCert` is the CA that signed both endpoints' certificates (PEM).
     */
    flink?: { restUrl: string; sqlGatewayUrl: string; caCert?: string };
    /** Dremio base URL. */
    dremio?: { url: string; caCert?: string };
}

/** `lakehouse:storage`: the warehouse bucket and who provides it. */
export interface StorageConfig {
    /** `minio`: MinIO deployed with the stack (or external); `aws`: an S3 bucket and a scoped IAM user made with @pulumi/aws. */
    provider: StorageProvider;
    bucket: string;
    /** MinIO's root user (its S3 access key id); unused on `aws`. */
    rootUser: string;
    /** `s3://<bucket>/` */
    warehouse: string;
    forceDestroy: boolean;
}

/** `lakehouse:nessie`: the catalog server. */
export interface NessieConfig {
    versionStore: NessieVersionStore;
    branch: string;
}

/** `lakehouse:iceberg`: where the tables are written in the catalog. */
export interface IcebergConfig {
    catalog: string;
    namespace: string;
}

/** `lakehouse:dremio`: the query engine. */
export interface DremioConfig {
    enabled: boolean;
    /** Run the project's stand-in of Dremio's REST API (NOT Dremio) instead of Dremio's image. */
    standIn: boolean;
    adminUser: string;
    sourceName: string;
}

/** `lakehouse:maintenance`: the table maintenance job (components/maintenance.ts); intervals in seconds, 0 turns a task off. */
export interface MaintenanceConfig {
    enabled: boolean;
    rateLimitSeconds: number;
    lockCheckDelaySeconds: number;
    expireSnapshots: { intervalSeconds: number; maxSnapshotAgeSeconds: number; retainLast: number };
    rewriteDataFiles: { intervalSeconds: number; commitCount: number; targetFileSizeMiB: number; minInputFiles: number; deleteFileThreshold: number };
    deleteOrphanFiles: { intervalSeconds: number; minAgeSeconds: number };
}

/** `lakehouse:pipeline`: what the program keeps running inside the services. */
export interface PipelineConfig {
    connectorState: "RUNNING" | "PAUSED" | "STOPPED";
    jobState: "RUNNING" | "STOPPED";
    jobDeleteMode: "savepoint" | "cancel";
    /** Restore points (savepoints, retained checkpoints) kept per Flink job; 0 keeps every one. */
    jobRestorePointsKept: number;
    /** Periodic savepoints of the table jobs: every `intervalSeconds` (0: off), the newest `kept` per job kept. */
    periodicSavepoints: { intervalSeconds: number; kept: number };
    dropSlotOnDelete: boolean;
    /** Extra Debezium connector settings, merged over the program's own (never over the keys it owns). */
    connectorConfig: Record<string, string>;
    /** Bound of the pipeline settle check after a change, in seconds; 0 disables it. */
    verifyTimeoutSeconds: number;
    /**
     * External Connect only: the config-provider reference (`${provider:[path:]key}`) the user's workers
     * resolve to the replication password; Connect stores it instead of the password.
     */
    replicationPasswordReference?: string;
}

/** Memory and CPUs of one service's workload. */
export interface ResourceSize {
    memoryMiB: number;
    cpus: number;
}

/** A pod toleration, as Kubernetes spells it. */
export interface KubernetesToleration {
    key?: string;
    operator: "Exists" | "Equal";
    value?: string;
    effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
    tolerationSeconds?: number;
}

/** Where and how the Kubernetes renderer deploys (see docs/deployment.md "Kubernetes"). */
export interface KubernetesConfig {
    /** The stack's namespace (created by the program); default `<project>-<stack>`. */
    namespace: string;
    /** Path of a kubeconfig file; default: the provider's usual lookup (KUBECONFIG, ~/.kube/config). */
    kubeconfig?: string;
    /** kubeconfig context; default: the current context. */
    context?: string;
    /** Write the manifests to this directory for review instead of applying them. */
    renderYamlToDirectory?: string;
    /**
     * How Pulumi (the dynamic resources: bucket, namespace, connector, jobs) reaches the Services:
     * `in-cluster` (Pulumi runs in a pod: cluster DNS names), `node-port` (NodePort Services on
     * `nodeAddress`), or `none` (not reached: those resources are left to the operator).
     */
    access: KubernetesAccess;
    /** A node's address the machine running Pulumi reaches (access `node-port`). */
    nodeAddress?: string;
    /** First of the stack's 20 node ports (access `node-port`). */
    nodePortBase: number;
    clusterDomain: string;
    /** StorageClass of every PersistentVolumeClaim; default: the cluster's default class. */
    storageClass?: string;
    /** PersistentVolumeClaim size per stateful service, in GiB. */
    volumeSizeGiB: Record<StatefulServiceName, number>;
    /** Node labels every pod must match. */
    nodeSelector: Record<string, string>;
    /** Taints every pod tolerates. */
    tolerations: KubernetesToleration[];
}

/** The validated, defaulted configuration of one stack. */
export interface LakehouseConfig {
    project: string;
    stack: string;
    /** `<project>-<stack>`, lower-case: prefixes every container, volume and network so stacks never collide. */
    namePrefix: string;
    platform: PlatformKind;
    /** Services that already exist; the rest run on `platform`. */
    external: ExternalServices;
    /** The image of every service: the project's own (local, or in `images.registry`) unless the stack names one. */
    images: Record<ImageService, ImageSpec>;
    /** Publish service ports on the Docker host (dev). */
    exposePorts: boolean;
    /** Added to every published host port, so two stacks can share one engine. */
    hostPortOffset: number;
    awsRegion: string;
    source: SourceConfig;
    kafka: KafkaConfig;
    connect: ConnectConfig;
    storage: StorageConfig;
    nessie: NessieConfig;
    iceberg: IcebergConfig;
    flink: FlinkConfig;
    dremio: DremioConfig;
    /** What the program keeps running inside the services: the connector and the Flink jobs. */
    pipeline: PipelineConfig;
    /** Table maintenance: snapshot expiration, compaction, orphan-file cleanup (off by default). */
    maintenance: MaintenanceConfig;
    resources: Record<ServiceName, ResourceSize>;
    startTimeoutSeconds: number;
    /** How long the checks of external services may take before `pulumi up` fails. */
    externalCheckTimeoutSeconds: number;
    /** Which credentials the stack sets itself (values are read as secrets, never here). */
    credentialsSet: Record<CredentialKey, boolean>;
    /** Which secrets for secured services the stack sets (`kafkaPassword`, `kafkaClientKey`, `postgresClientKey`). */
    clientSecretsSet: Record<ClientSecretKey, boolean>;
    /** Settings of the Kubernetes platform (read on every platform, used on `kubernetes`). */
    kubernetes: KubernetesConfig;
    /** Kinds of data the stack allows a change or destroy to lose (`lakehouse:allowDataLoss`; default none). */
    allowDataLoss: DataKind[];
}
