/**
 * Which stack's outputs an operational script (`npm run health`, `npm run canary`) reads: the
 * `--stack` / `--outputs-file` options they share, their checks, and reading the outputs they name
 * with the error line and exit code 2 both scripts give when that fails.
 */
import { Printer, UsageError } from "./args";
import { ParsedOutputs, readStackOutputs } from "./outputs";

/** The rows of `--stack` and `--outputs-file` in a script's option table. */
export const STACK_TARGET_OPTIONS = {
    stack: { type: "string" },
    "outputs-file": { type: "string" },
} as const;

/** Where the outputs come from: the stack (read with the offline Pulumi CLI) or a file of them. */
export interface StackTarget {
    /** `--stack`: the stack whose outputs are read (required unless `--outputs-file`). */
    stack?: string;
    /** `--outputs-file`: the JSON of `pulumi stack output --json --show-secrets`, instead of the CLI. */
    outputsFile?: string;
}

/** A stack name as Pulumi accepts it (same rule as `npm run deploy`, plus `/` for org/project/stack). */
export function checkStackName(stack: string): string {
    if (!/^[A-Za-z0-9_./-]+$/.test(stack)) throw new UsageError(`stack name "${stack}" may hold only letters, digits, '_', '.', '-' and '/'`);
    return stack;
}

/** The target of parsed `--stack` / `--outputs-file` values; a UsageError when neither is given or the name is malformed. */
export function stackTarget(options: { stack?: string; "outputs-file"?: string }): StackTarget {
    if (options.stack === undefined && options["outputs-file"] === undefined) throw new UsageError("--stack <name> (or --outputs-file <path>) is required");
    return {
        ...(options.stack !== undefined ? { stack: checkStackName(options.stack) } : {}),
        ...(options["outputs-file"] !== undefined ? { outputsFile: options["outputs-file"] } : {}),
    };
}

/**
 * Reads the target's outputs; when that fails, prints `cannot read the outputs of stack <name>: <why>`
 * to standard error and resolves with exit code 2 instead.
 */
export async function readTargetOutputs(
    target: StackTarget,
    printer: Pick<Printer, "err"> = { err: (text) => console.error(text) },
): Promise<ParsedOutputs | { exitCode: number }> {
    try {
        return await readStackOutputs({ stack: target.stack ?? "", ...(target.outputsFile ? { outputsFile: target.outputsFile } : {}) });
    } catch (err) {
        printer.err(`cannot read the outputs of stack ${target.stack ?? target.outputsFile}: ${(err as Error).message}`);
        return { exitCode: 2 };
    }
}
