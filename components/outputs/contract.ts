/**
 * The stack outputs' contract with other teams, as the values a reader gets: `pulumi stack output
 * --json --show-secrets`, or `StackReference.getOutput` in another Pulumi program (see
 * examples/consumer). Names and shapes only change with a major version (README "Stack outputs").
 *
 * Self-contained (no import): a consuming program can import or vendor this file alone. The program
 * side, where some values are still Outputs, is `LakehouseOutputs` in ./build.ts.
 */

/** How a captured table is written to Iceberg (components/tables.ts `TableMode`; tests/unit/program/outputs.test.ts checks they agree). */
export type TableMode = "upsert" | "append" | "both";

/**
 * An endpoint as the stack exports it. Addresses are `host:port` (Kafka, `endpoints`) or URLs (the
 * REST services, `nessieApiUri`, `s3Endpoint`).
 */
export interface UrlPair {
    /** Reachable from other workloads on the stack's network (Docker network alias, Kubernetes Service DNS name). */
    internal: string;
    /** Reachable from the machine that ran Pulumi. Absent when the service's ports are not published to it. */
    host?: string;
}

/** The captured source (output `source`). */
export interface SourceOutput {
    /** The PostgreSQL database. */
    database: string;
    /** The schema of the captured tables. */
    schema: string;
    /** The PostgreSQL publication Debezium reads. */
    publication: string;
    /** The captured tables, in config order. */
    tables: string[];
}

/** How one captured table flows (output `pipelineTables.<table>`). */
export interface PipelineTableOutput {
    /** How the table is written to Iceberg: `upsert` (a mirror), `append` (a changelog) or `both`. */
    mode: TableMode;
    /** The table's Debezium topic, `<topicPrefix>.<schema>.<table>`. */
    topic: string;
    /** `<catalog>.<namespace>.<table>`: the mirror of the source table (modes upsert and both only). */
    upsertTable?: string;
    /** `<catalog>.<namespace>.<table>_changes`: every change appended (modes append and both only). */
    changelogTable?: string;
    /** The Flink job's name. */
    job: string;
    /** Kafka consumer groups of the table's Flink job (offsets committed on each checkpoint: their lag is the pipeline's lag). */
    consumerGroups: string[];
}

/** The CDC connector (output `connector`). */
export interface ConnectorOutput {
    /** Kafka Connect's name of the connector. */
    name: string;
    /** The connector's state as Kafka Connect reported it at the last deploy (e.g. `RUNNING`, `PAUSED`, `FAILED`). */
    state: string;
    /** The PostgreSQL replication slot it reads. */
    replicationSlot: string;
}

/** One captured table's Flink job (output `flinkJobs.<table>`). */
export interface FlinkJobOutput {
    /** The job's name on the Flink cluster. */
    name: string;
    /** The job id; changes with every upgrade (the job is resubmitted from a savepoint). */
    jobId: string;
    /** The job's state as Flink reported it at the last deploy (e.g. `RUNNING`). */
    state: string;
    /** The savepoint of the last upgrade or stop ("" before the first). */
    lastSavepoint: string;
}

/**
 * The table maintenance job and what it does (output `tableMaintenance`, present when
 * `lakehouse:maintenance.enabled` and the pipeline is managed). Intervals in seconds; 0: the task is off.
 */
export interface TableMaintenanceOutput {
    /** The maintenance job on the Flink cluster. */
    job: FlinkJobOutput;
    /** The Iceberg tables it maintains, `<catalog>.<namespace>.<table>`. */
    tables: string[];
    /** Snapshots older than `maxSnapshotAgeSeconds` are expired (keeping at least `retainLast`). */
    expireSnapshots: { intervalSeconds: number; maxSnapshotAgeSeconds: number; retainLast: number };
    /** Small data files are compacted with their delete files applied, and the applied delete files removed. */
    rewriteDataFiles: { intervalSeconds: number; commitCount: number; targetFileSizeMiB: number; minInputFiles: number; deleteFileThreshold: number };
    /** Files under a table's location that no snapshot references and are older than `minAgeSeconds` are deleted. */
    deleteOrphanFiles: { intervalSeconds: number; minAgeSeconds: number };
}

