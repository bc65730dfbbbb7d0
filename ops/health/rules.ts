/**
 * The verdict rules of `npm run health`: the thresholds, and one function per check that turns a
 * service's measurement into PASS / WARN / FAIL with a line saying what was found and what to do, and
 * the metrics. Pure.
 */
import type { PeriodicSavepointsOutput, TableMaintenanceOutput } from "../../components/outputs/contract";
import { CheckResult, CheckStatus, MetricValue, formatAge, formatBytes, worst } from "./check";
import {
    ConnectorMeasurement,
    DataFilesMeasurement,
    DremioMeasurement,
    FlinkJobMeasurement,
    FlinkJobSnapshot,
    FlinkOverview,
    KafkaMeasurement,
    NessieServerMeasurement,
    NessieTableMeasurement,
    PartitionOffsets,
    SlotMeasurement,
    TableFilesMeasurement,
} from "./measurements";

/** Thresholds of the checks (flags of `npm run health`). */
export interface HealthThresholds {
    /** `--max-checkpoint-age`: a job's last completed checkpoint may be at most this old (seconds). */
    maxCheckpointAgeSeconds: number;
    /** `--max-consumer-lag`: messages a job's consumer group may be behind the topic's end, per group and topic. */
    maxConsumerLag: number;
    /** `--max-slot-lag`: WAL bytes the replication slot may be behind the server's current position. */
    maxSlotLagBytes: number;
    /** `--max-data-age`: when set, the newest data file of each Iceberg table may be at most this old (seconds). Off by default: a quiet source writes nothing. */
    maxDataAgeSeconds?: number;
    /** `--max-commit-age`: when set, each Iceberg table's last Nessie commit may be at most this old (seconds). Off by default. */
    maxCommitAgeSeconds?: number;
    /** `--max-snapshots`: snapshots an Iceberg table may keep (each is in every commit's metadata file). */
    maxSnapshots: number;
    /** `--max-delete-files`: delete files an Iceberg table's current snapshot may have (each read merges them). */
    maxDeleteFiles: number;
    /** `--timeout`: bound of each service call (seconds). */
    timeoutSeconds: number;
}

/**
 * Defaults: checkpoints every 10 s by default (flink.checkpointIntervalMs), so 5 minutes without one is
 * a stuck job; 10 000 messages of lag; 1 GiB of WAL held by the slot (a tenth of the default
 * max_slot_wal_keep_size of 10 GB, after which PostgreSQL invalidates the slot); 1,500 snapshots and 500
 * delete files per table (what a table grows to within minutes to hours without maintenance); 15 s per call.
 */
export const DEFAULT_THRESHOLDS: HealthThresholds = {
    maxCheckpointAgeSeconds: 300,
    maxConsumerLag: 10_000,
    maxSlotLagBytes: 2 ** 30,
    // A day at 1 minute commits, or 10 minutes at 1 s checkpoints without maintenance.
    maxSnapshots: 1500,
    maxDeleteFiles: 500,
    timeoutSeconds: 15,
};

/**
 * The command that brings back what the stack declares after drift in a dynamic resource (a job gone
 * or failed, a connector, topic or Dremio source deleted out of band): the refresh reads the service
 * and finds the drift, the update repairs it. A plain `pulumi up` does not read dynamic resources, so
 * it would change nothing.
 */
export const REPAIR_COMMAND = "pulumi up --refresh";

/** Job states in which Flink itself is bringing the job back (restart strategy, JobManager failover). */
const RECOVERING_JOB_STATES = ["CREATED", "INITIALIZING", "RESTARTING", "RECONCILING"];

/**
 * The job to judge: the exported one when it is RUNNING; else a RUNNING job of the same name (the
 * exported id is stale: the job was resubmitted outside Pulumi); else a live one of that name; else the
 * exported one (ended or missing).
 */
