/**
 * What every Flink job resource does to the jobs it owns, whatever submits them (SQL through the
 * SQL Gateway, a jar through the REST API): stop every live job of its name keeping state, read a job
 * that is not as declared as drift, and end the recorded job on delete.
 *
 * Serialization-safe (see ../toolkit/README.md): functions and literals only.
 */
import { PROVIDER_DEFAULTS } from "../../defaults";
import { caCertProblem } from "../toolkit/http";
import { redact } from "../toolkit/redact";
import { isUnknown } from "../toolkit/unknown";
import {
    TERMINAL_JOB_STATES,
    cancelJob,
    endJobKeepingState,
    jobState,
    latestRestorePoint,
    liveJobsNamed,
    retainedCheckpoints,
    waitForJobRunning,
} from "./rest";
import { RestorePoint, pruneRestorePoints, recordRestorePoints } from "./restore-points";
import { flinkRestTarget } from "./request";

/** What the lifecycle functions read of a job resource's inputs or state. */
export interface OwnedJob {
    restUrl: string;
    /** With an https `restUrl`: the CA that signed the cluster's REST certificate, PEM. */
    flinkCaCert?: string;
    /** The Flink job name: how the resource finds its job after a crash. */
    name: string;
    jobId?: string;
    lastSavepoint?: string;
    savepointDirectory?: string;
    waitTimeoutSeconds?: number;
    state?: string;
    deleteMode?: string;
    /** How many restore points to keep (0: every one); see ./restore-points.ts. */
    restorePointsKept?: number;
    /** The restore points recorded, newest first. */
    restorePoints?: RestorePoint[];
}

/** One input the resource refuses: which key, and why. */
export interface InputFailure {
    property: string;
    reason: string;
}

/**
 * The inputs every job resource shares, checked the same way whatever submits the job: the job name,
 * the declared state, what delete does, and the wait bound. Values unknown during preview are skipped.
 */
export function checkOwnedJobInputs(news: Record<string, any>): InputFailure[] {
    const failures: InputFailure[] = [];
    const known = (v: unknown) => v !== undefined && !isUnknown(v);
    if (known(news.name) && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(String(news.name)))
        failures.push({
            property: "name",
            reason: `"${news.name}" must start with a letter or digit and hold only letters, digits, '.', '_' and '-' (it is the Flink job name)`,
        });
    if (known(news.state) && !["RUNNING", "STOPPED"].includes(news.state))
        failures.push({ property: "state", reason: `"${news.state}" must be RUNNING or STOPPED` });
    if (known(news.deleteMode) && !["savepoint", "cancel"].includes(news.deleteMode))
        failures.push({ property: "deleteMode", reason: `"${news.deleteMode}" must be "savepoint" or "cancel"` });
    if (known(news.waitTimeoutSeconds) && !(Number.isInteger(news.waitTimeoutSeconds) && news.waitTimeoutSeconds >= 10 && news.waitTimeoutSeconds <= 3600))
        failures.push({ property: "waitTimeoutSeconds", reason: `${news.waitTimeoutSeconds} must be a whole number of seconds from 10 to 3600` });
    if (known(news.restorePointsKept) && !(Number.isInteger(news.restorePointsKept) && news.restorePointsKept >= 0 && news.restorePointsKept <= 1000))
        failures.push({
            property: "restorePointsKept",
            reason: `${news.restorePointsKept} must be a whole number from 0 to 1000 (how many of the job's savepoints and retained checkpoints to keep; 0 keeps every one)`,
        });
    const ca = caCertProblem(
        news.flinkCaCert,
        [news.restUrl, news.gatewayUrl].filter((u) => u !== undefined),
    );
    if (ca) failures.push({ property: "flinkCaCert", reason: ca });
    return failures;
}

/**
 * Stops every live job the resource owns (the one in state, and any under its old or new name) with a
 * savepoint, or by a cancel that keeps its newest checkpoint; returns where to resume from, how many
 * jobs were live, and the restore points this left (oldest first, each with the other retained
 * checkpoints of its job). A recorded job that already ended gives its newest restore point.
 */
