/**
 * The pipeline's settle check, as a dynamic resource: what makes `pulumi up` fail when the pipeline it
 * changed does not work, instead of reporting success over jobs that restart in a loop.
 *
 * - Inputs carry a fingerprint of what it verifies (each job's id and SQL hash, the connector's config
 *   hash, the warehouse bucket, the namespace): an `up` that resubmitted a job or changed the connector
 *   or the bucket changes it and re-runs the check; an unchanged stack shows no diff.
 * - create/update: a bounded settle check, polled with backoff, printing what it waits for: every job
 *   declared RUNNING is RUNNING with all tasks RUNNING and has COMPLETED a checkpoint after the check
 *   started (the Iceberg sink commits only on checkpoints); the connector (when declared RUNNING) and
 *   all its tasks are RUNNING; the warehouse bucket can be listed. A part that cannot recover by waiting
 *   fails at once: a job that ended or fails deterministically (parse, type errors), a FAILED connector
 *   or task, a missing bucket or refused credentials. The error names each cause in the services' own
 *   words (job state and Flink's root exception, the task's trace, the S3 error).
 * - read (refresh): a quick probe without waiting; an unhealthy pipeline reads as a `status` change, so
 *   `pulumi up --refresh` re-runs the settle check (and fails if it still does not settle).
 * - delete: nothing to do.
 * Provider methods use only global `fetch`, `require("crypto")`, `require("@aws-sdk/client-s3")`,
 * this file's functions, ./job-failures and ./toolkit (they are serialized into the state). The S3
 * secret key is a secret input.
 */
import * as pulumi from "@pulumi/pulumi";
import { LakehouseResource } from "./lakehouse-resource";
import { deterministicJobFailure, flinkRootCause } from "./job-failures";
import { backoffDelay, sleep as wait } from "./toolkit/backoff";
import { InputDiff, engineDiff, inputDiff } from "./toolkit/diff";
import { caCertProblem, HttpError, HttpTarget, errorStatus, httpTarget, requestJson, serverMessage } from "./toolkit/http";
import { printProgress } from "./toolkit/progress";
import { isKnown } from "./toolkit/unknown";
import { s3TrustOptions } from "./toolkit/s3-trust";

export const PIPELINE_CHECK_PROVIDER_VERSION = 1;

/** The `status` a settled pipeline has; read reports anything else as drift. */
export const SETTLED = "settled";

/** One Flink job to verify: its table, name, the job id and SQL hash it runs (the fingerprint), and whether it must run. */
export interface SettleJob {
    table: string;
    name: string;
    jobId: string;
    sqlHash: string;
    /** False when the job is declared STOPPED: then it is not verified. */
    required: boolean;
}

/** The connector to verify; `configHash` is the fingerprint of its config (no password in it). */
export interface SettleConnector {
    name: string;
    configHash: string;
    /** False when the connector is declared PAUSED or STOPPED. */
    required: boolean;
}

/** The warehouse bucket as the machine running Pulumi reaches it. */
export interface SettleWarehouse {
    endpoint: string;
    region: string;
    bucket: string;
    pathStyle: boolean;
    accessKeyId: string;
    /** With an https endpoint: the CA that signed the store's certificate, PEM. */
    caCert?: string;
}

/**
 * Bound on one probe's request (each of Flink REST, Kafka Connect, S3): short next to the settle
 * bound (lakehouse:pipeline.verifyTimeoutSeconds, 10 s at the least), so a service that hangs is seen
 * as waiting and probed again instead of using up the check.
 */
const PROBE_TIMEOUT_MS = 20_000;

/** How long the settle check waits between probes: from 0.5 s up to 3 s, with jitter. */
const SETTLE_BACKOFF = { initialMs: 500, maxMs: 3000 };

