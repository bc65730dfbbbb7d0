/**
 * A small client for the Flink SQL Gateway REST API (Flink >= 1.17): sessions, statements, operation
 * status and paged results. Self-contained on purpose (Node's global `fetch`, no imports), so the
 * harness tests and the product's own Flink job resource can share it.
 *
 * Every call has a per-request timeout; every wait (NOT_READY results, a job id to appear) is
 * bounded, backed off exponentially and names what it waits for when it gives up.
 */

export interface GatewayClientOptions {
    /** e.g. http://127.0.0.1:8084 (no trailing path). */
    baseUrl: string;
    /** Per-request timeout (default 30 s). */
    requestTimeoutMs?: number;
}

/** Bounds of one wait. */
export interface WaitBudget {
    timeoutMs: number;
    /** First pause (default 200 ms); doubles up to maxDelayMs. */
    initialDelayMs?: number;
    /** Largest pause (default 2 s). */
    maxDelayMs?: number;
}

export interface ColumnInfo {
    name: string;
    logicalType: { type: string; nullable: boolean; [k: string]: unknown };
    comment?: string | null;
}

export type RowKind = 'INSERT' | 'UPDATE_BEFORE' | 'UPDATE_AFTER' | 'DELETE';

export interface ResultRow {
    kind: RowKind;
    fields: unknown[];
}

/** One page of `GET .../result/{token}?rowFormat=JSON`. */
export interface ResultPage {
    resultType: 'NOT_READY' | 'PAYLOAD' | 'EOS';
    isQueryResult?: boolean;
    jobID?: string;
    resultKind?: 'SUCCESS' | 'SUCCESS_WITH_CONTENT';
    results?: { columns?: ColumnInfo[]; rowFormat?: string; data?: ResultRow[] };
    nextResultUri?: string;
}

export interface StatementResult {
    operationHandle: string;
    columns: ColumnInfo[];
    rows: ResultRow[];
    /** The Flink job the statement submitted (queries and INSERTs), if any. */
    jobId?: string;
    resultKind?: string;
    /** True when the last page was EOS (false when stopped early by maxRows/untilJobId). */
    complete: boolean;
}

export interface FetchOptions extends WaitBudget {
    /** Stop once this many rows arrived (for unbounded queries). */
    maxRows?: number;
    /** Stop as soon as a page names the submitted job (for streaming INSERTs). */
    untilJobId?: boolean;
}

export type OperationStatus = 'INITIALIZED' | 'PENDING' | 'RUNNING' | 'FINISHED' | 'CANCELED' | 'CLOSED' | 'ERROR' | 'TIMEOUT';

/** A non-2xx answer of the gateway; `serverErrors` holds its `errors` array (with the server-side exception). */
export class SqlGatewayError extends Error {
    constructor(
        message: string,
        public readonly status: number,
        public readonly url: string,
        public readonly serverErrors: string[],
    ) {
        super(message);
        this.name = 'SqlGatewayError';
    }
}

/** The most telling line of a server-side Java exception: the deepest "Caused by:" (or the first line). */
export function rootCause(serverErrors: string[]): string {
    const text = serverErrors.join('\n');
    const causes = text.split('\n').filter((l) => l.startsWith('Caused by: '));
    const last = causes.length ? causes[causes.length - 1].slice('Caused by: '.length) : serverErrors[serverErrors.length - 1] || '';
    return last.replace(/^<Exception on server side:\s*/, '').split('\n')[0].slice(0, 1000);
}

