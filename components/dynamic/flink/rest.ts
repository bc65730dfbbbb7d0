/**
 * The Flink JobManager's REST API (port 8081), as the Flink job resource, the benchmarks and the
 * harness's tests use it: jobs and their states, exceptions, checkpoints, stop-with-savepoint and
 * cancel. Every wait (a job RUNNING, a savepoint, a job ending, a checkpoint) is bounded and backed
 * off through the toolkit's `pollUntil`, which prints a progress line while it waits.
 *
 * Serialization-safe (see ../toolkit/README.md): functions and literals only.
 */
import { JobExceptionEntry, deterministicJobFailure, flinkRootCause } from "../job-failures";
import { HttpTarget, isNotFound } from "../toolkit/http";
import { PollOptions, pollUntil } from "../toolkit/poll";
import { printProgress } from "../toolkit/progress";
import { flinkRequest } from "./request";
import { PROVIDER_DEFAULTS } from "../../defaults";

const SERVICE = "Flink REST";

/** States a Flink job does not leave. */
export const TERMINAL_JOB_STATES: readonly string[] = ["FAILED", "CANCELED", "FINISHED", "SUSPENDED"];

/** A job's state as Flink names it, or MISSING when the cluster does not know the job. */
export type JobState =
    | "INITIALIZING"
    | "CREATED"
    | "RUNNING"
    | "FAILING"
    | "FAILED"
    | "CANCELLING"
    | "CANCELED"
    | "FINISHED"
    | "RESTARTING"
    | "SUSPENDED"
    | "RECONCILING"
    | "MISSING";

/** One job of `GET /jobs/overview`. */
export interface JobOverview {
    jid: string;
    name: string;
    state: JobState;
    "start-time": number;
    "end-time": number;
}

/** `GET /overview`: the cluster's size and version. */
export interface ClusterOverview {
    taskmanagers: number;
    "slots-total": number;
    "slots-available": number;
    "jobs-running": number;
    "flink-version": string;
}

/** A job's checkpoint counts (`GET /jobs/<id>/checkpoints`, `counts`). */
export interface CheckpointCounts {
    completed: number;
    failed: number;
    in_progress: number;
    total: number;
}

/** Options of a wait: where its progress lines go, how it backs off. */
export type WaitOptions = Pick<PollOptions, "progress" | "progressEveryMs" | "initialMs" | "maxMs">;

/** True for a state the job does not leave, or a job the cluster does not know. */
function ended(state: string): boolean {
    return TERMINAL_JOB_STATES.includes(state) || state === "MISSING";
}

/** The cluster's overview. */
export async function clusterOverview(restUrl: HttpTarget): Promise<ClusterOverview> {
    return flinkRequest(SERVICE, restUrl, "GET", "/overview");
}

/** Every job the JobManager knows, ended ones included. */
export async function jobOverviews(restUrl: HttpTarget): Promise<JobOverview[]> {
    return (await flinkRequest(SERVICE, restUrl, "GET", "/jobs/overview")).jobs ?? [];
}

/** Jobs not yet ended that carry `name` (a job the resource submitted before a crash). */
export async function liveJobsNamed(restUrl: HttpTarget, name: string): Promise<string[]> {
    return (await jobOverviews(restUrl)).filter((j) => j.name === name && !TERMINAL_JOB_STATES.includes(j.state)).map((j) => j.jid);
}

/** A job's state, or "MISSING" when the cluster does not know it. */
export async function jobState(restUrl: HttpTarget, jobId: string): Promise<JobState> {
    try {
        return (await flinkRequest(SERVICE, restUrl, "GET", `/jobs/${jobId}`)).state;
    } catch (err) {
        if (isNotFound(err)) return "MISSING";
        throw err;
    }
}

/** The job's exception history (newest first) and its root exception; empty when Flink has none or cannot say. */
export async function jobExceptionHistory(restUrl: HttpTarget, jobId: string): Promise<{ root: string; entries: JobExceptionEntry[] }> {
    const r = await flinkRequest(SERVICE, restUrl, "GET", `/jobs/${jobId}/exceptions?maxExceptions=20`).catch(() => ({}) as any);
    const entries: JobExceptionEntry[] = Array.isArray(r.exceptionHistory?.entries) ? r.exceptionHistory.entries : [];
    return { root: String(r["root-exception"] ?? entries[0]?.stacktrace ?? ""), entries };
}