/** Validates inputs (unknown values during preview are skipped); each failure names the property. */
export function checkPipelineCheckInputs(news: Record<string, any>): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    for (const key of ["flinkRestUrl", "connectUrl"]) {
        if (isKnown(news[key]) && !/^https?:\/\/[^\s]+$/.test(String(news[key])))
            failures.push({ property: key, reason: `"${news[key]}" must be an http(s) URL` });
    }
    const ca = caCertProblem(news.connectCaCert, [news.connectUrl]);
    if (ca) failures.push({ property: "connectCaCert", reason: ca });
    const flinkCa = caCertProblem(news.flinkCaCert, [news.flinkRestUrl]);
    if (flinkCa) failures.push({ property: "flinkCaCert", reason: flinkCa });
    if (isKnown(news.timeoutSeconds) && !(Number.isInteger(news.timeoutSeconds) && news.timeoutSeconds >= 10 && news.timeoutSeconds <= 3600)) {
        failures.push({
            property: "timeoutSeconds",
            reason: `${news.timeoutSeconds} must be a whole number of seconds from 10 to 3600 (lakehouse:pipeline.verifyTimeoutSeconds; 0 there disables the check)`,
        });
    }
    if (isKnown(news.jobs) && !Array.isArray(news.jobs))
        failures.push({ property: "jobs", reason: "must be a list of { table, name, jobId, sqlHash, required }" });
    if (isKnown(news.jobs) && Array.isArray(news.jobs) && news.jobs.some((j: any) => isKnown(j) && j.required && isKnown(j.jobId) && !j.jobId)) {
        failures.push({ property: "jobs", reason: "a job declared RUNNING has no job id" });
    }
    if (news.warehouse === undefined) failures.push({ property: "warehouse", reason: "is required ({ endpoint, region, bucket, pathStyle, accessKeyId })" });
    if (isKnown(news.warehouse?.endpoint) && !/^https?:\/\/[^\s]+$/.test(String(news.warehouse.endpoint)))
        failures.push({ property: "warehouse.endpoint", reason: `"${news.warehouse.endpoint}" must be an http(s) URL` });
    if (news.s3SecretAccessKey === undefined || news.s3SecretAccessKey === "")
        failures.push({ property: "s3SecretAccessKey", reason: "is required (the warehouse's S3 secret key)" });
    return failures;
}

/** What is compared: the fingerprint of the verified pipeline, the check's own settings, and `status`. */
const DIFF_KEYS = [
    "flinkRestUrl",
    "flinkCaCert",
    "connectUrl",
    "connectCaCert",
    "jobs",
    "connector",
    "warehouse",
    "namespace",
    "s3SecretAccessKey",
    "timeoutSeconds",
    "status",
    "version",
];

