/**
 * Pure builders of what the program keeps inside the services: the Debezium connector's config and
 * the values the Flink job templates are rendered with. Everything here is data from config and
 * endpoints, so it is tested without services and without mocks.
 */
import type * as pulumi from "@pulumi/pulumi";
import { LakehouseConfig, isOwnedConnectorKey } from "./config";
import { connectPasswordReference } from "./connect";
import { JobTemplateValues, jobName } from "./jobs";
import type { PipelineTableOutput } from "./outputs/contract";
import { WIRE_FORM_SETTINGS, readsUtcText } from "./column-types";
import { signalTableName } from "./dynamic/cdc-source";
import { debeziumTlsSettings } from "./secured-clients";
import { CHANGELOG_METADATA_COLUMNS, icebergTableNames, modeWrites } from "./tables";

/** Kafka Connect connector name of the stack's CDC connector. */
export function connectorName(cfg: LakehouseConfig): string {
    return `${cfg.namePrefix}-postgres-cdc`;
}

/** The CDC topic of a captured table: `<topic.prefix>.<schema>.<table>` (Debezium's naming). */
export function cdcTopicName(cfg: LakehouseConfig, table: string): string {
    return `${cfg.kafka.topicPrefix}.${cfg.source.schema}.${table}`;
}

/** The CDC topic of each captured table (the `cdcTopics` output). */
export function cdcTopicNames(cfg: LakehouseConfig): Record<string, string> {
    return Object.fromEntries(cfg.source.tables.map((t) => [t, cdcTopicName(cfg, t)]));
}

/**
 * The Iceberg tables of the captured tables, `<catalog>.<namespace>.<name>`, by kind (the
 * `icebergTables` and `icebergChangeTables` outputs): `mirror` (the default) for the tables written
 * in mode upsert or both, `changelog` (`<table>_changes`) for append or both.
 */
export function icebergTableIdentifiers(cfg: LakehouseConfig, kind: "mirror" | "changelog" = "mirror"): Record<string, string> {
    const out: Record<string, string> = {};
    for (const t of cfg.source.tables) {
        const names = icebergTableNames(t, cfg.source.tableDefinitions[t].mode);
        const name = kind === "mirror" ? names.upsert : names.changelog;
        if (name) out[t] = `${cfg.iceberg.catalog}.${cfg.iceberg.namespace}.${name}`;
    }
    return out;
}

/** Replication slot of the stack's connector: a PostgreSQL identifier unique per project and stack. */
export function replicationSlotName(cfg: LakehouseConfig): string {
    return `${cfg.namePrefix.replace(/[^a-z0-9_]/g, "_")}_cdc`.slice(0, 63);
}

/**
 * The Debezium PostgreSQL connector's config without the password: the resource sends the reference of
 * connectorPasswordReference as `database.password`, or the password when there is none.
 * `databaseAddress` is PostgreSQL as Connect reaches it. `pipeline.connectorConfig` is merged over the
 * defaults below; the keys the program owns (see CONNECTOR_OWNED_KEYS) always win.
 */
export function debeziumConnectorConfig(cfg: LakehouseConfig, databaseAddress: string): Record<string, string> {
    const separator = databaseAddress.lastIndexOf(":");
    const extra = Object.fromEntries(Object.entries(cfg.pipeline?.connectorConfig ?? {}).filter(([key]) => !isOwnedConnectorKey(key)));
    const defaults: Record<string, string> = {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "plugin.name": "pgoutput",
        "database.hostname": databaseAddress.slice(0, separator),
        "database.port": databaseAddress.slice(separator + 1),
        "database.user": cfg.source.replicationUser,
        "database.dbname": cfg.source.database,
        "topic.prefix": cfg.kafka.topicPrefix,
        "schema.include.list": cfg.source.schema,
        "table.include.list": cfg.source.tables.map((t) => `${cfg.source.schema}.${t}`).join(","),
        "slot.name": replicationSlotName(cfg),
        // The CDC source resource owns the publication; the connector only reads it.
        "publication.name": cfg.source.publication,
        "publication.autocreate.mode": "disabled",
        "snapshot.mode": "initial",
        // A quiet database still confirms its slot position, so the slot does not hold WAL.
        "heartbeat.interval.ms": "10000",
        "tombstones.on.delete": "true",
        // Debezium's signal table (the CDC source creates it, in the publication): a table added to a running
        // pipeline gets its existing rows by an incremental snapshot the TableSnapshot resource signals there.
        "signal.enabled.channels": "source",
        "signal.data.collection": `${cfg.source.schema}.${signalTableName(cfg.source.publication)}`,
        // The wire form the jobs convert to the declared Flink types (components/column-types.ts,
        // docs/column-types.md): exact decimals as strings, microsecond time and timestamp(4-6)
        // values, ISO-8601 intervals, bytea as base64.
        ...WIRE_FORM_SETTINGS,
        // TLS to an external PostgreSQL (lakehouse:source.tls): the sslmode and the CA inline.
        ...debeziumTlsSettings(cfg),
    };
    return { ...defaults, ...extra };
}

