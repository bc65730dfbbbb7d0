/**
 * `npm run deploy [-- --stack <name>] [-- <pulumi up flags>]`: the one command that deploys.
 *
 * Default: the `dev` stack, state in a local file backend (<repo>/.pulumi-state), no cloud login.
 * Creates the stack on first use, then runs `pulumi up`. Unlike `npm run pulumi` (offline, for the
 * test harness), it lets Pulumi download the provider plugins a first deploy needs (docker, random).
 */
import { spawnSync } from "child_process";
import { REPO_DIR, pulumiEnv, resolvePulumi } from "../harness/pulumi/cli";

export interface DeployArgs {
    stack: string;
    /** Flags passed through to `pulumi up` (e.g. --yes, --diff). */
    upFlags: string[];
}

/** Splits `--stack <name>` / `-s <name>` from the flags passed through to `pulumi up`. */
export function parseDeployArgs(argv: string[]): DeployArgs {
    const upFlags: string[] = [];
    let stack = "dev";
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--stack" || arg === "-s") {
            const value = argv[++i];
            if (!value || value.startsWith("-")) throw new Error(`${arg} needs a stack name, e.g. \`npm run deploy -- --stack dev\``);
            stack = value;
        } else if (arg.startsWith("--stack=")) {
            stack = arg.slice("--stack=".length);
        } else {
            upFlags.push(arg);
        }
    }
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new Error(`stack name "${stack}" may hold only letters, digits, '_', '.' and '-'`);
    return { stack, upFlags };
}

function main(): number {
    let args: DeployArgs;
    try {
        args = parseDeployArgs(process.argv.slice(2));
    } catch (err) {
        console.error((err as Error).message);
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