/** A value as JSON with its object keys sorted, so key order never shows as a change. */
export function canonicalJson(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
    if (v && typeof v === "object")
        return `{${Object.keys(v)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as any)[k])}`)
            .join(",")}}`;
    return JSON.stringify(v ?? null);
}

/** The pure diff: exactly the keys that changed (a job resubmitted, the connector's config, the bucket, ...). Never a replacement. */
export function diffPipelineCheck(olds: Record<string, any>, news: Record<string, any>): InputDiff {
    return inputDiff(
        DIFF_KEYS.filter((k) => canonicalJson(olds[k]) !== canonicalJson(news[k])),
        [],
    );
}

/** sha256 of a value with its object keys sorted: the connector config's fingerprint (no secrets go in). */
export function fingerprint(value: unknown): string {
    const crypto = require("crypto") as typeof import("crypto");
    return crypto.createHash("sha256").update(canonicalJson(value)).digest("hex");
}

/** S3 errors waiting does not fix: the bucket is gone or the credentials are refused. */
const PERMANENT_S3_ERRORS = ["NoSuchBucket", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled", "InvalidBucketName"];

// ---------------------------------------------------------------------------------------------------
// Observation and verdict: what the services answered, and what that means.

/** An HTTP answer as the check sees it: the status (0 when unreachable) and the JSON body, or the error text. */
export interface HttpAnswer {
    status: number;
    json?: any;
    error?: string;
}

/** What one probe saw of each part. */
export interface PipelineObservation {
    jobs: { table: string; name: string; jobId: string; job: HttpAnswer; checkpoints?: HttpAnswer; exceptions?: HttpAnswer }[];
    connector?: { name: string; status: HttpAnswer };
    warehouse: { ok: true; objects: number } | { ok: false; name: string; message: string };
}

/** A verdict: settled, waiting (with what is not there yet), or failed (with each cause). */
export interface PipelineVerdict {
    verdict: "settled" | "waiting" | "failed";
    /** One line per part: what it is, or what is wrong with it. */
    parts: string[];
    failures: string[];
    waiting: string[];
}

/** The checkpoint id a job had completed when the check started (the first probe): later ones count. */
export function checkpointBaseline(observation: PipelineObservation): Record<string, number> {
    const out: Record<string, number> = {};
    for (const j of observation.jobs) out[j.jobId] = Number(j.checkpoints?.json?.latest?.completed?.id ?? 0);
    return out;
}

/**
 * Judges one observation. `baseline` (job id -> checkpoint id) makes a new COMPLETED checkpoint
 * required (the settle check); without it (the quick probe of `read`) a job must not have failed its
 * last checkpoint. Deterministic failures and parts that cannot recover by waiting fail at once.
 */
export function judgePipeline(inputs: Record<string, any>, observation: PipelineObservation, baseline?: Record<string, number>): PipelineVerdict {
    const failures: string[] = [];
    const waiting: string[] = [];
    const parts: string[] = [];
    const terminal = ["FAILED", "CANCELED", "FINISHED", "SUSPENDED"];
    for (const j of observation.jobs) {
        const label = `Flink job ${j.name} (${j.jobId}, table ${j.table})`;
        if (j.job.status === 404) {
            failures.push(`${label} does not exist on the Flink cluster: run pulumi up --refresh to resubmit it`);
            continue;
        }
        if (j.job.status !== 200) {
            waiting.push(`${label}: ${answered("Flink REST", j.job)}`);
            continue;
        }
        const state: string = j.job.json?.state ?? "UNKNOWN";
        const history: any[] = j.exceptions?.json?.exceptionHistory?.entries ?? [];
        const root = String(j.exceptions?.json?.["root-exception"] ?? history[0]?.stacktrace ?? "");
        const latest = j.checkpoints?.json?.latest ?? {};
        const completed = latest.completed;
        if (terminal.includes(state)) {
            failures.push(`${label} is ${state}: ${root ? flinkRootCause(root) : "no exception recorded"}`);
            continue;
        }
        const deterministic = deterministicJobFailure(history, Number(completed?.latest_ack_timestamp ?? 0));
        if (deterministic) {
            const table = /(?:^|[\s:>])([A-Za-z_][A-Za-z0-9_]*)_cdc\b/.exec(deterministic.taskName)?.[1] ?? j.table;
            failures.push(
                `${label} is ${state} and fails deterministically (${deterministic.exception}, ${deterministic.attempts} attempt${deterministic.attempts > 1 ? "s" : ""}): ${deterministic.message}; the declared column types do not fit the data: fix lakehouse:source.tables.${table}.columns, then run pulumi up`,
            );
            continue;
        }
        const vertices: any[] = j.job.json?.vertices ?? [];
        const tasksRunning = state === "RUNNING" && vertices.length > 0 && vertices.every((v) => v.status === "RUNNING" || v.status === "FINISHED");
        const lastException = root && state !== "RUNNING" ? `; last exception: ${flinkRootCause(root)}` : "";
        if (!tasksRunning) {
            const tasks = vertices.map((v) => `${String(v.name ?? "").slice(0, 40)}: ${v.status}`).join("; ");
            waiting.push(`${label}: job ${state}${tasks ? `, tasks ${tasks}` : ""}${lastException}`);
            continue;
        }
        const failed = latest.failed;
        if (baseline) {
            const since = baseline[j.jobId] ?? 0;
            if (!completed || Number(completed.id) <= since) {
                const lastFailed =
                    failed && Number(failed.id) > since ? `; checkpoint ${failed.id} failed: ${String(failed.failure_message ?? "").slice(0, 500)}` : "";
                waiting.push(`${label}: RUNNING, waiting for a checkpoint to complete after #${since}${lastFailed}`);
                continue;
            }
        } else if (failed && (!completed || Number(failed.failure_timestamp ?? 0) > Number(completed.latest_ack_timestamp ?? 0))) {
            failures.push(`${label}: its last checkpoint (${failed.id}) failed: ${String(failed.failure_message ?? "no message").slice(0, 500)}`);
            continue;
        }
        parts.push(`${j.name} RUNNING${completed ? ` (checkpoint ${completed.id} completed)` : ""}`);
    }
    if (observation.connector) {
        const c = observation.connector;
        const label = `connector ${c.name}`;
        if (c.status.status === 404) failures.push(`${label} does not exist in Kafka Connect: run pulumi up --refresh to create it again`);
        else if (c.status.status !== 200) waiting.push(`${label}: ${answered("Kafka Connect", c.status)}`);
        else {
            const s = c.status.json ?? {};
            const tasks: any[] = s.tasks ?? [];
            const failedTasks = tasks.filter((t) => t.state === "FAILED");
            if (s.connector?.state === "FAILED")
                failures.push(`${label} is FAILED on ${s.connector.worker_id ?? "its worker"}: ${flinkRootCause(String(s.connector.trace ?? "no trace"))}`);
            else if (failedTasks.length)
                failures.push(
                    ...failedTasks.map(
                        (t) => `${label} task ${t.id} is FAILED on ${t.worker_id ?? "its worker"}: ${flinkRootCause(String(t.trace ?? "no trace"))}`,
                    ),
                );
            else if (s.connector?.state === "RUNNING" && tasks.length > 0 && tasks.every((t) => t.state === "RUNNING"))
                parts.push(`${label} RUNNING (${tasks.length} task${tasks.length > 1 ? "s" : ""})`);
            else waiting.push(`${label}: ${s.connector?.state ?? "UNKNOWN"}, tasks [${tasks.map((t) => `${t.id}: ${t.state}`).join(", ")}]`);
        }
    }
    const w = observation.warehouse;
    const where = `warehouse s3://${inputs.warehouse?.bucket}/ at ${inputs.warehouse?.endpoint}`;
    if (w.ok) parts.push(`${where} readable`);
    else if (PERMANENT_S3_ERRORS.includes(w.name)) failures.push(`${where} is not readable: ${w.name}: ${w.message}`);
    else waiting.push(`${where}: ${w.name}: ${w.message}`);
    return { verdict: failures.length ? "failed" : waiting.length ? "waiting" : "settled", parts, failures, waiting };
}

