/**
 * `npm run deploy [-- --stack <name>] [-- <pulumi up flags>]`: the one command that deploys.
 *
 * Default: the `dev` stack, state in a local file backend (<repo>/.pulumi-state), no cloud login.
 * Creates the stack on first use, then runs `pulumi up`. Unlike `npm run pulumi` (offline, for the
 * test harness), it lets Pulumi download the provider plugins a first deploy needs (docker, random).
 */
import { spawnSync } from "child_process";
import { REPO_DIR, pulumiEnv, resolvePulumi } from "../harness/pulumi/cli";
import { OptionTable, UsageError, splitOwnOptions } from "../ops/args";

/** What `npm run deploy -- ...` was asked. */
export interface DeployArgs {
    stack: string;
    /** Flags passed through to `pulumi up` (e.g. --yes, --diff). */
    upFlags: string[];
}

/** The options of `npm run deploy` itself; every other argument (`--help` too) goes to `pulumi up`. */
export const DEPLOY_OPTIONS = {
    stack: { type: "string", short: "s", default: "dev" },
} as const satisfies OptionTable;

/** Splits `--stack <name>` / `-s <name>` from the flags passed through to `pulumi up`; UsageError on a missing or malformed name. */
export function parseDeployArgs(argv: readonly string[]): DeployArgs {
    const { options, rest } = splitOwnOptions(argv, DEPLOY_OPTIONS);
    if (!/^[A-Za-z0-9_.-]+$/.test(options.stack)) throw new UsageError(`stack name "${options.stack}" may hold only letters, digits, '_', '.' and '-'`);
    return { stack: options.stack, upFlags: rest };
}

function main(): number {
    let args: DeployArgs;
    try {
        args = parseDeployArgs(process.argv.slice(2));
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        console.error(err.message);
        return 2;
    }
    const pulumi = resolvePulumi();
    if (!pulumi) {
        console.error("No Pulumi CLI found: put `pulumi` on PATH, or build one from source with `npm run harness -- install`.");
        return 127;
    }
    const env = { ...pulumiEnv({ pulumiPath: pulumi }), PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "false" };
    const run = (cliArgs: string[]) => spawnSync(pulumi, cliArgs, { cwd: REPO_DIR, env, stdio: "inherit" }).status ?? 1;

    const selected = run(["stack", "select", args.stack, "--create"]);
    if (selected !== 0) return selected;
    return run(["up", "--stack", args.stack, ...args.upFlags]);
}

if (require.main === module) process.exit(main());
