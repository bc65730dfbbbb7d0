/**
 * A Flink SQL job submitted through the SQL Gateway, as a dynamic resource.
 *
 * - create: the setup statements (catalog DDL, tables) and the job's INSERT / STATEMENT SET run in one
 *   gateway session; then a bounded wait until Flink's REST API reports the job and all its tasks
 *   RUNNING. A job that fails surfaces Flink's own exception.
 * - update: stop the running job with a savepoint, then resubmit the new SQL from that savepoint (a job
 *   that is already gone resumes from its latest retained checkpoint or the last savepoint).
 * - delete: stop with a savepoint (default) or cancel (`deleteMode: "cancel"`); a missing job is done.
 * - read: a FAILED, CANCELED, FINISHED or missing job reads as a `state` change, so `up` resubmits it.
 * - Idempotent create: a job still running under the same name (a crash between submit and state write)
 *   is stopped with a savepoint and resubmitted from it, never duplicated.
 * - `secrets` fill `{{secret.<name>}}` placeholders only when the SQL is sent to the gateway: the
 *   statements in state, diffs and error messages hold the placeholder, never the value.
 * Methods use only global `fetch`, `require("crypto")`, this file's functions and ./job-failures (they are serialized).
 */
import * as pulumi from "@pulumi/pulumi";
import { JobExceptionEntry, classifyJobFailure, deterministicJobFailure, flinkRootCause } from "./job-failures";

export { JobExceptionEntry, classifyJobFailure, deterministicJobFailure, flinkRootCause };

export const FLINK_JOB_PROVIDER_VERSION = 1;

/** Declared run state: RUNNING, or STOPPED (stopped with a savepoint, resumed from it later). */
export type FlinkJobRunState = "RUNNING" | "STOPPED";

export type FlinkJobDeleteMode = "savepoint" | "cancel";

const TERMINAL_STATES = ["FAILED", "CANCELED", "FINISHED", "SUSPENDED"];

function isUnknown(value: unknown): boolean {
    return value === "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
}

/**
 * Splits SQL text into statements on `;` outside string literals, quoted identifiers and comments.
 * `EXECUTE STATEMENT SET BEGIN ... END` stays one statement. Comments are kept inside statements.
 */
export function splitSqlStatements(text: string): string[] {
    const statements: string[] = [];
    let current = "";
    let i = 0;
    const flush = () => {
        const statement = current.trim();
        if (stripSqlComments(statement).trim()) statements.push(statement);
        current = "";
    };
    while (i < text.length) {
        const c = text[i];
        if (c === "'" || c === "`" || c === '"') {
            const end = closingQuote(text, i);
            current += text.slice(i, end);
            i = end;
        } else if (c === "-" && text[i + 1] === "-") {
            const end = text.indexOf("\n", i);
            const stop = end === -1 ? text.length : end;
            current += text.slice(i, stop);
            i = stop;
        } else if (c === "/" && text[i + 1] === "*") {
            const end = text.indexOf("*/", i + 2);
            const stop = end === -1 ? text.length : end + 2;
            current += text.slice(i, stop);
            i = stop;
        } else if (c === ";" && !insideStatementSet(current)) {
            flush();
            i++;
        } else {
            current += c;
            i++;
        }
    }
    flush();
    return statements;
}

/** Index just past the quote that closes the one at `start` (a doubled quote is an escaped one). */
function closingQuote(text: string, start: number): number {
    const quote = text[start];
    let i = start + 1;
    while (i < text.length) {
        if (text[i] === quote) {
            if (text[i + 1] === quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i++;
    }
    return text.length;
}

/** True inside `EXECUTE STATEMENT SET BEGIN` until its `END` (its inner `;` do not end it). */
function insideStatementSet(sofar: string): boolean {
    const words = stripSqlComments(sofar).replace(/'(?:[^']|'')*'/g, "''").toUpperCase();
    return /\bSTATEMENT\s+SET\s+BEGIN\b/.test(words) && !/\bEND\s*$/.test(words.trim());
}

/** Removes `--` and block comments outside string literals. */
export function stripSqlComments(sql: string): string {
    let out = "";
    let i = 0;
    while (i < sql.length) {
        const c = sql[i];
        if (c === "'" || c === "`" || c === '"') {
            const end = closingQuote(sql, i);
            out += sql.slice(i, end);
            i = end;
        } else if (c === "-" && sql[i + 1] === "-") {
            const end = sql.indexOf("\n", i);
            i = end === -1 ? sql.length : end;
        } else if (c === "/" && sql[i + 1] === "*") {
            const end = sql.indexOf("*/", i + 2);
            i = end === -1 ? sql.length : end + 2;
            out += " ";
        } else {
            out += c;
            i++;
        }
    }
    return out;
}

/** A statement as compared: comments gone, whitespace outside literals collapsed, no trailing `;`. */
export function normalizeSqlStatement(sql: string): string {
    const text = stripSqlComments(sql);
    let out = "";
    let i = 0;
    while (i < text.length) {
        const c = text[i];
        if (c === "'" || c === "`" || c === '"') {
            const end = closingQuote(text, i);
            out += text.slice(i, end);
            i = end;
        } else if (/\s/.test(c)) {
            while (i < text.length && /\s/.test(text[i])) i++;
            out += " ";
        } else {
            out += c;
            i++;
        }
    }
    return out.trim().replace(/\s*;$/, "").trim();
}

/** sha256 of the normalised statements: what the diff compares, so formatting and comments never cause a resubmission. */
export function sqlHash(statements: string[]): string {
    const crypto = require("crypto") as typeof import("crypto");
    return crypto.createHash("sha256").update(JSON.stringify(statements.map(normalizeSqlStatement))).digest("hex");
}

/** Settings (session properties) as compared: string values, keys sorted. */
export function normalizeSettings(settings: Record<string, unknown> | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const key of Object.keys(settings ?? {}).sort()) {
        const value = (settings ?? {})[key];
        if (value !== undefined && value !== null) out[key] = String(value);
    }
    return out;
}

