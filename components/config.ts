/**
 * Stack configuration: the one module that reads `pulumi.Config`.
 *
 * `parseLakehouseConfig` is pure (raw key/value strings in, a typed config or every problem out),
 * so each rule is tested without mocks. `loadLakehouseConfig` is the thin reader the program calls
 * before it registers any resource.
 */
import * as pulumi from "@pulumi/pulumi";
import { TableDefinition, parseCapturedTables } from "./tables";
import { isConfigProviderReference } from "./dynamic/connector";
import { DataKind, parseAllowDataLoss } from "./data-protection";
import { DEFAULTS, DEFAULT_IMAGES, DEFAULT_RESOURCES, NODE_PORT_BLOCK, PORTS, SERVICE_NAMES, ServiceName } from "./defaults";

export const CONFIG_NAMESPACE = "lakehouse";

export const PLATFORMS = ["docker", "kubernetes", "external"] as const;
export type PlatformKind = (typeof PLATFORMS)[number];
/** Platforms this version renders; the others are reserved names with their own issues. */
export const SUPPORTED_PLATFORMS: readonly PlatformKind[] = ["docker", "kubernetes", "external"];

export const NESSIE_VERSION_STORES = ["jdbc", "rocksdb", "in-memory"] as const;
export type NessieVersionStore = (typeof NESSIE_VERSION_STORES)[number];

/** Credentials a stack may set (as secrets); the program generates any that are not set. */
export const CREDENTIAL_KEYS = ["postgresPassword", "replicationPassword", "minioRootPassword", "dremioAdminPassword"] as const;
export type CredentialKey = (typeof CREDENTIAL_KEYS)[number];

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
}

export interface KafkaConfig {
    brokers: number;
    /** Debezium `topic.prefix`: topics are `<prefix>.<schema>.<table>`. */
    topicPrefix: string;
    /** Replication factor of internal and CDC topics, sized to the broker count (at most 3). */
    replicationFactor: number;
    minInsyncReplicas: number;
}

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
    /** REST URL of an existing Kafka Connect group with the Debezium PostgreSQL plugin. */
    connect?: { url: string };
    /** S3 endpoint URL (MinIO or another S3-compatible store). */
    minio?: { endpoint: string };
    /** Nessie base URL (without /api/v2). */
    nessie?: { url: string };
    /** An existing Flink session cluster: REST URL and SQL Gateway URL. */
    flink?: { restUrl: string; sqlGatewayUrl: string };
    /** Dremio base URL. */
    dremio?: { url: string };
}

export const STORAGE_PROVIDERS = ["minio", "aws"] as const;
export type StorageProvider = (typeof STORAGE_PROVIDERS)[number];

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

export interface PipelineConfig {
    connectorState: "RUNNING" | "PAUSED" | "STOPPED";
    jobState: "RUNNING" | "STOPPED";
    jobDeleteMode: "savepoint" | "cancel";
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

/**
 * Debezium settings the program derives from other config (connection, slot, publication, topics,
 * captured tables): `pipeline.connectorConfig` may not set them.
 */
export const CONNECTOR_OWNED_KEYS: readonly (string | RegExp)[] = ["connector.class", "name", /^database\./, "slot.name", "topic.prefix", "table.include.list", "schema.include.list", /^publication\./];

/** True when the program owns a Debezium setting (see CONNECTOR_OWNED_KEYS). */
export function isOwnedConnectorKey(key: string): boolean {
    return CONNECTOR_OWNED_KEYS.some((owned) => (typeof owned === "string" ? owned === key : owned.test(key)));
}

/** Where an owned Debezium setting comes from, for the error's fix. */
function ownedConnectorKeyFix(key: string): string {
    if (key === "database.password") return "it is the secret `lakehouse:replicationPassword`";
    if (key === "database.user") return "set `lakehouse:source.replicationUser` instead";
    if (key === "database.dbname") return "set `lakehouse:source.database` instead";
    if (key.startsWith("database.")) return "set `lakehouse:external.postgres.address` instead (or let the platform deploy PostgreSQL)";
    if (key.startsWith("publication.")) return "set `lakehouse:source.publication` instead (the program creates the publication)";
    if (key === "topic.prefix") return "set `lakehouse:kafka.topicPrefix` instead";
    if (key === "table.include.list" || key === "schema.include.list") return "set `lakehouse:source.schema` and `lakehouse:source.tables` instead";
    return "the program derives it from the project, stack and source config";
}

export interface ResourceSize {
    memoryMiB: number;
    cpus: number;
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
    images: Record<ServiceName, string>;
    /** Publish service ports on the Docker host (dev). */
    exposePorts: boolean;
    /** Added to every published host port, so two stacks can share one engine. */
    hostPortOffset: number;
    awsRegion: string;
    source: SourceConfig;
    kafka: KafkaConfig;
    connect: { workers: number; groupId: string };
    storage: StorageConfig;
    nessie: { versionStore: NessieVersionStore; branch: string };
    iceberg: { catalog: string; namespace: string };
    flink: FlinkConfig;
    dremio: { enabled: boolean; adminUser: string; sourceName: string };
    /** What the program keeps running inside the services: the connector and the Flink jobs. */
    pipeline: PipelineConfig;
    resources: Record<ServiceName, ResourceSize>;
    startTimeoutSeconds: number;
    /** How long the checks of external services may take before `pulumi up` fails. */
    externalCheckTimeoutSeconds: number;
    /** Which credentials the stack sets itself (values are read as secrets, never here). */
    credentialsSet: Record<CredentialKey, boolean>;
    /** Settings of the Kubernetes platform (read on every platform, used on `kubernetes`). */
    kubernetes: KubernetesConfig;
    /** Kinds of data the stack allows a change or destroy to lose (`lakehouse:allowDataLoss`; default none). */
    allowDataLoss: DataKind[];
}

/** How the machine running Pulumi reaches the Services of a Kubernetes stack. */
export const KUBERNETES_ACCESS = ["in-cluster", "node-port", "none"] as const;
export type KubernetesAccess = (typeof KUBERNETES_ACCESS)[number];
/** Services that keep data, and so get a PersistentVolumeClaim on Kubernetes. */
export const STATEFUL_SERVICES = ["postgres", "kafka", "minio", "nessie", "dremio"] as const;
export type StatefulServiceName = (typeof STATEFUL_SERVICES)[number];

/** A pod toleration, as Kubernetes spells it. */
export interface KubernetesToleration {
    key?: string;
    operator: "Exists" | "Equal";
    value?: string;
    effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
    tolerationSeconds?: number;
}

/** Where and how the Kubernetes renderer deploys (see README "Kubernetes"). */
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
    /** Registry (and path) the built Flink image is pushed to and pulled from, e.g. `registry.example.com/data`. */
    imageRegistry?: string;
    /** StorageClass of every PersistentVolumeClaim; default: the cluster's default class. */
    storageClass?: string;
    /** PersistentVolumeClaim size per stateful service, in GiB. */
    volumeSizeGiB: Record<StatefulServiceName, number>;
    /** Node labels every pod must match. */
    nodeSelector: Record<string, string>;
    /** Taints every pod tolerates. */
    tolerations: KubernetesToleration[];
}