function pause(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

export class SqlGatewayClient {
    private readonly baseUrl: string;
    private readonly requestTimeoutMs: number;

    constructor(options: GatewayClientOptions) {
        this.baseUrl = options.baseUrl.replace(/\/+$/, '');
        this.requestTimeoutMs = options.requestTimeoutMs ?? 30000;
    }

    private async request<T>(method: string, pathAndQuery: string, body?: unknown): Promise<T> {
        const url = this.baseUrl + pathAndQuery;
        let res: Response;
        try {
            res = await fetch(url, {
                method,
                headers: body === undefined ? undefined : { 'content-type': 'application/json' },
                body: body === undefined ? undefined : JSON.stringify(body),
                signal: AbortSignal.timeout(this.requestTimeoutMs),
            });
        } catch (err) {
            const reason = err instanceof Error ? `${err.name}: ${err.message}${(err as any).cause ? ` (${(err as any).cause.code || (err as any).cause.message})` : ''}` : String(err);
            throw new Error(`Flink SQL Gateway ${method} ${url} failed: ${reason}`);
        }
        const text = await res.text();
        let json: any = undefined;
        try {
            json = text ? JSON.parse(text) : {};
        } catch {
            json = undefined;
        }
        if (!res.ok) {
            const errors: string[] = Array.isArray(json?.errors) ? json.errors : [text.slice(0, 2000)];
            throw new SqlGatewayError(`Flink SQL Gateway ${method} ${url} answered ${res.status}: ${rootCause(errors)}`, res.status, url, errors);
        }
        if (json === undefined) throw new Error(`Flink SQL Gateway ${method} ${url}: answer is not JSON: ${text.slice(0, 200)}`);
        return json as T;
    }

    /** `GET /v1/info`: product name and version (readiness). */
    info(): Promise<{ productName: string; version: string }> {
        return this.request('GET', '/v1/info');
    }

    /** Opens a session; `properties` are session-level config (e.g. execution.runtime-mode). Returns the session handle. */
    async openSession(options: { name?: string; properties?: Record<string, string> } = {}): Promise<string> {
        const r = await this.request<{ sessionHandle: string }>('POST', '/v1/sessions', {
            sessionName: options.name,
            properties: options.properties ?? {},
        });
        return r.sessionHandle;
    }

    /** Keeps an idle session alive (sessions expire after `sql-gateway.session.idle-timeout`). */
    async heartbeat(session: string): Promise<void> {
        await this.request('POST', `/v1/sessions/${session}/heartbeat`, {});
    }

    /** The session's effective configuration. */
    async sessionConfig(session: string): Promise<Record<string, string>> {
        const r = await this.request<{ properties: Record<string, string> }>('GET', `/v1/sessions/${session}`);
        return r.properties;
    }

    /** Closes a session (and its operations). An unknown session counts as closed. */
    async closeSession(session: string): Promise<void> {
        try {
            await this.request('DELETE', `/v1/sessions/${session}`);
        } catch (err) {
            if (err instanceof SqlGatewayError && (err.status === 404 || /does not exist|not found/i.test(err.message))) return;
            throw err;
        }
    }

    /** Submits one statement; returns its operation handle at once (the work runs asynchronously). */
    async executeStatement(session: string, statement: string, executionConfig?: Record<string, string>): Promise<string> {
        const body: Record<string, unknown> = { statement };
        if (executionConfig && Object.keys(executionConfig).length) body.executionConfig = executionConfig;
        const r = await this.request<{ operationHandle: string }>('POST', `/v1/sessions/${session}/statements`, body);
        return r.operationHandle;
    }

    async operationStatus(session: string, operation: string): Promise<OperationStatus> {
        const r = await this.request<{ status: OperationStatus }>('GET', `/v1/sessions/${session}/operations/${operation}/status`);
        return r.status;
    }

    /** Cancels a running operation (a query's result collection; a submitted job keeps running: stop it via Flink). */
    async cancelOperation(session: string, operation: string): Promise<void> {
        await this.request('POST', `/v1/sessions/${session}/operations/${operation}/cancel`, {});
    }

    /** Releases an operation's resources. An unknown operation counts as closed. */
    async closeOperation(session: string, operation: string): Promise<void> {
        try {
            await this.request('DELETE', `/v1/sessions/${session}/operations/${operation}/close`);
        } catch (err) {
            if (err instanceof SqlGatewayError && (err.status === 404 || /can not find|does not exist|not found/i.test(err.message))) return;
            throw err;
        }
    }

    /** One page of results (JSON row format). A failed statement surfaces here as a SqlGatewayError with its root cause. */
    fetchPage(session: string, operation: string, token: number): Promise<ResultPage> {
        return this.request<ResultPage>('GET', `/v2/sessions/${session}/operations/${operation}/result/${token}?rowFormat=JSON`);
    }

    /**
     * Follows the result pages of an operation: waits (backed off) while NOT_READY, collects rows from
     * every PAYLOAD, stops at EOS, or earlier at `maxRows` / once the job id is known (`untilJobId`).
     */
    async fetchResults(session: string, operation: string, options: FetchOptions, statement?: string): Promise<StatementResult> {
        const what = `results of ${statement ? `'${statement.replace(/\s+/g, ' ').slice(0, 120)}'` : `operation ${operation}`}`;
        const started = Date.now();
        const deadline = started + options.timeoutMs;
        const maxDelay = options.maxDelayMs ?? 2000;
        let delay = options.initialDelayMs ?? 200;
        let token = 0;
        const out: StatementResult = { operationHandle: operation, columns: [], rows: [], complete: false };
        for (;;) {
            const page = await this.fetchPage(session, operation, token);
            if (page.jobID) out.jobId = page.jobID;
            if (page.resultKind) out.resultKind = page.resultKind;
            if (page.results?.columns?.length) out.columns = page.results.columns;
            if (page.resultType === 'EOS') {
                out.complete = true;
                return out;
            }
            if (page.resultType === 'PAYLOAD') {
                out.rows.push(...(page.results?.data ?? []));
                token += 1;
                delay = options.initialDelayMs ?? 200;
                if (options.maxRows !== undefined && out.rows.length >= options.maxRows) return out;
                if (options.untilJobId && out.jobId) return out;
                // A payload may be followed by more at once: ask again without waiting.
                if ((page.results?.data ?? []).length > 0) continue;
            } else if (options.untilJobId && out.jobId) {
                return out;
            }
            const now = Date.now();
            if (now >= deadline) {
                throw new Error(
                    `Timed out after ${((now - started) / 1000).toFixed(1)} s waiting for ${what} ` +
                        `(last page ${page.resultType}, ${out.rows.length} rows so far${out.jobId ? `, job ${out.jobId}` : ''})`,
                );
            }
            await pause(Math.min(delay, deadline - now));
            delay = Math.min(delay * 2, maxDelay);
        }
    }

    /**
     * Runs a statement to completion and returns all its rows (DDL, SET, SHOW, bounded SELECT, a batch
     * INSERT with table.dml-sync=true). The operation is closed afterwards.
     */
    async run(session: string, statement: string, options: WaitBudget & { executionConfig?: Record<string, string> }): Promise<StatementResult> {
        const op = await this.executeStatement(session, statement, options.executionConfig);
        try {
            return await this.fetchResults(session, op, options, statement);
        } finally {
            await this.closeOperation(session, op).catch(() => undefined);
        }
    }

    /**
     * Submits a statement that starts a Flink job (INSERT, STATEMENT SET, or an unbounded SELECT) and
     * returns once the gateway names the job id; the job keeps running in the cluster.
     */
    async submitJob(session: string, statement: string, options: WaitBudget & { executionConfig?: Record<string, string> }): Promise<string> {
        const op = await this.executeStatement(session, statement, options.executionConfig);
        try {
            const r = await this.fetchResults(session, op, { ...options, untilJobId: true }, statement);
            if (!r.jobId) throw new Error(`statement finished without submitting a Flink job: '${statement.slice(0, 120)}'`);
            return r.jobId;
        } finally {
            // Closing the operation releases the gateway's result handle; the submitted job keeps running.
            await this.closeOperation(session, op).catch(() => undefined);
        }
    }
}