/** `{{secret.<name>}}` placeholders of the statements. */
export function secretPlaceholders(statements: string[]): string[] {
    const names = new Set<string>();
    for (const s of statements) for (const m of s.matchAll(/\{\{\s*secret\.([A-Za-z0-9_]+)\s*\}\}/g)) names.add(m[1]);
    return [...names].sort();
}

const SETTING_KEYS_OWNED = ["pipeline.name", "execution.state-recovery.path", "execution.savepoint.path"];

/** Validates inputs (unknown values during preview are skipped). */
export function checkFlinkJobInputs(news: Record<string, any>): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    const known = (v: unknown) => v !== undefined && !isUnknown(v);
    for (const key of ["gatewayUrl", "restUrl"]) {
        if (!known(news[key])) continue;
        if (!/^https?:\/\/[^\s]+$/.test(String(news[key]))) failures.push({ property: key, reason: `"${news[key]}" must be an http(s) URL` });
    }
    if (news.gatewayUrl === undefined) failures.push({ property: "gatewayUrl", reason: "is required (the Flink SQL Gateway REST URL)" });
    if (news.restUrl === undefined) failures.push({ property: "restUrl", reason: "is required (the Flink JobManager REST URL)" });
    if (known(news.name) && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(String(news.name))) {
        failures.push({ property: "name", reason: `"${news.name}" must start with a letter or digit and hold only letters, digits, '.', '_' and '-' (it is the Flink job name)` });
    }
    if (known(news.state) && !["RUNNING", "STOPPED"].includes(news.state)) failures.push({ property: "state", reason: `"${news.state}" must be RUNNING or STOPPED` });
    if (known(news.deleteMode) && !["savepoint", "cancel"].includes(news.deleteMode)) failures.push({ property: "deleteMode", reason: `"${news.deleteMode}" must be "savepoint" or "cancel"` });
    if (known(news.waitTimeoutSeconds) && !(Number.isInteger(news.waitTimeoutSeconds) && news.waitTimeoutSeconds >= 10 && news.waitTimeoutSeconds <= 3600)) {
        failures.push({ property: "waitTimeoutSeconds", reason: `${news.waitTimeoutSeconds} must be a whole number of seconds from 10 to 3600` });
    }
    const statements = news.statements;
    if (known(statements)) {
        if (!Array.isArray(statements) || statements.length === 0) {
            failures.push({ property: "statements", reason: "must be a non-empty list of SQL statements; the last one submits the job (INSERT or EXECUTE STATEMENT SET)" });
        } else if (statements.every((s) => typeof s === "string" && !isUnknown(s))) {
            const last = normalizeSqlStatement(statements[statements.length - 1]).toUpperCase();
            if (!/^(INSERT\s|EXECUTE\s+STATEMENT\s+SET\b|EXECUTE\s+INSERT\s|BEGIN\s+STATEMENT\s+SET\b)/.test(last)) {
                failures.push({ property: `statements[${statements.length - 1}]`, reason: "the last statement must submit the job: INSERT INTO ... or EXECUTE STATEMENT SET BEGIN ... END" });
            }
            statements.forEach((s, i) => {
                if (!normalizeSqlStatement(s)) failures.push({ property: `statements[${i}]`, reason: "is empty" });
                const leftover = /\{\{\s*(?!secret\.)[^}]*\}\}/.exec(s);
                if (leftover) failures.push({ property: `statements[${i}]`, reason: `holds the unrendered placeholder ${leftover[0]}` });
            });
            const secrets = news.secrets;
            if (known(secrets)) {
                for (const name of secretPlaceholders(statements)) {
                    if (!secrets || typeof secrets !== "object" || secrets[name] === undefined) failures.push({ property: "secrets", reason: `has no value for {{secret.${name}}} used by the statements` });
                }
            }
        }
    }
    if (known(news.sinkTables)) {
        const tables = news.sinkTables;
        if (!Array.isArray(tables)) failures.push({ property: "sinkTables", reason: "must be a list of { identifier, columns: [{ name, type }] }" });
        else
            tables.forEach((t: any, i: number) => {
                if (!t || typeof t.identifier !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){2}$/.test(t.identifier)) failures.push({ property: `sinkTables[${i}].identifier`, reason: "must be <catalog>.<database>.<table>" });
                if (!t || !Array.isArray(t.columns) || !t.columns.every((c: any) => c && typeof c.name === "string" && typeof c.type === "string" && /^[A-Za-z0-9_(), ]+$/.test(c.type))) {
                    failures.push({ property: `sinkTables[${i}].columns`, reason: "must be a list of { name, type } with Flink SQL types" });
                }
            });
    }
    if (known(news.settings)) {
        if (news.settings === null || typeof news.settings !== "object") failures.push({ property: "settings", reason: "must be a map of Flink settings" });
        else for (const key of SETTING_KEYS_OWNED) if (news.settings[key] !== undefined) failures.push({ property: `settings["${key}"]`, reason: "is set by the resource (the job name is `name`; restores are managed)" });
    }
    return failures;
}

