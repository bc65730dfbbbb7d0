/**
 * The one Flink SQL Gateway client (REST API v1/v2, Flink >= 1.17): open a session with properties,
 * run a statement and follow all its result pages, close the operation and the session. Used by the
 * Flink job resource (setup statements, the job's INSERT, the sink tables' evolution), the canary,
 * the benchmarks and the harness's tests.
 *
 * Every wait for results is bounded and backed off through the toolkit's `pollUntil`, which prints a
 * progress line while it waits; errors carry Flink's root cause (./request.ts).
 *
 * Serialization-safe (see ../toolkit/README.md): functions and literals only.
 */
import { ProgressSink } from "../toolkit/progress";
import { HttpTarget, errorStatus } from "../toolkit/http";
import { pollUntil } from "../toolkit/poll";
import { redact } from "../toolkit/redact";
import { FlinkRequestOptions, flinkRequest } from "./request";
import { statementLabel } from "./sql";

const SERVICE = "Flink SQL Gateway";

/** A result column as the gateway describes it. */
export interface GatewayColumn {
    name: string;
    logicalType: { type: string; nullable: boolean; [k: string]: unknown };
    comment?: string | null;
}

/** The change a result row stands for (streaming queries return a changelog). */
export type RowKind = "INSERT" | "UPDATE_BEFORE" | "UPDATE_AFTER" | "DELETE";

/** One result row (JSON row format). */
export interface ResultRow {
    kind: RowKind;
    fields: unknown[];
}

/** One page of `GET /v2/sessions/<s>/operations/<op>/result/<token>?rowFormat=JSON`. */
export interface ResultPage {
    resultType: "NOT_READY" | "PAYLOAD" | "EOS";
    isQueryResult?: boolean;
    jobID?: string;
    resultKind?: "SUCCESS" | "SUCCESS_WITH_CONTENT";
    results?: { columns?: GatewayColumn[]; rowFormat?: string; data?: ResultRow[] };
    nextResultUri?: string;
}

/** What a statement returned. */
export interface StatementResult {
    operationHandle: string;
    columns: GatewayColumn[];
    rows: ResultRow[];
    /** The Flink job the statement submitted (queries and INSERTs), if any. */
    jobId?: string;
    resultKind?: string;
    /** True when the last page was EOS (false when stopped early by `maxRows` or `untilJobId`). */
    complete: boolean;
}

/** How a wait for results runs. */
export interface ResultWaitOptions extends FlinkRequestOptions {
    /** Bound on the whole wait, in ms. */
    timeoutMs: number;
    /** What is waited for, in progress lines and the timeout error (default: the statement, secrets redacted). */
    what?: string;
    /** Stop once this many rows arrived (for unbounded queries). */
    maxRows?: number;
    /** Stop as soon as a page names the submitted job (for streaming INSERTs, whose results never end). */
    untilJobId?: boolean;
    /** Where progress lines go (default: standard output, which `pulumi up` shows). */
    progress?: ProgressSink;
    /** Replaces the pause between polls (e.g. one that rejects when the user aborts). */
    sleep?: (ms: number) => Promise<void>;
}

/** Options of {@link runStatement}. */
export interface RunStatementOptions extends ResultWaitOptions {
    /** Configuration of this statement only (e.g. the restore path of the job's INSERT). */
    executionConfig?: Record<string, string>;
}

/** A session to open: its name (shown by the gateway) and session-level configuration. */
export interface SessionSpec {
    name?: string;
    properties?: Record<string, string>;
}

/** `GET /v1/info`: the product name and version (the gateway answers: it is ready). */
export async function gatewayInfo(gateway: HttpTarget, options: FlinkRequestOptions = {}): Promise<{ productName: string; version: string }> {
    return flinkRequest(SERVICE, gateway, "GET", "/v1/info", undefined, options);
}

/** Opens a session; `properties` are session configuration (e.g. `execution.runtime-mode`). Returns its handle. */
export async function openSession(gateway: HttpTarget, spec: SessionSpec = {}, options: FlinkRequestOptions = {}): Promise<string> {
    const r = await flinkRequest(
        SERVICE,
        gateway,
        "POST",
        "/v1/sessions",
        { ...(spec.name ? { sessionName: spec.name } : {}), properties: spec.properties ?? {} },
        options,
    );
    return String(r.sessionHandle);
}

/** True for the gateway's answer about a session or operation it does not know (already closed). */
function isGone(err: unknown): boolean {
    return errorStatus(err) === 404 || /does not exist|not found|can ?not find/i.test(String((err as Error)?.message));
}

/** Closes a session and its operations; an unknown session counts as closed. */
export async function closeSession(gateway: HttpTarget, session: string, options: FlinkRequestOptions = {}): Promise<void> {
    try {
        await flinkRequest(SERVICE, gateway, "DELETE", `/v1/sessions/${session}`, undefined, options);
    } catch (err) {
        if (!isGone(err)) throw err;
    }
}

/**
 * Opens a session, hands it to `use`, and closes it whatever happens (a failure to close never hides
 * what `use` threw). A job submitted in the session keeps running after it is closed.
 */