/** Keys of `lakehouse:kubernetes`. */
const KUBERNETES_KEYS = [
    "namespace",
    "kubeconfig",
    "context",
    "renderYamlToDirectory",
    "access",
    "nodeAddress",
    "nodePortBase",
    "clusterDomain",
    "imageRegistry",
    "storageClass",
    "volumeSizeGiB",
    "nodeSelector",
    "tolerations",
] as const;

/** One thing wrong with the stack config. */
export interface ConfigProblem {
    /** Full key, e.g. `lakehouse:flink.taskManagers`. */
    key: string;
    /** What was found (never a secret's value). */
    found: string;
    /** What is allowed, or how to fix it. */
    expected: string;
}

export class ConfigValidationError extends Error {
    constructor(public readonly problems: ConfigProblem[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p.key}: found ${p.found}; expected ${p.expected}`).join("\n"),
        );
        this.name = "ConfigValidationError";
    }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TOPIC_PREFIX = /^[A-Za-z0-9._-]{1,200}$/;
const NESSIE_REF = /^[A-Za-z](?:(?![.][.])[A-Za-z0-9./_-])*[A-Za-z0-9_-]$|^[A-Za-z]$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,62}$/;
const WAL_SIZE = /^(-1|\d+(kB|MB|GB|TB))$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const HTTP_URL = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[^\s?#]*)?$/;
const STORAGE_URI = /^(s3a?|file|hdfs|gs|abfss?):\/\/\S+$/;

/** Known keys of each object-valued setting, for "unknown key" errors that catch typos. */
const OBJECT_KEYS: Record<string, readonly string[]> = {
    images: SERVICE_NAMES,
    source: Object.keys(DEFAULTS.source),
    kafka: Object.keys(DEFAULTS.kafka),
    connect: ["workers", "groupId"],
    storage: Object.keys(DEFAULTS.storage),
    nessie: Object.keys(DEFAULTS.nessie),
    iceberg: Object.keys(DEFAULTS.iceberg),
    flink: [...Object.keys(DEFAULTS.flink), "checkpointsUri", "savepointsUri", "highAvailabilityStorageUri"],
    dremio: Object.keys(DEFAULTS.dremio),
    pipeline: Object.keys(DEFAULTS.pipeline),
    resources: SERVICE_NAMES,
    external: SERVICE_NAMES,
    kubernetes: KUBERNETES_KEYS,
};
const EXTERNAL_KEYS: Record<ServiceName, readonly string[]> = {
    postgres: ["address"],
    kafka: ["bootstrapServers"],
    connect: ["url"],
    minio: ["endpoint"],
    nessie: ["url"],
    flink: ["restUrl", "sqlGatewayUrl"],
    dremio: ["url"],
};
const SCALAR_KEYS = ["platform", "exposePorts", "hostPortOffset", "awsRegion", "startTimeoutSeconds", "externalCheckTimeoutSeconds", "allowDataLoss"];
const TOP_LEVEL_KEYS = [...SCALAR_KEYS, ...Object.keys(OBJECT_KEYS), ...CREDENTIAL_KEYS];

/** True when an image reference names an exact tag (not `latest`) or a digest. */
export function isPinnedImage(ref: string): boolean {
    if (/\s/.test(ref) || ref.length === 0) return false;
    if (/@sha256:[a-f0-9]{64}$/.test(ref)) return true;
    const lastSegment = ref.slice(ref.lastIndexOf("/") + 1);
    const colon = lastSegment.indexOf(":");
    if (colon <= 0) return false;
    const tag = lastSegment.slice(colon + 1);
    return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag) && tag !== "latest";
}

/** Levenshtein distance, for "did you mean" hints on mistyped keys. */
function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let previous = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const current = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
            previous = current;
        }
    }
    return row[b.length];
}

function unknownKeyHint(key: string, allowed: readonly string[]): string {
    const closest = [...allowed].sort((x, y) => editDistance(key, x) - editDistance(key, y))[0];
    const suggestion = closest !== undefined && editDistance(key, closest) <= 3 ? `; did you mean "${closest}"?` : "";
    return `one of ${allowed.join(", ")}${suggestion}`;
}

function describe(value: unknown): string {
    return value === undefined ? "nothing" : JSON.stringify(value);
}

/** Collects problems while reading typed values with defaults. */
class Reader {
    readonly problems: ConfigProblem[] = [];

    problem(key: string, found: unknown, expected: string): void {
        this.problems.push({ key: `${CONFIG_NAMESPACE}:${key}`, found: describe(found), expected });
    }

    /** Parses a top-level value that must be a JSON object; unknown keys are problems. */
    object(values: Record<string, string>, key: string): Record<string, unknown> {
        const raw = values[key];
        if (raw === undefined) return {};
        let parsed: unknown;
        try {
            parsed = JSON.parse(raw);
        } catch {
            this.problem(key, raw, "an object (set it as YAML under the key, or with `pulumi config set --path`)");
            return {};
        }
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
            this.problem(key, parsed, "an object");
            return {};
        }
        const obj = parsed as Record<string, unknown>;
        for (const k of Object.keys(obj)) {
            if (!OBJECT_KEYS[key].includes(k)) this.problem(`${key}.${k}`, obj[k], `no such key: ${unknownKeyHint(k, OBJECT_KEYS[key])}`);
        }
        return obj;
    }

    integer(value: unknown, key: string, fallback: number, min: number, max: number): number {
        if (value === undefined) return fallback;
        const n = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
            this.problem(key, value, `an integer from ${min} to ${max}`);
            return fallback;
        }
        return n;
    }

    boolean(value: unknown, key: string, fallback: boolean): boolean {
        if (value === undefined) return fallback;
        if (value === true || value === "true") return true;
        if (value === false || value === "false") return false;
        this.problem(key, value, "true or false");
        return fallback;
    }

    string(value: unknown, key: string, fallback: string, pattern: RegExp, expected: string): string {
        if (value === undefined) return fallback;
        if (typeof value !== "string" || !pattern.test(value)) {
            this.problem(key, value, expected);
            return fallback;
        }
        return value;
    }

    oneOf<T extends string>(value: unknown, key: string, fallback: T, allowed: readonly T[]): T {
        if (value === undefined) return fallback;
        if (typeof value !== "string" || !allowed.includes(value as T)) {
            this.problem(key, value, `one of ${allowed.join(", ")}`);
            return fallback;
        }
        return value as T;
    }
}

/**
 * Validates and defaults a stack's configuration.
 *
 * @param values the stack's config values under the `lakehouse` namespace, keyed without it
 *   (`platform`, `flink`, ...), as Pulumi stores them: strings, objects as JSON.
 * @param secretKeys the keys (again without namespace) whose values are stored as secrets.
 * @throws ConfigValidationError listing every problem, each naming the key, the value and what is allowed.
 */
export function parseLakehouseConfig(
    values: Record<string, string>,
    secretKeys: ReadonlySet<string>,
    context: { project: string; stack: string },
): LakehouseConfig {
    const r = new Reader();
    for (const key of Object.keys(values)) {
        if (!TOP_LEVEL_KEYS.includes(key)) r.problem(key, CREDENTIAL_KEYS.includes(key as CredentialKey) ? "(a value)" : values[key], `no such key: ${unknownKeyHint(key, TOP_LEVEL_KEYS)}`);
    }

    const platform = r.oneOf<PlatformKind>(values.platform, "platform", DEFAULTS.platform, PLATFORMS);
    if (!SUPPORTED_PLATFORMS.includes(platform)) {
        r.problem("platform", platform, `one of ${SUPPORTED_PLATFORMS.join(", ")} (this version does not render "${platform}" yet)`);
    }

    const external = parseExternal(r, values);

    const imagesRaw = r.object(values, "images");
    const images = { ...DEFAULT_IMAGES };
    for (const service of SERVICE_NAMES) {
        const ref = imagesRaw[service];
        if (ref === undefined) continue;
        if (typeof ref !== "string" || !isPinnedImage(ref)) {
            r.problem(`images.${service}`, ref, "an image pinned to an exact tag or digest, e.g. \"postgres:15.10\" (not \"latest\", not untagged)");
        } else if (service === "flink" && !/^1\.20\.\d+/.test(ref.slice(ref.lastIndexOf("/") + 1).split(":")[1] ?? "")) {
            r.problem("images.flink", ref, 'a Flink 1.20.x image such as "flink:1.20.1-scala_2.12-java17" (the connector jars in components/images/flink/pom.xml are built for 1.20)');
        } else {
            images[service] = ref;
        }
    }

    const exposePorts = r.boolean(values.exposePorts, "exposePorts", DEFAULTS.exposePorts);
    // The highest published base port is Dremio's Flight port; the offset must keep it a valid port.
    const hostPortOffset = r.integer(values.hostPortOffset, "hostPortOffset", DEFAULTS.hostPortOffset, 0, 65535 - PORTS.dremioFlight);
    const awsRegion = r.string(values.awsRegion, "awsRegion", DEFAULTS.awsRegion, REGION, 'an AWS-style region such as "us-east-1" (S3 clients refuse to start without one)');
    const startTimeoutSeconds = r.integer(values.startTimeoutSeconds, "startTimeoutSeconds", DEFAULTS.startTimeoutSeconds, 10, 3600);
    const dataLoss = parseAllowDataLoss(values.allowDataLoss);
    if (dataLoss.problem) r.problem("allowDataLoss", dataLoss.problem.found, dataLoss.problem.expected);
    const externalCheckTimeoutSeconds = r.integer(values.externalCheckTimeoutSeconds, "externalCheckTimeoutSeconds", DEFAULTS.externalCheckTimeoutSeconds, 1, 600);

    const s = r.object(values, "source");
    const d = DEFAULTS.source;
    const ident = "a lower-case SQL identifier (letters, digits, _; at most 63 characters)";
    const captured = parseCapturedTables(s.tables, d.tables);
    for (const p of captured.problems) r.problem(p.key ? `source.tables${p.key.startsWith("[") ? "" : "."}${p.key}` : "source.tables", p.found, p.expected);
    const tables = Object.keys(captured.tables);
    const source: SourceConfig = {
        database: r.string(s.database, "source.database", d.database, IDENTIFIER, ident),
        schema: r.string(s.schema, "source.schema", d.schema, IDENTIFIER, ident),
        tables,
        tableDefinitions: captured.tables,
        createSeedTable: r.boolean(s.createSeedTable, "source.createSeedTable", d.createSeedTable),
        publication: r.string(s.publication, "source.publication", d.publication, IDENTIFIER, ident),
        adminUser: r.string(s.adminUser, "source.adminUser", d.adminUser, IDENTIFIER, ident),
        replicationUser: r.string(s.replicationUser, "source.replicationUser", d.replicationUser, IDENTIFIER, ident),
        maxSlotWalKeepSize: r.string(s.maxSlotWalKeepSize, "source.maxSlotWalKeepSize", d.maxSlotWalKeepSize, WAL_SIZE, 'a PostgreSQL size such as "10GB", "512MB", or "-1" for unlimited'),
        maxReplicationSlots: r.integer(s.maxReplicationSlots, "source.maxReplicationSlots", d.maxReplicationSlots, 4, 1000),
        maxWalSenders: r.integer(s.maxWalSenders, "source.maxWalSenders", d.maxWalSenders, 4, 1000),
    };
    if (source.adminUser === source.replicationUser) {
        r.problem("source.replicationUser", source.replicationUser, `a role other than source.adminUser ("${source.adminUser}"): the CDC role gets only REPLICATION and SELECT`);
    }
    if (source.createSeedTable && !source.tables.includes("demographics")) {
        r.problem("source.createSeedTable", true, 'false, or "demographics" in source.tables (the seed table is demographics)');
    }

    const k = r.object(values, "kafka");
    const brokers = r.integer(k.brokers, "kafka.brokers", DEFAULTS.kafka.brokers, 1, 9);
    const replicationFactor = Math.min(brokers, 3);
    const kafka: KafkaConfig = {
        brokers,
        topicPrefix: r.string(k.topicPrefix, "kafka.topicPrefix", DEFAULTS.kafka.topicPrefix, TOPIC_PREFIX, "letters, digits, '.', '_' or '-' (it starts every CDC topic name)"),
        replicationFactor,
        minInsyncReplicas: Math.max(1, replicationFactor - 1),
    };

    const c = r.object(values, "connect");
    const connect = {
        workers: r.integer(c.workers, "connect.workers", DEFAULTS.connect.workers, 1, 16),
        groupId: r.string(c.groupId, "connect.groupId", `${context.stack}-connect`, /^[A-Za-z0-9._-]{1,200}$/, "letters, digits, '.', '_' or '-'"),
    };

    const st = r.object(values, "storage");
    const bucket = r.string(st.bucket, "storage.bucket", DEFAULTS.storage.bucket, BUCKET, "an S3 bucket name: 3-63 lower-case letters, digits, '.' or '-'");
    const storage: StorageConfig = {
        provider: r.oneOf<StorageProvider>(st.provider, "storage.provider", DEFAULTS.storage.provider, STORAGE_PROVIDERS),
        bucket,
        rootUser: r.string(st.rootUser, "storage.rootUser", DEFAULTS.storage.rootUser, /^[A-Za-z0-9_.-]{3,128}$/, "3-128 letters, digits, '.', '_' or '-' (MinIO requires at least 3)"),
        warehouse: `s3://${bucket}/`,
        forceDestroy: r.boolean(st.forceDestroy, "storage.forceDestroy", DEFAULTS.storage.forceDestroy),
    };

