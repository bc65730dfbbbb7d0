/**
 * What the scenarios read from the running pipeline: Iceberg tables through the real SQL Gateway
 * (batch queries, as tests/integration/stack/review-workflow.test.ts's icebergSession), the lag (Kafka
 * consumer-group lag of the job's groups from `pipelineTables[table].consumerGroups`, and the
 * replication slot), and the states of the Flink job and the Debezium connector. Every client is
 * short-lived or reopened on failure: the services under it are being killed.
 */
import { Kafka, logLevel } from "kafkajs";
import { connectRequest } from "../../components/dynamic/connector";
import { closeSession, gatewayQuery, openSession } from "../../components/dynamic/flink/gateway";
import { flinkRequest } from "../../components/dynamic/flink/request";
import { checkpointStats, jobException, jobOverviews } from "../../components/dynamic/flink/rest";
import { lakeCatalogStatement } from "../lib/iceberg";
import { groupLag } from "../lib/lag";
import { endpoints } from "../../harness/cli";
import { backoff, RestoredCheckpoint } from "./model";
import { pgRows } from "./writer";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Batch queries of the stack's Iceberg tables through the SQL Gateway; the session is reopened after a failure. */
export class IcebergReader {
    private session?: string;
    constructor(private readonly warehouse: string) {}

    private get gateway(): string {
        return endpoints()["flink-jobmanager"].gatewayUrl;
    }

    private async open(): Promise<string> {
        // One reader: Iceberg's source would otherwise ask for up to 100 parallel readers, and on a shared
        // 4-slot TaskManager such a query waits for slots behind the pipeline's own jobs.
        const properties = { "execution.runtime-mode": "batch", "parallelism.default": "1", "table.exec.iceberg.infer-source-parallelism": "false" };
        const session = await openSession(this.gateway, { name: "faults-iceberg-reader", properties });
        try {
            await gatewayQuery(this.gateway, session, lakeCatalogStatement(this.warehouse), 60_000, {
                secrets: [endpoints().minio.secretAccessKey],
                what: "the SQL Gateway to create the lake catalog",
            });
        } catch (e) {
            await closeSession(this.gateway, session).catch(() => undefined);
            throw e;
        }
        return session;
    }

    /** One batch query; `identifier` placeholders are the caller's. Throws on any failure (and reopens next time). */
    async query(sql: string, timeoutMs = 120_000): Promise<unknown[][]> {
        try {
            this.session ??= await this.open();
            return await gatewayQuery(this.gateway, this.session, sql, timeoutMs);
        } catch (e) {
            await this.close();
            throw e;
        }
    }

    async close(): Promise<void> {
        const s = this.session;
        this.session = undefined;
        if (s) await closeSession(this.gateway, s).catch(() => undefined);
    }
}

/** `nessie.ns.table` (the outputs' identifiers) -> `lake.ns.table` (the reader's catalog). */
export function inReaderCatalog(identifier: string): string {
    const parts = identifier.split(".");
    return ["lake", ...parts.slice(1)].map((p) => `\`${p}\``).join(".");
}

export interface LagReading {
    /** Sum over the groups of (topic end - committed offset) per partition. */
    consumerLag: number;
    byGroup: Record<string, number>;
    /** Whether the slot confirmed at least `lsn`. */
    slotConfirmed: boolean;
    slotLagBytes: number;
}

/** Consumer-group lag of `groups` on `topic` and the slot's position against `lsn`, on short-lived clients. */
export async function readLag(topic: string, groups: readonly string[], slot: string, lsn: string): Promise<LagReading> {
    const admin = new Kafka({
        clientId: `faults-lag-${process.pid}`,
        brokers: [endpoints().kafka.bootstrapServers],
        logLevel: logLevel.NOTHING,
        retry: { retries: 1 },
    }).admin();
    const byGroup: Record<string, number> = {};
    try {
        await admin.connect();
        const high = await admin.fetchTopicOffsets(topic);
        for (const groupId of groups) byGroup[groupId] = groupLag(high, await admin.fetchOffsets({ groupId, topics: [topic] }));
    } finally {
        await admin.disconnect().catch(() => undefined);
    }
    const [s] = await pgRows(
        "SELECT pg_wal_lsn_diff(confirmed_flush_lsn, $2::pg_lsn) >= 0 AS ok, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS bytes FROM pg_replication_slots WHERE slot_name = $1",
        [slot, lsn],
    );
    if (!s) throw new Error(`replication slot ${slot} does not exist`);
    return { consumerLag: Object.values(byGroup).reduce((a, b) => a + b, 0), byGroup, slotConfirmed: Boolean(s.ok), slotLagBytes: Number(s.bytes) };
}

const LIVE = ["RUNNING", "CREATED", "INITIALIZING", "RECONCILING", "RESTARTING", "FAILING"];

export interface JobView {
    /** Non-terminal jobs under the name. */
    live: { id: string; state: string }[];
    /** The newest job under the name, whatever its state. */
    newest?: { id: string; state: string };
}

/** The Flink jobs named `name` (the pipeline's job name). */
export async function flinkJobs(name: string): Promise<JobView> {
    const mine = (await jobOverviews(endpoints()["flink-jobmanager"].restUrl)).filter((j) => j.name === name).sort((a, b) => b["start-time"] - a["start-time"]);
    return {
        live: mine.filter((j) => LIVE.includes(j.state)).map((j) => ({ id: j.jid, state: j.state })),
        newest: mine[0] ? { id: mine[0].jid, state: mine[0].state } : undefined,
    };
}