export async function withSession<T>(
    gateway: HttpTarget,
    spec: SessionSpec,
    use: (session: string) => Promise<T>,
    options: FlinkRequestOptions = {},
): Promise<T> {
    const session = await openSession(gateway, spec, options);
    try {
        return await use(session);
    } finally {
        await closeSession(gateway, session, options).catch(() => undefined);
    }
}

/** Submits one statement; returns its operation handle at once (the work runs asynchronously). */
export async function executeStatement(
    gateway: HttpTarget,
    session: string,
    statement: string,
    executionConfig?: Record<string, string>,
    options: FlinkRequestOptions = {},
): Promise<string> {
    const body = { statement, ...(executionConfig && Object.keys(executionConfig).length ? { executionConfig } : {}) };
    return String((await flinkRequest(SERVICE, gateway, "POST", `/v1/sessions/${session}/statements`, body, options)).operationHandle);
}

/** One page of an operation's results. A failed statement surfaces here, with Flink's root cause. */
export async function fetchResultPage(
    gateway: HttpTarget,
    session: string,
    operation: string,
    token: number,
    options: FlinkRequestOptions = {},
): Promise<ResultPage> {
    return flinkRequest(SERVICE, gateway, "GET", `/v2/sessions/${session}/operations/${operation}/result/${token}?rowFormat=JSON`, undefined, options);
}

/** Releases an operation's resources (a submitted job keeps running); an unknown operation counts as closed. */
export async function closeOperation(gateway: HttpTarget, session: string, operation: string, options: FlinkRequestOptions = {}): Promise<void> {
    try {
        await flinkRequest(SERVICE, gateway, "DELETE", `/v1/sessions/${session}/operations/${operation}/close`, undefined, options);
    } catch (err) {
        if (!isGone(err)) throw err;
    }
}

/** True for the error of a wait for results that reached its bound (not a failed statement, not an abort). */
export function isResultTimeout(err: unknown): boolean {
    return (err as { timedOut?: unknown } | undefined)?.timedOut === true;
}

/**
 * Follows an operation's result pages: waits (bounded, backed off, with progress lines) while the
 * gateway has nothing yet (NOT_READY, or an empty page of a query still running), collects the rows
 * of every page, and stops at EOS, or earlier at `maxRows` or once the job id is known (`untilJobId`).
 * When the bound is reached the error says what was seen last and has `timedOut: true`.
 */
export async function fetchResults(gateway: HttpTarget, session: string, operation: string, options: ResultWaitOptions): Promise<StatementResult> {
    const out: StatementResult = { operationHandle: operation, columns: [], rows: [], complete: false };
    let token = 0;
    const what = redact(options.what ?? `the results of operation ${operation}`, options.secrets);
    return pollUntil(
        what,
        options.timeoutMs,
        async () => {
            for (;;) {
                const page = await fetchResultPage(gateway, session, operation, token, options);
                if (page.jobID) out.jobId = String(page.jobID);
                if (page.resultKind) out.resultKind = page.resultKind;
                if (page.results?.columns?.length) out.columns = page.results.columns;
                const data = page.resultType === "PAYLOAD" ? (page.results?.data ?? []) : [];
                if (page.resultType === "PAYLOAD") {
                    out.rows.push(...data);
                    token++;
                }
                if (page.resultType === "EOS") {
                    out.complete = true;
                    return { done: true as const, value: out };
                }
                if (options.untilJobId && out.jobId) return { done: true as const, value: out };
                if (options.maxRows !== undefined && out.rows.length >= options.maxRows) return { done: true as const, value: out };
                // More may follow at once after a page with rows; an empty one is a query still running.
                if (data.length > 0) continue;
                const rows = out.rows.length ? `, ${out.rows.length} row${out.rows.length > 1 ? "s" : ""} so far` : "";
                return { done: false as const, seen: `result ${page.resultType}${rows}${out.jobId ? `, job ${out.jobId}` : ""}` };
            }
        },
        { initialMs: 100, maxMs: 1000, progress: options.progress, sleep: options.sleep },
    );
}

/**
 * Runs one statement: submits it, follows its results (see {@link fetchResults}) and closes the
 * operation. DDL, SET, SHOW, a bounded SELECT, a batch INSERT (with `table.dml-sync`), or, with
 * `untilJobId`, a streaming INSERT that returns once Flink names its job.
 */
export async function runStatement(gateway: HttpTarget, session: string, statement: string, options: RunStatementOptions): Promise<StatementResult> {
    const operation = await executeStatement(gateway, session, statement, options.executionConfig, options);
    try {
        return await fetchResults(gateway, session, operation, { ...options, what: options.what ?? `the SQL Gateway to finish ${statementLabel(statement)}` });
    } finally {
        await closeOperation(gateway, session, operation, options).catch(() => undefined);
    }
}

/** Runs one statement to its end and returns its rows' fields, bounded by `timeoutMs`. */
export async function gatewayQuery(
    gateway: HttpTarget,
    session: string,
    statement: string,
    timeoutMs: number,
    options: Omit<RunStatementOptions, "timeoutMs"> = {},
): Promise<unknown[][]> {
    return (await runStatement(gateway, session, statement, { ...options, timeoutMs })).rows.map((r) => r.fields);
}
