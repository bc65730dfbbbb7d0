/**
 * `npm run health`: the pure part. Arguments and thresholds, the raw measurements each check takes,
 * their evaluation into PASS / WARN / FAIL lines with details and metrics, the report (human lines or
 * JSON) and the exit code; and `runHealthChecks`, which walks the stack's outputs and asks an injected
 * `HealthProbes` (ops/probes.ts talks to the real services) for the measurements.
 *
 * Statuses: FAIL means the pipeline is broken or at risk now (exit code 1); WARN means something to
 * look at that does not by itself stop data flowing (e.g. no checkpoint yet on a job that just started).
 */
import { UsageError, checkStackName, parseFlags } from "./args";
import { StackOutputs, UrlPair, nessieContentKey, parseHostPort, parseS3Uri, pipelineView, redact, secretValues } from "./outputs";

// ------------------------------------------------------------------------------------------------
// Arguments

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
    /** `--timeout`: bound of each service call (seconds). */
    timeoutSeconds: number;
}

/**
 * Defaults: checkpoints every 10 s by default (flink.checkpointIntervalMs), so 5 minutes without one is
 * a stuck job; 10 000 messages of lag; 1 GiB of WAL held by the slot (a tenth of the default
 * max_slot_wal_keep_size of 10 GB, after which PostgreSQL invalidates the slot); 15 s per call.
 */
export const DEFAULT_THRESHOLDS: HealthThresholds = {
    maxCheckpointAgeSeconds: 300,
    maxConsumerLag: 10_000,
    maxSlotLagBytes: 2 ** 30,
    timeoutSeconds: 15,
};

/** What `npm run health -- ...` was asked. */
export interface HealthArgs {
    /** `--stack`: the stack whose outputs are read (required unless `--outputs-file`). */
    stack?: string;
    /** `--outputs-file`: the JSON of `pulumi stack output --json --show-secrets`, instead of the CLI. */
    outputsFile?: string;
    /** `--json`: one machine-readable object instead of the lines. */
    json: boolean;
    thresholds: HealthThresholds;
}

export const HEALTH_USAGE = `usage: npm run health -- --stack <name> [--json] [thresholds]
       npm run health -- --outputs-file <outputs.json> [--stack <name>] [--json] [thresholds]

Checks the stack's pipeline end to end and prints one PASS/WARN/FAIL line per check; exits 1 when
any check FAILs, 2 on a usage error or unreadable outputs.

  --stack <name>             stack whose outputs are read with the offline Pulumi CLI
                             (file backend ./.pulumi-state unless PULUMI_BACKEND_URL is set)
  --outputs-file <path>      read the outputs from this file instead (JSON of
                             \`pulumi stack output --json --show-secrets\`)
  --json                     print {stack, ok, checkedAt, summary, checks:[{name, status, detail, metrics}]}
  --max-checkpoint-age <d>   FAIL when a job's last completed checkpoint is older (default 300s)
  --max-consumer-lag <n>     FAIL when a consumer group is more messages behind (default 10000)
  --max-slot-lag <size>      FAIL when the replication slot holds more WAL (default 1GiB)
  --max-data-age <d>         FAIL when a table's newest data file is older (default: off)
  --max-commit-age <d>       FAIL when a table's last Nessie commit is older (default: off)
  --timeout <d>              bound of each service call (default 15s)
durations: 90, 90s, 5m, 1h; sizes: 1048576, 512MB, 1GiB`;

/** Parses `npm run health` arguments; UsageError on anything wrong. */
export function parseHealthArgs(argv: string[]): HealthArgs {
    const f = parseFlags(argv, {
        stack: "string",
        "outputs-file": "string",
        json: "boolean",
        "max-checkpoint-age": "seconds",
        "max-consumer-lag": "count",
        "max-slot-lag": "bytes",
        "max-data-age": "seconds",
        "max-commit-age": "seconds",
        timeout: "seconds",
    });
    if (f.stack === undefined && f["outputs-file"] === undefined) throw new UsageError("--stack <name> (or --outputs-file <path>) is required");
    const thresholds: HealthThresholds = { ...DEFAULT_THRESHOLDS };
    if (f["max-checkpoint-age"] !== undefined) thresholds.maxCheckpointAgeSeconds = f["max-checkpoint-age"] as number;
    if (f["max-consumer-lag"] !== undefined) thresholds.maxConsumerLag = f["max-consumer-lag"] as number;
    if (f["max-slot-lag"] !== undefined) thresholds.maxSlotLagBytes = f["max-slot-lag"] as number;
    if (f["max-data-age"] !== undefined) thresholds.maxDataAgeSeconds = f["max-data-age"] as number;
    if (f["max-commit-age"] !== undefined) thresholds.maxCommitAgeSeconds = f["max-commit-age"] as number;
    if (f.timeout !== undefined) {
        if ((f.timeout as number) <= 0) throw new UsageError("--timeout must be more than 0");
        thresholds.timeoutSeconds = f.timeout as number;
    }
    return {
        ...(f.stack !== undefined ? { stack: checkStackName(f.stack as string) } : {}),
        ...(f["outputs-file"] !== undefined ? { outputsFile: f["outputs-file"] as string } : {}),
        json: f.json === true,
        thresholds,
    };
}

