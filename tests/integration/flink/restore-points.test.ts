/**
 * Bounded retention of a Flink job's restore points against the harness's real Flink cluster, on the
 * provider object and on its serialized form, with the project image's state backend (RocksDB,
 * incremental checkpoints): upgrades take savepoints, a job cancelled out of band
 * leaves its retained checkpoints, and the resource keeps only the newest `restorePointsKept` of them,
 * disposing of the others through the JobManager (their files gone from disk), never the one the
 * running job was restored from; a lower count alone prunes without touching the job.
 */
import * as fs from "fs";
import { fileURLToPath } from "url";
import { flinkJobProvider, flinkRequest, jobState } from "../../../components/dynamic/flink-job";
import { liveJobsNamed, waitForCheckpoints, waitForJobState } from "../../../components/dynamic/flink/rest";
import { RestorePoint } from "../../../components/dynamic/flink/restore-points";
import { endpoints } from "../../../harness/cli";
import { bothForms } from "../../support/dynamic";

const flink = () => endpoints()["flink-jobmanager"];

/** Whether a savepoint or checkpoint directory Flink reported (`file:/...`) is still on disk. */
const onDisk = (location: string) => fs.existsSync(fileURLToPath(location.replace(/^file:\/(?!\/)/, "file:///")));
const paths = (points: RestorePoint[]) => points.map((p) => p.path);

