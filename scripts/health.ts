/**
 * `npm run health -- --stack <name> [--json] [thresholds]`: checks a deployed stack's pipeline end to
 * end (Flink jobs and checkpoints, Kafka topics and consumer lag, the Debezium connector, the warehouse
 * bucket and newest data files, Nessie commits, the replication slot, Dremio) and prints one
 * PASS/WARN/FAIL line per check. Exit code: 0 healthy, 1 any FAIL, 2 usage error or unreadable outputs.
 * Logic in ops/health/ (arguments, verdict rules, report) and ops/probes.ts (the service calls);
 * usage: HEALTH_USAGE.
 */
import { readCommandLine, runMain } from "../ops/args";
import { HEALTH_USAGE, buildReport, exitCode, formatReport, parseHealthArgs, runHealthChecks } from "../ops/health";
import { realProbes } from "../ops/probes";
import { readTargetOutputs } from "../ops/stack-target";

/** Runs `npm run health` with `argv` (the arguments after `--`); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
    // The SDK's notice about future Node.js versions is for developers, not for a health report.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    const command = readCommandLine(argv, HEALTH_USAGE, parseHealthArgs);
    if ("exitCode" in command) return command.exitCode;
    const args = command.args;
    const parsed = await readTargetOutputs(args);
    if ("exitCode" in parsed) return parsed.exitCode;
    const checks = await runHealthChecks(parsed.outputs, parsed.problems, args.thresholds, realProbes);
    const report = buildReport(args.stack ?? null, checks, new Date());
    console.log(args.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return exitCode(report);
}

if (require.main === module) runMain("health", main);