    const n = r.object(values, "nessie");
    const nessie = {
        versionStore: r.oneOf<NessieVersionStore>(n.versionStore, "nessie.versionStore", DEFAULTS.nessie.versionStore, NESSIE_VERSION_STORES),
        branch: r.string(n.branch, "nessie.branch", DEFAULTS.nessie.branch, NESSIE_REF, "a Nessie reference name, e.g. main or dev/cdc"),
    };

    const i = r.object(values, "iceberg");
    const iceberg = {
        catalog: r.string(i.catalog, "iceberg.catalog", DEFAULTS.iceberg.catalog, IDENTIFIER, ident),
        namespace: r.string(i.namespace, "iceberg.namespace", DEFAULTS.iceberg.namespace, IDENTIFIER, ident),
    };

    const f = r.object(values, "flink");
    const fd = DEFAULTS.flink;
    const flink: FlinkConfig = {
        taskManagers: r.integer(f.taskManagers, "flink.taskManagers", fd.taskManagers, 1, 64),
        slotsPerTaskManager: r.integer(f.slotsPerTaskManager, "flink.slotsPerTaskManager", fd.slotsPerTaskManager, 1, 64),
        parallelism: r.integer(f.parallelism, "flink.parallelism", fd.parallelism, 1, 1024),
        checkpointIntervalMs: r.integer(f.checkpointIntervalMs, "flink.checkpointIntervalMs", fd.checkpointIntervalMs, 100, 3_600_000),
        checkpointsUri: r.string(f.checkpointsUri, "flink.checkpointsUri", `s3://${bucket}/flink/checkpoints`, STORAGE_URI, "a durable URI such as s3://warehouse/flink/checkpoints (checkpoints must outlive a container)"),
        savepointsUri: r.string(f.savepointsUri, "flink.savepointsUri", `s3://${bucket}/flink/savepoints`, STORAGE_URI, "a durable URI such as s3://warehouse/flink/savepoints"),
        highAvailability: r.boolean(f.highAvailability, "flink.highAvailability", fd.highAvailability),
        highAvailabilityStorageUri: r.string(
            f.highAvailabilityStorageUri,
            "flink.highAvailabilityStorageUri",
            `s3://${bucket}/flink/ha`,
            STORAGE_URI,
            "a durable URI every JobManager reaches, such as s3://warehouse/flink/ha (job graphs and checkpoint metadata must outlive a JobManager)",
        ),
    };
    if (flink.parallelism > flink.taskManagers * flink.slotsPerTaskManager) {
        r.problem("flink.parallelism", flink.parallelism, `at most flink.taskManagers x flink.slotsPerTaskManager = ${flink.taskManagers * flink.slotsPerTaskManager} (the job could never be scheduled)`);
    }