// ------------------------------------------------------------------------------------------------
// Results

export type CheckStatus = "PASS" | "WARN" | "FAIL";
export type MetricValue = number | string | boolean | null;

/** One check's outcome: a line in the human output, an element of `checks` in the JSON. */
export interface CheckResult {
    /** Stable, dotted: `flink.cluster`, `flink.job.<table>`, `kafka.topic.<table>`, `kafka.lag.<group>`, ... */
    name: string;
    status: CheckStatus;
    /** One line for a human: what was found, and for a WARN/FAIL why and what to do. */
    detail: string;
    /** The measured numbers (ages in seconds, sizes in bytes, timestamps ISO 8601). */
    metrics: Record<string, MetricValue>;
}

/** The whole report (`--json` prints it as is). */
export interface HealthReport {
    stack: string | null;
    /** False when any check FAILed. */
    ok: boolean;
    checkedAt: string;
    summary: { pass: number; warn: number; fail: number };
    checks: CheckResult[];
}

const RANK: Record<CheckStatus, number> = { PASS: 0, WARN: 1, FAIL: 2 };

/** The worst of some statuses (PASS when none). */
export function worst(...statuses: CheckStatus[]): CheckStatus {
    return statuses.reduce<CheckStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), "PASS");
}

/** "8 s", "3 min 12 s", "2 h 5 min", "3 d 4 h". */
export function formatAge(seconds: number): string {
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
    if (s < 86400) return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ""}`;
    return `${Math.floor(s / 86400)} d${Math.floor((s % 86400) / 3600) ? ` ${Math.floor((s % 86400) / 3600)} h` : ""}`;
}

/** "512 B", "1.5 KiB", "3.0 GiB". */
export function formatBytes(bytes: number): string {
    if (bytes < 1024) return `${bytes} B`;
    const units = ["KiB", "MiB", "GiB", "TiB"];
    let v = bytes / 1024;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
    }
    return `${v.toFixed(1)} ${units[i]}`;
}

/** The report of some checks. */
export function buildReport(stack: string | null, checks: CheckResult[], checkedAt: Date): HealthReport {
    const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
    const summary = { pass: count("PASS"), warn: count("WARN"), fail: count("FAIL") };
    return { stack, ok: summary.fail === 0, checkedAt: checkedAt.toISOString(), summary, checks };
}

/** One human line: `PASS  flink.cluster  1 TaskManager, ...`. */
export function formatCheckLine(check: CheckResult, nameWidth = 0): string {
    return `${check.status.padEnd(4)}  ${check.name.padEnd(nameWidth)}  ${check.detail}`;
}

/** The human output: a header, one line per check, a summary. */
export function formatReport(report: HealthReport): string {
    const width = Math.min(48, Math.max(0, ...report.checks.map((c) => c.name.length)));
    return [
        `health of stack ${report.stack ?? "(from outputs file)"} at ${report.checkedAt}`,
        ...report.checks.map((c) => formatCheckLine(c, width)),
        `${report.checks.length} checks: ${report.summary.pass} PASS, ${report.summary.warn} WARN, ${report.summary.fail} FAIL${report.ok ? "" : "  (unhealthy)"}`,
    ].join("\n");
}

/** 0 when nothing FAILed, 1 otherwise. */
export function exitCode(report: HealthReport): number {
    return report.ok ? 0 : 1;
}

// ------------------------------------------------------------------------------------------------
// Measurements (what the probes return) and their evaluation

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

export function evaluateFlinkCluster(restUrl: string, o: FlinkOverview): CheckResult {
    const metrics = { taskManagers: o.taskManagers, slotsTotal: o.slotsTotal, slotsAvailable: o.slotsAvailable, jobsRunning: o.jobsRunning, jobsFailed: o.jobsFailed, flinkVersion: o.flinkVersion ?? null };
    const text = `Flink ${o.flinkVersion ?? "?"} at ${restUrl}: ${o.taskManagers} TaskManager(s), ${o.slotsAvailable}/${o.slotsTotal} slots free, ${o.jobsRunning} job(s) running`;
    if (o.taskManagers === 0) return { name: "flink.cluster", status: "FAIL", detail: `${text}; no TaskManager registered: jobs cannot run`, metrics };
    return { name: "flink.cluster", status: "PASS", detail: text, metrics };
}

/**
 * The command that brings back what the stack declares after drift in a dynamic resource (a job gone
 * or failed, a connector, topic or Dremio source deleted out of band): the refresh reads the service
 * and finds the drift, the update repairs it. A plain `pulumi up` does not read dynamic resources, so
 * it would change nothing.
 */
export const REPAIR_COMMAND = "pulumi up --refresh";

/** Job states in which Flink itself is bringing the job back (restart strategy, JobManager failover). */
const RECOVERING_JOB_STATES = ["CREATED", "INITIALIZING", "RESTARTING", "RECONCILING"];

export function evaluateFlinkJob(table: string, ref: { name?: string; jobId?: string }, m: FlinkJobMeasurement, t: HealthThresholds, nowMs: number): CheckResult {
    const name = `flink.job.${table}`;
    const { job, stale } = chooseJob(m);
    const metrics: Record<string, MetricValue> = { jobId: job?.jobId ?? null, exportedJobId: ref.jobId ?? null, state: job?.state ?? "MISSING", staleJobId: stale, checkpointAgeSeconds: null, checkpointsCompleted: null, checkpointsFailed: null };
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
                parts.push(`last completed checkpoint #${cp.lastCompleted.id} is ${formatAge(age)} old (more than ${formatAge(t.maxCheckpointAgeSeconds)}): the Iceberg tables get no commits`);
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
            parts.push(`checkpoint #${cp.lastFailed.id} failed ${formatAge((nowMs - cp.lastFailed.failureTimestamp) / 1000)} ago${cp.lastFailed.message ? `: ${cp.lastFailed.message}` : ""}`);
        }
    } else {
        statuses.push("WARN");
        parts.push("checkpoint statistics unavailable");
    }
    return { name, status: worst(...statuses), detail: parts.join("; "), metrics };
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