export function chooseJob(m: Pick<FlinkJobMeasurement, "exported" | "liveByName">): { job?: FlinkJobSnapshot; stale: boolean } {
    if (m.exported?.state === "RUNNING") return { job: m.exported, stale: false };
    const running = m.liveByName.find((j) => j.state === "RUNNING");
    if (running) return { job: running, stale: true };
    if (m.liveByName.length) return { job: m.liveByName[0], stale: true };
    return { job: m.exported ?? undefined, stale: false };
}

/** `flink.cluster`: FAIL when no TaskManager is registered. */
export function evaluateFlinkCluster(restUrl: string, o: FlinkOverview): CheckResult {
    const metrics = {
        taskManagers: o.taskManagers,
        slotsTotal: o.slotsTotal,
        slotsAvailable: o.slotsAvailable,
        jobsRunning: o.jobsRunning,
        jobsFailed: o.jobsFailed,
        flinkVersion: o.flinkVersion ?? null,
    };
    const text = `Flink ${o.flinkVersion ?? "?"} at ${restUrl}: ${o.taskManagers} TaskManager(s), ${o.slotsAvailable}/${o.slotsTotal} slots free, ${o.jobsRunning} job(s) running`;
    if (o.taskManagers === 0) return { name: "flink.cluster", status: "FAIL", detail: `${text}; no TaskManager registered: jobs cannot run`, metrics };
    return { name: "flink.cluster", status: "PASS", detail: text, metrics };
}

/** What `flink.job.<table>` reads of the `periodicSavepoints` output: how often the job should get a savepoint, and by which job. */
export type PeriodicSavepointsExpectation = Pick<PeriodicSavepointsOutput, "intervalSeconds" | "timeoutSeconds"> & { job: { name: string } };

/**
 * How old a table job's newest savepoint may be where the stack takes periodic savepoints: two
 * intervals and one savepoint's time bound (a tick that failed, and the next one still running).
 */
export function maxSavepointAgeSeconds(p: Pick<PeriodicSavepointsOutput, "intervalSeconds" | "timeoutSeconds">): number {
    return 2 * p.intervalSeconds + p.timeoutSeconds;
}

/**
 * `flink.job.<table>`: FAIL when the job is not RUNNING (with the way back) or its last checkpoint is
 * older than `maxCheckpointAgeSeconds`; WARN for a stale exported job id, no checkpoint yet, or a
 * failed checkpoint after the last completed one. Where the stack takes periodic savepoints
 * (`periodic`), also the newest savepoint's age, WARN past {@link maxSavepointAgeSeconds}.
 */