/**
 * The periodic-savepoints job and what it does (output `periodicSavepoints`, present when
 * `lakehouse:pipeline.periodicSavepoints.intervalSeconds` is above 0 and the pipeline is managed).
 */
export interface PeriodicSavepointsOutput {
    /** The periodic-savepoints job on the Flink cluster. */
    job: FlinkJobOutput;
    /** The Flink job names of the table jobs it takes savepoints of. */
    jobs: string[];
    /** A savepoint of each of those jobs every `intervalSeconds`; the newest `kept` per job stay. */
    intervalSeconds: number;
    kept: number;
    /** How long one savepoint may take before the job gives up on it until the next interval. */
    timeoutSeconds: number;
}

/** Dremio's Nessie source (output `dremioSource`). */
export interface DremioSourceOutput {
    /** The source's name: the first part of a table's path in Dremio's SQL. */
    name: string;
    /** Dremio's id of the source. */
    id: string;
}

/**
 * How a client reaches Kafka and PostgreSQL (output `connectionSecurity`, issue 19): the stack's
 * `kafka.security` and `source.tls` with their defaults, nothing secret (the SASL password and client
 * keys are in the secret output `credentials`). The certificates are PEM.
 */
export interface ConnectionSecurityOutput {
    kafka: { protocol: string; saslMechanism?: string; username?: string; caCert?: string; clientCert?: string };
    postgres: { sslmode: string; caCert?: string; clientCert?: string };
    /**
     * Present only for a secured Nessie: `auth` is `bearer` when it wants the token (secret output
     * `credentials.nessieToken`), `none` otherwise; `caCert` the CA of its https URL, PEM.
     */
    nessie?: { auth: "none" | "bearer"; caCert?: string };
    /** Present only when Connect's REST URL is https with a CA the stack gives (`external.connect.caCert`), PEM. */
    connect?: { caCert: string };
    /** Present only when Dremio's URL is https with a CA the stack gives (`external.dremio.caCert`), PEM. */
    dremio?: { caCert: string };
    /** Present only when the S3 endpoint is https with a CA the stack gives (`external.minio.caCert`), PEM. */
    s3?: { caCert: string };
    /** Present only when Flink's REST API and SQL Gateway are https with a CA the stack gives (`external.flink.caCert`), PEM. */
    flink?: { caCert: string };
}

/** A user name and its password (inside the secret output `credentials`). */
export interface UserCredentials {
    username: string;
    password: string;
}

/** An S3 access key. */
export interface S3AccessKey {
    accessKeyId: string;
    secretAccessKey: string;
}

/** Every credential of the stack: the platform team's secret output `credentials`. */
export interface StackCredentials {
    /** PostgreSQL's superuser (`source.adminUser`). */
    postgres: UserCredentials;
    /** The CDC role Debezium logs in as (`source.replicationUser`). */
    replication: UserCredentials;
    /** MinIO's root key; present only on storage provider `minio` (the same values as `s3`). */
    minio?: S3AccessKey;
    /** The S3 key the services use, on every storage provider. */
    s3: S3AccessKey;
    /** Dremio's first admin; present only when Dremio is enabled. */
    dremio?: UserCredentials;
    /** The SASL login to Kafka; present only with a SASL protocol (`kafka.security`). */
    kafka?: UserCredentials;
    /** The key of `connectionSecurity.kafka.clientCert`, PEM; present only with one. */
    kafkaClientKey?: string;
    /** The key of `connectionSecurity.postgres.clientCert`, PEM; present only with one. */
    postgresClientKey?: string;
    /** Nessie's bearer token; present only when the stack sets `nessieToken`. */
    nessieToken?: string;
}

/**
 * S3 access to the warehouse for a consuming team (secret output `warehouseCredentials`), without any
 * other credential of the stack. On storage provider `minio` it is MinIO's root key (a dedicated
 * read-only key is future work); on `aws` it is the key of the IAM user the program created, which
 * may read and write the warehouse bucket and nothing else.
 */
export type WarehouseCredentials = S3AccessKey;

/**
 * Dremio's login for a consuming team (secret output `dremioCredentials`, present only when Dremio is
 * enabled): the first admin the program creates (a dedicated query-only user is future work).
 */
export interface DremioCredentials {
    userName: string;
    password: string;
}

