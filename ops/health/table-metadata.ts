/**
 * What a table's current Iceberg metadata file says about its upkeep: how many snapshots it keeps
 * and since when, how many data and delete files its current snapshot has (the snapshot summary's
 * running totals), when it was last compacted (the newest `replace` snapshot: a compaction, or the
 * removal of the delete files it applied), and whether Iceberg may delete its files (`gc.enabled`).
 * Pure: the JSON in, the summary out.
 */

/** A table's upkeep, read from its metadata file. */
export interface TableFilesMeasurement {
    /** The metadata file read. */
    metadataLocation: string;
    snapshots: number;
    /** Commit time of the oldest snapshot kept (epoch ms); null when there is none. */
    oldestSnapshotMs: number | null;
    /** Data files of the current snapshot; null when its summary does not say. */
    dataFiles: number | null;
    /** Delete files (position and equality) of the current snapshot; null when its summary does not say. */
    deleteFiles: number | null;
    /** The newest `replace` snapshot's commit time (epoch ms): the last compaction; null when none is kept. */
    lastCompactionMs: number | null;
    /** The table property `gc.enabled` (Iceberg's Nessie catalog creates tables with false). */
    gcEnabled: boolean;
}

const count = (v: unknown): number | null => (v === undefined || v === null || Number.isNaN(Number(v)) ? null : Number(v));

/** Summarizes an Iceberg table metadata JSON (format v1 or v2). */
export function summarizeTableMetadata(metadataLocation: string, json: any): TableFilesMeasurement {
    const snapshots: any[] = Array.isArray(json?.snapshots) ? json.snapshots : [];
    // Snapshot ids are 64-bit: compared as text, as Nessie's and Iceberg's JSON carry them.
    const currentId = String(json?.["current-snapshot-id"] ?? "-1");
    const current = snapshots.find((s) => String(s["snapshot-id"]) === currentId);
    const summary = current?.summary ?? {};
    const times = snapshots.map((s) => Number(s["timestamp-ms"])).filter((t) => Number.isFinite(t));
    const replaces = snapshots.filter((s) => s.summary?.operation === "replace").map((s) => Number(s["timestamp-ms"]));
    return {
        metadataLocation,
        snapshots: snapshots.length,
        oldestSnapshotMs: times.length ? Math.min(...times) : null,
        dataFiles: count(summary["total-data-files"]),
        deleteFiles: count(summary["total-delete-files"]),
        lastCompactionMs: replaces.length ? Math.max(...replaces) : null,
        gcEnabled: String(json?.properties?.["gc.enabled"] ?? "true") === "true",
    };
}
