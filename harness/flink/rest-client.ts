/**
 * A small client for the Flink JobManager REST API (port 8081): cluster overview, jobs, cancel and
 * stop-with-savepoint. Self-contained (global `fetch`, no imports) like ./gateway-client.ts.
 * Every wait is bounded, backed off and says what it waits for.
 */

export type JobState =
    | 'INITIALIZING'
    | 'CREATED'
    | 'RUNNING'
    | 'FAILING'
    | 'FAILED'
    | 'CANCELLING'
    | 'CANCELED'
    | 'FINISHED'
    | 'RESTARTING'
    | 'SUSPENDED'
    | 'RECONCILING';

export const TERMINAL_JOB_STATES: readonly JobState[] = ['FAILED', 'CANCELED', 'FINISHED', 'SUSPENDED'];

export interface JobOverview {
    jid: string;
    name: string;
    state: JobState;
    'start-time': number;
    'end-time': number;
}

export interface ClusterOverview {
    taskmanagers: number;
    'slots-total': number;
    'slots-available': number;
    'jobs-running': number;
    'flink-version': string;
}

export interface CheckpointCounts {
    completed: number;
    failed: number;
    in_progress: number;
    total: number;
}

export interface Budget {
    timeoutMs: number;
    initialDelayMs?: number;
    maxDelayMs?: number;
}

function pause(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

export class FlinkRestError extends Error {
    constructor(
        message: string,
        public readonly status: number,
        public readonly url: string,
    ) {
        super(message);
        this.name = 'FlinkRestError';
    }
}

export class FlinkRestClient {
    private readonly baseUrl: string;
    private readonly requestTimeoutMs: number;

    constructor(options: { baseUrl: string; requestTimeoutMs?: number }) {
        this.baseUrl = options.baseUrl.replace(/\/+$/, '');
        this.requestTimeoutMs = options.requestTimeoutMs ?? 15000;
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
            throw new Error(`Flink REST ${method} ${url} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
        const text = await res.text();
        if (!res.ok) throw new FlinkRestError(`Flink REST ${method} ${url} answered ${res.status}: ${text.slice(0, 500)}`, res.status, url);
        return (text ? JSON.parse(text) : {}) as T;
    }

    /** Polls `probe` until it returns a value, bounded and backed off; the error names `what` and the last observation. */
    async waitFor<T>(what: string, probe: () => Promise<T | undefined>, budget: Budget, describe?: () => string): Promise<T> {
        const started = Date.now();
        const deadline = started + budget.timeoutMs;
        let delay = budget.initialDelayMs ?? 250;
        let last = '';
        for (;;) {
            try {
                const v = await probe();
                if (v !== undefined) return v;
                last = describe ? describe() : 'not yet';
            } catch (err) {
                // A probe marks a condition that can never come true (e.g. the job failed) as fatal.
                if ((err as { fatal?: boolean }).fatal) throw err;
                last = err instanceof Error ? err.message : String(err);
            }
            const now = Date.now();
            if (now >= deadline) throw new Error(`Timed out after ${((now - started) / 1000).toFixed(1)} s waiting for ${what} (last: ${last})`);
            await pause(Math.min(delay, deadline - now));
            delay = Math.min(delay * 2, budget.maxDelayMs ?? 3000);
        }
    }

    overview(): Promise<ClusterOverview> {
        return this.request('GET', '/overview');
    }

    async jobs(): Promise<JobOverview[]> {
        return (await this.request<{ jobs: JobOverview[] }>('GET', '/jobs/overview')).jobs;
    }

    async jobState(jobId: string): Promise<JobState> {
        return (await this.request<{ state: JobState }>('GET', `/jobs/${jobId}`)).state;
    }

    /** Root exception of a job (empty string when none). */
    async jobRootException(jobId: string): Promise<string> {
        const r = await this.request<{ 'root-exception'?: string }>('GET', `/jobs/${jobId}/exceptions`);
        return (r['root-exception'] || '').split('\n').slice(0, 3).join(' | ');
    }

    async checkpointCounts(jobId: string): Promise<CheckpointCounts> {
        return (await this.request<{ counts: CheckpointCounts }>('GET', `/jobs/${jobId}/checkpoints`)).counts;
    }

    /**
     * Waits until the job is in one of `states`. Fails at once (with the job's root exception) if it
     * reaches a terminal state that was not asked for.
     */
    async waitForJobState(jobId: string, states: JobState[], budget: Budget): Promise<JobState> {
        let seen = 'unknown';
        return this.waitFor(
            `Flink job ${jobId} to be ${states.join(' or ')}`,
            async () => {
                const state = await this.jobState(jobId);
                seen = state;
                if (states.includes(state)) return state;
                if (TERMINAL_JOB_STATES.includes(state)) {
                    const cause = await this.jobRootException(jobId).catch(() => '');
                    throw Object.assign(new Error(`Flink job ${jobId} ended ${state} while waiting for ${states.join('/')}: ${cause}`), { fatal: true });
                }
                return undefined;
            },
            budget,
            () => `state ${seen}`,
        );
    }

    /** Waits until the job has at least `n` completed checkpoints. */
    async waitForCheckpoints(jobId: string, n: number, budget: Budget): Promise<CheckpointCounts> {
        let seen = '';
        return this.waitFor(
            `${n} completed checkpoint(s) of Flink job ${jobId}`,
            async () => {
                const c = await this.checkpointCounts(jobId);
                seen = `completed ${c.completed}, failed ${c.failed}, in progress ${c.in_progress}`;
                return c.completed >= n ? c : undefined;
            },
            budget,
            () => seen,
        );
    }

    /** Requests cancellation (`PATCH /jobs/{id}?mode=cancel`); a finished or unknown job is left as is. */
    async cancelJob(jobId: string): Promise<void> {
        try {
            await this.request('PATCH', `/jobs/${jobId}?mode=cancel`);
        } catch (err) {
            if (err instanceof FlinkRestError && err.status === 404) return;
            throw err;
        }
    }

    /** Cancels the job and waits until it is in a terminal state. */
    async cancelAndWait(jobId: string, budget: Budget): Promise<JobState> {
        await this.cancelJob(jobId);
        let seen = '';
        return this.waitFor(
            `Flink job ${jobId} to be cancelled`,
            async () => {
                const s = await this.jobState(jobId);
                seen = s;
                return TERMINAL_JOB_STATES.includes(s) ? s : undefined;
            },
            budget,
            () => `state ${seen}`,
        );
    }

    /**
     * Stops the job with a savepoint (`POST /jobs/{id}/stop`) and waits for the savepoint; returns its location.
     */
    async stopWithSavepoint(jobId: string, targetDirectory: string | undefined, budget: Budget): Promise<string> {
        const r = await this.request<{ 'request-id': string }>('POST', `/jobs/${jobId}/stop`, { targetDirectory, drain: false });
        let seen = '';
        return this.waitFor(
            `savepoint of Flink job ${jobId} (stop request ${r['request-id']})`,
            async () => {
                const s = await this.request<{ status: { id: string }; operation?: { location?: string; 'failure-cause'?: { 'stack-trace'?: string } } }>(
                    'GET',
                    `/jobs/${jobId}/savepoints/${r['request-id']}`,
                );
                seen = s.status.id;
                if (s.status.id !== 'COMPLETED') return undefined;
                if (s.operation?.location) return s.operation.location;
                const cause = s.operation?.['failure-cause']?.['stack-trace']?.split('\n')[0] ?? 'no location';
                throw new Error(`stop-with-savepoint of ${jobId} failed: ${cause}`);
            },
            budget,
            () => `status ${seen}`,
        );
    }
}