/** An exception text's first line with its deepest cause: `first (caused by cause)`. */
function tellingException(root: string): string {
    const first = root.split("\n")[0];
    const cause = flinkRootCause(root);
    return cause && cause !== first ? `${first} (caused by ${cause})` : first;
}

/** Flink's exception of a job: the root exception's telling line, or "" when there is none. */
export async function jobException(restUrl: HttpTarget, jobId: string): Promise<string> {
    const { root } = await jobExceptionHistory(restUrl, jobId);
    return root ? tellingException(root) : "";
}

/**
 * What to change for a deterministic failure: the failing table's declared columns. The table is read
 * from the failing source (`<table>_cdc`, as jobs/*.sql name a table's Kafka source) or the job name
 * (`<prefix>-<table>-to-iceberg`); otherwise the key is named with `<table>`.
 */
export function deterministicFailureFix(jobName: string | undefined, taskName: string | undefined): string {
    const table =
        /(?:^|[\s:>])([A-Za-z_][A-Za-z0-9_]*)_cdc\b/.exec(taskName ?? "")?.[1] ?? /-([A-Za-z_][A-Za-z0-9_]*)-to-iceberg$/.exec(jobName ?? "")?.[1] ?? "<table>";
    return `the declared column types do not fit the data the job reads: fix the column's Flink SQL type in lakehouse:source.tables.${table}.columns (docs/column-types.md maps each PostgreSQL type), then run pulumi up (the job fails the same way on every restart; waiting does not help)`;
}

/**
 * Waits until the job and every task are RUNNING and stay so for `steadyMs` (default
 * `PROVIDER_DEFAULTS.jobSteadyMs`) with no new entry in its exception history: a job that fails on
 * its first record shows every task RUNNING for a moment between restarts. A job that ends throws
 * Flink's exception. A job that fails deterministically (a parse, deserialization or type error on
 * every attempt, see `deterministicJobFailure`) throws within seconds, naming Flink's exception and the
 * config key to fix; transient failures (a service down, a TaskManager lost) are waited for until `timeoutMs`.
 */
export async function waitForJobRunning(
    restUrl: HttpTarget,
    jobId: string,
    timeoutMs: number,
    options: WaitOptions & { steadyMs?: number; now?: () => number } = {},
): Promise<void> {
    const steadyMs = options.steadyMs ?? PROVIDER_DEFAULTS.jobSteadyMs;
    const now = options.now ?? Date.now;
    let exception = "";
    // Since when every task has been seen RUNNING, and the newest failure Flink had recorded then.
    let running: { since: number; newestFailure: number } | undefined;
    await pollUntil(
        `Flink job ${jobId} and all its tasks to be RUNNING`,
        timeoutMs,
        async () => {
            const job = await flinkRequest(SERVICE, restUrl, "GET", `/jobs/${jobId}`).catch((err) => {
                // Just submitted: the JobManager may not list it for a moment.
                if (isNotFound(err)) return { state: "UNKNOWN", vertices: [] };
                throw err;
            });
            if (TERMINAL_JOB_STATES.includes(job.state)) {
                throw new Error(`Flink job ${jobId} ended ${job.state}: ${(await jobException(restUrl, jobId)) || "no exception recorded"}`);
            }
            const vertices: any[] = job.vertices ?? [];
            const tasks = vertices.map((v) => `${v.name?.slice(0, 40)}: ${v.status}`).join("; ");
            if (job.state === "UNKNOWN" || job.state === "INITIALIZING") {
                running = undefined;
                return { done: false, seen: `job ${job.state}` };
            }
            // Between restarts the job shows RUNNING, its tasks deploying or even running: look at its failures on every probe.
            const history = await jobExceptionHistory(restUrl, jobId);
            const failure = deterministicJobFailure(history.entries);
            if (failure) {
                throw new Error(
                    `Flink job ${jobId} is ${job.state} and fails deterministically (${failure.exception}, ${failure.attempts} attempt${failure.attempts > 1 ? "s" : ""}${failure.taskName ? ` in ${failure.taskName.slice(0, 80)}` : ""}): ${failure.message}; ${deterministicFailureFix(job.name, failure.taskName)}`,
                );
            }
            if (history.root) exception = tellingException(history.root);
            const newestFailure = Math.max(0, ...history.entries.map((e) => e?.timestamp ?? 0));
            const allRunning = job.state === "RUNNING" && vertices.length > 0 && vertices.every((v) => v.status === "RUNNING" || v.status === "FINISHED");
            if (!allRunning || (running && newestFailure > running.newestFailure)) running = undefined;
            if (allRunning) {
                const t = now();
                running ??= { since: t, newestFailure };
                if (t - running.since >= steadyMs) return { done: true, value: undefined };
                return {
                    done: false,
                    // One wording while it holds: one progress line, not one per probe.
                    seen: `job RUNNING, every task RUNNING: up once that holds ${steadyMs / 1000} s without a new failure`,
                };
            }
            return { done: false, seen: `job ${job.state}${tasks ? `, tasks ${tasks}` : ""}${exception ? `, last exception: ${exception}` : ""}` };
        },
        options,
    );
}

