/**
 * Periodic savepoints (issue 18): the stack's periodic-savepoints job (jobs/maintenance's
 * PeriodicSavepointsJob), run by the FlinkJarJob resource on the harness's real Flink, takes a
 * savepoint of a running stateful job every few seconds and disposes of the oldest beyond the count it
 * keeps, the files gone from disk; its record of what it took survives its own restart through a
 * savepoint, so what it took before is disposed of after. The FlinkJarJob provider's two forms are
 * tested in table-maintenance.test.ts; this file tests the job, through the provider object. Also: an
 * update that stops a job while a savepoint of it (the periodic job's) is in progress.
 */
import * as fs from "fs";
import * as path from "path";
import { fileURLToPath } from "url";
import { flinkJarJobProvider } from "../../../components/dynamic/flink-jar-job";
import { flinkJobProvider } from "../../../components/dynamic/flink-job";
import { flinkRequest } from "../../../components/dynamic/flink/request";
import { liveJobsNamed } from "../../../components/dynamic/flink/rest";
import { versionTable } from "../../../components/images";
import { MaintenanceVersions, maintenanceJarBuild, maintenanceMavenProperties } from "../../../components/maintenance";
import { PERIODIC_SAVEPOINTS_ENTRY_CLASS } from "../../../components/periodic-savepoints";
import { endpoints } from "../../../harness/cli";
import { pollFor } from "../../support/iceberg-session";
import { countingJobInputs } from "../../support/counting-job";

const REPO = path.resolve(__dirname, "../../..");
const id = Date.now().toString(36);
const target = `lakehouse-test-psp-${id}`;
const savepointsJob = `lakehouse-test-psp-${id}-savepoints`;
const restUrl = () => endpoints()["flink-jobmanager"].restUrl;
const KEPT = 2;

/** The cluster's savepoint directory on disk (the harness's Flink writes `file://` savepoints). */
async function savepointDirectory(): Promise<string> {
    const config: { key: string; value: string }[] = await flinkRequest("Flink REST", restUrl(), "GET", "/jobmanager/config");
    const dir = config.find((c) => c.key === "execution.checkpointing.savepoint-dir")?.value;
    if (!dir) throw new Error("the harness's Flink has no execution.checkpointing.savepoint-dir");
    return fileURLToPath(dir.replace(/^file:\/(?!\/)/, "file:///"));
}

/** The savepoint directories of a job on disk: Flink names them `savepoint-<first 6 characters of the job id>-<random>`. */
function savepointsOf(dir: string, jobId: string): string[] {
    return fs
        .readdirSync(dir)
        .filter((n) => n.startsWith(`savepoint-${jobId.slice(0, 6)}-`))
        .sort();
}

function jarInputs(intervalSeconds: number): Record<string, any> {
    return {
        restUrl: restUrl(),
        name: savepointsJob,
        jar: maintenanceJarBuild(REPO, maintenanceMavenProperties(versionTable(REPO) as MaintenanceVersions)),
        entryClass: PERIODIC_SAVEPOINTS_ENTRY_CLASS,
        programArgs: [
            `--job-name=${savepointsJob}`,
            `--rest-url=${restUrl()}`,
            `--job=${target}`,
            `--interval-seconds=${intervalSeconds}`,
            `--kept=${KEPT}`,
            "--timeout-seconds=60",
            "--checkpoint-interval-seconds=2",
        ],
        state: "RUNNING",
        deleteMode: "savepoint",
        allowNonRestoredState: true,
        waitTimeoutSeconds: 180,
        version: 1,
    };
}

/** A stateful Flink SQL job on the harness's Flink (tests/support/counting-job.ts), cancelled on delete. */
function countingJob(name: string, suffix: string, rows: { rowsPerSecond: number; keys: number }, version: number): Record<string, any> {
    return countingJobInputs({ gatewayUrl: endpoints()["flink-jobmanager"].gatewayUrl, restUrl: restUrl() }, name, suffix, {
        ...rows,
        version,
        deleteMode: "cancel",
    });
}

afterAll(async () => {
    for (const name of [savepointsJob, target])
        for (const jid of await liveJobsNamed(restUrl(), name).catch(() => []))
            await flinkRequest("Flink REST", restUrl(), "PATCH", `/jobs/${jid}?mode=cancel`).catch(() => undefined);
});