    const dr = r.object(values, "dremio");
    const dremio = {
        enabled: r.boolean(dr.enabled, "dremio.enabled", DEFAULTS.dremio.enabled),
        adminUser: r.string(dr.adminUser, "dremio.adminUser", DEFAULTS.dremio.adminUser, USER_NAME, "a user name: letters, digits, '_', '.' or '-'"),
        sourceName: r.string(dr.sourceName, "dremio.sourceName", DEFAULTS.dremio.sourceName, /^[A-Za-z][A-Za-z0-9_-]{0,127}$/, "a Dremio source name: a letter, then letters, digits, '_' or '-' (it starts every table path in Dremio's SQL)"),
    };

    const pl = r.object(values, "pipeline");
    const pd = DEFAULTS.pipeline;
    const pipeline: PipelineConfig = {
        connectorState: r.oneOf(pl.connectorState, "pipeline.connectorState", pd.connectorState as PipelineConfig["connectorState"], ["RUNNING", "PAUSED", "STOPPED"]),
        jobState: r.oneOf(pl.jobState, "pipeline.jobState", pd.jobState as PipelineConfig["jobState"], ["RUNNING", "STOPPED"]),
        jobDeleteMode: r.oneOf(pl.jobDeleteMode, "pipeline.jobDeleteMode", pd.jobDeleteMode as PipelineConfig["jobDeleteMode"], ["savepoint", "cancel"]),
        dropSlotOnDelete: r.boolean(pl.dropSlotOnDelete, "pipeline.dropSlotOnDelete", pd.dropSlotOnDelete),
        connectorConfig: { ...pd.connectorConfig },
        verifyTimeoutSeconds: r.integer(pl.verifyTimeoutSeconds, "pipeline.verifyTimeoutSeconds", pd.verifyTimeoutSeconds, 0, 3600),
    };
    if (pipeline.verifyTimeoutSeconds > 0 && pipeline.verifyTimeoutSeconds < 10) {
        r.problem("pipeline.verifyTimeoutSeconds", pipeline.verifyTimeoutSeconds, "0 (no settle check) or 10 to 3600 seconds: the check waits for a checkpoint, so give it at least a few checkpoint intervals");
    }
    if (pl.replicationPasswordReference !== undefined) {
        const reference = pl.replicationPasswordReference;
        const where = "pipeline.replicationPasswordReference";
        if (!isConfigProviderReference(reference)) {
            // Never echo it: someone may have put the password itself here.
            r.problem(
                where,
                typeof reference === "string" && !/^\$\{/.test(reference) ? "a value that is not a reference" : reference,
                "one Kafka config-provider reference that your Connect workers resolve to the replication password, `${provider:key}` or `${provider:path:key}`, e.g. \"${env:LAKEHOUSE_REPLICATION_PASSWORD}\" (worker config `config.providers=env`, `config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider`) or \"${file:/etc/kafka/secrets.properties:replication.password}\" (FileConfigProvider). The password itself goes in the secret `lakehouse:replicationPassword`",
            );
        } else if (external.connect === undefined) {
            r.problem(
                where,
                reference,
                "nothing unless `lakehouse:external.connect` is set: the program configures the Connect workers it deploys with their own reference to the stack's `lakehouse:replicationPassword`; remove the key",
            );
        } else {
            pipeline.replicationPasswordReference = reference as string;
        }
    }
    if (pl.connectorConfig !== undefined) {
        const extra = pl.connectorConfig;
        if (extra === null || typeof extra !== "object" || Array.isArray(extra)) {
            r.problem("pipeline.connectorConfig", extra, 'a map of Debezium connector settings to string values, e.g. { "heartbeat.interval.ms": "5000" }');
        } else {
            for (const [key, value] of Object.entries(extra as Record<string, unknown>)) {
                const where = `pipeline.connectorConfig["${key}"]`;
                if (isOwnedConnectorKey(key)) {
                    r.problem(where, key === "database.password" ? "(a value)" : value, `no override: the program owns "${key}"; remove it from lakehouse:pipeline.connectorConfig (${ownedConnectorKeyFix(key)})`);
                } else if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(key)) {
                    r.problem(where, value, "a Debezium setting name: letters, digits, '.', '_' or '-'");
                } else if (typeof value !== "string") {
                    r.problem(where, value, `a string (quote it in YAML, e.g. "${key}": "${value}")`);
                } else {
                    pipeline.connectorConfig[key] = value;
                }
            }
        }
    }

