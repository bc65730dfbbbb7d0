/**
 * The I/O of `npm run health`: each function asks one service for the raw measurement a check
 * evaluates (ops/health/rules.ts), bounded by `timeoutMs`, and throws with the service's own message.
 * Flink, Connect, Nessie and Dremio through their REST APIs (ops/http.ts), Kafka through the kafkajs
 * admin client, S3 through @aws-sdk/client-s3, PostgreSQL through pg. Nothing here prints; no
 * credential is put in a message.
 */
import { GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Kafka, logLevel } from "kafkajs";
import { Client } from "pg";
import {
    CheckpointStats,
    ConnectorMeasurement,
    DataFilesMeasurement,
    DremioMeasurement,
    FlinkJobMeasurement,
    FlinkJobSnapshot,
    FlinkOverview,
    HealthProbes,
    KafkaMeasurement,
    NessieServerMeasurement,
    NessieTableMeasurement,
    KafkaClientAccess,
    PgTarget,
    S3Target,
    SlotMeasurement,
    TableFilesMeasurement,
} from "./health/measurements";
import { summarizeTableMetadata } from "./health/table-metadata";
import { chooseJob } from "./health/rules";
import { isHttpError, requestJson, requestText } from "./http";
import { postgresConnectFix, postgresSsl } from "../components/dynamic/postgres-client";
import { kafkaConnectFix, kafkajsSecurity } from "../components/dynamic/toolkit/kafka-client";
import { parseS3Uri } from "./outputs";
import { s3TrustOptions } from "../components/dynamic/toolkit/s3-trust";

const TERMINAL = ["FAILED", "CANCELED", "FINISHED", "SUSPENDED"];
/** Bound of a data-file listing: pages of 1000 objects. */
export const MAX_LIST_PAGES = 20;

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v ?? 0)) || 0;

function snapshot(j: any): FlinkJobSnapshot {
    return {
        jobId: String(j.jid),
        name: String(j.name ?? ""),
        state: String(j.state),
        ...(typeof j["start-time"] === "number" && j["start-time"] > 0 ? { startTime: j["start-time"] } : {}),
    };
}

/** `GET /overview`. */
export async function flinkOverview(restUrl: string, timeoutMs: number): Promise<FlinkOverview> {
    const o = await requestJson("Flink REST", restUrl, "GET", "/overview", { timeoutMs });
    return {
        ...(o["flink-version"] ? { flinkVersion: String(o["flink-version"]) } : {}),
        taskManagers: num(o.taskmanagers),
        slotsTotal: num(o["slots-total"]),
        slotsAvailable: num(o["slots-available"]),
        jobsRunning: num(o["jobs-running"]),
        jobsFailed: num(o["jobs-failed"]),
    };
}

/** The reduced checkpoint statistics of a job. */
export function reduceCheckpoints(stats: any): CheckpointStats {
    const counts = stats?.counts ?? {};
    const c = stats?.latest?.completed;
    const f = stats?.latest?.failed;
    const s = stats?.latest?.savepoint;
    return {
        completed: num(counts.completed),
        failed: num(counts.failed),
        inProgress: num(counts.in_progress),
        ...(c && c.latest_ack_timestamp
            ? {
                  lastCompleted: {
                      id: num(c.id),
                      ackTimestamp: num(c.latest_ack_timestamp),
                      ...(c.end_to_end_duration !== undefined ? { durationMs: num(c.end_to_end_duration) } : {}),
                  },
              }
            : {}),
        ...(s && s.latest_ack_timestamp && (s.status === undefined || s.status === "COMPLETED")
            ? {
                  lastSavepoint: {
                      id: num(s.id),
                      ackTimestamp: num(s.latest_ack_timestamp),
                      ...(s.external_path ? { path: String(s.external_path) } : {}),
                  },
              }
            : {}),
        ...(f && f.failure_timestamp
            ? {
                  lastFailed: {
                      id: num(f.id),
                      failureTimestamp: num(f.failure_timestamp),
                      ...(f.failure_message ? { message: String(f.failure_message).split("\n")[0].slice(0, 300) } : {}),
                  },
              }
            : {}),
    };
}