export async function stopOwnedJobs(
    inputs: OwnedJob,
    previous: OwnedJob | undefined,
): Promise<{ restorePoint?: string; stopped: number; taken: RestorePoint[] }> {
    const restUrl = flinkRestTarget(inputs);
    const timeoutMs = (inputs.waitTimeoutSeconds ?? PROVIDER_DEFAULTS.waitTimeoutSeconds) * 1000;
    let restorePoint: string | undefined = previous?.lastSavepoint || undefined;
    const taken: RestorePoint[] = [];
    // A job's restore point, with the other checkpoints it retained (they share files): one unit.
    const take = async (jobId: string, path: string | undefined) => {
        if (!path) return;
        taken.push({ path, also: (await retainedCheckpoints(restUrl, jobId)).filter((p) => p !== path) });
        restorePoint = path;
    };
    const live = new Set<string>(await liveJobsNamed(restUrl, inputs.name));
    if (previous?.name && previous.name !== inputs.name) for (const id of await liveJobsNamed(restUrl, previous.name)) live.add(id);
    if (previous?.jobId) {
        const state = await jobState(restUrl, previous.jobId);
        if (!TERMINAL_JOB_STATES.includes(state) && state !== "MISSING") live.add(previous.jobId);
        else if (state !== "MISSING") await take(previous.jobId, await latestRestorePoint(restUrl, previous.jobId));
    }
    for (const id of live) {
        // A savepoint when every task runs; a job between restarts is cancelled and resumes from its last checkpoint.
        await take(id, await endJobKeepingState(restUrl, id, inputs.savepointDirectory, timeoutMs, PROVIDER_DEFAULTS.tasksSettleMs));
    }
    return { restorePoint, stopped: live.size, taken };
}

/**
 * The restore points to record after the job is as declared: `history` pruned to the newest
 * `restorePointsKept` (default `PROVIDER_DEFAULTS.restorePointsKept`), never the one `restoredFrom`.
 */
export async function keptRestorePoints(inputs: OwnedJob, history: RestorePoint[], restoredFrom: string | undefined): Promise<RestorePoint[]> {
    const timeoutMs = (inputs.waitTimeoutSeconds ?? PROVIDER_DEFAULTS.waitTimeoutSeconds) * 1000;
    const kept = inputs.restorePointsKept ?? PROVIDER_DEFAULTS.restorePointsKept;
    return pruneRestorePoints(flinkRestTarget(inputs), inputs.name, history, kept, [restoredFrom ?? ""], timeoutMs);
}

/** The history of restore points once this update's are recorded (see ./restore-points.ts). */
export function restorePointHistory(previous: OwnedJob | undefined, taken: RestorePoint[]): RestorePoint[] {
    return recordRestorePoints(previous?.restorePoints, previous?.lastSavepoint, taken);
}

/**
 * The resource's state as read: a job that failed, was cancelled or is gone is drift (`state` differs
 * from the declaration), not deletion, so `up` resubmits it from its last savepoint.
 */
export async function readOwnedJob(props: Record<string, any>): Promise<Record<string, any>> {
    const state = props.jobId ? await jobState(flinkRestTarget(props), props.jobId) : "MISSING";
    const declared = props.state ?? "RUNNING";
    const live = ["RUNNING", "CREATED", "INITIALIZING", "RECONCILING"].includes(state);
    // As declared: a live job for RUNNING, no live job for STOPPED. Anything else shows as `state` drift.
    const matches = declared === "RUNNING" ? live : !live && !["RESTARTING", "FAILING", "CANCELLING"].includes(state);
    return { ...props, state: matches ? declared : state, jobState: state };
}

/**
 * Ends the job the resource recorded: with a savepoint (default) or a cancel (`deleteMode: "cancel"`).
 * Only that job: another live job of the same name belongs to whoever submitted it (the replacement of
 * this resource stops this one and resubmits from its savepoint before this delete runs); a job leaked
 * by a crash is stopped by the next create or update, which stops every live job of its name first.
 */