export function evaluateFlinkJob(
    table: string,
    ref: { name?: string; jobId?: string },
    m: FlinkJobMeasurement,
    t: HealthThresholds,
    nowMs: number,
    periodic?: PeriodicSavepointsExpectation,
): CheckResult {
    const name = `flink.job.${table}`;
    const { job, stale } = chooseJob(m);
    const metrics: Record<string, MetricValue> = {
        jobId: job?.jobId ?? null,
        exportedJobId: ref.jobId ?? null,
        state: job?.state ?? "MISSING",
        staleJobId: stale,
        checkpointAgeSeconds: null,
        checkpointsCompleted: null,
        checkpointsFailed: null,
    };
    const label = `"${ref.name ?? job?.name ?? "?"}"`;
    if (!job || job.state !== "RUNNING") {
        const what = job ? `is ${job.state}` : ref.jobId ? `${ref.jobId} is unknown to Flink` : "has no exported job id";
        const none = ref.name ? `, and no running job is named ${label}` : "";
        const exception = m.exception ? `; Flink's exception: ${m.exception}` : "";
        const fix =
            job && RECOVERING_JOB_STATES.includes(job.state)
                ? `Flink is bringing it back (restart strategy or JobManager failover): check again in a minute; if it stays ${job.state}, run \`${REPAIR_COMMAND}\` to resubmit it from its last savepoint or checkpoint`
                : `run \`${REPAIR_COMMAND}\` to resubmit it from its last savepoint or checkpoint (a plain \`pulumi up\` does not notice a job that is gone)`;
        return { name, status: "FAIL", detail: `job ${label} ${job ? `${job.jobId} ` : ""}${what}${none}${exception}; ${fix}`, metrics };
    }
    const parts: string[] = [`${label} RUNNING as ${job.jobId}${job.startTime ? ` for ${formatAge((nowMs - job.startTime) / 1000)}` : ""}`];
    const statuses: CheckStatus[] = [];
    if (stale) {
        statuses.push("WARN");
        parts.push(
            `the exported job id ${ref.jobId ?? "(none)"} is ${m.exported ? m.exported.state : "unknown to Flink"} (resubmitted outside Pulumi?): run \`${REPAIR_COMMAND}\` to put the job back under the stack (it stops this one with a savepoint and resubmits the declared job from it)`,
        );
    }
    const cp = m.checkpoints;
    if (cp) {
        metrics.checkpointsCompleted = cp.completed;
        metrics.checkpointsFailed = cp.failed;
        if (cp.lastCompleted) {
            const age = Math.max(0, (nowMs - cp.lastCompleted.ackTimestamp) / 1000);
            metrics.checkpointAgeSeconds = Math.round(age * 10) / 10;
            metrics.lastCheckpointId = cp.lastCompleted.id;
            if (age > t.maxCheckpointAgeSeconds) {
                statuses.push("FAIL");
                parts.push(
                    `last completed checkpoint #${cp.lastCompleted.id} is ${formatAge(age)} old (more than ${formatAge(t.maxCheckpointAgeSeconds)}): the Iceberg tables get no commits`,
                );
            } else parts.push(`last checkpoint #${cp.lastCompleted.id} ${formatAge(age)} ago`);
        } else {
            const running = job.startTime ? (nowMs - job.startTime) / 1000 : Infinity;
            if (running > t.maxCheckpointAgeSeconds) {
                statuses.push("FAIL");
                parts.push(`no checkpoint completed in ${formatAge(running)}: the Iceberg sink commits only on checkpoints`);
            } else {
                statuses.push("WARN");
                parts.push("no checkpoint completed yet (job just started?)");
            }
        }
        if (cp.lastFailed && (!cp.lastCompleted || cp.lastFailed.failureTimestamp > cp.lastCompleted.ackTimestamp)) {
            statuses.push("WARN");
            parts.push(
                `checkpoint #${cp.lastFailed.id} failed ${formatAge((nowMs - cp.lastFailed.failureTimestamp) / 1000)} ago${cp.lastFailed.message ? `: ${cp.lastFailed.message}` : ""}`,
            );
        }
    } else {
        statuses.push("WARN");
        parts.push("checkpoint statistics unavailable");
    }
    if (periodic && cp) {
        const verdict = savepointVerdict(cp.lastSavepoint, job.startTime, periodic, nowMs);
        metrics.savepointAgeSeconds = verdict.ageSeconds;
        statuses.push(verdict.status);
        parts.push(verdict.text);
    }
    return { name, status: worst(...statuses), detail: parts.join("; "), metrics };
}

/** The newest savepoint of a running job against the periodic schedule: its age, and WARN when overdue. */
export function savepointVerdict(
    last: { id: number; ackTimestamp: number } | undefined,
    startTime: number | undefined,
    periodic: PeriodicSavepointsExpectation,
    nowMs: number,
): { status: CheckStatus; text: string; ageSeconds: number | null } {
    const limit = maxSavepointAgeSeconds(periodic);
    const where = `the periodic-savepoints job "${periodic.job.name}" takes one every ${formatAge(periodic.intervalSeconds)}: check flink.job.periodic-savepoints and the TaskManager's log for its failed savepoints`;
    if (last) {
        const age = Math.max(0, (nowMs - last.ackTimestamp) / 1000);
        const ageSeconds = Math.round(age * 10) / 10;
        if (age > limit)
            return { status: "WARN", text: `newest savepoint #${last.id} is ${formatAge(age)} old (more than ${formatAge(limit)}; ${where})`, ageSeconds };
        return { status: "PASS", text: `newest savepoint #${last.id} ${formatAge(age)} ago`, ageSeconds };
    }
    const running = startTime ? Math.max(0, (nowMs - startTime) / 1000) : Infinity;
    // Flink's statistics cover the job since the JobManager started it (a JobManager failover forgets them).
    if (running > limit)
        return {
            status: "WARN",
            text: `no savepoint in the ${formatAge(running)} the JobManager has run the job (more than ${formatAge(limit)}; ${where})`,
            ageSeconds: null,
        };
    return { status: "PASS", text: "no savepoint yet (the job started less than two intervals ago)", ageSeconds: null };
}

