/**
 * The command line of `npm run deploy [-- --stack <name>] [-- <pulumi up flags>]`. Pure.
 *
 * Without `--stack` the deploy picks the stack itself (plan.ts): `dev` where a Docker engine and the
 * provider plugins are available, else `local` on the harness's services.
 */
import { OptionTable, UsageError, splitOwnOptions } from "../args";

/** What `npm run deploy -- ...` was asked. */
export interface DeployArgs {
    /** `--stack` / `-s`: the stack to deploy; absent = choose (auto mode). */
    stack?: string;
    /** Flags passed through to `pulumi up` (e.g. --yes, --diff). */
    upFlags: string[];
}

/** The options of `npm run deploy` itself; every other argument (`--help` too) goes to `pulumi up`. */
export const DEPLOY_OPTIONS = {
    stack: { type: "string", short: "s" },
} as const satisfies OptionTable;

/** Splits `--stack <name>` / `-s <name>` from the flags passed through to `pulumi up`; UsageError on a missing or malformed name. */
export function parseDeployArgs(argv: readonly string[]): DeployArgs {
    const { options, rest } = splitOwnOptions(argv, DEPLOY_OPTIONS);
    if (options.stack !== undefined && !/^[A-Za-z0-9_.-]+$/.test(options.stack)) {
        throw new UsageError(`stack name "${options.stack}" may hold only letters, digits, '_', '.' and '-'`);
    }
    return { ...(options.stack !== undefined ? { stack: options.stack } : {}), upFlags: rest };
}

/** Whether the pass-through flags make `pulumi up` apply without asking: `--yes`, `-y` or `--yes=true`. */
export function upsWithoutAsking(upFlags: readonly string[]): boolean {
    return upFlags.some((f) => f === "--yes" || f === "-y" || f === "--yes=true");
}