/** Keys whose change needs the job stopped with a savepoint and resubmitted. */
const RESUBMIT_KEYS = ["name", "statements", "settings", "secrets", "sinkTables", "allowNonRestoredState", "version"];

/**
 * The pure diff: exactly the changed keys. Nothing replaces: the job's identity is its name, updated in
 * place (stopped with a savepoint, resubmitted from it), and the gateway and REST URLs are how Pulumi
 * reaches the cluster (`127.0.0.1` or `localhost`): a new URL alone leaves the running job alone.
 */
export function diffFlinkJob(olds: Record<string, any>, news: Record<string, any>): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean; changedKeys: string[] } {
    const normal = (v: Record<string, any>): Record<string, any> => ({ state: "RUNNING", deleteMode: "savepoint", allowNonRestoredState: false, waitTimeoutSeconds: 300, version: 1, ...v, sinkTables: v.sinkTables ?? [] });
    const o = normal(olds);
    const n = normal(news);
    const changedKeys: string[] = [];
    for (const key of ["gatewayUrl", "restUrl", "name", "state", "deleteMode", "savepointDirectory", "allowNonRestoredState", "waitTimeoutSeconds", "version", "sinkTables"]) {
        if (JSON.stringify(o[key]) !== JSON.stringify(n[key])) changedKeys.push(key);
    }
    if (sqlHash(o.statements ?? []) !== sqlHash(n.statements ?? [])) changedKeys.push("statements");
    const os = normalizeSettings(o.settings);
    const ns = normalizeSettings(n.settings);
    for (const key of [...new Set([...Object.keys(os), ...Object.keys(ns)])].sort()) if (os[key] !== ns[key]) changedKeys.push(`settings["${key}"]`);
    if (JSON.stringify(normalizeSettings(o.secrets)) !== JSON.stringify(normalizeSettings(n.secrets))) changedKeys.push("secrets");
    return { changes: changedKeys.length > 0, replaces: [], deleteBeforeReplace: false, changedKeys };
}

/** True when the change needs the job stopped and resubmitted (anything but wait/delete settings). */
export function needsResubmit(changedKeys: string[]): boolean {
    return changedKeys.some((k) => RESUBMIT_KEYS.includes(k) || k.startsWith("settings[") || k === "state");
}

/** The SQL as sent: each `{{secret.<name>}}` replaced by its value, escaped for a string literal. */
function fillSecrets(sql: string, secrets: Record<string, string>): string {
    return sql.replace(/\{\{\s*secret\.([A-Za-z0-9_]+)\s*\}\}/g, (_m: string, name: string) => String(secrets[name] ?? "").replace(/'/g, "''"));
}

/** Replaces every secret value in a message by `[secret]`. */
function redact(message: string, secrets: Record<string, string> | undefined): string {
    let out = message;
    for (const value of Object.values(secrets ?? {})) if (value && value.length >= 4) out = out.split(value).join("[secret]");
    return out;
}

/** A plain Error with the HTTP status (Error subclasses do not survive closure serialization). */
function flinkError(status: number, message: string): Error & { status: number } {
    return Object.assign(new Error(message), { status });
}

/** Calls a Flink REST API (JobManager or SQL Gateway); non-2xx become errors carrying Flink's own message. */
export async function flinkRequest(what: string, baseUrl: string, method: string, path: string, body?: unknown): Promise<any> {
    const url = `${baseUrl.replace(/\/+$/, "")}${path}`;
    let response: Response;
    try {
        response = await fetch(url, {
            method,
            headers: body === undefined ? { Accept: "application/json" } : { "Content-Type": "application/json", Accept: "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(60_000),
        });
    } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
        throw flinkError(0, `${what} ${method} ${url}: ${cause}`);
    }
    const text = await response.text();
    let json: any;
    try {
        json = text ? JSON.parse(text) : {};
    } catch {
        json = undefined;
    }
    if (!response.ok) {
        const errors: string[] = Array.isArray(json?.errors) ? json.errors : [text.slice(0, 2000)];
        throw flinkError(response.status, `${what} ${method} ${path}: ${response.status}: ${flinkRootCause(errors.join("\n"))}`);
    }
    return json ?? {};
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` (bounded, backed off) until it returns a value; the error names `what` and the last thing seen. */
async function pollUntil<T>(what: string, timeoutMs: number, probe: () => Promise<{ done: true; value: T } | { done: false; seen: string }>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let delay = 250;
    let seen = "nothing yet";
    for (;;) {
        const r = await probe();
        if (r.done) return r.value;
        seen = r.seen;
        if (Date.now() + delay > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what} (last seen: ${seen})`);
        await sleep(delay);
        delay = Math.min(delay * 2, 3000);
    }
}