/**
 * What the connector's stored config holds as `database.password`: the reference the workers resolve.
 * Workers the program deploys resolve `${env:LAKEHOUSE_REPLICATION_PASSWORD}` (components/connect.ts);
 * an external Connect resolves `pipeline.replicationPasswordReference`. Without one (external Connect, key
 * unset) the password itself is sent and Connect stores it in plain text: `warning` says so and names the fix.
 */
export function connectorPasswordReference(cfg: LakehouseConfig): { reference?: string; warning?: string } {
    if (!cfg.external.connect) return { reference: connectPasswordReference() };
    if (cfg.pipeline.replicationPasswordReference) return { reference: cfg.pipeline.replicationPasswordReference };
    return {
        warning:
            `The existing Kafka Connect at ${cfg.external.connect.url} gets the replication password itself as the connector's database.password, ` +
            "and stores it in plain text (GET /connectors/<name>/config and its configs topic show it). Give its workers a config provider " +
            "(e.g. config.providers=env, config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider, and the password in " +
            'an env variable) and set `lakehouse:pipeline.replicationPasswordReference` to the reference, e.g. "${env:LAKEHOUSE_REPLICATION_PASSWORD}".',
    };
}

/** Endpoints as Flink reaches them (on the stack's network). */
export interface FlinkSideEndpoints {
    nessieUri: string;
    s3Endpoint: string;
    bootstrapServers: string;
    /** S3 access key id (MinIO's root user, or the AWS key the program created). */
    s3AccessKeyId: string;
    /** Path-style S3 requests (MinIO and S3-compatible stores: true; AWS: false). */
    s3PathStyle: boolean;
}

/** The values a table's job template is rendered with. */
export function jobTemplateValues(cfg: LakehouseConfig, endpoints: FlinkSideEndpoints, table: string): JobTemplateValues {
    return {
        catalog: cfg.iceberg.catalog,
        namespace: cfg.iceberg.namespace,
        table,
        sourceSchema: cfg.source.schema,
        nessieUri: endpoints.nessieUri,
        nessieBranch: cfg.nessie.branch,
        warehouse: cfg.storage.warehouse,
        s3Endpoint: endpoints.s3Endpoint,
        s3PathStyle: String(endpoints.s3PathStyle),
        s3AccessKeyId: endpoints.s3AccessKeyId,
        awsRegion: cfg.awsRegion,
        topic: cdcTopicName(cfg, table),
        bootstrapServers: endpoints.bootstrapServers,
        consumerGroup: jobName(cfg.namePrefix, table),
    };
}

/**
 * Session settings of every job: its parallelism, and checkpoints (the Iceberg sink commits on them,
 * so the interval is the pipeline's latency). The minimum pause between checkpoints is pinned to
 * Flink's default (none), so a session cluster's own setting (the harness's is 2 s) cannot stretch the
 * cadence the stack declares; a constant, so a change of the interval is one changed setting.
 */
export function jobSettings(cfg: LakehouseConfig, table: string): Record<string, string> {
    const utc = cfg.source.tableDefinitions[table].columns.some((c) => readsUtcText(c.type));
    return {
        "parallelism.default": String(cfg.flink.parallelism),
        "execution.checkpointing.interval": `${cfg.flink.checkpointIntervalMs} ms`,
        "execution.checkpointing.min-pause": "0 ms",
        // Keep restarting (backing off to a minute) while a TaskManager or a service is down, so the
        // job recovers from its last checkpoint by itself once it is back; a shared cluster's default
        // (e.g. fixed-delay, 3 attempts) would give up and leave the job FAILED.
        "restart-strategy.type": "exponential-delay",
        "restart-strategy.exponential-delay.initial-backoff": "1 s",
        "restart-strategy.exponential-delay.max-backoff": "1 min",
        // timestamptz values arrive as UTC text: read in UTC, they keep their instant (components/column-types.ts).
        ...(utc ? { "table.local-time-zone": "UTC" } : {}),
    };
}

/**
 * The preview's warning when the jobs' parallelism exceeds the CDC topics' partitions: a Kafka
 * partition is read by one source subtask, so the others read nothing and only the sink's work is
 * spread (the Iceberg sink keys rows by primary key). Undefined when every source subtask has a partition.
 */
export function idleSourceWarning(cfg: LakehouseConfig): string | undefined {
    const { parallelism } = cfg.flink;
    const partitions = cfg.kafka.topicPartitions;
    if (parallelism <= partitions) return undefined;
    return (
        `lakehouse:flink.parallelism is ${parallelism} but each CDC topic has ${partitions} partition(s) (lakehouse:kafka.topicPartitions): ` +
        `a partition is read by one source subtask, so ${parallelism - partitions} of each job's ${parallelism} Kafka source subtasks read nothing. ` +
        `A new stack can set lakehouse:kafka.topicPartitions to ${parallelism}; an existing topic keeps its count (growing it would reorder a row's changes).`
    );
}

