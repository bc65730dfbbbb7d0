/**
 * `npm run health`'s table upkeep check (issue 18): a table's metadata file summarized, and the verdict
 * with and without the stack's table maintenance (`tableMaintenance` output), including the maintenance
 * job's own check.
 */
import { DEFAULTS } from "../../../components/defaults";
import { DEFAULT_THRESHOLDS, HealthProbes, TableFilesMeasurement, evaluateTableFiles, runHealthChecks, summarizeTableMetadata } from "../../../ops/health";
import { parseStackOutputs } from "../../../ops/outputs";
import { demographicsPipelineOutputs, serviceAddressOutputs } from "../../support/stack-outputs";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const T = DEFAULT_THRESHOLDS;
const ID = "nessie.cdc.demographics";
const MAINTENANCE = {
    job: { name: "cdc-lakehouse-dev-table-maintenance" },
    tables: [ID],
    expireSnapshots: DEFAULTS.maintenance.expireSnapshots,
    rewriteDataFiles: DEFAULTS.maintenance.rewriteDataFiles,
};

const measured = (extra: Partial<TableFilesMeasurement> = {}): TableFilesMeasurement => ({
    metadataLocation: "s3://wh/cdc/demographics/metadata/9.metadata.json",
    snapshots: 40,
    oldestSnapshotMs: NOW - 1800_000,
    dataFiles: 4,
    deleteFiles: 1,
    lastCompactionMs: NOW - 120_000,
    gcEnabled: true,
    ...extra,
});

describe("summarizeTableMetadata", () => {
    test("counts snapshots, reads the current snapshot's totals, the oldest snapshot and the newest replace", () => {
        const json = {
            "format-version": 2,
            "current-snapshot-id": 3,
            properties: { "gc.enabled": "false" },
            snapshots: [
                { "snapshot-id": 1, "timestamp-ms": 1000, summary: { operation: "append", "total-data-files": "1", "total-delete-files": "0" } },
                { "snapshot-id": 2, "timestamp-ms": 2000, summary: { operation: "replace", "total-data-files": "1", "total-delete-files": "0" } },
                { "snapshot-id": 3, "timestamp-ms": 3000, summary: { operation: "overwrite", "total-data-files": "2", "total-delete-files": "1" } },
            ],
        };
        expect(summarizeTableMetadata("s3://x/m.json", json)).toEqual({
            metadataLocation: "s3://x/m.json",
            snapshots: 3,
            oldestSnapshotMs: 1000,
            dataFiles: 2,
            deleteFiles: 1,
            lastCompactionMs: 2000,
            gcEnabled: false,
        });
        // A new table: no snapshot yet; gc.enabled defaults to Iceberg's true when the property is absent.
        expect(summarizeTableMetadata("s3://x/0.json", { "current-snapshot-id": -1, snapshots: [] })).toEqual({
            metadataLocation: "s3://x/0.json",
            snapshots: 0,
            oldestSnapshotMs: null,
            dataFiles: null,
            deleteFiles: null,
            lastCompactionMs: null,
            gcEnabled: true,
        });
    });
});