/**
 * Waits until the job is in one of `states`; returns the state. Fails at once, with the job's
 * exception, when it ends in a state that was not asked for (or the cluster loses it).
 */
export async function waitForJobState(restUrl: HttpTarget, jobId: string, states: JobState[], timeoutMs: number, options: WaitOptions = {}): Promise<JobState> {
    return pollUntil(
        `Flink job ${jobId} to be ${states.join(" or ")}`,
        timeoutMs,
        async () => {
            const state = await jobState(restUrl, jobId);
            if (states.includes(state)) return { done: true, value: state };
            if (ended(state))
                throw new Error(
                    `Flink job ${jobId} ended ${state} while waiting for ${states.join("/")}: ${(await jobException(restUrl, jobId)) || "no exception recorded"}`,
                );
            return { done: false, seen: `state ${state}` };
        },
        options,
    );
}

/** Waits until the job has ended (or the cluster no longer knows it); returns its last state. */
async function waitForJobEnd(restUrl: HttpTarget, jobId: string, what: string, timeoutMs: number, options: WaitOptions): Promise<JobState> {
    return pollUntil(
        what,
        timeoutMs,
        async () => {
            const state = await jobState(restUrl, jobId);
            return ended(state) ? { done: true, value: state } : { done: false, seen: `state ${state}` };
        },
        options,
    );
}

/** The job's checkpoint statistics (`GET /jobs/<id>/checkpoints`) as Flink returns them. */
export async function checkpointStats(restUrl: HttpTarget, jobId: string): Promise<any> {
    return flinkRequest(SERVICE, restUrl, "GET", `/jobs/${jobId}/checkpoints`);
}

/** Waits until the job has at least `count` completed checkpoints; returns the counts. */
export async function waitForCheckpoints(
    restUrl: HttpTarget,
    jobId: string,
    count: number,
    timeoutMs: number,
    options: WaitOptions = {},
): Promise<CheckpointCounts> {
    return pollUntil(
        `${count} completed checkpoint${count > 1 ? "s" : ""} of Flink job ${jobId}`,
        timeoutMs,
        async () => {
            const counts: CheckpointCounts = (await checkpointStats(restUrl, jobId)).counts ?? { completed: 0, failed: 0, in_progress: 0, total: 0 };
            if (counts.completed >= count) return { done: true, value: counts };
            return { done: false, seen: `completed ${counts.completed}, failed ${counts.failed}, in progress ${counts.in_progress}` };
        },
        options,
    );
}

/** The newest retained checkpoint or savepoint of an ended job, to resume from; undefined when none. */
export async function latestRestorePoint(restUrl: HttpTarget, jobId: string): Promise<string | undefined> {
    const stats = await checkpointStats(restUrl, jobId).catch(() => undefined);
    const candidates = [stats?.latest?.completed, stats?.latest?.savepoint].filter((c) => c?.external_path && !String(c.external_path).startsWith("<"));
    candidates.sort((a, b) => (b.latest_ack_timestamp ?? 0) - (a.latest_ack_timestamp ?? 0));
    return candidates[0]?.external_path;
}