describe.each([["provider object"], ["serialized provider"]])("a Flink job's restore points on a real Flink cluster (%s)", (form) => {
    let provider: any;
    const id = `${form.startsWith("s") ? "ser" : "obj"}${Date.now().toString(36)}`;
    const name = `lakehouse-test-restore-${id}`;
    // A new key per row (a random BIGINT): state grows by about 1,000 keys a second, so RocksDB writes
    // files above Flink's inline threshold (20 KB) and the incremental checkpoints share them.
    const statements = (rowsPerSecond: number) => [
        `CREATE TEMPORARY TABLE gen_${id} (v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '${rowsPerSecond}')`,
        `CREATE TEMPORARY TABLE sink_${id} (v BIGINT, n BIGINT, PRIMARY KEY (v) NOT ENFORCED) WITH ('connector' = 'blackhole')`,
        `INSERT INTO sink_${id} SELECT v, COUNT(*) FROM gen_${id} GROUP BY v`,
    ];
    const inputs = (rowsPerSecond: number, extra: Record<string, unknown> = {}) => ({
        gatewayUrl: flink().gatewayUrl,
        restUrl: flink().restUrl,
        name,
        statements: statements(rowsPerSecond),
        // The project image's state backend: RocksDB with incremental checkpoints, whose retained checkpoints share files.
        settings: {
            "parallelism.default": "1",
            "execution.checkpointing.interval": "1 s",
            "state.backend.type": "rocksdb",
            "execution.checkpointing.incremental": "true",
        },
        state: "RUNNING",
        deleteMode: "savepoint",
        waitTimeoutSeconds: 120,
        restorePointsKept: 2,
        version: 1,
        ...extra,
    });
    const checkpointed = (jobId: string, count = 1) => waitForCheckpoints(flink().restUrl, jobId, count, 90_000);

    beforeAll(async () => {
        provider = Object.fromEntries(await bothForms(flinkJobProvider))[form];
    });

    afterAll(async () => {
        for (const jid of await liveJobsNamed(flink().restUrl, name))
            await flinkRequest("Flink REST", flink().restUrl, "PATCH", `/jobs/${jid}?mode=cancel`).catch(() => undefined);
    });

    test("upgrades and a cancelled job keep the newest two restore points; older ones are disposed of", async () => {
        let outs = (await provider.create(inputs(1000))).outs;
        expect(outs.restorePoints).toEqual([]);

        // Two upgrades: two savepoints, both kept.
        await checkpointed(outs.jobId);
        outs = (await provider.update(name, outs, inputs(1001))).outs;
        const sp1 = outs.lastSavepoint;
        expect(sp1).toMatch(/savepoint-/);
        expect(outs.restorePoints).toEqual([{ path: sp1, also: [] }]);
        await checkpointed(outs.jobId);
        outs = (await provider.update(name, outs, inputs(1002))).outs;
        const sp2 = outs.lastSavepoint;
        expect(paths(outs.restorePoints)).toEqual([sp2, sp1]);
        expect([onDisk(sp1), onDisk(sp2)]).toEqual([true, true]);

        // Cancelled out of band after several checkpoints: its retained checkpoints (3 on the harness) are one
        // restore point; the job resumes from the newest, and the oldest savepoint goes.
        await checkpointed(outs.jobId, 5);
        const cancelledJob = outs.jobId;
        await flinkRequest("Flink REST", flink().restUrl, "PATCH", `/jobs/${cancelledJob}?mode=cancel`);
        await waitForJobState(flink().restUrl, cancelledJob, ["CANCELED"], 60_000);
        const read = (await provider.read(name, outs)).props;
        outs = (await provider.update(name, read, inputs(1002))).outs;
        const group: RestorePoint = outs.restorePoints[0];
        expect(group.path).toMatch(new RegExp(`${cancelledJob}/chk-\\d+$`));
        expect(outs.restoredFrom).toBe(group.path);
        // Flink keeps three; the ones it subsumed are not recorded.
        expect(group.also).toHaveLength(2);
        for (const p of group.also) expect(p).toMatch(new RegExp(`${cancelledJob}/chk-\\d+$`));
        expect(paths(outs.restorePoints)).toEqual([group.path, sp2]);
        const shared = fileURLToPath(group.path.replace(/^file:\/(?!\/)/, "file:///").replace(/chk-\d+$/, "shared"));
        expect(fs.readdirSync(shared).length).toBeGreaterThan(0);
        expect(onDisk(sp1)).toBe(false);
        expect([group.path, ...group.also, sp2].map(onDisk)).toEqual([true, true, true, true]);

        // Two more upgrades: the savepoint, then the whole group of checkpoints, go.
        await checkpointed(outs.jobId);
        outs = (await provider.update(name, outs, inputs(1003))).outs;
        const sp3 = outs.lastSavepoint;
        expect(paths(outs.restorePoints)).toEqual([sp3, group.path]);
        expect(onDisk(sp2)).toBe(false);
        await checkpointed(outs.jobId);
        outs = (await provider.update(name, outs, inputs(1004))).outs;
        const sp4 = outs.lastSavepoint;
        expect(paths(outs.restorePoints)).toEqual([sp4, sp3]);
        expect([group.path, ...group.also].map(onDisk)).toEqual([false, false, false]);
        // The files its incremental checkpoints shared went with them; sp3 and sp4 hold their own.
        expect(fs.existsSync(shared) ? fs.readdirSync(shared) : []).toEqual([]);
        expect(await jobState(flink().restUrl, outs.jobId)).toBe("RUNNING");

        // A lower count alone: pruned in place, the running job left alone; never the one it was restored from.
        const running = outs.jobId;
        const diff = await provider.diff(name, outs, inputs(1004, { restorePointsKept: 1 }));
        expect(diff.detailedDiff).toEqual({ restorePointsKept: { kind: "update", inputDiff: true } });
        outs = (await provider.update(name, outs, inputs(1004, { restorePointsKept: 1 }))).outs;
        expect(outs.jobId).toBe(running);
        expect(outs.restoredFrom).toBe(sp4);
        expect(paths(outs.restorePoints)).toEqual([sp4]);
        expect([onDisk(sp3), onDisk(sp4)]).toEqual([false, true]);

        // Delete stops with a savepoint and disposes of nothing.
        await provider.delete(name, outs);
        expect(await liveJobsNamed(flink().restUrl, name)).toEqual([]);
        expect(onDisk(sp4)).toBe(true);
    }, 600_000);
});
