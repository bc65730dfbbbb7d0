/**
 * `npm run health -- --stack <name> [--json] [thresholds]`: checks a deployed stack's pipeline end to
 * end (Flink jobs and checkpoints, Kafka topics and consumer lag, the Debezium connector, the warehouse
 * bucket and newest data files, Nessie commits, the replication slot, Dremio) and prints one
 * PASS/WARN/FAIL line per check. Exit code: 0 healthy, 1 any FAIL, 2 usage error or unreadable outputs.
 * Logic in ops/health.ts (pure) and ops/probes.ts (the service calls); usage: HEALTH_USAGE.
 */
import { UsageError } from "../ops/args";
import { HEALTH_USAGE, buildReport, exitCode, formatReport, parseHealthArgs, runHealthChecks } from "../ops/health";
import { readStackOutputs } from "../ops/outputs";
import { realProbes } from "../ops/probes";

export async function main(argv: string[]): Promise<number> {
    // The SDK's notice about future Node.js versions is for developers, not for a health report.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    if (argv.includes("--help") || argv.includes("-h")) {
        console.log(HEALTH_USAGE);
        return 0;
    }
    let args;
    try {
        args = parseHealthArgs(argv);
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        console.error(`${err.message}\n\n${HEALTH_USAGE}`);
        return 2;
    }
    let parsed;
    try {
        parsed = await readStackOutputs({ stack: args.stack ?? "", ...(args.outputsFile ? { outputsFile: args.outputsFile } : {}) });
    } catch (err) {
        console.error(`cannot read the outputs of stack ${args.stack ?? args.outputsFile}: ${(err as Error).message}`);
        return 2;
    }
    const checks = await runHealthChecks(parsed.outputs, parsed.problems, args.thresholds, realProbes);
    const report = buildReport(args.stack ?? null, checks, new Date());
    console.log(args.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return exitCode(report);
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err) => {
            console.error(`health: ${(err as Error).message}`);
            process.exit(2);
        },
    );
}
