/**
 * Bounded retention of a Flink job resource's restore points: the savepoints its upgrades and stops
 * take, and the checkpoints a cancelled or failed job of it leaves behind (RETAIN_ON_CANCELLATION).
 * Flink disposes of neither: without this they pile up under the savepoint and checkpoint directories
 * for as long as the stack lives.
 *
 * The resource records every restore point it takes or finds, newest first (`restorePoints` in its
 * state), and keeps the newest `restorePointsKept`; older ones are disposed of through the JobManager
 * (`POST /savepoint-disposal`) once the job is up again. What is never disposed of: the newest one,
 * the one the running job was restored from, and anything the resource did not record (a savepoint
 * someone took by hand). `restorePointsKept: 0` keeps every one.
 *
 * A cancelled job leaves several retained checkpoints; with incremental RocksDB checkpoints they share
 * files, so they are one restore point here (`path` the newest, `also` the others), kept or disposed
 * of together. A job restored from any of them does not share its files: Flink's default restore mode
 * (NO_CLAIM) makes the new job's first checkpoint a full one.
 *
 * Serialization-safe (see ../toolkit/README.md): functions and literals only.
 */
import { HttpTarget } from "../toolkit/http";
import { printProgress } from "../toolkit/progress";
import { WaitOptions, disposeRestorePoint } from "./rest";

/** One restore point as state records it: where it is, and the checkpoints of the same job that share its files. */
export interface RestorePoint {
    path: string;
    also: string[];
}

/**
 * The history after an update: what was taken this time (oldest first, as the jobs were stopped) in
 * front of what state recorded, newest first, each location once. A history that predates this
 * record starts from the state's `lastSavepoint`.
 */
export function recordRestorePoints(recorded: RestorePoint[] | undefined, lastSavepoint: string | undefined, taken: RestorePoint[]): RestorePoint[] {
    const before: RestorePoint[] = Array.isArray(recorded) ? recorded : lastSavepoint ? [{ path: lastSavepoint, also: [] }] : [];
    const history: RestorePoint[] = [];
    const seen = new Set<string>();
    for (const point of [...[...taken].reverse(), ...before]) {
        if (!point?.path || seen.has(point.path)) continue;
        const also = (point.also ?? []).filter((p) => p && p !== point.path && !seen.has(p));
        for (const p of [point.path, ...also]) seen.add(p);
        history.push({ path: point.path, also });
    }
    return history;
}

/**
 * Which restore points to keep and which to dispose of: the newest `kept` are kept (0 keeps all), and
 * so is any point whose location is in `inUse` (the one the running job was restored from).
 */
export function restorePointsBeyond(history: RestorePoint[], kept: number, inUse: string[]): { keep: RestorePoint[]; dispose: RestorePoint[] } {
    if (!(kept > 0)) return { keep: history, dispose: [] };
    const used = new Set(inUse.filter(Boolean));
    const keep: RestorePoint[] = [];
    const dispose: RestorePoint[] = [];
    history.forEach((point, i) => {
        const touches = [point.path, ...point.also].some((p) => used.has(p));
        (i < kept || touches ? keep : dispose).push(point);
    });
    return { keep, dispose };
}

/**
 * Disposes of the restore points beyond the newest `kept` (see `restorePointsBeyond`); returns the
 * history to record. One that Flink fails to dispose of stays recorded, with a warning, and is tried
 * again at the next update: a cleanup failure never fails the job's update.
 */
export async function pruneRestorePoints(
    restUrl: HttpTarget,
    jobName: string,
    history: RestorePoint[],
    kept: number,
    inUse: string[],
    timeoutMs: number,
    options: WaitOptions = {},
): Promise<RestorePoint[]> {
    const progress = options.progress ?? printProgress;
    const { keep, dispose } = restorePointsBeyond(history, kept, inUse);
    const failed: RestorePoint[] = [];
    for (const point of dispose) {
        const left: string[] = [];
        // The newest last: a failure part way leaves the point's own metadata, so a later try finds it.
        for (const path of [...point.also, point.path]) {
            try {
                const outcome = await disposeRestorePoint(restUrl, path, timeoutMs, options);
                progress(
                    `Flink job "${jobName}": ${outcome === "gone" ? "restore point already gone" : "disposed of restore point"} ${path} (keeping the newest ${kept})`,
                );
            } catch (err) {
                left.push(path);
                progress(`warning: Flink job "${jobName}": could not dispose of restore point ${path}, kept for the next update: ${(err as Error).message}`);
            }
        }
        if (left.length) failed.push({ path: point.path, also: point.also.filter((p) => left.includes(p)) });
    }
    return [...keep, ...failed];
}