/** `kafka.broker`: FAIL when the cluster lists no brokers. */
export function evaluateKafkaBroker(bootstrap: string, m: KafkaMeasurement): CheckResult {
    const metrics = { brokers: m.brokers, clusterId: m.clusterId ?? null };
    if (m.brokers === 0) return { name: "kafka.broker", status: "FAIL", detail: `${bootstrap} answered but lists no brokers`, metrics };
    return { name: "kafka.broker", status: "PASS", detail: `${bootstrap}: ${m.brokers} broker(s), cluster ${m.clusterId ?? "?"}`, metrics };
}

/** Messages held by a topic: the sum over partitions of high minus low watermark. */
export function topicMessageCount(partitions: PartitionOffsets[]): number {
    return partitions.reduce((sum, p) => sum + Math.max(0, p.high - p.low), 0);
}

/** `kafka.topic.<table>`: FAIL when the topic does not exist. */
export function evaluateTopic(table: string, topic: string, partitions: PartitionOffsets[] | null): CheckResult {
    const name = `kafka.topic.${table}`;
    if (partitions === null)
        return {
            name,
            status: "FAIL",
            detail: `topic ${topic} does not exist (deleted out of band? the Flink job's Kafka source fails on a missing topic): run \`${REPAIR_COMMAND}\` to recreate it (and resubmit the job if it failed)`,
            metrics: { topic, messages: null, partitions: null },
        };
    const messages = topicMessageCount(partitions);
    const end = partitions.reduce((s, p) => s + p.high, 0);
    return {
        name,
        status: "PASS",
        detail: `topic ${topic}: ${messages} message(s) in ${partitions.length} partition(s) (end offset ${end})`,
        metrics: { topic, messages, partitions: partitions.length, endOffset: end },
    };
}

/**
 * Lag of a consumer group on a topic: per partition, the end offset minus the committed offset; a
 * partition without a committed offset counts its retained messages (high - low).
 */
export function consumerLag(partitions: PartitionOffsets[], committed: Record<number, number>): { lag: number; uncommitted: number[] } {
    let lag = 0;
    const uncommitted: number[] = [];
    for (const p of partitions) {
        const c = committed[p.partition];
        if (c === undefined || c < 0) {
            uncommitted.push(p.partition);
            lag += Math.max(0, p.high - p.low);
        } else lag += Math.max(0, p.high - Math.max(c, p.low));
    }
    return { lag, uncommitted };
}

/** `kafka.lag.<group>`: FAIL when the group is more than `maxConsumerLag` messages behind; WARN for partitions without a committed offset. */
export function evaluateConsumerGroup(
    group: string,
    topic: string,
    partitions: PartitionOffsets[] | null,
    committed: Record<number, number> | { error: string } | undefined,
    t: HealthThresholds,
): CheckResult {
    const name = `kafka.lag.${group}`;
    const metrics: Record<string, MetricValue> = { group, topic, lag: null };
    if (partitions === null) return { name, status: "FAIL", detail: `group ${group}: topic ${topic} does not exist`, metrics };
    if (!committed) return { name, status: "FAIL", detail: `group ${group}: offsets not read`, metrics };
    if ("error" in committed) return { name, status: "FAIL", detail: `group ${group}: reading its offsets failed: ${committed.error}`, metrics };
    const { lag, uncommitted } = consumerLag(partitions, committed);
    metrics.lag = lag;
    metrics.uncommittedPartitions = uncommitted.length;
    if (uncommitted.length === partitions.length && lag === 0)
        return { name, status: "PASS", detail: `group ${group} on ${topic}: no offsets committed, nothing to consume (lag 0)`, metrics };
    if (lag > t.maxConsumerLag)
        return {
            name,
            status: "FAIL",
            detail: `group ${group} is ${lag} message(s) behind ${topic} (more than ${t.maxConsumerLag})${uncommitted.length ? `; no committed offset on partition(s) ${uncommitted.join(", ")}` : ""}`,
            metrics,
        };
    if (uncommitted.length)
        return {
            name,
            status: "WARN",
            detail: `group ${group} on ${topic}: no committed offset on partition(s) ${uncommitted.join(", ")} (${lag} message(s) retained); Flink commits offsets on completed checkpoints`,
            metrics,
        };
    return { name, status: "PASS", detail: `group ${group} is ${lag} message(s) behind ${topic}`, metrics };
}

