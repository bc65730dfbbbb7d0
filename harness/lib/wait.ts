/**
 * Bounded, backed-off waiting. Every wait names what it waits for, logs it, and fails with an
 * error naming it (and the last reason it was not ready) when the time is up. No fixed sleeps.
 */

export interface WaitOptions {
    /** Upper bound for the whole wait. */
    timeoutMs: number;
    /** First pause between checks (default 250 ms); doubles up to maxDelayMs. */
    initialDelayMs?: number;
    /** Largest pause between checks (default 5 s). */
    maxDelayMs?: number;
    /** Progress logger; silent when absent. */
    log?: (message: string) => void;
    /** Called before each check; a returned string aborts the wait at once with that reason (e.g. "process exited"). */
    abortIf?: () => string | undefined | Promise<string | undefined>;
}

export class WaitTimeoutError extends Error {
    constructor(
        public readonly description: string,
        public readonly elapsedMs: number,
        public readonly lastReason?: string,
    ) {
        super(`Timed out after ${(elapsedMs / 1000).toFixed(1)} s waiting for ${description}` + (lastReason ? ` (last check: ${lastReason})` : ""));
        this.name = "WaitTimeoutError";
    }
}

export class WaitAbortedError extends Error {
    constructor(
        public readonly description: string,
        public readonly reason: string,
    ) {
        super(`Gave up waiting for ${description}: ${reason}`);
        this.name = "WaitAbortedError";
    }
}

export function delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

function reasonOf(err: unknown): string {
    if (err instanceof Error) {
        const code = (err as NodeJS.ErrnoException).code;
        return code ? `${code}: ${err.message}` : err.message;
    }
    return String(err);
}

/**
 * Polls `check` until it returns a truthy value (which is returned), with exponential backoff.
 * A `false`/`undefined` result or a throw counts as "not yet".
 */
export async function waitFor<T>(
    description: string,
    check: () => Promise<T | false | undefined | null> | T | false | undefined | null,
    options: WaitOptions,
): Promise<T> {
    const started = Date.now();
    const deadline = started + options.timeoutMs;
    let pause = options.initialDelayMs ?? 250;
    const maxPause = options.maxDelayMs ?? 5000;
    let lastReason: string | undefined;
    let lastLogged = 0;
    options.log?.(`waiting for ${description} (up to ${Math.round(options.timeoutMs / 1000)} s)`);
    for (;;) {
        if (options.abortIf) {
            const abort = await options.abortIf();
            if (abort) throw new WaitAbortedError(description, abort);
        }
        try {
            const result = await check();
            if (result) {
                options.log?.(`ready after ${((Date.now() - started) / 1000).toFixed(1)} s: ${description}`);
                return result as T;
            }
            lastReason = "not ready yet";
        } catch (err) {
            lastReason = reasonOf(err);
        }
        const now = Date.now();
        if (now >= deadline) throw new WaitTimeoutError(description, now - started, lastReason);
        if (options.log && now - lastLogged >= 15000 && now - started >= 15000) {
            options.log(`still waiting (${Math.round((now - started) / 1000)} s) for ${description}: ${lastReason}`);
            lastLogged = now;
        }
        await delay(Math.min(pause, Math.max(0, deadline - now)));
        pause = Math.min(pause * 2, maxPause);
    }
}

/** Rejects with a clear error if `promise` does not settle within `ms`. For single bounded calls inside checks. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    });
    try {
        return await Promise.race([promise, timeout]);
    } finally {
        if (timer) clearTimeout(timer);
    }
}