    const res = r.object(values, "resources");
    const resources = {} as Record<ServiceName, ResourceSize>;
    for (const service of SERVICE_NAMES) {
        const given = res[service];
        const fallback = DEFAULT_RESOURCES[service];
        if (given === undefined) {
            resources[service] = { ...fallback };
            continue;
        }
        if (given === null || typeof given !== "object" || Array.isArray(given)) {
            r.problem(`resources.${service}`, given, "an object { memoryMiB, cpus }");
            resources[service] = { ...fallback };
            continue;
        }
        const g = given as Record<string, unknown>;
        for (const extra of Object.keys(g).filter((x) => x !== "memoryMiB" && x !== "cpus")) {
            r.problem(`resources.${service}.${extra}`, g[extra], `no such key: ${unknownKeyHint(extra, ["memoryMiB", "cpus"])}`);
        }
        const cpus = g.cpus === undefined ? fallback.cpus : g.cpus;
        if (typeof cpus !== "number" || !(cpus > 0) || cpus > 64) r.problem(`resources.${service}.cpus`, g.cpus, "a number of CPUs above 0 and at most 64");
        resources[service] = {
            memoryMiB: r.integer(g.memoryMiB, `resources.${service}.memoryMiB`, fallback.memoryMiB, 256, 262_144),
            cpus: typeof cpus === "number" && cpus > 0 && cpus <= 64 ? cpus : fallback.cpus,
        };
    }

    const credentialsSet = {} as Record<CredentialKey, boolean>;
    for (const key of CREDENTIAL_KEYS) {
        credentialsSet[key] = values[key] !== undefined;
        if (values[key] === undefined) continue;
        // The value itself never goes into a message.
        if (!secretKeys.has(key)) {
            r.problem(key, "a plain-text value", `a secret: run \`pulumi config set --secret ${CONFIG_NAMESPACE}:${key} <value>\` (or remove it and let the program generate one)`);
        } else if (values[key].length < 8) {
            r.problem(key, `a secret of ${values[key].length} characters`, "at least 8 characters (MinIO and Dremio reject shorter ones)");
        }
    }