export function evaluateKafkaBroker(bootstrap: string, m: KafkaMeasurement): CheckResult {
    const metrics = { brokers: m.brokers, clusterId: m.clusterId ?? null };
    if (m.brokers === 0) return { name: "kafka.broker", status: "FAIL", detail: `${bootstrap} answered but lists no brokers`, metrics };
    return { name: "kafka.broker", status: "PASS", detail: `${bootstrap}: ${m.brokers} broker(s), cluster ${m.clusterId ?? "?"}`, metrics };
}

/** Messages held by a topic: the sum over partitions of high minus low watermark. */
export function topicMessageCount(partitions: PartitionOffsets[]): number {
    return partitions.reduce((sum, p) => sum + Math.max(0, p.high - p.low), 0);
}

export function evaluateTopic(table: string, topic: string, partitions: PartitionOffsets[] | null): CheckResult {
    const name = `kafka.topic.${table}`;
    if (partitions === null) return { name, status: "FAIL", detail: `topic ${topic} does not exist (deleted out of band? the Flink job's Kafka source fails on a missing topic): run \`${REPAIR_COMMAND}\` to recreate it (and resubmit the job if it failed)`, metrics: { topic, messages: null, partitions: null } };
    const messages = topicMessageCount(partitions);
    const end = partitions.reduce((s, p) => s + p.high, 0);
    return { name, status: "PASS", detail: `topic ${topic}: ${messages} message(s) in ${partitions.length} partition(s) (end offset ${end})`, metrics: { topic, messages, partitions: partitions.length, endOffset: end } };
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

export function evaluateConsumerGroup(group: string, topic: string, partitions: PartitionOffsets[] | null, committed: Record<number, number> | { error: string } | undefined, t: HealthThresholds): CheckResult {
    const name = `kafka.lag.${group}`;
    const metrics: Record<string, MetricValue> = { group, topic, lag: null };
    if (partitions === null) return { name, status: "FAIL", detail: `group ${group}: topic ${topic} does not exist`, metrics };
    if (!committed) return { name, status: "FAIL", detail: `group ${group}: offsets not read`, metrics };
    if ("error" in committed) return { name, status: "FAIL", detail: `group ${group}: reading its offsets failed: ${committed.error}`, metrics };
    const { lag, uncommitted } = consumerLag(partitions, committed);
    metrics.lag = lag;
    metrics.uncommittedPartitions = uncommitted.length;
    if (uncommitted.length === partitions.length && lag === 0) return { name, status: "PASS", detail: `group ${group} on ${topic}: no offsets committed, nothing to consume (lag 0)`, metrics };
    if (lag > t.maxConsumerLag) return { name, status: "FAIL", detail: `group ${group} is ${lag} message(s) behind ${topic} (more than ${t.maxConsumerLag})${uncommitted.length ? `; no committed offset on partition(s) ${uncommitted.join(", ")}` : ""}`, metrics };
    if (uncommitted.length) return { name, status: "WARN", detail: `group ${group} on ${topic}: no committed offset on partition(s) ${uncommitted.join(", ")} (${lag} message(s) retained); Flink commits offsets on completed checkpoints`, metrics };
    return { name, status: "PASS", detail: `group ${group} is ${lag} message(s) behind ${topic}`, metrics };
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

/** The telling line of a Java trace: the deepest `Caused by:`, else the first line. */
export function traceCause(trace: string | undefined): string {
    if (!trace) return "";
    const lines = trace.split("\n").map((l) => l.trim()).filter(Boolean);
    const causes = lines.filter((l) => l.startsWith("Caused by: "));
    return (causes.length ? causes[causes.length - 1].slice("Caused by: ".length) : lines[0] ?? "").slice(0, 400);
}

/**
 * `connectUrl` (the Connect REST URL this machine reaches) makes the Connect commands in the details
 * complete (`curl` against it); without it they name the REST path.
 */
export function evaluateConnector(name: string, declaredState: string | undefined, m: ConnectorMeasurement, connectUrl?: string): CheckResult {
    const check = "connect.connector";
    const rest = (method: string, path: string) => (connectUrl ? `curl -X ${method} '${connectUrl.replace(/\/+$/, "")}${path}'` : `${method} ${path} on the Connect REST API`);
    if (!m.status) return { name: check, status: "FAIL", detail: `connector ${name} does not exist on the Connect cluster (deleted out of band?): run \`${REPAIR_COMMAND}\` to recreate it`, metrics: { connector: name, state: "MISSING", tasks: 0, tasksRunning: 0 } };
    const s = m.status;
    const running = s.tasks.filter((t) => t.state === "RUNNING").length;
    const metrics = { connector: name, state: s.state, tasks: s.tasks.length, tasksRunning: running };
    const tasks = s.tasks.map((t) => `task ${t.id} ${t.state}`).join(", ") || "no tasks";
    const failed = [s.state === "FAILED" ? `connector: ${traceCause(s.trace)}` : "", ...s.tasks.filter((t) => t.state === "FAILED").map((t) => `task ${t.id}: ${traceCause(t.trace)}`)].filter(Boolean);
    if (s.state === "RUNNING" && s.tasks.length > 0 && running === s.tasks.length) return { name: check, status: "PASS", detail: `connector ${name} RUNNING, ${tasks}${m.workerVersion ? ` (Connect ${m.workerVersion})` : ""}`, metrics };
    if (failed.length) return { name: check, status: "FAIL", detail: `connector ${name} ${s.state}, ${tasks}; ${failed.join("; ")}; once the cause is fixed, restart the failed parts: ${rest("POST", `/connectors/${name}/restart?includeTasks=true&onlyFailed=true`)}`, metrics };
    if ((s.state === "PAUSED" || s.state === "STOPPED") && declaredState === s.state) return { name: check, status: "WARN", detail: `connector ${name} is ${s.state} as the stack declares (pipeline.connectorState): no changes are captured`, metrics };
    if (s.state === "PAUSED" || s.state === "STOPPED") return { name: check, status: "FAIL", detail: `connector ${name} is ${s.state} (the stack declares ${declaredState ?? "RUNNING"}): no changes are captured; run \`${REPAIR_COMMAND}\` to put it back in the declared state (or resume it: ${rest("PUT", `/connectors/${name}/resume`)})`, metrics };
    return { name: check, status: "FAIL", detail: `connector ${name} ${s.state}, ${tasks}: not capturing`, metrics };
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

export function evaluateBucket(bucket: string, endpoint: string): CheckResult {
    return { name: "s3.bucket", status: "PASS", detail: `bucket ${bucket} reachable at ${endpoint}`, metrics: { bucket } };
}

export function evaluateDataFiles(identifier: string, m: DataFilesMeasurement, t: HealthThresholds, nowMs: number): CheckResult {
    const name = `s3.data.${identifier}`;
    const metrics: Record<string, MetricValue> = { location: m.location, dataFiles: m.files, newestAgeSeconds: null, newestFile: null, truncated: m.truncated };
    const scope = m.truncated ? ` (listing stopped after ${m.scanned} objects)` : "";
    if (!m.newest) return { name, status: "WARN", detail: `no data files under ${m.location} yet${scope}: nothing has been written (no changes captured, or no checkpoint completed)`, metrics };
    const age = Math.max(0, (nowMs - m.newest.lastModified) / 1000);
    metrics.newestAgeSeconds = Math.round(age);
    metrics.newestFile = m.newest.key;
    metrics.newestModified = new Date(m.newest.lastModified).toISOString();
    const text = `${m.files} data file(s) under ${m.location}; newest ${formatAge(age)} old (${m.newest.key.split("/").pop()})${scope}`;
    if (t.maxDataAgeSeconds !== undefined && age > t.maxDataAgeSeconds) return { name, status: "FAIL", detail: `${text}: older than ${formatAge(t.maxDataAgeSeconds)}`, metrics };
    return { name, status: "PASS", detail: text, metrics };
}

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

export function evaluateNessieServer(apiUrl: string, branch: string, m: NessieServerMeasurement): CheckResult {
    const metrics = { branch, hash: m.hash, specVersion: m.specVersion ?? null };
    if (m.hash === null) return { name: "nessie.server", status: "FAIL", detail: `Nessie at ${apiUrl} has no branch ${branch} (the tables' branch)`, metrics };
    return { name: "nessie.server", status: "PASS", detail: `Nessie ${m.specVersion ?? ""} at ${apiUrl}: branch ${branch} at ${m.hash.slice(0, 12)}`.replace("  ", " "), metrics };
}

export function evaluateNessieTable(identifier: string, key: string, branch: string, m: NessieTableMeasurement, t: HealthThresholds, nowMs: number): CheckResult {
    const name = `nessie.table.${identifier}`;
    const metrics: Record<string, MetricValue> = { key, lastCommitHash: m.lastCommit?.hash ?? null, lastCommitTime: m.lastCommit ? new Date(m.lastCommit.time).toISOString() : null, lastCommitAgeSeconds: null, snapshotId: m.content?.snapshotId ?? null };
    if (!m.content) return { name, status: "FAIL", detail: `table ${key} does not exist on branch ${branch} (the Flink job creates it when it starts)`, metrics };
    if (m.content.type !== "ICEBERG_TABLE") return { name, status: "FAIL", detail: `${key} on branch ${branch} is a ${m.content.type}, not an Iceberg table`, metrics };
    if (!m.lastCommit) return { name, status: "WARN", detail: `table ${key} exists, but no commit touching it was found on ${branch}`, metrics };
    const age = Math.max(0, (nowMs - m.lastCommit.time) / 1000);
    metrics.lastCommitAgeSeconds = Math.round(age);
    const snapshot = m.content.snapshotId === undefined || m.content.snapshotId.startsWith("-") ? "no snapshot yet" : `snapshot ${m.content.snapshotId}`;
    const text = `table ${key}: last commit ${m.lastCommit.hash.slice(0, 12)} ${formatAge(age)} ago at ${new Date(m.lastCommit.time).toISOString()} ("${m.lastCommit.message.slice(0, 80)}"), ${snapshot}`;
    if (t.maxCommitAgeSeconds !== undefined && age > t.maxCommitAgeSeconds) return { name, status: "FAIL", detail: `${text}: older than ${formatAge(t.maxCommitAgeSeconds)}`, metrics };
    return { name, status: "PASS", detail: text, metrics };
}

/** A replication slot as `pg_replication_slots` shows it (null: no such slot). */
export interface SlotMeasurement {
    /** The database the probe connected to. */
    database: string;
    slot: null | { plugin: string; database: string; active: boolean; walStatus?: string; lagBytes: number | null; retainedBytes: number | null };
}

export function evaluateSlot(slotName: string, m: SlotMeasurement, t: HealthThresholds): CheckResult {
    const name = "postgres.slot";
    if (!m.slot) return { name, status: "FAIL", detail: `replication slot ${slotName} does not exist (in the cluster of database ${m.database}): Debezium has not started, or the slot was dropped`, metrics: { slot: slotName, active: null, lagBytes: null } };
    const s = m.slot;
    const metrics = { slot: slotName, active: s.active, lagBytes: s.lagBytes, retainedBytes: s.retainedBytes, walStatus: s.walStatus ?? null };
    const lag = s.lagBytes === null ? "lag unknown (no confirmed position yet)" : `${formatBytes(s.lagBytes)} behind the current WAL`;
    const text = `slot ${slotName} (${s.plugin}, database ${s.database}) ${s.active ? "active" : "INACTIVE"}, ${lag}${s.retainedBytes !== null ? `, ${formatBytes(s.retainedBytes)} of WAL retained` : ""}`;
    if (s.walStatus === "lost") return { name, status: "FAIL", detail: `${text}; wal_status lost: PostgreSQL removed WAL the slot needed (max_slot_wal_keep_size): the connector must re-snapshot`, metrics };
    if (!s.active) return { name, status: "FAIL", detail: `${text}: no connector is reading it (connector stopped or failed?) and it holds WAL`, metrics };
    if (s.lagBytes !== null && s.lagBytes > t.maxSlotLagBytes) return { name, status: "FAIL", detail: `${text}: more than ${formatBytes(t.maxSlotLagBytes)}`, metrics };
    return { name, status: "PASS", detail: text, metrics };
}

/** Dremio's view of the source (null: no source of that name). */
export interface DremioMeasurement {
    source: null | { id: string; type?: string; status?: string; message?: string };
}

export function evaluateDremio(name: string, exportedId: string | undefined, m: DremioMeasurement): CheckResult {
    const check = "dremio.source";
    if (!m.source) return { name: check, status: "FAIL", detail: `Dremio has no source ${name} (deleted out of band?): run \`${REPAIR_COMMAND}\` to recreate it`, metrics: { source: name, id: null } };
    const metrics = { source: name, id: m.source.id, type: m.source.type ?? null, state: m.source.status ?? null };
    const text = `source ${name} (${m.source.type ?? "?"}) present, id ${m.source.id}${m.source.status ? `, state ${m.source.status}` : ""}`;
    if (m.source.status === "bad") return { name: check, status: "FAIL", detail: `${text}: ${m.source.message ?? "Dremio reports it unusable"}`, metrics };
    if (exportedId && exportedId !== m.source.id) return { name: check, status: "WARN", detail: `${text}, but the stack exported id ${exportedId} (recreated out of band?): run \`${REPAIR_COMMAND}\` to adopt it and export its id`, metrics };
    if (m.source.status === "warn") return { name: check, status: "WARN", detail: `${text}: ${m.source.message ?? ""}`, metrics };
    return { name: check, status: "PASS", detail: text, metrics };
}

// ------------------------------------------------------------------------------------------------
// Running the checks against injected probes

/** Where and how S3 is reached. */
export interface S3Target {
    endpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    /** Path-style requests (MinIO). */
    forcePathStyle: boolean;
}

/** Where and how PostgreSQL is reached. */
export interface PgTarget {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
}

/** The I/O the checks need; each call is bounded by `timeoutMs` and throws with the service's own message. */
export interface HealthProbes {
    flinkOverview(restUrl: string, timeoutMs: number): Promise<FlinkOverview>;
    flinkJob(restUrl: string, ref: { jobId?: string; name?: string }, timeoutMs: number): Promise<FlinkJobMeasurement>;
    kafka(bootstrap: string, topics: string[], groups: { group: string; topic: string }[], timeoutMs: number): Promise<KafkaMeasurement>;
    connector(connectUrl: string, name: string, timeoutMs: number): Promise<ConnectorMeasurement>;
    bucket(s3: S3Target, bucket: string, timeoutMs: number): Promise<void>;
    dataFiles(s3: S3Target, location: string, timeoutMs: number): Promise<DataFilesMeasurement>;
    nessieServer(apiUrl: string, branch: string, timeoutMs: number): Promise<NessieServerMeasurement>;
    nessieTable(apiUrl: string, branch: string, key: string, timeoutMs: number): Promise<NessieTableMeasurement>;
    slot(pg: PgTarget, slot: string, timeoutMs: number): Promise<SlotMeasurement>;
    dremio(url: string, user: string, password: string, source: string | undefined, timeoutMs: number): Promise<DremioMeasurement>;
}

/** Runs `work` bounded by `ms` (a probe that ignores its own timeout still cannot hang the report). */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`)), ms);
    });
    try {
        return await Promise.race([work, timeout]);
    } finally {
        if (timer) clearTimeout(timer);
    }
}

const fail = (name: string, detail: string, metrics: Record<string, MetricValue> = {}): CheckResult => ({ name, status: "FAIL", detail, metrics });
const missing = (name: string, outputs: string[], hint: string): CheckResult => fail(name, `stack output ${outputs.join(" / ")} missing: ${hint}`);
const errorText = (err: unknown): string => (err as Error)?.message ?? String(err);

/** `http://localhost:9000` host of a pair; undefined when not published to this machine. */
function hostUrl(pair: UrlPair | undefined): string | undefined {
    return pair?.host;
}

/** Path-style S3 (MinIO, S3-compatible stores) unless the endpoint is AWS's. */
export function s3PathStyle(outputs: StackOutputs): boolean {
    if (outputs.credentials?.minio) return true;
    return !/amazonaws\.com/.test(outputs.s3Endpoint?.host ?? outputs.s3Endpoint?.internal ?? "");
}

/** The S3 target of the stack, or why there is none. */
export function s3Target(o: StackOutputs): S3Target | string {
    const endpoint = hostUrl(o.s3Endpoint);
    if (!endpoint) return "s3Endpoint.host (the S3 endpoint as this machine reaches it)";
    if (!o.credentials?.s3) return "credentials.s3 (read the outputs with --show-secrets)";
    return { endpoint, region: o.s3Region ?? "us-east-1", accessKeyId: o.credentials.s3.accessKeyId, secretAccessKey: o.credentials.s3.secretAccessKey, forcePathStyle: s3PathStyle(o) };
}

/** The table location of an Iceberg metadata file: `<location>/metadata/<file>` -> `<location>`. */
export function tableLocation(metadataLocation: string): string {
    const i = metadataLocation.lastIndexOf("/metadata/");
    return i === -1 ? metadataLocation.slice(0, metadataLocation.lastIndexOf("/")) : metadataLocation.slice(0, i);
}

/**
 * Every check of the stack, in a fixed order (Flink, Kafka, Connect, S3, Nessie, PostgreSQL, Dremio).
 * The services are probed concurrently; a probe's error becomes its check's FAIL, with secrets redacted.
 */
export async function runHealthChecks(outputs: StackOutputs, problems: string[], t: HealthThresholds, probes: HealthProbes, now: () => number = Date.now): Promise<CheckResult[]> {
    const ms = t.timeoutSeconds * 1000;
    const tables = pipelineView(outputs);
    const secrets = secretValues(outputs);
    const derivedNote = tables.some((x) => x.derived.length) ? tables.find((x) => x.derived.length)!.derived[0] : undefined;

    const groups: Promise<CheckResult[]>[] = [];
    const guarded = (label: string, work: () => Promise<CheckResult[]>) => groups.push(work().catch((err) => [fail(label, errorText(err))]));

    // Flink: the cluster, then each table's job.
    guarded("flink.cluster", async () => {
        const rest = hostUrl(outputs.flinkRestUrl);
        if (!rest) return [missing("flink.cluster", ["flinkRestUrl.host"], "Flink's REST API is not published to this machine")];
        const out: CheckResult[] = [];
        try {
            out.push(evaluateFlinkCluster(rest, await withTimeout(probes.flinkOverview(rest, ms), ms, "Flink GET /overview")));
        } catch (err) {
            out.push(fail("flink.cluster", `Flink REST at ${rest} unreachable: ${errorText(err)}`));
            return out;
        }
        const jobs = await Promise.all(
            tables.map(async (tp) => {
                const name = `flink.job.${tp.table}`;
                if (!tp.jobName && !tp.jobId) return missing(name, [`flinkJobs.${tp.table}`, `pipelineTables.${tp.table}.job`], "the stack manages no Flink job for this table (services not reachable from Pulumi?)");
                const ref = { ...(tp.jobId ? { jobId: tp.jobId } : {}), ...(tp.jobName ? { name: tp.jobName } : {}) };
                try {
                    return evaluateFlinkJob(tp.table, ref, await withTimeout(probes.flinkJob(rest, ref, ms), ms * 3, `Flink job ${tp.jobName ?? tp.jobId}`), t, now());
                } catch (err) {
                    return fail(name, `reading job ${tp.jobName ?? tp.jobId}: ${errorText(err)}`);
                }
            }),
        );
        return [...out, ...jobs];
    });

    // Kafka: the broker, each table's topic and the job's consumer groups.
    guarded("kafka.broker", async () => {
        const bootstrap = hostUrl(outputs.kafkaBootstrapServers);
        if (!bootstrap) return [missing("kafka.broker", ["kafkaBootstrapServers.host"], "Kafka is not published to this machine")];
        const topics = tables.filter((x) => x.topic).map((x) => x.topic!);
        const pairs = tables.flatMap((x) => (x.topic ? x.consumerGroups.map((group) => ({ group, topic: x.topic! })) : []));
        let m: KafkaMeasurement;
        try {
            m = await withTimeout(probes.kafka(bootstrap, topics, pairs, ms), ms * 2, `Kafka at ${bootstrap}`);
        } catch (err) {
            return [fail("kafka.broker", `Kafka at ${bootstrap} unreachable: ${errorText(err)}`)];
        }
        const out = [evaluateKafkaBroker(bootstrap, m)];
        for (const tp of tables) {
            if (!tp.topic) {
                out.push(missing(`kafka.topic.${tp.table}`, [`cdcTopics.${tp.table}`, `pipelineTables.${tp.table}.topic`], "no topic known for this table"));
                continue;
            }
            const partitions = m.topics[tp.topic] ?? null;
            out.push(evaluateTopic(tp.table, tp.topic, partitions));
            if (!tp.consumerGroups.length) out.push(missing(`kafka.lag.${tp.table}`, [`pipelineTables.${tp.table}.consumerGroups`, `flinkJobs.${tp.table}`], "the job's consumer groups are unknown"));
            for (const group of tp.consumerGroups) {
                const g = m.groups[group];
                // A group that never committed on the topic reads as no commits ({}), not as an error.
                const committed = g === undefined ? undefined : "error" in g ? (g as { error: string }) : (g as Record<string, Record<number, number>>)[tp.topic] ?? {};
                const c = evaluateConsumerGroup(group, tp.topic, partitions, committed, t);
                if (tp.derived.length) c.detail += ` (group name derived: ${derivedNote})`;
                out.push(c);
            }
        }
        return out;
    });

    // Kafka Connect: the connector and its tasks.
    guarded("connect.connector", async () => {
        const url = hostUrl(outputs.kafkaConnectUrl);
        if (!url) return [missing("connect.connector", ["kafkaConnectUrl.host"], "Kafka Connect is not published to this machine")];
        if (!outputs.connector) return [missing("connect.connector", ["connector"], "the stack manages no connector (services not reachable from Pulumi?)")];
        try {
            return [evaluateConnector(outputs.connector.name, outputs.connector.state, await withTimeout(probes.connector(url, outputs.connector.name, ms), ms * 2, `Kafka Connect at ${url}`), url)];
        } catch (err) {
            return [fail("connect.connector", `Kafka Connect at ${url}: ${errorText(err)}`)];
        }
    });

    // Nessie: the server and each Iceberg table's last commit; then S3: the bucket and each table's newest data file.
    guarded("nessie.server", async () => {
        const out: CheckResult[] = [];
        const api = hostUrl(outputs.nessieApiUri);
        const branch = outputs.nessieBranch ?? "main";
        const identifiers = tables.flatMap((x) => x.icebergTables.map((r) => r.identifier));
        const locations: Record<string, string | { error: string }> = {};
        const nessieChecks: CheckResult[] = [];
        if (!api) {
            nessieChecks.push(missing("nessie.server", ["nessieApiUri.host"], "Nessie is not published to this machine"));
            for (const id of identifiers) locations[id] = { error: "Nessie not reachable from this machine" };
        } else {
            let serverOk = false;
            try {
                const server = await withTimeout(probes.nessieServer(api, branch, ms), ms, `Nessie at ${api}`);
                nessieChecks.push(evaluateNessieServer(api, branch, server));
                serverOk = server.hash !== null;
            } catch (err) {
                nessieChecks.push(fail("nessie.server", `Nessie at ${api} unreachable: ${errorText(err)}`));
            }
            for (const id of identifiers) {
                const name = `nessie.table.${id}`;
                if (!serverOk) {
                    locations[id] = { error: "Nessie or its branch unavailable" };
                    continue;
                }
                let key: string;
                try {
                    key = nessieContentKey(id);
                } catch (err) {
                    nessieChecks.push(fail(name, errorText(err)));
                    locations[id] = { error: errorText(err) };
                    continue;
                }
                try {
                    const m = await withTimeout(probes.nessieTable(api, branch, key, ms), ms * 2, `Nessie table ${key}`);
                    nessieChecks.push(evaluateNessieTable(id, key, branch, m, t, now()));
                    locations[id] = m.content?.metadataLocation ? tableLocation(m.content.metadataLocation) : { error: `table ${key} has no metadata location in Nessie` };
                } catch (err) {
                    nessieChecks.push(fail(name, `reading ${key} from Nessie: ${errorText(err)}`));
                    locations[id] = { error: errorText(err) };
                }
            }
        }
        if (!identifiers.length) nessieChecks.push(missing("nessie.table", ["pipelineTables", "icebergTables"], "no Iceberg tables known"));

        // S3 after Nessie: the data location is the table's, as its metadata says.
        const target = s3Target(outputs);
        if (typeof target === "string") out.push(missing("s3.bucket", [target.split(" ")[0]], target));
        else if (!outputs.warehouse) out.push(missing("s3.bucket", ["warehouse"], "the warehouse location is unknown"));
        else {
            let bucket: string | undefined;
            try {
                bucket = parseS3Uri(outputs.warehouse).bucket;
                await withTimeout(probes.bucket(target, bucket, ms), ms, `S3 bucket ${bucket}`);
                out.push(evaluateBucket(bucket, target.endpoint));
            } catch (err) {
                out.push(fail("s3.bucket", `bucket ${bucket ?? outputs.warehouse} at ${target.endpoint}: ${errorText(err)}`));
                bucket = undefined;
            }
            if (bucket) {
                for (const id of identifiers) {
                    const name = `s3.data.${id}`;
                    const loc = locations[id];
                    if (typeof loc !== "string") {
                        out.push(fail(name, `table location unknown: ${loc?.error ?? "not read"}`));
                        continue;
                    }
                    try {
                        out.push(evaluateDataFiles(id, await withTimeout(probes.dataFiles(target, `${loc}/data/`, ms), ms * 3, `listing ${loc}/data/`), t, now()));
                    } catch (err) {
                        out.push(fail(name, `listing ${loc}/data/: ${errorText(err)}`));
                    }
                }
            }
        }
        return [...out, ...nessieChecks];
    });

    // PostgreSQL: the replication slot.
    guarded("postgres.slot", async () => {
        const address = outputs.endpoints?.postgres?.host;
        if (!address) return [missing("postgres.slot", ["endpoints.postgres.host"], "PostgreSQL is not published to this machine")];
        if (!outputs.connector?.replicationSlot) return [missing("postgres.slot", ["connector.replicationSlot"], "the stack manages no connector")];
        if (!outputs.credentials?.postgres) return [missing("postgres.slot", ["credentials.postgres"], "read the outputs with --show-secrets")];
        const { host, port } = parseHostPort(address, 5432);
        // The slot view is cluster-wide: without the `source` output, the maintenance database serves.
        const database = outputs.source?.database ?? "postgres";
        const pg: PgTarget = { host, port, user: outputs.credentials.postgres.username, password: outputs.credentials.postgres.password, database };
        try {
            const c = evaluateSlot(outputs.connector.replicationSlot, await withTimeout(probes.slot(pg, outputs.connector.replicationSlot, ms), ms * 2, `PostgreSQL at ${address}`), t);
            if (!outputs.source) c.detail += " (source output absent: connected to database postgres)";
            return [c];
        } catch (err) {
            return [fail("postgres.slot", `PostgreSQL at ${address} (database ${database}): ${errorText(err)}`)];
        }
    });

    // Dremio: only when the stack has one.
    if (outputs.dremioUrl || outputs.dremioSource) {
        guarded("dremio.source", async () => {
            const url = hostUrl(outputs.dremioUrl);
            if (!url) return [missing("dremio.source", ["dremioUrl.host"], "Dremio is not published to this machine")];
            const creds = outputs.credentials?.dremio;
            if (!creds) return [missing("dremio.source", ["credentials.dremio"], "read the outputs with --show-secrets")];
            try {
                const m = await withTimeout(probes.dremio(url, creds.username, creds.password, outputs.dremioSource?.name, ms), ms * 2, `Dremio at ${url}`);
                if (!outputs.dremioSource) return [{ name: "dremio.source", status: "WARN", detail: `Dremio at ${url} answers and logs in, but the stack exports no dremioSource (not managed from here)`, metrics: {} }];
                return [evaluateDremio(outputs.dremioSource.name, outputs.dremioSource.id, m)];
            } catch (err) {
                return [fail("dremio.source", `Dremio at ${url}: ${errorText(err)}`)];
            }
        });
    }

    const results = (await Promise.all(groups)).flat();
    if (problems.length) results.unshift({ name: "outputs", status: "WARN", detail: `malformed stack outputs: ${problems.join("; ")}`, metrics: { problems: problems.length } });
    if (!tables.length) results.unshift(fail("outputs", "no captured tables in the stack outputs (source.tables, pipelineTables, cdcTopics)"));
    return results.map((r) => ({ ...r, detail: redact(r.detail, secrets) }));
}