/** The telling line of a Java trace: the deepest `Caused by:`, else the first line. */
export function traceCause(trace: string | undefined): string {
    if (!trace) return "";
    const lines = trace
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
    const causes = lines.filter((l) => l.startsWith("Caused by: "));
    return (causes.length ? causes[causes.length - 1].slice("Caused by: ".length) : (lines[0] ?? "")).slice(0, 400);
}

/**
 * `connectUrl` (the Connect REST URL this machine reaches) makes the Connect commands in the details
 * complete (`curl` against it); without it they name the REST path.
 */
export function evaluateConnector(name: string, declaredState: string | undefined, m: ConnectorMeasurement, connectUrl?: string): CheckResult {
    const check = "connect.connector";
    const rest = (method: string, path: string) =>
        connectUrl ? `curl -X ${method} '${connectUrl.replace(/\/+$/, "")}${path}'` : `${method} ${path} on the Connect REST API`;
    if (!m.status)
        return {
            name: check,
            status: "FAIL",
            detail: `connector ${name} does not exist on the Connect cluster (deleted out of band?): run \`${REPAIR_COMMAND}\` to recreate it`,
            metrics: { connector: name, state: "MISSING", tasks: 0, tasksRunning: 0 },
        };
    const s = m.status;
    const running = s.tasks.filter((t) => t.state === "RUNNING").length;
    const metrics = { connector: name, state: s.state, tasks: s.tasks.length, tasksRunning: running };
    const tasks = s.tasks.map((t) => `task ${t.id} ${t.state}`).join(", ") || "no tasks";
    const failed = [
        s.state === "FAILED" ? `connector: ${traceCause(s.trace)}` : "",
        ...s.tasks.filter((t) => t.state === "FAILED").map((t) => `task ${t.id}: ${traceCause(t.trace)}`),
    ].filter(Boolean);
    if (s.state === "RUNNING" && s.tasks.length > 0 && running === s.tasks.length)
        return { name: check, status: "PASS", detail: `connector ${name} RUNNING, ${tasks}${m.workerVersion ? ` (Connect ${m.workerVersion})` : ""}`, metrics };
    if (failed.length)
        return {
            name: check,
            status: "FAIL",
            detail: `connector ${name} ${s.state}, ${tasks}; ${failed.join("; ")}; once the cause is fixed, restart the failed parts: ${rest("POST", `/connectors/${name}/restart?includeTasks=true&onlyFailed=true`)}`,
            metrics,
        };
    if ((s.state === "PAUSED" || s.state === "STOPPED") && declaredState === s.state)
        return {
            name: check,
            status: "WARN",
            detail: `connector ${name} is ${s.state} as the stack declares (pipeline.connectorState): no changes are captured`,
            metrics,
        };
    if (s.state === "PAUSED" || s.state === "STOPPED")
        return {
            name: check,
            status: "FAIL",
            detail: `connector ${name} is ${s.state} (the stack declares ${declaredState ?? "RUNNING"}): no changes are captured; run \`${REPAIR_COMMAND}\` to put it back in the declared state (or resume it: ${rest("PUT", `/connectors/${name}/resume`)})`,
            metrics,
        };
    return { name: check, status: "FAIL", detail: `connector ${name} ${s.state}, ${tasks}: not capturing`, metrics };
}