    if (storage.provider === "aws" && external.minio) {
        r.problem("external.minio", external.minio.endpoint, 'nothing with storage.provider "aws" (the warehouse is an S3 bucket the program creates); remove it, or use storage.provider "minio"');
    }
    checkExternalCoverage(r, platform, external, { dremio: dremio.enabled, minio: storage.provider === "minio" }, credentialsSet);

    const kubernetes = parseKubernetes(r, values, { platform, external, brokers, defaultNamespace: dockerSafeName(`${context.project}-${context.stack}`) });

    if (r.problems.length > 0) throw new ConfigValidationError(r.problems);

    return {
        project: context.project,
        stack: context.stack,
        namePrefix: dockerSafeName(`${context.project}-${context.stack}`),
        platform,
        external,
        images,
        exposePorts,
        hostPortOffset,
        allowDataLoss: dataLoss.allowed,
        awsRegion,
        source,
        kafka,
        connect,
        storage,
        nessie,
        iceberg,
        flink,
        dremio,
        pipeline,
        resources,
        startTimeoutSeconds,
        externalCheckTimeoutSeconds,
        credentialsSet,
        kubernetes,
    };
}

/** Reads `external.<service>` settings: addresses with a scheme and port where one is needed. */
function parseExternal(r: Reader, values: Record<string, string>): ExternalServices {
    const raw = r.object(values, "external");
    const external: ExternalServices = {};
    const url = "an http(s) URL such as http://10.0.0.5:8083 (scheme and host; no query)";
    for (const service of SERVICE_NAMES) {
        const given = raw[service];
        if (given === undefined) continue;
        if (given === null || typeof given !== "object" || Array.isArray(given)) {
            r.problem(`external.${service}`, given, `an object with ${EXTERNAL_KEYS[service].join(", ")}`);
            continue;
        }
        const g = given as Record<string, unknown>;
        for (const k of Object.keys(g).filter((k) => !EXTERNAL_KEYS[service].includes(k))) {
            r.problem(`external.${service}.${k}`, g[k], `no such key: ${unknownKeyHint(k, EXTERNAL_KEYS[service])}`);
        }
        const need = (key: string, pattern: RegExp, expected: string): string | undefined => {
            const v = g[key];
            if (typeof v !== "string" || !pattern.test(v)) {
                r.problem(`external.${service}.${key}`, v, expected);
                return undefined;
            }
            return v.replace(/\/+$/, "");
        };
        switch (service) {
            case "postgres": {
                const address = need("address", HOST_PORT, "host:port of the PostgreSQL server, e.g. db.internal:5432 (no scheme)");
                if (address) external.postgres = { address };
                break;
            }
            case "kafka": {
                const v = g.bootstrapServers;
                if (typeof v !== "string" || !v.split(",").every((hp) => HOST_PORT.test(hp.trim()))) {
                    r.problem("external.kafka.bootstrapServers", v, "host:port[,host:port...] of the brokers (no scheme), e.g. broker-1:9092,broker-2:9092");
                } else {
                    external.kafka = { bootstrapServers: v.split(",").map((hp) => hp.trim()).join(",") };
                }
                break;
            }
            case "connect": {
                const u = need("url", HTTP_URL, url);
                if (u) external.connect = { url: u };
                break;
            }
            case "minio": {
                const u = need("endpoint", HTTP_URL, url);
                if (u) external.minio = { endpoint: u };
                break;
            }
            case "nessie": {
                const u = need("url", HTTP_URL, `${url}; the program adds /api/v2`);
                if (u && /\/api\/v[12]$/.test(u)) r.problem("external.nessie.url", g.url, "the server's base URL without /api/v1 or /api/v2 (the program uses API v2)");
                else if (u) external.nessie = { url: u };
                break;
            }
            case "flink": {
                const rest = need("restUrl", HTTP_URL, url);
                const gateway = need("sqlGatewayUrl", HTTP_URL, url);
                if (rest && gateway) external.flink = { restUrl: rest, sqlGatewayUrl: gateway };
                break;
            }
            case "dremio": {
                const u = need("url", HTTP_URL, url);
                if (u) external.dremio = { url: u };
                break;
            }
        }
    }
    return external;
}

/** Which credentials an external service needs from the stack (it cannot be given a generated one). */
const EXTERNAL_CREDENTIALS: Partial<Record<ServiceName, CredentialKey[]>> = {
    postgres: ["postgresPassword", "replicationPassword"],
    minio: ["minioRootPassword"],
    dremio: ["dremioAdminPassword"],
};

/**
 * On `platform: external` every enabled service must be given; an external service's credentials
 * must come from the stack; containers cannot reach another machine's loopback.
 */