/** Flink's root exception of a job, one line ("" when none). */
export async function flinkJobException(restUrl: string, jobId: string, timeoutMs: number): Promise<string> {
    const r = await requestJson("Flink REST", restUrl, "GET", `/jobs/${jobId}/exceptions`, { timeoutMs }).catch(() => ({}));
    const text = String(r["root-exception"] ?? r.exceptionHistory?.entries?.[0]?.stacktrace ?? "");
    if (!text) return "";
    const lines = text
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
    const causes = lines.filter((l) => l.startsWith("Caused by: "));
    const first = lines[0] ?? "";
    const cause = causes.length ? causes[causes.length - 1].slice("Caused by: ".length) : "";
    return (cause && cause !== first ? `${first} (caused by ${cause})` : first).slice(0, 500);
}

/** The job at the exported id, the live jobs of its name, and the chosen job's checkpoints. */
export async function flinkJob(restUrl: string, ref: { jobId?: string; name?: string }, timeoutMs: number): Promise<FlinkJobMeasurement> {
    let exported: FlinkJobSnapshot | null | undefined;
    if (ref.jobId) {
        try {
            exported = snapshot(await requestJson("Flink REST", restUrl, "GET", `/jobs/${encodeURIComponent(ref.jobId)}`, { timeoutMs }));
        } catch (err) {
            // 404: unknown job; 400: not a job id at all. Either way Flink does not know it.
            if (isHttpError(err, 404) || isHttpError(err, 400)) exported = null;
            else throw err;
        }
    }
    let liveByName: FlinkJobSnapshot[] = [];
    if (ref.name && exported?.state !== "RUNNING") {
        const overview = await requestJson("Flink REST", restUrl, "GET", "/jobs/overview", { timeoutMs });
        liveByName = (overview.jobs ?? []).map(snapshot).filter((j: FlinkJobSnapshot) => j.name === ref.name && !TERMINAL.includes(j.state));
    }
    const m: FlinkJobMeasurement = { ...(exported !== undefined ? { exported } : {}), liveByName };
    const { job } = chooseJob(m);
    if (job?.state === "RUNNING") {
        m.checkpoints = reduceCheckpoints(await requestJson("Flink REST", restUrl, "GET", `/jobs/${job.jobId}/checkpoints`, { timeoutMs }));
    } else if (job) {
        const exception = await flinkJobException(restUrl, job.jobId, timeoutMs);
        if (exception) m.exception = exception;
    }
    return m;
}

/** Brokers, the topics' watermarks and the groups' committed offsets, through one admin connection. */
export async function kafkaOffsets(
    bootstrap: string,
    topics: string[],
    groups: { group: string; topic: string }[],
    timeoutMs: number,
    access: KafkaClientAccess = {},
): Promise<KafkaMeasurement> {
    const kafka = new Kafka({
        clientId: "lakehouse-health",
        brokers: bootstrap
            .split(",")
            .map((b) => b.trim())
            .filter(Boolean),
        connectionTimeout: Math.min(timeoutMs, 10_000),
        requestTimeout: timeoutMs,
        retry: { retries: 1, initialRetryTime: 300, maxRetryTime: 2000 },
        logLevel: logLevel.NOTHING,
        ...kafkajsSecurity(access.security, access.credentials),
    });
    const admin = kafka.admin();
    await admin.connect().catch((err: Error) => {
        const fix = kafkaConnectFix(err.message, access.security, "connectionSecurity.kafka", "credentials");
        throw new Error(`${err.message} (${access.security?.protocol ?? "PLAINTEXT"})${fix ? `; ${fix}` : ""}`);
    });
    try {
        const cluster = await admin.describeCluster();
        const existing = new Set(await admin.listTopics());
        const m: KafkaMeasurement = { brokers: cluster.brokers.length, ...(cluster.clusterId ? { clusterId: cluster.clusterId } : {}), topics: {}, groups: {} };
        for (const topic of [...new Set(topics)]) {
            m.topics[topic] = existing.has(topic)
                ? (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }))
                : null;
        }
        const byGroup = new Map<string, string[]>();
        for (const { group, topic } of groups) if (existing.has(topic)) byGroup.set(group, [...(byGroup.get(group) ?? []), topic]);
        for (const [group, groupTopics] of byGroup) {
            try {
                const offsets = await admin.fetchOffsets({ groupId: group, topics: groupTopics });
                m.groups[group] = Object.fromEntries(
                    offsets.map((t) => [t.topic, Object.fromEntries(t.partitions.map((p) => [p.partition, Number(p.offset)]))]),
                );
            } catch (err) {
                m.groups[group] = { error: (err as Error).message };
            }
        }
        return m;
    } finally {
        await admin.disconnect().catch(() => undefined);
    }
}