/** Endpoints as Dremio reaches them (on the stack's network). */
export interface DremioSideEndpoints {
    nessieUri: string;
    s3Endpoint: string;
    s3AccessKeyId: pulumi.Input<string>;
    /** An S3-compatible store (MinIO): path-style access and Dremio's compatibility mode. False on AWS S3. */
    s3Compatible: boolean;
}

/** Every Iceberg table the pipeline writes (mirrors and changelogs, by mode) -> its path in Dremio's SQL: `<source>.<namespace>.<table>`. */
export function dremioTablePaths(cfg: LakehouseConfig): Record<string, string> {
    const names = cfg.source.tables.flatMap((t) => Object.values(icebergTableNames(t, cfg.source.tableDefinitions[t].mode)));
    return Object.fromEntries(names.map((n) => [n, `${cfg.dremio.sourceName}.${cfg.iceberg.namespace}.${n}`]));
}

/** The Kafka consumer groups of a table's job (Flink commits its offsets to them on each checkpoint). */
export function jobConsumerGroups(cfg: LakehouseConfig, table: string): string[] {
    const w = modeWrites(cfg.source.tableDefinitions[table].mode);
    const group = jobName(cfg.namePrefix, table);
    return [...(w.upsert ? [`${group}-current`] : []), ...(w.append ? [`${group}-changes`] : [])];
}

/** What each captured table becomes (the `pipelineTables` output): its mode, topic, Iceberg tables, job and consumer groups. */
export function pipelineTables(cfg: LakehouseConfig): Record<string, PipelineTableOutput> {
    const prefix = `${cfg.iceberg.catalog}.${cfg.iceberg.namespace}`;
    return Object.fromEntries(
        cfg.source.tables.map((t) => {
            const def = cfg.source.tableDefinitions[t];
            const names = icebergTableNames(t, def.mode);
            return [
                t,
                {
                    mode: def.mode,
                    topic: cdcTopicName(cfg, t),
                    ...(names.upsert ? { upsertTable: `${prefix}.${names.upsert}` } : {}),
                    ...(names.changelog ? { changelogTable: `${prefix}.${names.changelog}` } : {}),
                    job: jobName(cfg.namePrefix, t),
                    consumerGroups: jobConsumerGroups(cfg, t),
                },
            ];
        }),
    );
}

/** The Iceberg tables a table's job writes, with the columns the job's `sinkTables` input declares. */
export function jobSinkTables(cfg: LakehouseConfig, table: string): { identifier: string; columns: { name: string; type: string }[] }[] {
    const def = cfg.source.tableDefinitions[table];
    const names = icebergTableNames(table, def.mode);
    const columns = def.columns.map((c) => ({ name: c.name, type: c.type }));
    const prefix = `${cfg.iceberg.catalog}.${cfg.iceberg.namespace}`;
    const metadata = [
        { name: CHANGELOG_METADATA_COLUMNS[0], type: "STRING" },
        { name: CHANGELOG_METADATA_COLUMNS[1], type: "TIMESTAMP_LTZ(6)" },
        { name: CHANGELOG_METADATA_COLUMNS[2], type: "TIMESTAMP_LTZ(6)" },
    ];
    return [
        ...(names.upsert ? [{ identifier: `${prefix}.${names.upsert}`, columns }] : []),
        // Metadata first: a declared column added later is then one entry appended to both lists in a diff.
        ...(names.changelog ? [{ identifier: `${prefix}.${names.changelog}`, columns: [...metadata, ...columns] }] : []),
    ];
}

/**
 * The settings of Dremio's Nessie source over the warehouse bucket (without the S3 secret, which
 * the resource sends as a secret setting). Follows REFERENCE.md: API v2 endpoint, no Nessie auth,
 * access-key S3 credentials, path-style access to an S3-compatible endpoint.
 */
export function dremioNessieSourceConfig(cfg: LakehouseConfig, endpoints: DremioSideEndpoints, nessieToken = false): Record<string, pulumi.Input<unknown>> {
    const s3 = new URL(endpoints.s3Endpoint);
    return {
        nessieEndpoint: endpoints.nessieUri,
        // With a token, BEARER: the token itself is a secret field of the source (`nessieAccessToken`, in secretConfig).
        nessieAuthType: nessieToken ? "BEARER" : "NONE",
        storageProvider: "AWS",
        credentialType: "ACCESS_KEY",
        awsAccessKey: endpoints.s3AccessKeyId,
        awsRootPath: `/${cfg.storage.bucket}`,
        secure: s3.protocol === "https:",
        propertyList: [
            ...(endpoints.s3Compatible ? [{ name: "dremio.s3.compat", value: "true" }] : []),
            { name: "fs.s3a.endpoint", value: s3.host },
            { name: "fs.s3a.endpoint.region", value: cfg.awsRegion },
            { name: "fs.s3a.path.style.access", value: String(endpoints.s3Compatible) },
        ],
    };
}