/** A service's answer that is not 200, as a waiting line says it: the status and the service's own words, or why it was not reached. */
function answered(service: string, answer: HttpAnswer): string {
    // Unreached: the error names the service, the URL and the cause (refused, timeout).
    return answer.status ? `${service} answered ${answer.status}: ${answer.error ?? ""}`.trim() : (answer.error ?? `${service} did not answer`);
}

/**
 * GET of a JSON REST API (the toolkit's `requestJson`), never throwing: the status and the body, the
 * service's own message (the telling line of a Java trace) on an error, status 0 when unreachable.
 */
async function getJson(service: string, baseUrl: HttpTarget, path: string): Promise<HttpAnswer> {
    // The service's own words, as the error message of an answer that is not 2xx ends.
    let words: string | undefined;
    const errorMessage = (json: any, text: string) => (words = flinkRootCause(serverMessage(json, text)));
    try {
        return { status: 200, json: await requestJson({ service, baseUrl, path, timeoutMs: PROBE_TIMEOUT_MS, errorMessage }) };
    } catch (err) {
        return { status: errorStatus(err) ?? 0, json: (err as HttpError).body, error: words ?? (err as Error).message };
    }
}

/** Lists (at most one object of) the warehouse bucket: what every writer and reader needs first. */
async function listWarehouse(inputs: Record<string, any>): Promise<PipelineObservation["warehouse"]> {
    const { S3Client, ListObjectsV2Command } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    const w = inputs.warehouse;
    const client = new S3Client({
        endpoint: w.endpoint,
        region: w.region,
        forcePathStyle: w.pathStyle !== false,
        credentials: { accessKeyId: w.accessKeyId, secretAccessKey: inputs.s3SecretAccessKey },
        maxAttempts: 2,
        ...s3TrustOptions(w.caCert),
    });
    try {
        const page = await client.send(new ListObjectsV2Command({ Bucket: w.bucket, MaxKeys: 1 }), {
            abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS) as any,
        });
        return { ok: true, objects: page.KeyCount ?? 0 };
    } catch (err) {
        const e = err as { name?: string; message?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
        const name = e.Code ?? e.name ?? "Error";
        return { ok: false, name, message: `${e.message ?? ""}${e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : ""}` };
    } finally {
        client.destroy();
    }
}