/** The connector's status (null when Connect does not know it) and the worker's version. */
export async function connectorStatus(connectUrl: string, name: string, timeoutMs: number): Promise<ConnectorMeasurement> {
    const root = await requestJson("Kafka Connect", connectUrl, "GET", "/", { timeoutMs });
    try {
        const s = await requestJson("Kafka Connect", connectUrl, "GET", `/connectors/${encodeURIComponent(name)}/status`, { timeoutMs });
        return {
            ...(root.version ? { workerVersion: String(root.version) } : {}),
            status: {
                state: String(s.connector?.state ?? "UNKNOWN"),
                ...(s.connector?.worker_id ? { workerId: String(s.connector.worker_id) } : {}),
                ...(s.connector?.trace ? { trace: String(s.connector.trace) } : {}),
                tasks: (s.tasks ?? []).map((t: any) => ({
                    id: num(t.id),
                    state: String(t.state),
                    ...(t.worker_id ? { workerId: String(t.worker_id) } : {}),
                    ...(t.trace ? { trace: String(t.trace) } : {}),
                })),
            },
        };
    } catch (err) {
        if (isHttpError(err, 404)) return { ...(root.version ? { workerVersion: String(root.version) } : {}), status: null };
        throw err;
    }
}

function s3Client(s3: S3Target, timeoutMs: number): S3Client {
    return new S3Client({
        endpoint: s3.endpoint,
        region: s3.region,
        forcePathStyle: s3.forcePathStyle,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
        maxAttempts: 2,
        requestHandler: {
            connectionTimeout: Math.min(timeoutMs, 10_000),
            requestTimeout: timeoutMs,
            ...(s3TrustOptions(s3.caCert).requestHandler ?? {}),
        },
    });
}

/** An S3 error as one line: the code S3 answered (NoSuchBucket, InvalidAccessKeyId, ...) and its message. */
export function s3ErrorText(err: unknown, bucket: string): string {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; code?: string };
    const status = e.$metadata?.httpStatusCode;
    if (status === 404 || e.name === "NotFound" || e.name === "NoSuchBucket") return `bucket ${bucket} does not exist`;
    if (status === 403) return `access denied to bucket ${bucket} (${e.name ?? "Forbidden"}): check credentials.s3`;
    const msg = e.message && e.message !== "UnknownError" ? e.message : "";
    return [e.name ?? e.code ?? "error", msg, status ? `(HTTP ${status})` : ""]
        .filter(Boolean)
        .join(": ")
        .replace(/: \(HTTP/, " (HTTP");
}

/** Reads a table's current metadata file (`s3://...metadata.json`) and summarizes its upkeep. */
export async function tableFiles(s3: S3Target, metadataLocation: string, timeoutMs: number): Promise<TableFilesMeasurement> {
    // A file, not a prefix: the key without the trailing "/" parseS3Uri gives a location.
    const { bucket, prefix } = parseS3Uri(metadataLocation);
    const key = prefix.replace(/\/$/, "");
    const client = s3Client(s3, timeoutMs);
    try {
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: AbortSignal.timeout(timeoutMs) });
        return summarizeTableMetadata(metadataLocation, JSON.parse(await r.Body!.transformToString()));
    } catch (err) {
        if (err instanceof SyntaxError) throw new Error(`${metadataLocation} is not JSON: ${err.message}`);
        const e = err as { name?: string };
        // Gone between Nessie's answer and the read (a commit replaced it): the next run reads the new one.
        if (e.name === "NoSuchKey") throw new Error(`${metadataLocation} does not exist (a newer commit may have replaced it)`);
        throw new Error(s3ErrorText(err, bucket));
    } finally {
        client.destroy();
    }
}

