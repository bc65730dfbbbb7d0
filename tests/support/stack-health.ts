/** `npm run health` (its library functions, the real probes) on a deployed stack's outputs, as the end-to-end tests expect it. */
import { HealthReport, buildReport, exitCode, formatReport, parseHealthArgs, runHealthChecks } from "../../ops/health";
import { StackOutputs } from "../../ops/outputs";
import { realProbes } from "../../ops/probes";

/** Runs the health checks with their default thresholds, logs the report, expects no FAIL and exit code 0; returns the report. */
export async function expectStackHealthy(stack: string, outputs: StackOutputs, log: (line: string) => void, what = "health"): Promise<HealthReport> {
    const report = buildReport(stack, await runHealthChecks(outputs, [], parseHealthArgs(["--stack", stack]).thresholds, realProbes), new Date());
    log(`${what}:\n${formatReport(report)}`);
    expect(report.checks.filter((c) => c.status === "FAIL")).toEqual([]);
    expect(exitCode(report)).toBe(0);
    return report;
}
