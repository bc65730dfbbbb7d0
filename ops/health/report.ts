/**
 * The report of `npm run health`: the checks with a summary, as human lines or the JSON `--json`
 * prints, and the exit code. Pure.
 */
import { CheckResult, CheckStatus } from "./check";

/** The whole report (`--json` prints it as is). */
export interface HealthReport {
    stack: string | null;
    /** False when any check FAILed. */
    ok: boolean;
    checkedAt: string;
    summary: { pass: number; warn: number; fail: number };
    checks: CheckResult[];
}

/** The report of some checks. */
export function buildReport(stack: string | null, checks: CheckResult[], checkedAt: Date): HealthReport {
    const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
    const summary = { pass: count("PASS"), warn: count("WARN"), fail: count("FAIL") };
    return { stack, ok: summary.fail === 0, checkedAt: checkedAt.toISOString(), summary, checks };
}

/** One human line: `PASS  flink.cluster  1 TaskManager, ...`. */
export function formatCheckLine(check: CheckResult, nameWidth = 0): string {
    return `${check.status.padEnd(4)}  ${check.name.padEnd(nameWidth)}  ${check.detail}`;
}

/** The human output: a header, one line per check, a summary. */
export function formatReport(report: HealthReport): string {
    const width = Math.min(48, Math.max(0, ...report.checks.map((c) => c.name.length)));
    return [
        `health of stack ${report.stack ?? "(from outputs file)"} at ${report.checkedAt}`,
        ...report.checks.map((c) => formatCheckLine(c, width)),
        `${report.checks.length} checks: ${report.summary.pass} PASS, ${report.summary.warn} WARN, ${report.summary.fail} FAIL${report.ok ? "" : "  (unhealthy)"}`,
    ].join("\n");
}

/** 0 when nothing FAILed, 1 otherwise. */
export function exitCode(report: HealthReport): number {
    return report.ok ? 0 : 1;
}