/** HEAD of the warehouse bucket. */
export async function headBucket(s3: S3Target, bucket: string, timeoutMs: number): Promise<void> {
    const client = s3Client(s3, timeoutMs);
    try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
        throw new Error(s3ErrorText(err, bucket));
    } finally {
        client.destroy();
    }
}

const DATA_FILE = /\.(parquet|orc|avro)$/i;

/** Lists a table's data location (bounded: MAX_LIST_PAGES pages) and finds the newest data file. */
export async function dataFiles(s3: S3Target, location: string, timeoutMs: number): Promise<DataFilesMeasurement> {
    const { bucket, prefix } = parseS3Uri(location);
    const client = s3Client(s3, timeoutMs);
    const m: DataFilesMeasurement = { location, files: 0, scanned: 0, truncated: false };
    try {
        let token: string | undefined;
        for (let page = 0; ; page++) {
            if (page === MAX_LIST_PAGES) {
                m.truncated = true;
                break;
            }
            const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }), {
                abortSignal: AbortSignal.timeout(timeoutMs),
            });
            for (const o of r.Contents ?? []) {
                m.scanned++;
                if (!o.Key || !DATA_FILE.test(o.Key)) continue;
                m.files++;
                const modified = o.LastModified?.getTime() ?? 0;
                if (!m.newest || modified > m.newest.lastModified) m.newest = { key: o.Key, lastModified: modified, size: o.Size ?? 0 };
            }
            if (!r.IsTruncated || !r.NextContinuationToken) break;
            token = r.NextContinuationToken;
        }
        return m;
    } catch (err) {
        throw new Error(s3ErrorText(err, bucket));
    } finally {
        client.destroy();
    }
}

/** Nessie's config and the head of `branch` (null when the branch does not exist). */
export async function nessieServer(apiUrl: string, branch: string, timeoutMs: number): Promise<NessieServerMeasurement> {
    const config = await requestJson("Nessie", apiUrl, "GET", "/config", { timeoutMs });
    let hash: string | null = null;
    try {
        hash = String((await requestJson("Nessie", apiUrl, "GET", `/trees/${encodeURIComponent(branch)}`, { timeoutMs })).reference?.hash ?? "") || null;
    } catch (err) {
        if (!isHttpError(err, 404)) throw err;
    }
    return {
        ...(config.defaultBranch ? { defaultBranch: String(config.defaultBranch) } : {}),
        ...(config.specVersion ? { specVersion: String(config.specVersion) } : {}),
        hash,
    };
}

/** The CEL filter of the commits that touched `key` (a content key such as `ns.table`). */
export function commitFilter(key: string): string {
    return `operations.exists(op, op.key == '${key.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}')`;
}

