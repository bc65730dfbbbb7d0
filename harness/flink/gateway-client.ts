/**
 * The harness's tests' handle on the SQL Gateway: the product's one client
 * (components/dynamic/flink/gateway.ts) bound to a base URL, with the wait bound as a budget object.
 * Errors are the client's: Flink's root cause in the message, the HTTP `status` on the error.
 */
import { closeSession, gatewayInfo, openSession, runStatement } from "../../components/dynamic/flink/gateway";
import type { GatewayColumn, ResultRow, SessionSpec, StatementResult } from "../../components/dynamic/flink/gateway";

export type { GatewayColumn as ColumnInfo, ResultRow, StatementResult };

/** Bounds of one wait, and per-statement configuration. */
export interface StatementBudget {
    timeoutMs: number;
    executionConfig?: Record<string, string>;
}

/** The SQL Gateway at `baseUrl` (e.g. http://127.0.0.1:8084). */
export class SqlGatewayClient {
    private readonly baseUrl: string;

    constructor(options: { baseUrl: string }) {
        this.baseUrl = options.baseUrl;
    }

    /** `GET /v1/info`: product name and version (readiness). */
    info(): Promise<{ productName: string; version: string }> {
        return gatewayInfo(this.baseUrl);
    }

    /** Opens a session with session-level `properties`; returns its handle. */
    openSession(spec: SessionSpec = {}): Promise<string> {
        return openSession(this.baseUrl, spec);
    }

    /** Closes a session (an unknown one counts as closed). */
    closeSession(session: string): Promise<void> {
        return closeSession(this.baseUrl, session);
    }

    /** Runs a statement to its end and returns all its rows (DDL, SET, SHOW, bounded SELECT, a batch INSERT with table.dml-sync=true). */
    run(session: string, statement: string, budget: StatementBudget): Promise<StatementResult> {
        return runStatement(this.baseUrl, session, statement, budget);
    }

    /** Submits a statement that starts a job (INSERT, STATEMENT SET) and returns the job id once the gateway names it. */
    async submitJob(session: string, statement: string, budget: StatementBudget): Promise<string> {
        const r = await runStatement(this.baseUrl, session, statement, { ...budget, untilJobId: true });
        if (!r.jobId) throw new Error(`statement finished without submitting a Flink job: '${statement.slice(0, 120)}'`);
        return r.jobId;
    }
}