describe("iceberg.files.<table>", () => {
    test("without maintenance: PASS while small, WARN past the thresholds naming the key that turns maintenance on", () => {
        const small = evaluateTableFiles(ID, measured(), T, undefined, NOW);
        expect(small).toMatchObject({ name: `iceberg.files.${ID}`, status: "PASS" });
        expect(small.detail).toBe(
            "40 snapshot(s) (oldest 30 min), 4 data file(s), 1 delete file(s); last compaction 2 min ago (no table maintenance declared)",
        );
        const big = evaluateTableFiles(ID, measured({ snapshots: 2000, deleteFiles: 900 }), T, undefined, NOW);
        expect(big.status).toBe("WARN");
        expect(big.detail).toMatch(
            /more than 1500 snapshots, more than 500 delete files, and nothing maintains this table: set lakehouse:maintenance.enabled to true/,
        );
        expect(big.metrics).toMatchObject({ snapshots: 2000, deleteFiles: 900, maintained: false, lastCompactionAgeSeconds: 120 });
    });

    test("with maintenance: PASS on schedule; WARN naming the job when expiration or compaction is late", () => {
        expect(evaluateTableFiles(ID, measured(), T, MAINTENANCE, NOW)).toMatchObject({
            status: "PASS",
            detail: expect.stringMatching(/maintained by "cdc-lakehouse-dev-table-maintenance"$/),
        });
        // Retention 1 h, every 10 min: a snapshot 2 h old means expiration has not run.
        const lateExpiry = evaluateTableFiles(ID, measured({ oldestSnapshotMs: NOW - 7200_000, gcEnabled: false }), T, MAINTENANCE, NOW);
        expect(lateExpiry.status).toBe("WARN");
        expect(lateExpiry.detail).toMatch(/the oldest snapshot is 2 h old against a retention of 1 h: expiration is late; the table's gc.enabled is false/);
        expect(lateExpiry.detail).toMatch(/look at the maintenance job "cdc-lakehouse-dev-table-maintenance"/);
        // Every 5 min: delete files and no compaction for an hour.
        const lateCompaction = evaluateTableFiles(ID, measured({ lastCompactionMs: NOW - 3600_000, deleteFiles: 12 }), T, MAINTENANCE, NOW);
        expect(lateCompaction.status).toBe("WARN");
        expect(lateCompaction.detail).toMatch(/12 delete file\(s\) and no compaction for 1 h \(every 5 min declared\): compaction is late/);
        // No delete files: nothing to compact, never late.
        expect(evaluateTableFiles(ID, measured({ lastCompactionMs: null, deleteFiles: 0 }), T, MAINTENANCE, NOW).status).toBe("PASS");
        // A table the job does not maintain is judged as without maintenance.
        expect(evaluateTableFiles("nessie.cdc.other", measured(), T, MAINTENANCE, NOW).detail).toMatch(/no table maintenance declared/);
    });
});

describe("runHealthChecks with table maintenance", () => {
    test("checks the maintenance job and each table's upkeep against the declared schedules", async () => {
        const job = "cdc-lakehouse-s-demographics-to-iceberg";
        const raw = {
            platform: "external",
            endpoints: {},
            ...serviceAddressOutputs("127.0.0.1"),
            ...demographicsPipelineOutputs("p.s.demographics", job),
            warehouse: "s3://wh/",
            flinkJobs: { demographics: { name: job, jobId: "a".repeat(32), state: "RUNNING", lastSavepoint: "" } },
            tableMaintenance: {
                job: { name: "cdc-lakehouse-s-table-maintenance", jobId: "b".repeat(32), state: "RUNNING", lastSavepoint: "" },
                tables: ["nessie.cdc.demographics", "nessie.cdc.demographics_changes"],
                expireSnapshots: DEFAULTS.maintenance.expireSnapshots,
                rewriteDataFiles: DEFAULTS.maintenance.rewriteDataFiles,
                deleteOrphanFiles: DEFAULTS.maintenance.deleteOrphanFiles,
            },
            credentials: { s3: { accessKeyId: "k", secretAccessKey: "s3-secret" } },
        };
        const refs: string[] = [];
        const probes: Partial<HealthProbes> = {
            flinkOverview: async () => ({ flinkVersion: "1.20.3", taskManagers: 1, slotsTotal: 4, slotsAvailable: 2, jobsRunning: 2, jobsFailed: 0 }),
            flinkJob: async (_url, ref) => {
                refs.push(ref.name!);
                return {
                    exported: { jobId: ref.jobId!, name: ref.name!, state: "RUNNING", startTime: NOW - 60_000 },
                    liveByName: [],
                    checkpoints: { completed: 5, failed: 0, inProgress: 0, lastCompleted: { id: 5, ackTimestamp: NOW - 3000 } },
                };
            },
            bucket: async () => undefined,
            dataFiles: async (_s3, location) => ({
                location,
                files: 1,
                scanned: 1,
                truncated: false,
                newest: { key: "k/data/1.parquet", lastModified: NOW - 1000, size: 1 },
            }),
            tableFiles: async (_s3, metadataLocation) =>
                measured({ metadataLocation, oldestSnapshotMs: metadataLocation.includes("changes") ? NOW - 7200_000 : NOW - 600_000 }),
            nessieServer: async () => ({ specVersion: "2.2.0", defaultBranch: "main", hash: "f".repeat(64) }),
            nessieTable: async (_api, _branch, key) => ({
                content: { type: "ICEBERG_TABLE", metadataLocation: `s3://wh/${key.replace(".", "/")}_u/metadata/2.metadata.json`, snapshotId: "9" },
                lastCommit: { hash: "e".repeat(64), time: NOW - 5000, message: "commit" },
            }),
        };
        const failing = async () => {
            throw new Error("not asked in this test");
        };
        const all = { kafka: failing, connector: failing, slot: failing, dremio: failing, ...probes } as HealthProbes;
        const checks = await runHealthChecks(parseStackOutputs(raw).outputs, [], T, all, () => NOW);
        const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
        expect(refs).toContain("cdc-lakehouse-s-table-maintenance");
        expect(byName["flink.job.table-maintenance"]).toMatchObject({ status: "PASS" });
        expect(byName["iceberg.files.nessie.cdc.demographics"]).toMatchObject({ status: "PASS" });
        expect(byName["iceberg.files.nessie.cdc.demographics_changes"]).toMatchObject({ status: "WARN", detail: expect.stringMatching(/expiration is late/) });
    });
});
