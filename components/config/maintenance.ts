/**
 * `lakehouse:maintenance`: the table maintenance job's tasks and schedules (components/maintenance.ts).
 */
import { DEFAULTS } from "../defaults";
import { Reader } from "./reader";
import { MaintenanceConfig } from "./types";

const WEEK = 7 * 24 * 3600;
const YEAR = 365 * 24 * 3600;

/** An interval: 0 (the task is off) or 10 s to a week. */
function interval(r: Reader, value: unknown, key: string, fallback: number): number {
    const v = r.integer(value, key, fallback, 0, WEEK);
    if (v > 0 && v < 10) r.problem(key, v, "0 (the task is off) or 10 to 604800 seconds");
    return v;
}

/** Reads `lakehouse:maintenance`; each task is a nested object whose keys are checked like the others. */
export function parseMaintenance(r: Reader, values: Record<string, string>): MaintenanceConfig {
    const m = r.object(values, "maintenance");
    const d = DEFAULTS.maintenance;
    const task = (name: keyof typeof d & ("expireSnapshots" | "rewriteDataFiles" | "deleteOrphanFiles")): Record<string, unknown> => {
        const raw = m[name];
        if (raw === undefined) return {};
        const given = r.record(raw, `maintenance.${name}`, `an object of ${Object.keys(d[name]).join(", ")}`);
        if (!given) return {};
        r.onlyKeys(given, `maintenance.${name}`, Object.keys(d[name]));
        return given;
    };
    const e = task("expireSnapshots");
    const w = task("rewriteDataFiles");
    const o = task("deleteOrphanFiles");
    const maintenance: MaintenanceConfig = {
        enabled: r.boolean(m.enabled, "maintenance.enabled", d.enabled),
        rateLimitSeconds: r.integer(m.rateLimitSeconds, "maintenance.rateLimitSeconds", d.rateLimitSeconds, 1, 86_400),
        lockCheckDelaySeconds: r.integer(m.lockCheckDelaySeconds, "maintenance.lockCheckDelaySeconds", d.lockCheckDelaySeconds, 1, 3600),
        expireSnapshots: {
            intervalSeconds: interval(r, e.intervalSeconds, "maintenance.expireSnapshots.intervalSeconds", d.expireSnapshots.intervalSeconds),
            maxSnapshotAgeSeconds: r.integer(
                e.maxSnapshotAgeSeconds,
                "maintenance.expireSnapshots.maxSnapshotAgeSeconds",
                d.expireSnapshots.maxSnapshotAgeSeconds,
                60,
                YEAR,
            ),
            retainLast: r.integer(e.retainLast, "maintenance.expireSnapshots.retainLast", d.expireSnapshots.retainLast, 1, 100_000),
        },
        rewriteDataFiles: {
            intervalSeconds: interval(r, w.intervalSeconds, "maintenance.rewriteDataFiles.intervalSeconds", d.rewriteDataFiles.intervalSeconds),
            commitCount: r.integer(w.commitCount, "maintenance.rewriteDataFiles.commitCount", d.rewriteDataFiles.commitCount, 0, 1_000_000),
            targetFileSizeMiB: r.integer(w.targetFileSizeMiB, "maintenance.rewriteDataFiles.targetFileSizeMiB", d.rewriteDataFiles.targetFileSizeMiB, 1, 8192),
            minInputFiles: r.integer(w.minInputFiles, "maintenance.rewriteDataFiles.minInputFiles", d.rewriteDataFiles.minInputFiles, 1, 100_000),
            deleteFileThreshold: r.integer(
                w.deleteFileThreshold,
                "maintenance.rewriteDataFiles.deleteFileThreshold",
                d.rewriteDataFiles.deleteFileThreshold,
                1,
                100_000,
            ),
        },
        deleteOrphanFiles: {
            intervalSeconds: interval(r, o.intervalSeconds, "maintenance.deleteOrphanFiles.intervalSeconds", d.deleteOrphanFiles.intervalSeconds),
            // At least an hour: a data file written before a checkpoint is committed only when the checkpoint
            // completes, or when a stopped job resumes from its savepoint; younger files are never orphans.
            minAgeSeconds: r.integer(o.minAgeSeconds, "maintenance.deleteOrphanFiles.minAgeSeconds", d.deleteOrphanFiles.minAgeSeconds, 3600, YEAR),
        },
    };
    if (maintenance.enabled && maintenance.rewriteDataFiles.commitCount > 0 && maintenance.rewriteDataFiles.intervalSeconds === 0) {
        r.problem(
            "maintenance.rewriteDataFiles.commitCount",
            maintenance.rewriteDataFiles.commitCount,
            "0 while rewriteDataFiles.intervalSeconds is 0 (the task is off); give the task an interval too, e.g. 300",
        );
    }
    return maintenance;
}
