/**
 * `npm run canary -- --stack <name> [--json] [--timeout <s>] [--table <name>]`: inserts a marker row
 * into a captured PostgreSQL table, waits (bounded, backed off, printing what it waits for) until the
 * row is visible in the table's Iceberg table(s) through the Flink SQL Gateway, prints the latency, and
 * deletes the marker row in every case (also on failure, timeout, Ctrl-C or SIGTERM).
 * Exit code: 0 visible and cleaned up, 1 not (or the marker could not be deleted), 2 usage error or
 * unusable outputs. Logic in ops/canary.ts (pure) and ops/canary-run.ts (the I/O).
 */
import { readCommandLine, runMain } from "../ops/args";
import { CANARY_USAGE, canaryExitCode, formatCanary, parseCanaryArgs } from "../ops/canary";
import { runCanary } from "../ops/canary-run";
import { redact, secretValues } from "../ops/outputs";
import { readTargetOutputs } from "../ops/stack-target";

/** Runs `npm run canary` with `argv` (the arguments after `--`); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
    const command = readCommandLine(argv, CANARY_USAGE, parseCanaryArgs);
    if ("exitCode" in command) return command.exitCode;
    const args = command.args;
    const parsed = await readTargetOutputs(args);
    if ("exitCode" in parsed) return parsed.exitCode;
    // Ctrl-C / SIGTERM end the wait; the marker row is deleted before the process exits.
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
        console.error(`canary: ${signal}: stopping the wait and deleting the marker row`);
        controller.abort();
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    // Progress goes to stderr with --json (stdout holds only the JSON), to stdout otherwise.
    const log = (line: string) => (args.json ? console.error(line) : console.log(line));
    try {
        const result = await runCanary(parsed.outputs, {
            stack: args.stack ?? null,
            timeoutSeconds: args.timeoutSeconds,
            ...(args.table ? { table: args.table } : {}),
            log,
            signal: controller.signal,
        });
        console.log(args.json ? JSON.stringify(result, null, 2) : formatCanary(result));
        return controller.signal.aborted ? 130 : canaryExitCode(result);
    } catch (err) {
        // Thrown only before anything was written: the outputs cannot run a canary.
        console.error(`canary: ${redact((err as Error).message, secretValues(parsed.outputs))}`);
        return 2;
    } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
    }
}

if (require.main === module) runMain("canary", main);
