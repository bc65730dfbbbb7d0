/**
 * What the checks of `npm run health` measure: the raw findings each probe returns (ops/probes.ts
 * talks to the real services), where the services are reached, and the HealthProbes interface the
 * checks are run against. Types only.
 */
import type { PostgresTls } from "../../components/dynamic/postgres-client";
import type { KafkaClientCredentials, KafkaClientSecurity } from "../../components/dynamic/toolkit/kafka-client";

/** `GET /overview` of the JobManager. */
export interface FlinkOverview {
    flinkVersion?: string;
    taskManagers: number;
    slotsTotal: number;
    slotsAvailable: number;
    jobsRunning: number;
    jobsFailed: number;
}

/** A job as Flink lists it. */
export interface FlinkJobSnapshot {
    jobId: string;
    name: string;
    state: string;
    /** Epoch ms. */
    startTime?: number;
}

/** `GET /jobs/<id>/checkpoints`, reduced. */
export interface CheckpointStats {
    completed: number;
    failed: number;
    inProgress: number;
    lastCompleted?: { id: number; ackTimestamp: number; durationMs?: number };
    lastFailed?: { id: number; failureTimestamp: number; message?: string };
    /** The job's newest completed savepoint (taken by the periodic-savepoints job, or by hand), since the JobManager started the job. */
    lastSavepoint?: { id: number; ackTimestamp: number; path?: string };
}

/** What the probe found of one table's job. */
export interface FlinkJobMeasurement {
    /** The job at the exported id; null when Flink does not know it; undefined when no id was exported. */
    exported?: FlinkJobSnapshot | null;
    /** Jobs carrying the exported name that have not ended. */
    liveByName: FlinkJobSnapshot[];
    /** Checkpoints of the chosen job (see chooseJob). */
    checkpoints?: CheckpointStats;
    /** Flink's root exception of the chosen job, or of the exported one when none runs. */
    exception?: string;
}

/** One partition's watermarks. */
export interface PartitionOffsets {
    partition: number;
    low: number;
    high: number;
}

/** What the Kafka probe found. */
export interface KafkaMeasurement {
    brokers: number;
    clusterId?: string;
    /** Per topic: its partitions' watermarks, or null when the topic does not exist. */
    topics: Record<string, PartitionOffsets[] | null>;
    /** Per group and topic: committed offset per partition (-1: none committed); or the error reading them. */
    groups: Record<string, Record<string, Record<number, number>> | { error: string }>;
}

/** `GET /connectors/<name>/status` (null: the connector does not exist), and the worker's version. */
export interface ConnectorMeasurement {
    workerVersion?: string;
    status: null | {
        state: string;
        workerId?: string;
        trace?: string;
        tasks: { id: number; state: string; workerId?: string; trace?: string }[];
    };
}

/** What the data-file probe found under a table's data location. */
export interface DataFilesMeasurement {
    /** `s3://bucket/.../data/`. */
    location: string;
    /** Data files (Parquet, ORC, Avro) seen. */
    files: number;
    /** Objects listed. */
    scanned: number;
    /** True when the listing stopped at its bound. */
    truncated: boolean;
    newest?: { key: string; lastModified: number; size: number };
}

export type { TableFilesMeasurement } from "./table-metadata";
import type { TableFilesMeasurement } from "./table-metadata";

/** Nessie's config and the branch's head. */
export interface NessieServerMeasurement {
    defaultBranch?: string;
    specVersion?: string;
    /** Head of the stack's branch, or null when the branch does not exist. */
    hash: string | null;
}

/** A table's content on the branch and the last commit that touched it. */
export interface NessieTableMeasurement {
    /** null when the key holds nothing on the branch. */
    content: null | { type: string; metadataLocation?: string; /** 64-bit, as text; "-1" before the first snapshot. */ snapshotId?: string };
    lastCommit?: { hash: string; time: number; message: string };
}

/** A replication slot as `pg_replication_slots` shows it (null: no such slot). */
export interface SlotMeasurement {
    /** The database the probe connected to. */
    database: string;
    slot: null | { plugin: string; database: string; active: boolean; walStatus?: string; lagBytes: number | null; retainedBytes: number | null };
}

/** Dremio's view of the source (null: no source of that name). */
export interface DremioMeasurement {
    source: null | { id: string; type?: string; status?: string; message?: string };
}

/** Where and how S3 is reached. */
export interface S3Target {
    endpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    /** Path-style requests (MinIO). */
    forcePathStyle: boolean;
    /** With an https endpoint: the CA that signed the store's certificate, PEM (`connectionSecurity.s3.caCert`). */
    caCert?: string;
}

/** Where and how PostgreSQL is reached. */
export interface PgTarget {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
    /** TLS as the stack's `connectionSecurity.postgres` (with the client key); default none. */
    tls?: PostgresTls;
}

/** How a Kafka client logs in: the stack's `connectionSecurity.kafka` and its secrets; default PLAINTEXT. */
export interface KafkaClientAccess {
    security?: KafkaClientSecurity;
    credentials?: KafkaClientCredentials;
}

/** The I/O the checks need; each call is bounded by `timeoutMs` and throws with the service's own message. */
export interface HealthProbes {
    flinkOverview(restUrl: string, timeoutMs: number): Promise<FlinkOverview>;
    flinkJob(restUrl: string, ref: { jobId?: string; name?: string }, timeoutMs: number): Promise<FlinkJobMeasurement>;
    kafka(
        bootstrap: string,
        topics: string[],
        groups: { group: string; topic: string }[],
        timeoutMs: number,
        access?: KafkaClientAccess,
    ): Promise<KafkaMeasurement>;
    connector(connectUrl: string, name: string, timeoutMs: number): Promise<ConnectorMeasurement>;
    bucket(s3: S3Target, bucket: string, timeoutMs: number): Promise<void>;
    dataFiles(s3: S3Target, location: string, timeoutMs: number): Promise<DataFilesMeasurement>;
    /** A table's current metadata file, summarized (snapshots, data and delete files, last compaction). */
    tableFiles(s3: S3Target, metadataLocation: string, timeoutMs: number): Promise<TableFilesMeasurement>;
    nessieServer(apiUrl: string, branch: string, timeoutMs: number): Promise<NessieServerMeasurement>;
    nessieTable(apiUrl: string, branch: string, key: string, timeoutMs: number): Promise<NessieTableMeasurement>;
    slot(pg: PgTarget, slot: string, timeoutMs: number): Promise<SlotMeasurement>;
    dremio(url: string, user: string, password: string, source: string | undefined, timeoutMs: number): Promise<DremioMeasurement>;
}