/** One probe of every part the check verifies (jobs declared STOPPED and a connector not declared RUNNING are left out). */
export async function observePipeline(
    inputs: Record<string, any>,
    get: (service: string, baseUrl: HttpTarget, path: string) => Promise<HttpAnswer> = getJson,
    list: (inputs: Record<string, any>) => Promise<PipelineObservation["warehouse"]> = listWarehouse,
): Promise<PipelineObservation> {
    const flink = (path: string) => get("Flink REST", httpTarget(String(inputs.flinkRestUrl ?? ""), inputs.flinkCaCert), path);
    const jobs = await Promise.all(
        ((inputs.jobs ?? []) as SettleJob[])
            .filter((j) => j.required)
            .map(async (j) => {
                const job = await flink(`/jobs/${j.jobId}`);
                if (job.status !== 200) return { table: j.table, name: j.name, jobId: j.jobId, job };
                const [checkpoints, exceptions] = await Promise.all([
                    flink(`/jobs/${j.jobId}/checkpoints`),
                    flink(`/jobs/${j.jobId}/exceptions?maxExceptions=20`),
                ]);
                return { table: j.table, name: j.name, jobId: j.jobId, job, checkpoints, exceptions };
            }),
    );
    const c: SettleConnector | undefined = inputs.connector;
    const connector =
        c && c.required
            ? {
                  name: c.name,
                  status: await get(
                      "Kafka Connect",
                      httpTarget(String(inputs.connectUrl), inputs.connectCaCert),
                      `/connectors/${encodeURIComponent(c.name)}/status`,
                  ),
              }
            : undefined;
    return { jobs, ...(connector ? { connector } : {}), warehouse: await list(inputs) };
}

/**
 * The settle check: probes until the pipeline settles (returns the summary), a part fails in a way
 * waiting does not fix, or `timeoutMs` passes (throws naming every cause). Its own loop rather than the
 * toolkit's `pollUntil`: the first probe sets the checkpoint baseline, a verdict can fail at once, and
 * the errors name every part. Backs off with the toolkit's jittered `backoffDelay` (0.5 s to 3 s);
 * prints what it waits for from the first probe on, whenever that changes and at least every 15 s
 * (the provider's output shows in `pulumi up`).
 */
export async function settlePipeline(
    inputs: Record<string, any>,
    timeoutMs: number,
    observe: () => Promise<PipelineObservation>,
    log: (line: string) => void = printProgress,
    sleep: (ms: number) => Promise<void> = wait,
): Promise<{ seconds: number; summary: string }> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    let baseline: Record<string, number> | undefined;
    let said = "";
    let saidAt = started;
    for (let attempt = 0; ; attempt++) {
        const observation = await observe();
        baseline ??= checkpointBaseline(observation);
        const v = judgePipeline(inputs, observation, baseline);
        const seconds = Math.round((Date.now() - started) / 100) / 10;
        if (v.verdict === "settled") {
            const summary = `pipeline settled in ${seconds} s: ${v.parts.join("; ")}`;
            log(summary);
            return { seconds, summary };
        }
        if (v.verdict === "failed") {
            throw new Error(`the pipeline is not working after ${seconds} s:\n  - ${[...v.failures, ...v.waiting].join("\n  - ")}`);
        }
        const delay = backoffDelay(attempt, SETTLE_BACKOFF);
        if (Date.now() + delay > deadline) {
            throw new Error(
                `the pipeline did not settle within ${Math.round(timeoutMs / 1000)} s (lakehouse:pipeline.verifyTimeoutSeconds); still waiting for:\n  - ${v.waiting.join("\n  - ")}${v.parts.length ? `\n  settled: ${v.parts.join("; ")}` : ""}`,
            );
        }
        const now = v.waiting.join("; ");
        if (now !== said || Date.now() - saidAt >= 15_000) {
            log(`pipeline check (${seconds} s of ${Math.round(timeoutMs / 1000)} s): waiting for ${now}`);
            said = now;
            saidAt = Date.now();
        }
        await sleep(delay);
    }
}