/**
 * The retained checkpoints of a job as its checkpoint history lists them (newest first): completed,
 * not savepoints, not discarded by Flink, with a location. After a cancel these stay (up to
 * `state.checkpoints.num-retained`); the JobManager forgets an ended job after `jobstore.expiration-time`.
 */
export async function retainedCheckpoints(restUrl: HttpTarget, jobId: string): Promise<string[]> {
    const stats = await checkpointStats(restUrl, jobId).catch(() => undefined);
    const history: any[] = Array.isArray(stats?.history) ? stats.history : [];
    return history
        .filter((c) => c?.status === "COMPLETED" && c.is_savepoint !== true && c.discarded !== true)
        .filter((c) => typeof c.external_path === "string" && c.external_path && !c.external_path.startsWith("<"))
        .sort((a, b) => (b.id ?? 0) - (a.id ?? 0))
        .map((c) => String(c.external_path));
}

/** Flink's answer when a savepoint or checkpoint to dispose of is not there (already gone). */
const RESTORE_POINT_GONE = /FileNotFoundException|Cannot find checkpoint or savepoint|does not exist/;

/**
 * Disposes of a savepoint or retained checkpoint through the JobManager (`POST /savepoint-disposal`:
 * Flink reads its metadata, discards every state file it names, then its directory), waiting for the
 * operation. Resolves "disposed", or "gone" when Flink finds nothing at `path`; throws Flink's own
 * failure otherwise.
 */
export async function disposeRestorePoint(restUrl: HttpTarget, path: string, timeoutMs: number, options: WaitOptions = {}): Promise<"disposed" | "gone"> {
    const request = await flinkRequest(SERVICE, restUrl, "POST", "/savepoint-disposal", { "savepoint-path": path });
    const requestId = request["request-id"];
    return pollUntil(
        `Flink to dispose of ${path} (request ${requestId})`,
        timeoutMs,
        async () => {
            const status = await flinkRequest(SERVICE, restUrl, "GET", `/savepoint-disposal/${requestId}`);
            if (status.status?.id !== "COMPLETED") return { done: false, seen: `disposal ${status.status?.id}` };
            const failure = status.operation?.["failure-cause"];
            if (!failure) return { done: true, value: "disposed" as const };
            const trace = String(failure["stack-trace"] ?? failure["serialized-throwable"] ?? JSON.stringify(failure));
            if (RESTORE_POINT_GONE.test(trace)) return { done: true, value: "gone" as const };
            throw new Error(`Flink could not dispose of ${path}: ${flinkRootCause(trace) || trace.split("\n")[0]}`);
        },
        options,
    );
}

/** Stops the job with a savepoint, waits for it and for the job to end; returns the savepoint's location. */
export async function stopWithSavepoint(
    restUrl: HttpTarget,
    jobId: string,
    targetDirectory: string | undefined,
    timeoutMs: number,
    options: WaitOptions = {},
): Promise<string> {
    const request = await flinkRequest(SERVICE, restUrl, "POST", `/jobs/${jobId}/stop`, { ...(targetDirectory ? { targetDirectory } : {}), drain: false });
    const requestId = request["request-id"];
    const location = await pollUntil(
        `the savepoint of Flink job ${jobId} (stop request ${requestId})`,
        timeoutMs,
        async () => {
            const status = await flinkRequest(SERVICE, restUrl, "GET", `/jobs/${jobId}/savepoints/${requestId}`);
            if (status.status?.id !== "COMPLETED") return { done: false, seen: `savepoint ${status.status?.id}` };
            const found = status.operation?.location;
            if (found) return { done: true, value: String(found) };
            const cause = flinkRootCause(String(status.operation?.["failure-cause"]?.["stack-trace"] ?? "no location reported"));
            throw new Error(`Flink could not stop job ${jobId} with a savepoint: ${cause}`);
        },
        options,
    );
    // The savepoint completes a moment before the job ends: never let two jobs write the same tables.
    await waitForJobEnd(restUrl, jobId, `Flink job ${jobId} to finish after its savepoint`, timeoutMs, options);
    return location;
}

