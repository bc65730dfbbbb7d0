/**
 * One bounded, backed-off poll loop for every wait of the providers (connector RUNNING, job RUNNING,
 * savepoint, snapshot, a service answering). It tells the user what it waits for: a progress line
 * when what it sees changes, and at least every `progressEveryMs` while it does not.
 *
 * Serialization-safe (see ./README.md).
 */
import { BackoffOptions, backoffDelay, sleep } from "./backoff";
import { ProgressSink, elapsedSeconds, printProgress } from "./progress";

/** One probe's answer: done with a value, or not yet with what was seen (for progress and the timeout). */
export type PollResult<T> = { done: true; value: T } | { done: false; seen: string };

export interface PollOptions extends BackoffOptions {
    /** Where progress lines go (default: the provider's standard output, shown by `pulumi up`). */
    progress?: ProgressSink;
    /** A line at least this often while nothing changes (default 15,000 ms). */
    progressEveryMs?: number;
    /** Replaced in tests. */
    sleep?: (ms: number) => Promise<void>;
    now?: () => number;
}

/**
 * Probes until `probe` is done (returns its value) or `timeoutMs` passes: then throws
 * `timed out after N s waiting for <what> (last seen: ...)`, marked `timedOut: true` (as the toolkit's
 * request timeouts are). Errors from the probe propagate.
 */
export async function pollUntil<T>(what: string, timeoutMs: number, probe: () => Promise<PollResult<T>>, options: PollOptions = {}): Promise<T> {
    const now = options.now ?? Date.now;
    const wait = options.sleep ?? sleep;
    const progress = options.progress ?? printProgress;
    const every = options.progressEveryMs ?? 15_000;
    const started = now();
    const deadline = started + timeoutMs;
    let seen: string;
    let reported: string | undefined;
    let lastReportAt = started;
    for (let attempt = 0; ; attempt++) {
        const r = await probe();
        if (r.done) return r.value;
        seen = r.seen;
        const t = now();
        // The first probe that is not done says nothing: most waits end at once. Then a line when what
        // is seen changes, or when nothing has been said for `every` ms.
        if (attempt > 0 && (seen !== reported || t - lastReportAt >= every)) {
            progress(`waiting for ${what} (${elapsedSeconds(started, t)} s of ${Math.round(timeoutMs / 1000)} s): ${seen}`);
            reported = seen;
            lastReportAt = t;
        } else if (attempt === 0) {
            reported = seen;
        }
        const delay = backoffDelay(attempt, options);
        if (t + delay > deadline)
            throw Object.assign(new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what} (last seen: ${seen})`), { timedOut: true });
        await wait(delay);
    }
}
