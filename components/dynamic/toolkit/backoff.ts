/**
 * Bounded exponential backoff with jitter, the one every wait and retry of the providers uses.
 *
 * Serialization-safe (see ./README.md).
 */

/** How a wait backs off: the first delay, the ceiling, and the jitter share. */
export interface BackoffOptions {
    /** First delay in ms (default 250). */
    initialMs?: number;
    /** Largest delay in ms (default 3,000). */
    maxMs?: number;
}

/**
 * The delay before attempt `attempt` (0-based): doubles from `initialMs` up to `maxMs`, then takes a
 * random point in its upper half ("equal jitter"), so several clients never retry in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
    const initial = options.initialMs ?? 250;
    const max = options.maxMs ?? 3000;
    const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
