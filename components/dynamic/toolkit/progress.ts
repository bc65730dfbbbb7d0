/**
 * Progress lines of long waits. A dynamic provider's standard output reaches the user: `pulumi up`
 * shows each line as an info message on the resource being created or updated.
 *
 * Serialization-safe (see ./README.md).
 */

/** Where a wait reports what it waits for. */
export type ProgressSink = (line: string) => void;

/** Writes the line to the provider's standard output (shown by `pulumi up`). */
export function printProgress(line: string): void {
    console.log(line);
}

/** Seconds since `startedMs`, one decimal. */
export function elapsedSeconds(startedMs: number, now: number = Date.now()): string {
    return ((now - startedMs) / 1000).toFixed(1);
}