/** The job's exception history (newest first) and its root exception; empty when Flink has none or cannot say. */
export async function jobExceptionHistory(restUrl: string, jobId: string): Promise<{ root: string; entries: JobExceptionEntry[] }> {
    const r = await flinkRequest("Flink REST", restUrl, "GET", `/jobs/${jobId}/exceptions?maxExceptions=20`).catch(() => ({}) as any);
    const entries: JobExceptionEntry[] = Array.isArray(r.exceptionHistory?.entries) ? r.exceptionHistory.entries : [];
    return { root: String(r["root-exception"] ?? entries[0]?.stacktrace ?? ""), entries };
}

/** Flink's exception of a job: the root exception's telling line, or "" when there is none. */
export async function jobException(restUrl: string, jobId: string): Promise<string> {
    const { root } = await jobExceptionHistory(restUrl, jobId);
    if (!root) return "";
    const first = root.split("\n")[0];
    const cause = flinkRootCause(root);
    return cause && cause !== first ? `${first} (caused by ${cause})` : first;
}

/**
 * What to change for a deterministic failure: the failing table's declared columns. The table is read
 * from the failing source (`<table>_cdc`, as jobs/*.sql name a table's Kafka source) or the job name
 * (`<prefix>-<table>-to-iceberg`); otherwise the key is named with `<table>`.
 */
export function deterministicFailureFix(jobName: string | undefined, taskName: string | undefined): string {
    const table = /(?:^|[\s:>])([A-Za-z_][A-Za-z0-9_]*)_cdc\b/.exec(taskName ?? "")?.[1] ?? /-([A-Za-z_][A-Za-z0-9_]*)-to-iceberg$/.exec(jobName ?? "")?.[1] ?? "<table>";
    return `the declared column types do not fit the data the job reads: fix the column's Flink SQL type in lakehouse:source.tables.${table}.columns (README "Captured tables"), then run pulumi up (the job fails the same way on every restart; waiting does not help)`;
}

/** A job's state, or "MISSING" when the cluster does not know it. */
export async function jobState(restUrl: string, jobId: string): Promise<string> {
    try {
        return (await flinkRequest("Flink REST", restUrl, "GET", `/jobs/${jobId}`)).state;
    } catch (err) {
        if ((err as { status?: number }).status === 404) return "MISSING";
        throw err;
    }
}

/**
 * Waits until the job and every task are RUNNING; a job that ends throws Flink's exception. A job that
 * fails deterministically (a parse, deserialization or type error on every attempt, see
 * `deterministicJobFailure`) throws within seconds, naming Flink's exception and the config key to fix;
 * transient failures (a service down, a TaskManager lost) are waited for until `timeoutMs`.
 */
export async function waitForJobRunning(restUrl: string, jobId: string, timeoutMs: number): Promise<void> {
    let exception = "";
    await pollUntil(`Flink job ${jobId} and all its tasks to be RUNNING`, timeoutMs, async () => {
        const job = await flinkRequest("Flink REST", restUrl, "GET", `/jobs/${jobId}`).catch((err) => {
            // Just submitted: the JobManager may not list it for a moment.
            if ((err as { status?: number }).status === 404) return { state: "UNKNOWN", vertices: [] };
            throw err;
        });
        if (TERMINAL_STATES.includes(job.state)) {
            throw new Error(`Flink job ${jobId} ended ${job.state}: ${(await jobException(restUrl, jobId)) || "no exception recorded"}`);
        }
        const vertices: any[] = job.vertices ?? [];
        const tasks = vertices.map((v) => `${v.name?.slice(0, 40)}: ${v.status}`).join("; ");
        if (job.state === "RUNNING" && vertices.length > 0 && vertices.every((v) => v.status === "RUNNING" || v.status === "FINISHED")) return { done: true, value: undefined };
        if (job.state !== "UNKNOWN" && job.state !== "INITIALIZING") {
            // Between restarts the job shows RUNNING with tasks still deploying: look at its failures on every probe.
            const history = await jobExceptionHistory(restUrl, jobId);
            const failure = deterministicJobFailure(history.entries);
            if (failure) {
                throw new Error(
                    `Flink job ${jobId} is ${job.state} and fails deterministically (${failure.exception}, ${failure.attempts} attempt${failure.attempts > 1 ? "s" : ""}${failure.taskName ? ` in ${failure.taskName.slice(0, 80)}` : ""}): ${failure.message}; ${deterministicFailureFix(job.name, failure.taskName)}`,
                );
            }
            if (history.root) {
                const first = history.root.split("\n")[0];
                const cause = flinkRootCause(history.root);
                exception = cause && cause !== first ? `${first} (caused by ${cause})` : first;
            }
        }
        return { done: false, seen: `job ${job.state}${tasks ? `, tasks ${tasks}` : ""}${exception ? `, last exception: ${exception}` : ""}` };
    });
}