/** `s3.bucket`: the warehouse bucket answered. */
export function evaluateBucket(bucket: string, endpoint: string): CheckResult {
    return { name: "s3.bucket", status: "PASS", detail: `bucket ${bucket} reachable at ${endpoint}`, metrics: { bucket } };
}

/** `s3.data.<table>`: WARN when no data file exists yet; FAIL when the newest is older than `maxDataAgeSeconds` (when set). */
export function evaluateDataFiles(identifier: string, m: DataFilesMeasurement, t: HealthThresholds, nowMs: number): CheckResult {
    const name = `s3.data.${identifier}`;
    const metrics: Record<string, MetricValue> = { location: m.location, dataFiles: m.files, newestAgeSeconds: null, newestFile: null, truncated: m.truncated };
    const scope = m.truncated ? ` (listing stopped after ${m.scanned} objects)` : "";
    if (!m.newest)
        return {
            name,
            status: "WARN",
            detail: `no data files under ${m.location} yet${scope}: nothing has been written (no changes captured, or no checkpoint completed)`,
            metrics,
        };
    const age = Math.max(0, (nowMs - m.newest.lastModified) / 1000);
    metrics.newestAgeSeconds = Math.round(age);
    metrics.newestFile = m.newest.key;
    metrics.newestModified = new Date(m.newest.lastModified).toISOString();
    const text = `${m.files} data file(s) under ${m.location}; newest ${formatAge(age)} old (${m.newest.key.split("/").pop()})${scope}`;
    if (t.maxDataAgeSeconds !== undefined && age > t.maxDataAgeSeconds)
        return { name, status: "FAIL", detail: `${text}: older than ${formatAge(t.maxDataAgeSeconds)}`, metrics };
    return { name, status: "PASS", detail: text, metrics };
}

/** What `iceberg.files.<table>` reads of the `tableMaintenance` output. */
export type TableMaintenanceView = Pick<TableMaintenanceOutput, "tables" | "expireSnapshots" | "rewriteDataFiles"> & { job: { name: string } };

/** Slack on top of a task's interval before it counts as late (a run takes a while; the rate limit). */
const MAINTENANCE_SLACK_SECONDS = 120;

/**
 * `iceberg.files.<table>`: the table's upkeep from its metadata file. WARN when it keeps more snapshots
 * or delete files than the thresholds, and, when the stack maintains it, when expiration or compaction
 * is late (older snapshots than the retention plus two intervals; delete files and no compaction for
 * three intervals), naming the maintenance job to look at; without maintenance, the WARN names the key
 * that turns it on.
 */