function checkExternalCoverage(
    r: Reader,
    platform: PlatformKind,
    external: ExternalServices,
    enabled: { dremio: boolean; minio: boolean },
    credentialsSet: Record<CredentialKey, boolean>,
): void {
    const wanted = SERVICE_NAMES.filter((s) => (s !== "dremio" || enabled.dremio) && (s !== "minio" || enabled.minio));
    if (platform === "external") {
        const missing = wanted.filter((s) => external[s] === undefined);
        if (missing.length) {
            r.problem("external", Object.keys(external), `an entry for every service on platform "external"; missing: ${missing.join(", ")} (or set dremio.enabled: false)`);
        }
    }
    for (const service of wanted) {
        if (external[service] === undefined) continue;
        for (const key of EXTERNAL_CREDENTIALS[service] ?? []) {
            if (!credentialsSet[key]) {
                r.problem(key, "nothing", `a secret with the password of the existing ${service} (\`pulumi config set --secret ${CONFIG_NAMESPACE}:${key} <value>\`): the program cannot generate a password for a service it does not run`);
            }
        }
    }
    if (platform !== "external") {
        for (const service of wanted) {
            const ext = external[service];
            if (!ext) continue;
            const address = Object.values(ext).join(",");
            if (/(^|[/,@])(localhost|127\.\d+\.\d+\.\d+)([:/,]|$)/.test(address)) {
                r.problem(`external.${service}`, address, `an address the ${platform} containers can reach: localhost inside a container is the container itself (use the host's name or address)`);
            }
        }
    }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const IMAGE_REGISTRY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const NODE_ADDRESS = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const ONE_LINE = /^[^\n\r\0]+$/;

/** A Kubernetes label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
export function isLabelKey(key: string): boolean {
    const slash = key.lastIndexOf("/");
    if (slash < 0) return LABEL_NAME.test(key);
    return DNS_SUBDOMAIN.test(key.slice(0, slash)) && LABEL_NAME.test(key.slice(slash + 1));
}

/** A Kubernetes label value: empty, or a name of at most 63 characters. */
export function isLabelValue(value: string): boolean {
    return value === "" || LABEL_NAME.test(value);
}

/**
 * Reads `lakehouse:kubernetes`. Its rules that depend on other keys apply on `platform: kubernetes`
 * only: the registry the built Flink image goes to, and a KRaft quorum that can lose a member.
 */
function parseKubernetes(
    r: Reader,
    values: Record<string, string>,
    ctx: { platform: PlatformKind; external: ExternalServices; brokers: number; defaultNamespace: string },
): KubernetesConfig {
    const k = r.object(values, "kubernetes");
    const d = DEFAULTS.kubernetes;
    const optional = (key: string, pattern: RegExp, expected: string): string | undefined =>
        k[key] === undefined ? undefined : r.string(k[key], `kubernetes.${key}`, "", pattern, expected) || undefined;

    const namespace = r.string(k.namespace, "kubernetes.namespace", ctx.defaultNamespace, DNS_LABEL, "a namespace name: at most 63 lower-case letters, digits or '-', starting and ending with a letter or digit");
    const kubeconfig = optional("kubeconfig", ONE_LINE, "the path of a kubeconfig file (for a kubeconfig held in a secret, pass an explicit provider: LakehouseArgs.kubernetesProvider)");
    const kubeContext = optional("context", ONE_LINE, "the name of a context in the kubeconfig");
    const renderYamlToDirectory = optional("renderYamlToDirectory", ONE_LINE, "a directory to write the manifests to, e.g. manifests/prod (/manifests/ is git-ignored)");
    const access = r.oneOf<KubernetesAccess>(k.access, "kubernetes.access", d.access, KUBERNETES_ACCESS);
    const nodeAddress = optional("nodeAddress", NODE_ADDRESS, "a node's host name or IPv4 address, without scheme or port");
    const maxBase = 32767 - NODE_PORT_BLOCK + 1;
    const nodePortBase = r.integer(k.nodePortBase, "kubernetes.nodePortBase", d.nodePortBase, 30000, maxBase);
    const clusterDomain = r.string(k.clusterDomain, "kubernetes.clusterDomain", d.clusterDomain, DNS_SUBDOMAIN, 'the cluster\'s DNS domain, e.g. "cluster.local"');
    const imageRegistry = optional("imageRegistry", IMAGE_REGISTRY, 'a registry host and optional path, lower-case, without scheme or tag, e.g. "registry.example.com/data" or "localhost:5000"');
    const storageClass = optional(
        "storageClass",
        DNS_SUBDOMAIN,
        'the name of a StorageClass of the cluster (`kubectl get storageclass`): lower-case letters, digits, \'-\' and \'.\', e.g. "standard" or "gp3"; leave it unset for the cluster\'s default class',
    );

    const sizesRaw = k.volumeSizeGiB;
    const volumeSizeGiB = Object.fromEntries(STATEFUL_SERVICES.map((s) => [s, DEFAULTS.volumeSizeGiB])) as Record<StatefulServiceName, number>;
    if (sizesRaw !== undefined) {
        if (sizesRaw === null || typeof sizesRaw !== "object" || Array.isArray(sizesRaw)) {
            r.problem("kubernetes.volumeSizeGiB", sizesRaw, `an object of sizes in GiB by service (${STATEFUL_SERVICES.join(", ")})`);
        } else {
            for (const [service, size] of Object.entries(sizesRaw as Record<string, unknown>)) {
                if (!STATEFUL_SERVICES.includes(service as StatefulServiceName)) {
                    r.problem(`kubernetes.volumeSizeGiB.${service}`, size, `no such key: ${unknownKeyHint(service, STATEFUL_SERVICES)} (only these services keep data)`);
                    continue;
                }
                volumeSizeGiB[service as StatefulServiceName] = r.integer(size, `kubernetes.volumeSizeGiB.${service}`, DEFAULTS.volumeSizeGiB, 1, 65_536);
            }
        }
    }

    const nodeSelector: Record<string, string> = {};
    if (k.nodeSelector !== undefined) {
        const ns = k.nodeSelector;
        if (ns === null || typeof ns !== "object" || Array.isArray(ns)) {
            r.problem("kubernetes.nodeSelector", ns, 'an object of node labels, e.g. { "kubernetes.io/os": "linux" }');
        } else {
            for (const [key, value] of Object.entries(ns as Record<string, unknown>)) {
                if (!isLabelKey(key)) r.problem(`kubernetes.nodeSelector.${key}`, key, "a label key: an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.'");
                else if (typeof value !== "string" || !isLabelValue(value)) r.problem(`kubernetes.nodeSelector.${key}`, value, "a label value: at most 63 letters, digits, '-', '_' or '.' (quote numbers and booleans)");
                else nodeSelector[key] = value;
            }
        }
    }

    const tolerations: KubernetesToleration[] = [];
    if (k.tolerations !== undefined) {
        const list = k.tolerations;
        const tolerationKeys = ["key", "operator", "value", "effect", "tolerationSeconds"];
        if (!Array.isArray(list)) {
            r.problem("kubernetes.tolerations", list, "a list of { key, operator, value, effect } as in a pod spec");
        } else {
            list.forEach((t, i) => {
                const at = `kubernetes.tolerations[${i}]`;
                if (t === null || typeof t !== "object" || Array.isArray(t)) {
                    r.problem(at, t, "an object { key, operator, value, effect }");
                    return;
                }
                const g = t as Record<string, unknown>;
                const before = r.problems.length;
                for (const extra of Object.keys(g).filter((x) => !tolerationKeys.includes(x))) r.problem(`${at}.${extra}`, g[extra], `no such key: ${unknownKeyHint(extra, tolerationKeys)}`);
                const operator = r.oneOf<"Exists" | "Equal">(g.operator, `${at}.operator`, g.value === undefined ? "Exists" : "Equal", ["Exists", "Equal"]);
                if (g.key !== undefined && (typeof g.key !== "string" || !isLabelKey(g.key))) r.problem(`${at}.key`, g.key, "a taint key (label-key syntax)");
                if (g.key === undefined && operator !== "Exists") r.problem(`${at}.operator`, operator, 'Exists when no key is given (it then tolerates every taint)');
                if (g.value !== undefined && (typeof g.value !== "string" || !isLabelValue(g.value))) r.problem(`${at}.value`, g.value, "a taint value (label-value syntax)");
                if (operator === "Exists" && g.value !== undefined) r.problem(`${at}.value`, g.value, 'nothing with operator Exists (use operator "Equal" to match a value)');
                const effect = g.effect === undefined ? undefined : r.oneOf<"NoSchedule" | "PreferNoSchedule" | "NoExecute">(g.effect, `${at}.effect`, "NoSchedule", ["NoSchedule", "PreferNoSchedule", "NoExecute"]);
                const seconds = g.tolerationSeconds === undefined ? undefined : r.integer(g.tolerationSeconds, `${at}.tolerationSeconds`, 0, 0, 31_536_000);
                if (seconds !== undefined && effect !== "NoExecute") r.problem(`${at}.tolerationSeconds`, seconds, 'nothing unless effect is "NoExecute" (only eviction has a grace time)');
                if (r.problems.length > before) return;
                tolerations.push({
                    ...(g.key !== undefined ? { key: g.key as string } : {}),
                    operator,
                    ...(g.value !== undefined ? { value: g.value as string } : {}),
                    ...(effect !== undefined ? { effect } : {}),
                    ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}),
                });
            });
        }
    }

    if (ctx.platform === "kubernetes") {
        if (!imageRegistry && !ctx.external.flink) {
            r.problem(
                "kubernetes.imageRegistry",
                undefined,
                'the registry the cluster pulls the built Flink image from, e.g. `pulumi config set --path lakehouse:kubernetes.imageRegistry registry.example.com/data` (the program builds components/images/flink and pushes it there)',
            );
        }
        // Every broker is also a KRaft controller: an even quorum survives no more failures than one member fewer.
        if (!ctx.external.kafka && ![1, 3, 5].includes(ctx.brokers)) {
            r.problem("kafka.brokers", ctx.brokers, "1, 3 or 5 on Kubernetes: each broker is a KRaft controller and the quorum needs a majority (3 survives one lost broker; an even count survives no more than one fewer)");
        }
        if (access === "node-port" && !nodeAddress) {
            r.problem("kubernetes.nodeAddress", undefined, 'a node\'s address with kubernetes.access "node-port", e.g. `pulumi config set --path lakehouse:kubernetes.nodeAddress 10.0.0.21` (or use access "in-cluster" when Pulumi runs in the cluster)');
        }
    }

    return {
        namespace,
        ...(kubeconfig ? { kubeconfig } : {}),
        ...(kubeContext ? { context: kubeContext } : {}),
        ...(renderYamlToDirectory ? { renderYamlToDirectory } : {}),
        access,
        ...(nodeAddress ? { nodeAddress } : {}),
        nodePortBase,
        clusterDomain,
        ...(imageRegistry ? { imageRegistry } : {}),
        ...(storageClass ? { storageClass } : {}),
        volumeSizeGiB,
        nodeSelector,
        tolerations,
    };
}