/** Stops the job with a savepoint and waits for it; returns the savepoint's location. */
export async function stopWithSavepoint(restUrl: string, jobId: string, targetDirectory: string | undefined, timeoutMs: number): Promise<string> {
    const request = await flinkRequest("Flink REST", restUrl, "POST", `/jobs/${jobId}/stop`, { ...(targetDirectory ? { targetDirectory } : {}), drain: false });
    const requestId = request["request-id"];
    const location = await pollUntil(`the savepoint of Flink job ${jobId} (stop request ${requestId})`, timeoutMs, async () => {
        const status = await flinkRequest("Flink REST", restUrl, "GET", `/jobs/${jobId}/savepoints/${requestId}`);
        if (status.status?.id !== "COMPLETED") return { done: false, seen: `savepoint ${status.status?.id}` };
        const location = status.operation?.location;
        if (location) return { done: true, value: String(location) };
        const cause = flinkRootCause(String(status.operation?.["failure-cause"]?.["stack-trace"] ?? "no location reported"));
        throw new Error(`Flink could not stop job ${jobId} with a savepoint: ${cause}`);
    });
    // The savepoint completes a moment before the job ends: never let two jobs write the same tables.
    await pollUntil(`Flink job ${jobId} to finish after its savepoint`, timeoutMs, async () => {
        const state = await jobState(restUrl, jobId);
        return TERMINAL_STATES.includes(state) || state === "MISSING" ? { done: true, value: undefined } : { done: false, seen: `state ${state}` };
    });
    return location;
}

/** Cancels the job and waits until it has ended. */
export async function cancelJob(restUrl: string, jobId: string, timeoutMs: number): Promise<void> {
    try {
        await flinkRequest("Flink REST", restUrl, "PATCH", `/jobs/${jobId}?mode=cancel`);
    } catch (err) {
        if ((err as { status?: number }).status === 404) return;
        throw err;
    }
    await pollUntil(`Flink job ${jobId} to be cancelled`, timeoutMs, async () => {
        const state = await jobState(restUrl, jobId);
        return TERMINAL_STATES.includes(state) || state === "MISSING" ? { done: true, value: undefined } : { done: false, seen: `state ${state}` };
    });
}

/** Jobs not yet ended that carry `name` (a job this resource submitted before a crash). */
export async function liveJobsNamed(restUrl: string, name: string): Promise<string[]> {
    const overview = await flinkRequest("Flink REST", restUrl, "GET", "/jobs/overview");
    return (overview.jobs ?? []).filter((j: any) => j.name === name && !TERMINAL_STATES.includes(j.state)).map((j: any) => j.jid);
}

/** The newest retained checkpoint or savepoint of an ended job, to resume from; undefined when none. */
export async function latestRestorePoint(restUrl: string, jobId: string): Promise<string | undefined> {
    const stats = await flinkRequest("Flink REST", restUrl, "GET", `/jobs/${jobId}/checkpoints`).catch(() => undefined);
    const candidates = [stats?.latest?.completed, stats?.latest?.savepoint].filter((c) => c?.external_path && !String(c.external_path).startsWith("<"));
    candidates.sort((a, b) => (b.latest_ack_timestamp ?? 0) - (a.latest_ack_timestamp ?? 0));
    return candidates[0]?.external_path;
}

/** Runs the setup statements and submits the job in one gateway session; returns the job id. */
export async function submitStatements(inputs: Record<string, any>, restorePath: string | undefined): Promise<string> {
    const gateway = inputs.gatewayUrl;
    const secrets: Record<string, string> = inputs.secrets ?? {};
    const fill = (sql: string) => fillSecrets(sql, secrets);
    const timeoutMs = (inputs.waitTimeoutSeconds ?? 300) * 1000;
    const properties: Record<string, string> = {
        "execution.runtime-mode": "streaming",
        ...normalizeSettings(inputs.settings),
        "pipeline.name": inputs.name,
    };
    const session = (await flinkRequest("Flink SQL Gateway", gateway, "POST", "/v1/sessions", { sessionName: inputs.name, properties })).sessionHandle;
    const statements: string[] = inputs.statements;
    try {
        for (let index = 0; index < statements.length; index++) {
            const isJob = index === statements.length - 1;
            const executionConfig: Record<string, string> = {};
            if (isJob && restorePath) {
                // 1.20 reads execution.state-recovery.*; older releases the execution.savepoint.* keys.
                executionConfig["execution.state-recovery.path"] = restorePath;
                executionConfig["execution.savepoint.path"] = restorePath;
                const ignore = String(inputs.allowNonRestoredState === true);
                executionConfig["execution.state-recovery.ignore-unclaimed-state"] = ignore;
                executionConfig["execution.savepoint.ignore-unclaimed-state"] = ignore;
            }
            const label = `statement ${index + 1} of ${statements.length} (${normalizeSqlStatement(statements[index]).slice(0, 80)}...)`;
            try {
                const op = (
                    await flinkRequest("Flink SQL Gateway", gateway, "POST", `/v1/sessions/${session}/statements`, {
                        statement: fill(statements[index]),
                        ...(Object.keys(executionConfig).length ? { executionConfig } : {}),
                    })
                ).operationHandle;
                // Follow the result pages until the statement is done (setup) or names its job (the INSERT).
                const jobId = await pollUntil(`the SQL Gateway to finish ${label}`, timeoutMs, async () => {
                    let token = 0;
                    for (;;) {
                        const page = await flinkRequest("Flink SQL Gateway", gateway, "GET", `/v2/sessions/${session}/operations/${op}/result/${token}?rowFormat=JSON`);
                        if (page.jobID) return { done: true, value: String(page.jobID) };
                        if (page.resultType === "EOS") return { done: true, value: "" };
                        if (page.resultType === "PAYLOAD") {
                            token++;
                            continue;
                        }
                        return { done: false, seen: `result ${page.resultType}` };
                    }
                });
                await flinkRequest("Flink SQL Gateway", gateway, "DELETE", `/v1/sessions/${session}/operations/${op}/close`).catch(() => undefined);
                if (isJob) {
                    if (!jobId) throw new Error("the statement finished without submitting a Flink job");
                    return jobId;
                }
            } catch (err) {
                throw new Error(redact(`Flink SQL job "${inputs.name}": ${label} failed: ${(err as Error).message}`, secrets));
            }
        }
        throw new Error("unreachable: no statements");
    } finally {
        // The session held only this submission; the job keeps running without it.
        await flinkRequest("Flink SQL Gateway", gateway, "DELETE", `/v1/sessions/${session}`).catch(() => undefined);
    }
}