test("savepoints every few seconds, the newest two kept, and the record of them survives a restart", async () => {
    const dir = await savepointDirectory();
    const job = (await flinkJobProvider.create!(countingJob(target, `${id}`, { rowsPerSecond: 20, keys: 10 }, 1))).outs;

    // Every savepoint ever seen on disk, in the order first seen, and the most seen at once.
    const seen: string[] = [];
    let mostAtOnce = 0;
    const look = () => {
        const now = savepointsOf(dir, job.jobId);
        for (const s of now) if (!seen.includes(s)) seen.push(s);
        mostAtOnce = Math.max(mostAtOnce, now.length);
        return now;
    };
    const sampler = setInterval(look, 200);
    try {
        let periodic = (await flinkJarJobProvider.create!(jarInputs(3))).outs;
        expect(periodic.jobState).toBe("RUNNING");
        await pollFor(
            "five periodic savepoints of the job",
            120_000,
            async () => (look(), seen.length),
            (n) => n >= 5,
        );
        // Between ticks exactly the newest two are on disk; the older ones are gone.
        const settled = await pollFor(
            "only the newest two on disk",
            30_000,
            async () => look(),
            (now) => now.length === KEPT,
        );
        expect([...settled].sort()).toEqual(seen.slice(-KEPT).sort());
        // Taken and disposed of one at a time: never more than the count plus the one just taken.
        expect(mostAtOnce).toBeLessThanOrEqual(KEPT + 1);
        const beforeRestart = [...seen];

        // Restarted from its savepoint with another interval: it still knows what it took before and disposes of those too.
        periodic = (await flinkJarJobProvider.update!(savepointsJob, periodic, jarInputs(4))).outs;
        expect(periodic.restoredFrom).toMatch(/savepoint-/);
        await pollFor(
            "two periodic savepoints after the restart",
            120_000,
            async () => (look(), seen.length),
            (n) => n >= beforeRestart.length + 2,
        );
        const after = await pollFor(
            "every savepoint taken before the restart disposed of",
            60_000,
            async () => look(),
            (now) => now.every((s) => !beforeRestart.includes(s)),
        );
        expect(after.length).toBeLessThanOrEqual(KEPT + 1);
        expect(mostAtOnce).toBeLessThanOrEqual(KEPT + 1);
        await flinkJarJobProvider.delete!(savepointsJob, periodic);
        expect(await liveJobsNamed(restUrl(), savepointsJob)).toEqual([]);
    } finally {
        clearInterval(sampler);
        await flinkJobProvider.delete!(target, job);
        // What this test left in the harness's savepoint directory.
        for (const s of savepointsOf(dir, job.jobId)) fs.rmSync(path.join(dir, s), { recursive: true, force: true });
    }
}, 600_000);

test("an update that stops the job while a savepoint of it is in progress stops it and resumes it from its own savepoint", async () => {
    const name = `${target}-collide`;
    // Enough keys that a savepoint takes a moment: the stop arrives while it is in progress.
    const inputs = (version: number) => countingJob(name, `c_${id}`, { rowsPerSecond: 20_000, keys: 2_000_000 }, version);
    let job = (await flinkJobProvider.create!(inputs(1))).outs;
    try {
        await pollFor(
            "the job's state over 4 MB",
            60_000,
            async () => (await flinkRequest("Flink REST", restUrl(), "GET", `/jobs/${job.jobId}/checkpoints`)).latest?.completed?.state_size ?? 0,
            (size: number) => size > 4_000_000,
        );
        // What the periodic job does each tick: a savepoint that leaves the job running.
        const periodic = await flinkRequest("Flink REST", restUrl(), "POST", `/jobs/${job.jobId}/savepoints`, { "cancel-job": false });
        const before = await flinkRequest("Flink REST", restUrl(), "GET", `/jobs/${job.jobId}/savepoints/${periodic["request-id"]}`);
        expect(before.status.id).toBe("IN_PROGRESS");
        const oldJob = job.jobId;
        job = (await flinkJobProvider.update!(name, job, inputs(2))).outs;
        expect(job.jobState).toBe("RUNNING");
        expect(job.jobId).not.toBe(oldJob);
        // Resumed from the savepoint the update's own stop took, not from a checkpoint.
        expect(job.restoredFrom).toMatch(/savepoint-/);
        expect(job.restoredFrom).toBe(job.lastSavepoint);
        // The other savepoint either finished first or gave way to the stop, with Flink's own words.
        const other = await flinkRequest("Flink REST", restUrl(), "GET", `/jobs/${oldJob}/savepoints/${periodic["request-id"]}`);
        expect(other.status.id).toBe("COMPLETED");
        if (!other.operation.location)
            expect(String(other.operation["failure-cause"]?.["stack-trace"])).toMatch(/Checkpoint Coordinator is suspending|CheckpointException/);
    } finally {
        await flinkJobProvider.delete!(name, job);
    }
}, 300_000);