export async function endOwnedJob(props: OwnedJob): Promise<void> {
    const timeoutMs = (props.waitTimeoutSeconds ?? PROVIDER_DEFAULTS.waitTimeoutSeconds) * 1000;
    if (!props.jobId) return;
    const state = await jobState(flinkRestTarget(props), props.jobId);
    if (TERMINAL_JOB_STATES.includes(state) || state === "MISSING") return;
    if (props.deleteMode === "cancel" || state !== "RUNNING") await cancelJob(flinkRestTarget(props), props.jobId, timeoutMs);
    else await endJobKeepingState(flinkRestTarget(props), props.jobId, props.savepointDirectory, timeoutMs, PROVIDER_DEFAULTS.tasksSettleMs);
}

/**
 * Waits (bounded) until the job just submitted and every task are RUNNING; returns the resource's
 * outputs, its restore points (`base.restorePoints`) pruned to the count kept. A job that does not
 * get there is recorded as FAILED in the error's properties (every restore point kept), so the next
 * `up` stops and resubmits it; the message names the job (`label`) and never a secret.
 */
export async function runningOrRecorded(
    inputs: OwnedJob,
    base: Record<string, any>,
    jobId: string,
    restorePoint: string | undefined,
    label: string,
    secrets: Record<string, string> | undefined,
): Promise<Record<string, any>> {
    try {
        await waitForJobRunning(flinkRestTarget(inputs), jobId, (inputs.waitTimeoutSeconds ?? PROVIDER_DEFAULTS.waitTimeoutSeconds) * 1000);
    } catch (err) {
        const message = redact((err as Error).message, secrets);
        throw Object.assign(new Error(`${label}: ${message}`), {
            id: inputs.name,
            properties: { ...base, jobId, jobState: "FAILED", restoredFrom: restorePoint ?? "" },
            reasons: [message],
        });
    }
    // Only once the job is up: older restore points go, the newest and the one it resumed from stay.
    const restorePoints = await keptRestorePoints(inputs, base.restorePoints ?? [], restorePoint);
    return { ...base, jobId, jobState: "RUNNING", restoredFrom: restorePoint ?? "", restorePoints };
}

/**
 * An error after an update stopped the resource's job(s) that records nothing itself (a table drop
 * that failed, a jar Flink would not run): the previous state with the restore points just taken
 * added, so they are recorded like any other and disposed of in turn, rather than kept for good. The
 * rest of the previous state stays as it was (the next `up` updates the resource again, and resumes as
 * it would have). An error that records state, and any error of a create, passes as it is.
 */
export function recordingRestorePoints(err: unknown, id: string, previous: OwnedJob | undefined, restorePoints: RestorePoint[]): unknown {
    if (!previous || (err as { properties?: unknown })?.properties !== undefined) return err;
    const error = err instanceof Error ? err : new Error(String(err));
    return Object.assign(error, { id, properties: { ...previous, restorePoints }, reasons: [error.message] });
}

/** The resource's outputs when the job is declared STOPPED (no job runs): the restore points pruned. */
export async function stoppedAsDeclared(inputs: OwnedJob, base: Record<string, any>, restorePoint: string | undefined): Promise<Record<string, any>> {
    const restorePoints = await keptRestorePoints(inputs, base.restorePoints ?? [], restorePoint);
    return { ...base, jobId: "", jobState: "STOPPED", restoredFrom: "", restorePoints };
}

/**
 * Whether an update can leave the running job alone: nothing changed that needs it stopped and
 * resubmitted (`rerunNeeded` false), and the job recorded is RUNNING (or the declaration is STOPPED).
 */
export async function updateLeavesJobAlone(olds: OwnedJob, news: OwnedJob, rerunNeeded: boolean): Promise<boolean> {
    if (rerunNeeded) return false;
    const running = olds.jobId ? await jobState(flinkRestTarget(news), olds.jobId) : "MISSING";
    return running === "RUNNING" || (news.state ?? "RUNNING") === "STOPPED";
}