/** Runs one statement in a gateway session and returns its result rows (fields), bounded by `timeoutMs`. */
export async function gatewayQuery(gateway: string, session: string, statement: string, timeoutMs: number): Promise<unknown[][]> {
    const op = (await flinkRequest("Flink SQL Gateway", gateway, "POST", `/v1/sessions/${session}/statements`, { statement })).operationHandle;
    const rows: unknown[][] = [];
    let token = 0;
    await pollUntil(`the SQL Gateway to finish ${normalizeSqlStatement(statement).slice(0, 80)}`, timeoutMs, async () => {
        for (;;) {
            const page = await flinkRequest("Flink SQL Gateway", gateway, "GET", `/v2/sessions/${session}/operations/${op}/result/${token}?rowFormat=JSON`);
            if (page.resultType === "EOS") return { done: true, value: undefined };
            if (page.resultType !== "PAYLOAD") return { done: false, seen: `result ${page.resultType}` };
            rows.push(...(page.results?.data ?? []).map((r: { fields: unknown[] }) => r.fields));
            token++;
        }
    });
    await flinkRequest("Flink SQL Gateway", gateway, "DELETE", `/v1/sessions/${session}/operations/${op}/close`).catch(() => undefined);
    return rows;
}

/** A Flink type as Iceberg stores it (Iceberg has one string, one int below BIGINT): for comparing declared with found. */
export function icebergStoredType(type: string): string {
    const t = type.toUpperCase().replace(/\s+NOT NULL$/, "").replace(/\s+/g, " ").trim();
    if (/^(VARCHAR|CHAR)\(\d+\)$/.test(t) || t === "STRING") return "STRING";
    if (["TINYINT", "SMALLINT", "INT", "INTEGER"].includes(t)) return "INT";
    if (/^(VARBINARY|BINARY)\(\d+\)$/.test(t) || t === "BYTES") return "BYTES";
    return t.replace(/\(\s*(\d+)\s*,\s*(\d+)\s*\)/, "($1, $2)");
}

/**
 * Adds the declared columns an existing sink table lacks (`ALTER TABLE ... ADD`), after the setup
 * statements (catalog, tables) ran in a session of their own. Runs while the old job still writes:
 * adding a nullable column is compatible with it. A declared column whose type differs from the
 * table's is an error naming both types and the fix; nothing is dropped. Returns what was added.
 */
export async function evolveSinkTables(inputs: Record<string, any>): Promise<string[]> {
    const tables: { identifier: string; columns: { name: string; type: string }[] }[] = inputs.sinkTables ?? [];
    if (!tables.length) return [];
    const gateway = inputs.gatewayUrl;
    const secrets: Record<string, string> = inputs.secrets ?? {};
    const fill = (sql: string) => fillSecrets(sql, secrets);
    const timeoutMs = (inputs.waitTimeoutSeconds ?? 300) * 1000;
    const quote = (name: string) => `\`${name.replace(/`/g, "``")}\``;
    // The running job commits to these tables on every checkpoint: an ALTER can lose the race to one
    // of its commits (Iceberg's CommitFailedException). Retry, in a fresh session (a fresh catalog,
    // no cached table metadata), re-reading what is there.
    const added: string[] = [];
    for (let attempt = 1; ; attempt++) {
        const session = (await flinkRequest("Flink SQL Gateway", gateway, "POST", "/v1/sessions", { sessionName: `${inputs.name}-schema`, properties: { "execution.runtime-mode": "batch" } })).sessionHandle;
        try {
            const statements: string[] = inputs.statements;
            for (const statement of statements.slice(0, -1)) await gatewayQuery(gateway, session, fill(statement), timeoutMs);
            for (const table of tables) {
                const path = table.identifier.split(".").map(quote).join(".");
                const found = new Map((await gatewayQuery(gateway, session, `DESCRIBE ${path}`, timeoutMs)).map((row) => [String(row[0]), String(row[1])]));
                const problems = table.columns
                    .filter((c) => found.has(c.name) && icebergStoredType(found.get(c.name)!) !== icebergStoredType(c.type))
                    .map((c) => `column ${c.name} is ${found.get(c.name)} in ${table.identifier} but declared ${c.type}`);
                if (problems.length) {
                    throw new Error(
                        `${problems.join("; ")}: declare the table's type in lakehouse:source.tables, or change the Iceberg column first (Iceberg widens INT to BIGINT, FLOAT to DOUBLE and a DECIMAL's precision: ALTER TABLE ... MODIFY in Flink SQL)`,
                    );
                }
                const missing = table.columns.filter((c) => !found.has(c.name));
                if (!missing.length) continue;
                // New columns are nullable: rows written before them read as NULL.
                await gatewayQuery(gateway, session, `ALTER TABLE ${path} ADD (${missing.map((c) => `${quote(c.name)} ${c.type.replace(/\s+NOT NULL$/i, "")}`).join(", ")})`, timeoutMs);
                added.push(...missing.map((c) => `${table.identifier}.${c.name}`));
            }
            return added;
        } catch (err) {
            const message = (err as Error).message;
            if (attempt < 6 && /CommitFailedException/.test(message)) {
                await sleep(Math.min(500 * 2 ** attempt, 8000));
                continue;
            }
            throw new Error(redact(`Flink SQL job "${inputs.name}": evolving its Iceberg tables failed${attempt > 1 ? ` (attempt ${attempt})` : ""}: ${message}`, secrets));
        } finally {
            await flinkRequest("Flink SQL Gateway", gateway, "DELETE", `/v1/sessions/${session}`).catch(() => undefined);
        }
    }
}