export function evaluateTableFiles(
    identifier: string,
    m: TableFilesMeasurement,
    t: HealthThresholds,
    maintenance: TableMaintenanceView | undefined,
    nowMs: number,
): CheckResult {
    const name = `iceberg.files.${identifier}`;
    const ageOf = (ms: number | null) => (ms === null ? null : Math.max(0, Math.round((nowMs - ms) / 1000)));
    const oldestAge = ageOf(m.oldestSnapshotMs);
    const compactionAge = ageOf(m.lastCompactionMs);
    const maintained = maintenance?.tables.includes(identifier) ?? false;
    const metrics: Record<string, MetricValue> = {
        snapshots: m.snapshots,
        oldestSnapshotAgeSeconds: oldestAge,
        dataFiles: m.dataFiles,
        deleteFiles: m.deleteFiles,
        lastCompactionAgeSeconds: compactionAge,
        gcEnabled: m.gcEnabled,
        maintained,
    };
    const files = `${m.dataFiles ?? "?"} data file(s), ${m.deleteFiles ?? "?"} delete file(s)`;
    const text = `${m.snapshots} snapshot(s)${oldestAge !== null ? ` (oldest ${formatAge(oldestAge)})` : ""}, ${files}; last compaction ${compactionAge !== null ? `${formatAge(compactionAge)} ago` : "none kept"}`;
    const problems: string[] = [];
    if (m.snapshots > t.maxSnapshots) problems.push(`more than ${t.maxSnapshots} snapshots`);
    if ((m.deleteFiles ?? 0) > t.maxDeleteFiles) problems.push(`more than ${t.maxDeleteFiles} delete files`);
    if (!maintained) {
        if (!problems.length) return { name, status: "PASS", detail: `${text} (no table maintenance declared)`, metrics };
        return {
            name,
            status: "WARN",
            detail: `${text}: ${problems.join(", ")}, and nothing maintains this table: set lakehouse:maintenance.enabled to true (docs/maintenance.md) and run pulumi up`,
            metrics,
        };
    }
    const e = maintenance!.expireSnapshots;
    if (
        e.intervalSeconds > 0 &&
        m.snapshots > e.retainLast &&
        oldestAge !== null &&
        oldestAge > e.maxSnapshotAgeSeconds + 2 * e.intervalSeconds + MAINTENANCE_SLACK_SECONDS
    ) {
        problems.push(`the oldest snapshot is ${formatAge(oldestAge)} old against a retention of ${formatAge(e.maxSnapshotAgeSeconds)}: expiration is late`);
        if (!m.gcEnabled)
            problems.push("the table's gc.enabled is false, so Iceberg refuses to expire its snapshots (the maintenance job sets it when it starts)");
    }
    const r = maintenance!.rewriteDataFiles;
    const since = compactionAge ?? oldestAge;
    if (r.intervalSeconds > 0 && (m.deleteFiles ?? 0) > 0 && since !== null && since > 3 * r.intervalSeconds + MAINTENANCE_SLACK_SECONDS)
        problems.push(
            `${m.deleteFiles} delete file(s) and no compaction for ${formatAge(since)} (every ${formatAge(r.intervalSeconds)} declared): compaction is late`,
        );
    if (problems.length)
        return {
            name,
            status: "WARN",
            detail: `${text}: ${problems.join("; ")}; look at the maintenance job "${maintenance!.job.name}" (check flink.job.table-maintenance, and its exceptions in Flink's UI)`,
            metrics,
        };
    return { name, status: "PASS", detail: `${text}; maintained by "${maintenance!.job.name}"`, metrics };
}

/** `nessie.server`: FAIL when the stack's branch does not exist. */
export function evaluateNessieServer(apiUrl: string, branch: string, m: NessieServerMeasurement): CheckResult {
    const metrics = { branch, hash: m.hash, specVersion: m.specVersion ?? null };
    if (m.hash === null) return { name: "nessie.server", status: "FAIL", detail: `Nessie at ${apiUrl} has no branch ${branch} (the tables' branch)`, metrics };
    return {
        name: "nessie.server",
        status: "PASS",
        detail: `Nessie ${m.specVersion ?? ""} at ${apiUrl}: branch ${branch} at ${m.hash.slice(0, 12)}`.replace("  ", " "),
        metrics,
    };
}

/** `nessie.table.<table>`: FAIL when the table is missing or not Iceberg, or its last commit is older than `maxCommitAgeSeconds` (when set). */
export function evaluateNessieTable(
    identifier: string,
    key: string,
    branch: string,
    m: NessieTableMeasurement,
    t: HealthThresholds,
    nowMs: number,
): CheckResult {
    const name = `nessie.table.${identifier}`;
    const metrics: Record<string, MetricValue> = {
        key,
        lastCommitHash: m.lastCommit?.hash ?? null,
        lastCommitTime: m.lastCommit ? new Date(m.lastCommit.time).toISOString() : null,
        lastCommitAgeSeconds: null,
        snapshotId: m.content?.snapshotId ?? null,
    };
    if (!m.content)
        return { name, status: "FAIL", detail: `table ${key} does not exist on branch ${branch} (the Flink job creates it when it starts)`, metrics };
    if (m.content.type !== "ICEBERG_TABLE")
        return { name, status: "FAIL", detail: `${key} on branch ${branch} is a ${m.content.type}, not an Iceberg table`, metrics };
    if (!m.lastCommit) return { name, status: "WARN", detail: `table ${key} exists, but no commit touching it was found on ${branch}`, metrics };
    const age = Math.max(0, (nowMs - m.lastCommit.time) / 1000);
    metrics.lastCommitAgeSeconds = Math.round(age);
    const snapshot = m.content.snapshotId === undefined || m.content.snapshotId.startsWith("-") ? "no snapshot yet" : `snapshot ${m.content.snapshotId}`;
    const text = `table ${key}: last commit ${m.lastCommit.hash.slice(0, 12)} ${formatAge(age)} ago at ${new Date(m.lastCommit.time).toISOString()} ("${m.lastCommit.message.slice(0, 80)}"), ${snapshot}`;
    if (t.maxCommitAgeSeconds !== undefined && age > t.maxCommitAgeSeconds)
        return { name, status: "FAIL", detail: `${text}: older than ${formatAge(t.maxCommitAgeSeconds)}`, metrics };
    return { name, status: "PASS", detail: text, metrics };
}

