/**
 * What the bench entry points (bench/latency.ts, bench/load.ts, bench/faults.ts, bench/preview.ts)
 * share around their measurement: reading the command line (`--help`, usage errors, through
 * ops/args.ts), the timestamped progress log on standard error, writing the JSON result (`--out`,
 * `--json`), and the exit on an unexpected error.
 */
import * as fs from "fs";
import { readCommandLine } from "../../ops/args";

/** A progress log: `[bench:<name> HH:MM:SS] <message>` lines on standard error. */
export function benchLog(name: string): (message: string) => void {
    return (message) => process.stderr.write(`[bench:${name} ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/**
 * Runs a bench entry point: reads `argv` with `parse` (`--help` prints `usage`, exit code 0; a usage
 * error prints its message and `usage`, exit code 2), then `main` with the arguments; an error it
 * throws is printed (with its stack) and ends the process with exit code 1.
 */
export function runBench<A>(argv: readonly string[], usage: string, parse: (argv: readonly string[]) => A, main: (args: A) => Promise<void>): void {
    const command = readCommandLine(argv, usage, parse);
    if ("exitCode" in command) {
        process.exitCode = command.exitCode;
        return;
    }
    main(command.args).catch((err) => {
        console.error(err instanceof Error ? (err.stack ?? err.message) : err);
        process.exit(1);
    });
}

/**
 * Writes `result` as JSON to the `--out` file when one is given, and prints it with `--json`. True
 * when the JSON is the whole output (`--json`); exit code 1 then when `failed`.
 */
export function emitJsonResult(result: unknown, opts: { json: boolean; out: readonly string[] }, failed: boolean): boolean {
    const text = JSON.stringify(result, null, 2);
    if (opts.out.length) fs.writeFileSync(opts.out[0], text);
    if (!opts.json) return false;
    console.log(text);
    if (failed) process.exitCode = 1;
    return true;
}