/**
 * Brings the job to the declared state: stops what runs (with a savepoint), resubmits from the newest
 * restore point, waits for RUNNING. `previous` is the state of the job this resource owned, if any.
 */
async function applyFlinkJob(inputs: Record<string, any>, previous: Record<string, any> | undefined): Promise<Record<string, any>> {
    const restUrl = inputs.restUrl;
    const timeoutMs = (inputs.waitTimeoutSeconds ?? 300) * 1000;
    let restorePoint: string | undefined = previous?.lastSavepoint || undefined;
    // Sink tables first, while the old job still runs: a failure here leaves it running as it was.
    const addedColumns = await evolveSinkTables(inputs);
    // Stop every live job this resource owns: the one in state, and any under its old or new name.
    const live = new Set<string>(await liveJobsNamed(restUrl, inputs.name));
    if (previous?.name && previous.name !== inputs.name) for (const id of await liveJobsNamed(restUrl, previous.name)) live.add(id);
    if (previous?.jobId) {
        const state = await jobState(restUrl, previous.jobId);
        if (!TERMINAL_STATES.includes(state) && state !== "MISSING") live.add(previous.jobId);
        else if (state !== "MISSING") restorePoint = (await latestRestorePoint(restUrl, previous.jobId)) ?? restorePoint;
    }
    for (const id of live) {
        const jobState0 = await jobState(restUrl, id);
        if (jobState0 === "RUNNING") {
            restorePoint = await stopWithSavepoint(restUrl, id, inputs.savepointDirectory, timeoutMs);
        } else {
            // Not running (e.g. restarting after failures): no savepoint possible; resume from its last checkpoint.
            await cancelJob(restUrl, id, timeoutMs);
            restorePoint = (await latestRestorePoint(restUrl, id)) ?? restorePoint;
        }
    }
    const base = { ...inputs, sqlHash: sqlHash(inputs.statements), lastSavepoint: restorePoint ?? "", addedColumns };
    if ((inputs.state ?? "RUNNING") === "STOPPED") return { ...base, jobId: "", jobState: "STOPPED", restoredFrom: "" };
    const jobId = await submitStatements(inputs, restorePoint);
    try {
        await waitForJobRunning(restUrl, jobId, timeoutMs);
    } catch (err) {
        // The job exists but did not get running: record it, so the next `up` stops and resubmits it.
        const message = redact((err as Error).message, inputs.secrets);
        throw Object.assign(new Error(`Flink SQL job "${inputs.name}": ${message}`), {
            id: inputs.name,
            properties: { ...base, jobId, jobState: "FAILED", restoredFrom: restorePoint ?? "" },
            reasons: [message],
        });
    }
    return { ...base, jobId, jobState: "RUNNING", restoredFrom: restorePoint ?? "" };
}