/** Create and update: the settle check; the outputs record when and how fast it settled. */
async function verify(inputs: Record<string, any>): Promise<Record<string, any>> {
    const timeoutMs = (inputs.timeoutSeconds ?? 120) * 1000;
    const { seconds, summary } = await settlePipeline(inputs, timeoutMs, () => observePipeline(inputs));
    return { ...inputs, status: SETTLED, settledSeconds: seconds, summary, verifiedAt: new Date().toISOString() };
}

export const pipelineCheckProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        return { inputs: news, failures: checkPipelineCheckInputs(news) };
    },

    async diff(_id: string, olds: any, news: any) {
        return engineDiff(diffPipelineCheck(olds, news), olds, news);
    },

    async create(inputs: any) {
        const crypto = require("crypto") as typeof import("crypto");
        return { id: `pipeline-check-${crypto.randomUUID()}`, outs: await verify(inputs) };
    },

    async update(_id: string, _olds: any, news: any) {
        return { outs: await verify(news) };
    },

    async read(id: string, props: any) {
        // A quick probe, no waiting: anything not healthy reads as a `status` change, so `up --refresh` re-verifies.
        const v = judgePipeline(props, await observePipeline(props));
        const status = v.verdict === "settled" ? SETTLED : `unhealthy: ${[...v.failures, ...v.waiting].join("; ").slice(0, 2000)}`;
        return { id, props: { ...props, status } };
    },

    async delete() {
        // Nothing exists outside the state.
    },
};

export interface PipelineSettleCheckArgs {
    /** Flink JobManager REST URL reachable from the machine running Pulumi. */
    flinkRestUrl: pulumi.Input<string>;
    /** With an https `flinkRestUrl`: the CA that signed the cluster's REST certificate, PEM. */
    flinkCaCert?: pulumi.Input<string>;
    /** Kafka Connect REST URL reachable from the machine running Pulumi. */
    connectUrl: pulumi.Input<string>;
    /** With an https `connectUrl`: the CA that signed Connect's certificate, PEM. */
    connectCaCert?: pulumi.Input<string>;
    /** The jobs to verify; their ids and SQL hashes are the fingerprint. */
    jobs: pulumi.Input<pulumi.Input<{ [K in keyof SettleJob]: pulumi.Input<SettleJob[K]> }>[]>;
    /** The connector to verify; its config hash is the fingerprint. */
    connector?: pulumi.Input<SettleConnector>;
    /** The warehouse bucket. */
    warehouse: pulumi.Input<SettleWarehouse>;
    /** The warehouse's S3 secret key (always stored as a secret). */
    s3SecretAccessKey: pulumi.Input<string>;
    /** The Nessie namespace the jobs write (part of the fingerprint). */
    namespace?: pulumi.Input<string>;
    /** Bound on the settle check, in seconds. */
    timeoutSeconds: pulumi.Input<number>;
}

/**
 * Verifies the pipeline after every `up` that changed it (see the file comment): `up` fails, naming
 * the cause, when a job restarts in a loop, the connector failed or the warehouse is unreadable.
 */
export class PipelineSettleCheck extends LakehouseResource {
    declare readonly status: pulumi.Output<string>;
    /** How long the last settle check took, in seconds. */
    declare readonly settledSeconds: pulumi.Output<number>;
    declare readonly summary: pulumi.Output<string>;
    declare readonly verifiedAt: pulumi.Output<string>;

    constructor(name: string, args: PipelineSettleCheckArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            pipelineCheckProvider,
            name,
            {
                flinkRestUrl: args.flinkRestUrl,
                ...(args.flinkCaCert !== undefined ? { flinkCaCert: args.flinkCaCert } : {}),
                connectUrl: args.connectUrl,
                ...(args.connectCaCert !== undefined ? { connectCaCert: args.connectCaCert } : {}),
                jobs: args.jobs,
                connector: args.connector,
                warehouse: args.warehouse,
                s3SecretAccessKey: pulumi.secret(args.s3SecretAccessKey),
                namespace: args.namespace ?? "",
                timeoutSeconds: args.timeoutSeconds,
                status: SETTLED,
                version: PIPELINE_CHECK_PROVIDER_VERSION,
                settledSeconds: undefined,
                summary: undefined,
                verifiedAt: undefined,
            },
            { ...opts, additionalSecretOutputs: ["s3SecretAccessKey"] },
            "lakehouse",
            "PipelineSettleCheck",
        );
    }
}