/** The names of the outputs that hold a credential: each is a Pulumi secret. */
export const CREDENTIAL_OUTPUT_NAMES = ["credentials", "warehouseCredentials", "dremioCredentials"] as const;

/** An output that holds a credential. */
export type CredentialOutputName = (typeof CREDENTIAL_OUTPUT_NAMES)[number];

/**
 * Every stack output, resolved. An optional output is absent (not null) when its condition does not
 * hold; an endpoint's `host` is absent when the service's ports are not published to the Pulumi host.
 */
export interface LakehouseStackOutputs {
    /** The renderer the stack uses: `docker`, `kubernetes` or `external`. */
    platform: string;
    /**
     * Every service's `host:port` by name: `postgres`, `kafka`, `connect`, `minio` and `minioConsole`
     * (storage provider minio), `nessie`, `flink-jobmanager`, `flink-sql-gateway`, `dremio` (when enabled).
     */
    endpoints: Record<string, UrlPair>;
    /** Kafka's bootstrap servers, `host:port[,host:port...]`. */
    kafkaBootstrapServers: UrlPair;
    /** How clients reach Kafka (protocol, SASL user, CA) and PostgreSQL (sslmode, CA): PLAINTEXT and disable unless the stack says. */
    connectionSecurity: ConnectionSecurityOutput;
    /** The CDC topic of each captured table. */
    cdcTopics: Record<string, string>;
    /** Kafka Connect's REST API. */
    kafkaConnectUrl: UrlPair;
    /** Flink's REST API and web UI. */
    flinkRestUrl: UrlPair;
    /** Flink's SQL Gateway REST API. */
    flinkSqlGatewayUrl: UrlPair;
    /** Nessie's API v2: the `uri` an Iceberg client's Nessie catalog needs. */
    nessieApiUri: UrlPair;
    /** The S3 API of the warehouse's object storage. */
    s3Endpoint: UrlPair;
    /** The S3 region. */
    s3Region: string;
    /** The Iceberg warehouse location, `s3://<bucket>/<path>`. */
    warehouse: string;
    /** The Iceberg catalog's name, the first part of each table identifier. */
    icebergCatalog: string;
    /** The Nessie branch the tables are on. */
    nessieBranch: string;
    /** The mirror (current rows) of each captured table in mode upsert or both, `<catalog>.<namespace>.<table>`. */
    icebergTables: Record<string, string>;
    /** The changelog of each captured table in mode append or both, `<catalog>.<namespace>.<table>_changes`. */
    icebergChangeTables: Record<string, string>;
    /** The captured database, schema, publication and tables. */
    source: SourceOutput;
    /** Per captured table: its mode, topic, Iceberg tables, Flink job and the job's consumer groups. */
    pipelineTables: Record<string, PipelineTableOutput>;
    /** The CDC connector; absent when the services are not reachable from the machine running Pulumi. */
    connector?: ConnectorOutput;
    /** The Flink job of each captured table; absent when the services are not reachable from the machine running Pulumi. */
    flinkJobs?: Record<string, FlinkJobOutput>;
    /** The table maintenance job and its schedules; absent unless `lakehouse:maintenance.enabled` and the pipeline is managed. */
    tableMaintenance?: TableMaintenanceOutput;
    /** The periodic-savepoints job and its schedule; absent unless `lakehouse:pipeline.periodicSavepoints.intervalSeconds` is above 0 and the pipeline is managed. */
    periodicSavepoints?: PeriodicSavepointsOutput;
    /** Dremio's UI and REST API; absent when Dremio is disabled. */
    dremioUrl?: UrlPair;
    /** Dremio's Nessie source; absent when Dremio is disabled or not reachable from the machine running Pulumi. */
    dremioSource?: DremioSourceOutput;
    /** Each Iceberg table's path in Dremio's SQL, `<source>.<namespace>.<table>`; present exactly when `dremioSource` is. */
    dremioTables?: Record<string, string>;
    /** Secret: every credential of the stack, the PostgreSQL superuser's included. For the platform team. */
    credentials: StackCredentials;
    /** Secret: S3 access to the warehouse, and nothing else. For consuming teams. */
    warehouseCredentials: WarehouseCredentials;
    /** Secret: Dremio's login; absent when Dremio is disabled. For consuming teams. */
    dremioCredentials?: DremioCredentials;
}