export const flinkJobProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        return { inputs: news, failures: checkFlinkJobInputs(news) };
    },

    async diff(_id: string, olds: any, news: any) {
        const { changes, replaces, deleteBeforeReplace } = diffFlinkJob(olds, news);
        return { changes, replaces, deleteBeforeReplace };
    },

    async create(inputs: any) {
        return { id: inputs.name, outs: await applyFlinkJob(inputs, undefined) };
    },

    async update(_id: string, olds: any, news: any) {
        const { changedKeys } = diffFlinkJob(olds, news);
        const running = olds.jobId ? await jobState(news.restUrl, olds.jobId) : "MISSING";
        if (!needsResubmit(changedKeys) && (running === "RUNNING" || (news.state ?? "RUNNING") === "STOPPED")) {
            // Only wait or delete settings changed: the running job is left alone.
            return { outs: { ...olds, ...news, sqlHash: sqlHash(news.statements) } };
        }
        return { outs: await applyFlinkJob(news, olds) };
    },

    async read(id: string, props: any) {
        // A job that failed, was cancelled or is gone is drift, not deletion: `up` resubmits it from its last savepoint.
        const state = props.jobId ? await jobState(props.restUrl, props.jobId) : "MISSING";
        const declared = props.state ?? "RUNNING";
        const live = ["RUNNING", "CREATED", "INITIALIZING", "RECONCILING"].includes(state);
        // As declared: a live job for RUNNING, no live job for STOPPED. Anything else shows as `state` drift.
        const matches = declared === "RUNNING" ? live : !live && !["RESTARTING", "FAILING", "CANCELLING"].includes(state);
        return { id, props: { ...props, state: matches ? declared : state, jobState: state } };
    },

    async delete(_id: string, props: any) {
        const timeoutMs = (props.waitTimeoutSeconds ?? 300) * 1000;
        // Only the job this resource recorded. Another live job of the same name belongs to whoever
        // submitted it (the replacement of this resource stops this one and resubmits from its
        // savepoint before this delete runs); a job leaked by a crash is stopped by the next create or
        // update, which stops every live job of its name before it submits.
        const ids = new Set<string>(props.jobId ? [props.jobId] : []);
        for (const id of ids) {
            const state = await jobState(props.restUrl, id);
            if (TERMINAL_STATES.includes(state) || state === "MISSING") continue;
            if (props.deleteMode === "cancel" || state !== "RUNNING") await cancelJob(props.restUrl, id, timeoutMs);
            else await stopWithSavepoint(props.restUrl, id, props.savepointDirectory, timeoutMs);
        }
    },
};

export interface FlinkSqlJobArgs {
    /** Flink SQL Gateway REST URL reachable from the machine running Pulumi. */
    gatewayUrl: pulumi.Input<string>;
    /** Flink JobManager REST URL reachable from the machine running Pulumi. */
    restUrl: pulumi.Input<string>;
    /** The job name (`pipeline.name`); how the resource finds its job after a crash. */
    name: pulumi.Input<string>;
    /**
     * Rendered SQL statements, run in one session: setup (catalog DDL, tables) first; the last one
     * submits the job (INSERT or EXECUTE STATEMENT SET). `{{secret.<name>}}` is filled from `secrets`.
     */
    statements: pulumi.Input<pulumi.Input<string>[]>;
    /** Session settings for the job, e.g. `parallelism.default`. */
    settings?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Values of the statements' `{{secret.<name>}}` placeholders; always stored as secrets. */
    secrets?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** RUNNING (default), or STOPPED: stopped with a savepoint and resumed from it when set back. */
    state?: pulumi.Input<FlinkJobRunState>;
    /** On delete: stop with a savepoint (default) or cancel. */
    deleteMode?: pulumi.Input<FlinkJobDeleteMode>;
    /** Where savepoints go (default: the cluster's `execution.checkpointing.savepoint-dir`). */
    savepointDirectory?: pulumi.Input<string>;
    /** Resume even when the savepoint holds state the new SQL has no operator for (default false). */
    allowNonRestoredState?: pulumi.Input<boolean>;
    /** Bound on each wait (statement, RUNNING, savepoint), in seconds (default 300). */
    waitTimeoutSeconds?: pulumi.Input<number>;
    /**
     * The Iceberg tables the job writes, with their declared columns. Before each (re)submission the
     * declared columns an existing table lacks are added (`ALTER TABLE ... ADD`, nullable), so a column
     * added to the config reaches tables created before it. Columns are never dropped or retyped.
     */
    sinkTables?: pulumi.Input<FlinkSinkTable[]>;
}

/** An Iceberg table a job writes: `<catalog>.<database>.<table>` and its declared columns (Flink SQL types). */
export interface FlinkSinkTable {
    identifier: string;
    columns: { name: string; type: string }[];
}

/** A streaming Flink SQL job, kept running with its SQL, upgraded through savepoints. */
export class FlinkSqlJob extends pulumi.dynamic.Resource {
    declare readonly jobId: pulumi.Output<string>;
    declare readonly jobState: pulumi.Output<string>;
    declare readonly lastSavepoint: pulumi.Output<string>;
    declare readonly restoredFrom: pulumi.Output<string>;
    declare readonly sqlHash: pulumi.Output<string>;
    /** Columns the last (re)submission added to the sink tables, as `<table identifier>.<column>`. */
    declare readonly addedColumns: pulumi.Output<string[]>;

    constructor(name: string, args: FlinkSqlJobArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            flinkJobProvider,
            name,
            {
                gatewayUrl: args.gatewayUrl,
                restUrl: args.restUrl,
                name: args.name,
                statements: args.statements,
                settings: args.settings ?? {},
                secrets: pulumi.secret(args.secrets ?? {}),
                state: args.state ?? "RUNNING",
                deleteMode: args.deleteMode ?? "savepoint",
                savepointDirectory: args.savepointDirectory,
                allowNonRestoredState: args.allowNonRestoredState ?? false,
                waitTimeoutSeconds: args.waitTimeoutSeconds ?? 300,
                sinkTables: args.sinkTables ?? [],
                version: FLINK_JOB_PROVIDER_VERSION,
                jobId: undefined,
                jobState: undefined,
                lastSavepoint: undefined,
                restoredFrom: undefined,
                sqlHash: undefined,
                addedColumns: undefined,
            },
            { ...opts, additionalSecretOutputs: ["secrets"] },
            "lakehouse",
            "FlinkSqlJob",
        );
    }
}