/** Flink's refusal of a savepoint while some of the job's tasks are not running (between restarts). */
const TASKS_NOT_RUNNING = /Not all required tasks are currently running|is not being executed at the moment/;

/** True when the error is Flink refusing a savepoint because some of the job's tasks were not running. */
export function isTasksNotRunning(err: unknown): boolean {
    return TASKS_NOT_RUNNING.test(String((err as Error)?.message ?? err));
}

/**
 * Waits up to `timeoutMs` for the job and every one of its tasks to be RUNNING. Resolves false, without
 * throwing, when they are not by then, when the job ended, or at once when it fails the same way on
 * every restart: a job that keeps restarting is the caller's to handle.
 */
export async function tasksSettle(restUrl: HttpTarget, jobId: string, timeoutMs: number, options: WaitOptions = {}): Promise<boolean> {
    try {
        return await pollUntil(
            `every task of Flink job ${jobId} to be RUNNING before its savepoint`,
            timeoutMs,
            async () => {
                const job = await flinkRequest(SERVICE, restUrl, "GET", `/jobs/${jobId}`).catch((err) => {
                    if (isNotFound(err)) return { state: "MISSING", vertices: [] };
                    throw err;
                });
                if (ended(job.state)) return { done: true, value: false };
                const vertices: any[] = job.vertices ?? [];
                if (job.state === "RUNNING" && vertices.length > 0 && vertices.every((v) => v.status === "RUNNING" || v.status === "FINISHED"))
                    return { done: true, value: true };
                // A job that fails the same way on every restart will not get there: no need to wait.
                if (deterministicJobFailure((await jobExceptionHistory(restUrl, jobId)).entries)) return { done: true, value: false };
                return { done: false, seen: `job ${job.state}, tasks ${vertices.map((v) => `${v.name?.slice(0, 40)}: ${v.status}`).join("; ")}` };
            },
            options,
        );
    } catch (err) {
        if ((err as { timedOut?: unknown }).timedOut === true) return false;
        throw err;
    }
}

/**
 * Ends a live job and keeps its state; returns where to resume from (undefined when it has no retained
 * checkpoint). With a savepoint when all its tasks run (given `settleMs` to get there); otherwise, as for
 * a job between restarts or one whose tasks stopped during the savepoint, by a cancel that resumes
 * from its newest retained checkpoint.
 */
export async function endJobKeepingState(
    restUrl: HttpTarget,
    jobId: string,
    targetDirectory: string | undefined,
    timeoutMs: number,
    settleMs: number,
    options: WaitOptions = {},
): Promise<string | undefined> {
    const progress = options.progress ?? printProgress;
    if (await tasksSettle(restUrl, jobId, Math.min(settleMs, timeoutMs), options)) {
        try {
            return await stopWithSavepoint(restUrl, jobId, targetDirectory, timeoutMs, options);
        } catch (err) {
            if (!isTasksNotRunning(err)) throw err;
            progress(`Flink job ${jobId} refused a savepoint (${(err as Error).message}): cancelling it to resume from its newest checkpoint`);
        }
    } else if (!ended(await jobState(restUrl, jobId))) {
        progress(`Flink job ${jobId} has tasks that are not running (it is restarting): cancelling it to resume from its newest checkpoint`);
    }
    await cancelJob(restUrl, jobId, timeoutMs, options);
    return latestRestorePoint(restUrl, jobId);
}

/** Cancels the job and waits until it has ended; returns its last state (MISSING for a job the cluster does not know). */
export async function cancelJob(restUrl: HttpTarget, jobId: string, timeoutMs: number, options: WaitOptions = {}): Promise<JobState> {
    try {
        await flinkRequest(SERVICE, restUrl, "PATCH", `/jobs/${jobId}?mode=cancel`);
    } catch (err) {
        if (isNotFound(err)) return "MISSING";
        // 409: the job reached another terminal state (it FAILED) between the last look and the cancel.
        const state = await jobState(restUrl, jobId);
        if (ended(state)) return state;
        throw err;
    }
    return waitForJobEnd(restUrl, jobId, `Flink job ${jobId} to be cancelled`, timeoutMs, options);
}