/** The job's `numRestarts` metric (undefined when unavailable). */
export async function jobRestarts(jobId: string): Promise<number | undefined> {
    const r = await flinkRequest("Flink REST", endpoints()["flink-jobmanager"].restUrl, "GET", `/jobs/${jobId}/metrics?get=numRestarts`).catch(() => undefined);
    const v = Array.isArray(r) ? r.find((m: any) => m.id === "numRestarts")?.value : undefined;
    return v === undefined ? undefined : Number(v);
}

export async function flinkJobException(jobId: string): Promise<string> {
    return jobException(endpoints()["flink-jobmanager"].restUrl, jobId);
}

export interface ConnectorView {
    connector: string;
    tasks: string[];
    trace?: string;
}

export async function connectorStatus(name: string): Promise<ConnectorView> {
    const s = await connectRequest(endpoints().connect.url, "GET", `/connectors/${encodeURIComponent(name)}/status`);
    const failed = (s.tasks ?? []).find((t: any) => t.state === "FAILED");
    return {
        connector: s.connector?.state,
        tasks: (s.tasks ?? []).map((t: any) => t.state),
        trace: failed?.trace ? String(failed.trace).split("\n")[0] : undefined,
    };
}

/** What a user does for a failed connector task: Connect's restart of the failed instances. */
export async function restartFailedConnectorTasks(name: string): Promise<void> {
    await connectRequest(endpoints().connect.url, "POST", `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=true`);
}

/**
 * Polls `probe` with backoff until it returns a value other than undefined, bounded by `timeoutMs`;
 * logs what it is waiting for (and the last thing seen) about every 15 s.
 */
export async function waitUntil<T>(
    what: string,
    timeoutMs: number,
    probe: () => Promise<{ value?: T; seen: string }>,
    log: (m: string) => void,
    firstMs = 500,
    maxMs = 5000,
): Promise<T> {
    const started = Date.now();
    let lastLog = started;
    let seen: string;
    for (let attempt = 0; ; attempt++) {
        try {
            const r = await probe();
            if (r.value !== undefined) return r.value;
            seen = r.seen;
        } catch (e) {
            seen = `error: ${(e as Error).message.split("\n")[0].slice(0, 300)}`;
        }
        const elapsed = Date.now() - started;
        if (Date.now() - lastLog >= 15_000) {
            log(`waiting for ${what} (${(elapsed / 1000).toFixed(0)} s of ${timeoutMs / 1000} s; last seen: ${seen})`);
            lastLog = Date.now();
        }
        const d = backoff(attempt, firstMs, maxMs);
        if (elapsed + d > timeoutMs) throw new Error(`gave up waiting for ${what} after ${(elapsed / 1000).toFixed(0)} s (last seen: ${seen})`);
        await sleep(d);
    }
}

/** A job's checkpoint statistics, reduced: the last completed checkpoint's id and what the job restored when it (re)started. */
export async function jobCheckpoints(jobId: string): Promise<{ latestCompleted?: number; restored?: RestoredCheckpoint & { at: number } }> {
    const stats = await checkpointStats(endpoints()["flink-jobmanager"].restUrl, jobId);
    const done = stats?.latest?.completed;
    const r = stats?.latest?.restored;
    return {
        latestCompleted: done && typeof done.id === "number" ? done.id : undefined,
        restored:
            r && typeof r.id === "number"
                ? { id: r.id, path: String(r.external_path ?? ""), isSavepoint: Boolean(r.is_savepoint), at: Number(r.restore_timestamp ?? 0) }
                : undefined,
    };
}

/**
 * Watches the pipeline's job through a fault (polling every 500 ms, until `stop()`): the first
 * moment it is RUNNING again after it was seen not RUNNING or its JobManager unreachable.
 */
export function watchJobRecovery(name: string): { stop(): Promise<{ downSeen: boolean; runningAgainAt?: number; lastSeen: string }> } {
    let stopped = false;
    let downSeen = false;
    let runningAgainAt: number | undefined;
    let lastSeen = "nothing yet";
    const loop = (async () => {
        while (!stopped && runningAgainAt === undefined) {
            try {
                const jobs = await flinkJobs(name);
                const running = jobs.live.some((j) => j.state === "RUNNING");
                lastSeen = jobs.live.map((j) => `${j.id} ${j.state}`).join(", ") || "no live job";
                if (!running) downSeen = true;
                else if (downSeen) runningAgainAt = Date.now();
            } catch (e) {
                downSeen = true;
                lastSeen = `JobManager REST: ${(e as Error).message.split("\n")[0].slice(0, 200)}`;
            }
            if (runningAgainAt === undefined && !stopped) await sleep(500);
        }
    })();
    return {
        async stop() {
            stopped = true;
            await loop;
            return { downSeen, runningAgainAt, lastSeen };
        },
    };
}

/** Where a job's state was restored from (a checkpoint or savepoint path), "" when it started empty. */
export async function jobRestoredFrom(jobId: string): Promise<string> {
    const stats = await checkpointStats(endpoints()["flink-jobmanager"].restUrl, jobId).catch(() => undefined);
    return String(stats?.latest?.restored?.external_path ?? "");
}