/** `postgres.slot`: FAIL when the slot is missing, inactive, lost, or more than `maxSlotLagBytes` behind. */
export function evaluateSlot(slotName: string, m: SlotMeasurement, t: HealthThresholds): CheckResult {
    const name = "postgres.slot";
    if (!m.slot)
        return {
            name,
            status: "FAIL",
            detail: `replication slot ${slotName} does not exist (in the cluster of database ${m.database}): Debezium has not started, or the slot was dropped`,
            metrics: { slot: slotName, active: null, lagBytes: null },
        };
    const s = m.slot;
    const metrics = { slot: slotName, active: s.active, lagBytes: s.lagBytes, retainedBytes: s.retainedBytes, walStatus: s.walStatus ?? null };
    const lag = s.lagBytes === null ? "lag unknown (no confirmed position yet)" : `${formatBytes(s.lagBytes)} behind the current WAL`;
    const text = `slot ${slotName} (${s.plugin}, database ${s.database}) ${s.active ? "active" : "INACTIVE"}, ${lag}${s.retainedBytes !== null ? `, ${formatBytes(s.retainedBytes)} of WAL retained` : ""}`;
    if (s.walStatus === "lost")
        return {
            name,
            status: "FAIL",
            detail: `${text}; wal_status lost: PostgreSQL removed WAL the slot needed (max_slot_wal_keep_size): the connector must re-snapshot`,
            metrics,
        };
    if (!s.active) return { name, status: "FAIL", detail: `${text}: no connector is reading it (connector stopped or failed?) and it holds WAL`, metrics };
    if (s.lagBytes !== null && s.lagBytes > t.maxSlotLagBytes)
        return { name, status: "FAIL", detail: `${text}: more than ${formatBytes(t.maxSlotLagBytes)}`, metrics };
    return { name, status: "PASS", detail: text, metrics };
}

/** `dremio.source`: FAIL when the source is missing or bad; WARN when its id differs from the exported one or Dremio warns. */
export function evaluateDremio(name: string, exportedId: string | undefined, m: DremioMeasurement): CheckResult {
    const check = "dremio.source";
    if (!m.source)
        return {
            name: check,
            status: "FAIL",
            detail: `Dremio has no source ${name} (deleted out of band?): run \`${REPAIR_COMMAND}\` to recreate it`,
            metrics: { source: name, id: null },
        };
    const metrics = { source: name, id: m.source.id, type: m.source.type ?? null, state: m.source.status ?? null };
    const text = `source ${name} (${m.source.type ?? "?"}) present, id ${m.source.id}${m.source.status ? `, state ${m.source.status}` : ""}`;
    if (m.source.status === "bad") return { name: check, status: "FAIL", detail: `${text}: ${m.source.message ?? "Dremio reports it unusable"}`, metrics };
    if (exportedId && exportedId !== m.source.id)
        return {
            name: check,
            status: "WARN",
            detail: `${text}, but the stack exported id ${exportedId} (recreated out of band?): run \`${REPAIR_COMMAND}\` to adopt it and export its id`,
            metrics,
        };
    if (m.source.status === "warn") return { name: check, status: "WARN", detail: `${text}: ${m.source.message ?? ""}`, metrics };
    return { name: check, status: "PASS", detail: text, metrics };
}