/** A table's content on `branch`, and the newest commit that touched it (server-side CEL filter). */
export async function nessieTable(apiUrl: string, branch: string, key: string, timeoutMs: number): Promise<NessieTableMeasurement> {
    const ref = encodeURIComponent(branch);
    let content: NessieTableMeasurement["content"];
    try {
        const { text } = await requestText("Nessie", apiUrl, "GET", `/trees/${ref}/contents/${encodeURIComponent(key)}`, { timeoutMs });
        const c = JSON.parse(text).content ?? {};
        // Snapshot ids are 64-bit: read them from the text, JSON numbers would round them.
        const snapshotId = /"snapshotId"\s*:\s*(-?\d+)/.exec(text)?.[1];
        content = {
            type: String(c.type),
            ...(c.metadataLocation ? { metadataLocation: String(c.metadataLocation) } : {}),
            ...(snapshotId !== undefined ? { snapshotId } : {}),
        };
    } catch (err) {
        if (!isHttpError(err, 404)) throw err;
        return { content: null };
    }
    const query = new URLSearchParams({ fetch: "ALL", maxRecords: "1", filter: commitFilter(key) });
    const log = await requestJson("Nessie", apiUrl, "GET", `/trees/${ref}/history?${query}`, { timeoutMs });
    const meta = log.logEntries?.[0]?.commitMeta;
    return {
        content,
        ...(meta?.hash ? { lastCommit: { hash: String(meta.hash), time: Date.parse(meta.commitTime), message: String(meta.message ?? "") } } : {}),
    };
}

/** The slot's row in pg_replication_slots, with its lag behind the current WAL position in bytes. */
export async function replicationSlot(pg: PgTarget, slot: string, timeoutMs: number): Promise<SlotMeasurement> {
    const client = new Client({
        host: pg.host,
        port: pg.port,
        user: pg.user,
        password: pg.password,
        database: pg.database,
        connectionTimeoutMillis: timeoutMs,
        statement_timeout: timeoutMs,
        query_timeout: timeoutMs,
        ssl: postgresSsl(pg.tls),
    });
    // A connection dropped by the server after connect surfaces here, not as an unhandled event.
    client.on("error", () => undefined);
    await client.connect().catch((err: Error) => {
        const fix = postgresConnectFix(err.message, pg.tls);
        throw new Error(`${err.message} (sslmode ${pg.tls?.sslmode ?? "disable"})${fix ? `; ${fix}` : ""}`);
    });
    try {
        const r = await client.query(
            `SELECT plugin, database, active, wal_status,
                    pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS lag_bytes,
                    pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS retained_bytes
               FROM pg_replication_slots WHERE slot_name = $1`,
            [slot],
        );
        const row = r.rows[0];
        const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
        return {
            database: pg.database,
            slot: row
                ? {
                      plugin: String(row.plugin),
                      database: String(row.database),
                      active: row.active === true,
                      ...(row.wal_status ? { walStatus: String(row.wal_status) } : {}),
                      lagBytes: n(row.lag_bytes),
                      retainedBytes: n(row.retained_bytes),
                  }
                : null,
        };
    } finally {
        await client.end().catch(() => undefined);
    }
}

/** Logs in to Dremio and reads the source by path (null when absent). The password is never in a message. */
export async function dremioSource(url: string, user: string, password: string, source: string | undefined, timeoutMs: number): Promise<DremioMeasurement> {
    let token: string;
    try {
        token = String((await requestJson("Dremio", url, "POST", "/apiv2/login", { body: { userName: user, password }, timeoutMs })).token);
    } catch (err) {
        throw new Error(`logging in as "${user}": ${(err as Error).message.split(password).join("[secret]")}`);
    }
    if (!source) return { source: null };
    try {
        const s = await requestJson("Dremio", url, "GET", `/api/v3/catalog/by-path/${encodeURIComponent(source)}`, {
            headers: { Authorization: `_dremio${token}` },
            timeoutMs,
        });
        const message = (s.state?.messages ?? [])
            .map((x: any) => x.message)
            .filter(Boolean)
            .join("; ");
        return {
            source: {
                id: String(s.id),
                ...(s.type ? { type: String(s.type) } : {}),
                ...(s.state?.status ? { status: String(s.state.status) } : {}),
                ...(message ? { message } : {}),
            },
        };
    } catch (err) {
        if (isHttpError(err, 404)) return { source: null };
        throw err;
    }
}

/** The real probes. */
export const realProbes: HealthProbes = {
    flinkOverview,
    flinkJob,
    kafka: kafkaOffsets,
    connector: connectorStatus,
    bucket: headBucket,
    dataFiles,
    tableFiles,
    nessieServer,
    nessieTable,
    slot: replicationSlot,
    dremio: dremioSource,
};