/** Lower-cases and replaces what Docker and Kubernetes names do not allow. */
export function dockerSafeName(name: string): string {
    return name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 50);
}

/** The secret config values a stack set; undefined for those the program generates. */
export type ConfiguredCredentials = Partial<Record<CredentialKey, pulumi.Output<string>>>;

/**
 * Reads and validates the current stack's configuration. Throws a `pulumi.RunError` (printed without
 * a stack trace) before any resource is registered when anything is wrong.
 */
export function loadLakehouseConfig(): { config: LakehouseConfig; credentials: ConfiguredCredentials; credentialValues: Partial<Record<CredentialKey, string>> } {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const all = pulumi.runtime.allConfig();
    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    // `isConfigSecret` is how the SDK itself tells secret config apart; it is not in the public typings.
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (key: string) => boolean };
    for (const [fullKey, value] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        values[key] = value;
        if (runtimeConfig.isConfigSecret?.(fullKey)) secretKeys.add(key);
    }
    let config: LakehouseConfig;
    try {
        config = parseLakehouseConfig(values, secretKeys, { project: pulumi.getProject(), stack: pulumi.getStack() });
    } catch (err) {
        if (err instanceof ConfigValidationError) throw new pulumi.RunError(err.message);
        throw err;
    }
    const reader = new pulumi.Config(CONFIG_NAMESPACE);
    const credentials: ConfiguredCredentials = {};
    // Plain values only for checks that run before any resource exists (never logged or exported).
    const credentialValues: Partial<Record<CredentialKey, string>> = {};
    for (const key of CREDENTIAL_KEYS) {
        if (!config.credentialsSet[key]) continue;
        credentials[key] = reader.requireSecret(key);
        credentialValues[key] = values[key];
    }
    return { config, credentials, credentialValues };
}
