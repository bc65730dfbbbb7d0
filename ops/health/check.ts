/**
 * What one check of `npm run health` gives (a status, a line for a human, the measured numbers), the
 * rule that combines statuses, and the units its line is written in. Pure.
 *
 * Statuses: FAIL means the pipeline is broken or at risk now (exit code 1); WARN means something to
 * look at that does not by itself stop data flowing (e.g. no checkpoint yet on a job that just started).
 */

/** A check's verdict. */
export type CheckStatus = "PASS" | "WARN" | "FAIL";
/** One measured number (or text, flag, or null when not measured) of a check. */
export type MetricValue = number | string | boolean | null;

/** One check's outcome: a line in the human output, an element of `checks` in the JSON. */
export interface CheckResult {
    /** Stable, dotted: `flink.cluster`, `flink.job.<table>`, `kafka.topic.<table>`, `kafka.lag.<group>`, ... */
    name: string;
    status: CheckStatus;
    /** One line for a human: what was found, and for a WARN/FAIL why and what to do. */
    detail: string;
    /** The measured numbers (ages in seconds, sizes in bytes, timestamps ISO 8601). */
    metrics: Record<string, MetricValue>;
}

const RANK: Record<CheckStatus, number> = { PASS: 0, WARN: 1, FAIL: 2 };

/** The worst of some statuses (PASS when none). */
export function worst(...statuses: CheckStatus[]): CheckStatus {
    return statuses.reduce<CheckStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), "PASS");
}

/** "8 s", "3 min 12 s", "2 h 5 min", "3 d 4 h". */
export function formatAge(seconds: number): string {
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
    if (s < 86400) return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ""}`;
    return `${Math.floor(s / 86400)} d${Math.floor((s % 86400) / 3600) ? ` ${Math.floor((s % 86400) / 3600)} h` : ""}`;
}

/** "512 B", "1.5 KiB", "3.0 GiB". */
export function formatBytes(bytes: number): string {
    if (bytes < 1024) return `${bytes} B`;
    const units = ["KiB", "MiB", "GiB", "TiB"];
    let v = bytes / 1024;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
    }
    return `${v.toFixed(1)} ${units[i]}`;
}
