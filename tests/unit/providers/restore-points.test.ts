/**
 * Bounded retention of a Flink job resource's restore points (components/dynamic/flink/restore-points.ts):
 * the history's order, what is kept and what goes, and the disposal and its failures against a scripted
 * stand-in of the JobManager's REST API; the job resources' check and diff of `restorePointsKept`.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { RestorePoint, pruneRestorePoints, recordRestorePoints, restorePointsBeyond } from "../../../components/dynamic/flink/restore-points";
import { disposeRestorePoint, retainedCheckpoints } from "../../../components/dynamic/flink/rest";
import { checkOwnedJobInputs, recordingRestorePoints, stopOwnedJobs } from "../../../components/dynamic/flink/lifecycle";
import { diffFlinkJob, flinkJobProvider, needsResubmit } from "../../../components/dynamic/flink-job";
import { diffFlinkJarJob, needsRerun } from "../../../components/dynamic/flink-jar-job";
import { PROVIDER_DEFAULTS } from "../../../components/defaults";

const sp = (n: number): RestorePoint => ({ path: `file:///sp/savepoint-${n}`, also: [] });

describe("recordRestorePoints", () => {
    test("what was taken goes in front, newest first, each location once", () => {
        const taken = [
            { path: "file:///ck/a/chk-9", also: ["file:///ck/a/chk-8", "file:///ck/a/chk-7"] },
            { path: "file:///sp/savepoint-3", also: [] },
        ];
        expect(recordRestorePoints([sp(2), sp(1)], "file:///sp/savepoint-2", taken)).toEqual([
            { path: "file:///sp/savepoint-3", also: [] },
            { path: "file:///ck/a/chk-9", also: ["file:///ck/a/chk-8", "file:///ck/a/chk-7"] },
            sp(2),
            sp(1),
        ]);
        // The same restore point found again (a job that ended without a new one) is not recorded twice.
        expect(recordRestorePoints([sp(2), sp(1)], sp(2).path, [sp(2)])).toEqual([sp(2), sp(1)]);
    });

    test("a state written before the record starts from its last savepoint; an empty one from nothing", () => {
        expect(recordRestorePoints(undefined, sp(1).path, [sp(2)])).toEqual([sp(2), sp(1)]);
        expect(recordRestorePoints(undefined, "", [])).toEqual([]);
        expect(recordRestorePoints(undefined, undefined, [sp(1)])).toEqual([sp(1)]);
    });
});

describe("restorePointsBeyond", () => {
    const history = [sp(5), sp(4), { path: "file:///ck/j/chk-3", also: ["file:///ck/j/chk-2"] }, sp(2), sp(1)];

    test("keeps the newest N and disposes of the rest", () => {
        const { keep, dispose } = restorePointsBeyond(history, 2, []);
        expect(keep.map((p) => p.path)).toEqual([sp(5).path, sp(4).path]);
        expect(dispose.map((p) => p.path)).toEqual(["file:///ck/j/chk-3", sp(2).path, sp(1).path]);
    });

    test("0 keeps every one", () => {
        expect(restorePointsBeyond(history, 0, [])).toEqual({ keep: history, dispose: [] });
    });

    test("never the one the running job was restored from, even by one of its group's checkpoints", () => {
        expect(restorePointsBeyond(history, 1, [sp(2).path]).dispose.map((p) => p.path)).toEqual([sp(4).path, "file:///ck/j/chk-3", sp(1).path]);
        expect(restorePointsBeyond(history, 1, ["file:///ck/j/chk-2"]).keep.map((p) => p.path)).toEqual([sp(5).path, "file:///ck/j/chk-3"]);
    });
});

/** A scripted JobManager: disposal requests answered by path, one job's state and checkpoint history. */
async function scriptedJobManager(script: {
    disposal?: Record<string, "ok" | "missing" | "error" | "slow">;
    jobs?: Record<string, { state: string; name?: string; history?: any[]; latest?: any }>;
}) {
    const disposed: string[] = [];
    const operations = new Map<string, { path: string; probes: number }>();
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            const json = (status: number, value: unknown) => {
                res.writeHead(status, { "Content-Type": "application/json" });
                res.end(JSON.stringify(value));
            };
            const url = req.url ?? "";
            if (req.method === "POST" && url === "/savepoint-disposal") {
                const id = `op${operations.size + 1}`;
                operations.set(id, { path: JSON.parse(body)["savepoint-path"], probes: 0 });
                return json(202, { "request-id": id });
            }
            const op = /^\/savepoint-disposal\/(\w+)$/.exec(url);
            if (op) {
                const o = operations.get(op[1])!;
                const outcome = script.disposal?.[o.path] ?? "ok";
                if (outcome === "slow" && o.probes++ < 1) return json(200, { status: { id: "IN_PROGRESS" } });
                if (outcome === "missing")
                    return json(200, {
                        status: { id: "COMPLETED" },
                        operation: {
                            "failure-cause": {
                                "stack-trace": `java.io.FileNotFoundException: Cannot find checkpoint or savepoint file/directory '${o.path}' on file system 'file'.`,
                            },
                        },
                    });
                if (outcome === "error")
                    return json(200, {
                        status: { id: "COMPLETED" },
                        operation: {
                            "failure-cause": {
                                "stack-trace":
                                    "org.apache.flink.util.FlinkException: Could not dispose\nCaused by: java.nio.file.AccessDeniedException: /sp: Access Denied",
                            },
                        },
                    });
                disposed.push(o.path);
                return json(200, { status: { id: "COMPLETED" }, operation: {} });
            }
            if (url === "/jobs/overview")
                return json(200, { jobs: Object.entries(script.jobs ?? {}).map(([jid, j]) => ({ jid, name: j.name ?? "job", state: j.state })) });
            const cp = /^\/jobs\/(\w+)\/checkpoints$/.exec(url);
            if (cp && script.jobs?.[cp[1]]) return json(200, { history: script.jobs[cp[1]].history ?? [], latest: script.jobs[cp[1]].latest ?? {} });
            const job = /^\/jobs\/(\w+)$/.exec(url);
            if (job && script.jobs?.[job[1]]) return json(200, { jid: job[1], state: script.jobs[job[1]].state, vertices: [] });
            json(404, { errors: ["Not found"] });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, disposed, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const quick = { initialMs: 5, maxMs: 10, progress: () => undefined };

describe("disposal on a scripted JobManager", () => {
    test("waits for the operation; a location Flink cannot find is gone; Flink's own failure is thrown", async () => {
        const jm = await scriptedJobManager({ disposal: { "file:///slow": "slow", "file:///missing": "missing", "file:///denied": "error" } });
        try {
            await expect(disposeRestorePoint(jm.url, "file:///slow", 5_000, quick)).resolves.toBe("disposed");
            await expect(disposeRestorePoint(jm.url, "file:///missing", 5_000, quick)).resolves.toBe("gone");
            await expect(disposeRestorePoint(jm.url, "file:///denied", 5_000, quick)).rejects.toThrow(
                "Flink could not dispose of file:///denied: java.nio.file.AccessDeniedException: /sp: Access Denied",
            );
            expect(jm.disposed).toEqual(["file:///slow"]);
        } finally {
            await jm.close();
        }
    });

    test("prune disposes of a group's older checkpoints before its own, keeps what failed, and says so", async () => {
        const group = { path: "file:///ck/j/chk-3", also: ["file:///ck/j/chk-2"] };
        const jm = await scriptedJobManager({ disposal: { [sp(1).path]: "error", [sp(2).path]: "missing" } });
        const lines: string[] = [];
        try {
            const kept = await pruneRestorePoints(jm.url, "orders-to-iceberg", [sp(5), group, sp(2), sp(1)], 1, [], 5_000, {
                ...quick,
                progress: (l) => void lines.push(l),
            });
            expect(jm.disposed).toEqual(["file:///ck/j/chk-2", "file:///ck/j/chk-3"]);
            // The newest kept; the one Flink refused stays recorded for the next update.
            expect(kept).toEqual([sp(5), sp(1)]);
            expect(lines).toEqual([
                'Flink job "orders-to-iceberg": disposed of restore point file:///ck/j/chk-2 (keeping the newest 1)',
                'Flink job "orders-to-iceberg": disposed of restore point file:///ck/j/chk-3 (keeping the newest 1)',
                `Flink job "orders-to-iceberg": restore point already gone ${sp(2).path} (keeping the newest 1)`,
                `warning: Flink job "orders-to-iceberg": could not dispose of restore point ${sp(1).path}, kept for the next update: Flink could not dispose of ${sp(1).path}: java.nio.file.AccessDeniedException: /sp: Access Denied`,
            ]);
        } finally {
            await jm.close();
        }
    });

    test("nothing is asked of Flink when nothing is beyond the count", async () => {
        const jm = await scriptedJobManager({});
        try {
            expect(await pruneRestorePoints(jm.url, "j", [sp(2), sp(1)], 3, [], 5_000, quick)).toEqual([sp(2), sp(1)]);
            expect(await pruneRestorePoints(jm.url, "j", [sp(2), sp(1)], 0, [], 5_000, quick)).toEqual([sp(2), sp(1)]);
            expect(jm.disposed).toEqual([]);
        } finally {
            await jm.close();
        }
    });
});

describe("a job that ended by itself leaves its retained checkpoints as one restore point", () => {
    test("retainedCheckpoints lists completed, kept, addressable checkpoints newest first; stopOwnedJobs groups them", async () => {
        const history = [
            { id: 7, status: "COMPLETED", is_savepoint: false, discarded: false, external_path: "file:///ck/j1/chk-7" },
            { id: 9, status: "COMPLETED", is_savepoint: false, discarded: false, external_path: "file:///ck/j1/chk-9" },
            { id: 8, status: "COMPLETED", is_savepoint: false, discarded: false, external_path: "file:///ck/j1/chk-8" },
            { id: 6, status: "COMPLETED", is_savepoint: false, discarded: true, external_path: "file:///ck/j1/chk-6" },
            { id: 5, status: "COMPLETED", is_savepoint: true, discarded: false, external_path: "file:///sp/savepoint-5" },
            { id: 10, status: "FAILED", is_savepoint: false, external_path: "<checkpoint-not-externally-addressable>" },
        ];
        const jm = await scriptedJobManager({
            jobs: { j1: { state: "CANCELED", history, latest: { completed: { external_path: "file:///ck/j1/chk-9", latest_ack_timestamp: 9 } } } },
        });
        try {
            expect(await retainedCheckpoints(jm.url, "j1")).toEqual(["file:///ck/j1/chk-9", "file:///ck/j1/chk-8", "file:///ck/j1/chk-7"]);
            const stopped = await stopOwnedJobs(
                { restUrl: jm.url, name: "other-name", waitTimeoutSeconds: 10 },
                { restUrl: jm.url, name: "other-name", jobId: "j1", lastSavepoint: "file:///sp/savepoint-1" },
            );
            expect(stopped).toEqual({
                restorePoint: "file:///ck/j1/chk-9",
                stopped: 0,
                taken: [{ path: "file:///ck/j1/chk-9", also: ["file:///ck/j1/chk-8", "file:///ck/j1/chk-7"] }],
            });
        } finally {
            await jm.close();
        }
    });
});

describe("restorePointsKept on the job resources", () => {
    test("check names the key and says what it means", () => {
        expect(checkOwnedJobInputs({ restorePointsKept: -1 })).toEqual([
            {
                property: "restorePointsKept",
                reason: "-1 must be a whole number from 0 to 1000 (how many of the job's savepoints and retained checkpoints to keep; 0 keeps every one)",
            },
        ]);
        expect(checkOwnedJobInputs({ restorePointsKept: 2.5 }).map((f) => f.property)).toEqual(["restorePointsKept"]);
        expect(checkOwnedJobInputs({ restorePointsKept: 0 })).toEqual([]);
    });

    test("the default is no diff for a state written before the key; a change is in place", () => {
        const old = { name: "j", restUrl: "http://f:8081", gatewayUrl: "http://f:8083", statements: ["INSERT INTO a SELECT 1"] };
        expect(diffFlinkJob(old, { ...old, restorePointsKept: PROVIDER_DEFAULTS.restorePointsKept }).changes).toBe(false);
        const changed = diffFlinkJob(old, { ...old, restorePointsKept: 10 });
        expect(changed.changedKeys).toEqual(["restorePointsKept"]);
        expect(needsResubmit(changed.changedKeys)).toBe(false);
        const jar = { name: "m", restUrl: "http://f:8081", entryClass: "a.B", jar: { sourceHash: "x" } };
        expect(diffFlinkJarJob(jar, { ...jar, restorePointsKept: PROVIDER_DEFAULTS.restorePointsKept }).changes).toBe(false);
        const jarChanged = diffFlinkJarJob(jar, { ...jar, restorePointsKept: 1 });
        expect(jarChanged.changedKeys).toEqual(["restorePointsKept"]);
        expect(needsRerun(jarChanged.changedKeys)).toBe(false);
    });
});

describe("an update that fails after stopping its job still records the restore point it took", () => {
    const history = [{ id: 9, status: "COMPLETED", is_savepoint: false, discarded: false, external_path: "file:///ck/j1/chk-9" }];
    const previous = (url: string) => ({
        restUrl: url,
        gatewayUrl: url,
        name: "t-job",
        statements: ["INSERT INTO b SELECT * FROM a"],
        state: "RUNNING",
        jobId: "j1",
        jobState: "RUNNING",
        lastSavepoint: "file:///sp/savepoint-1",
        restorePoints: [{ path: "file:///sp/savepoint-1" }],
        waitTimeoutSeconds: 10,
    });

    test("a submission the SQL Gateway refuses: the error carries the previous state with the new restore point first", async () => {
        // The recorded job ended by itself (its checkpoint is the restore point); the gateway is not there (404).
        const jm = await scriptedJobManager({
            jobs: { j1: { state: "CANCELED", history, latest: { completed: { external_path: "file:///ck/j1/chk-9", latest_ack_timestamp: 9 } } } },
        });
        try {
            const olds = previous(jm.url);
            const news = { ...olds, statements: ["INSERT INTO b SELECT *, 1 FROM a"] };
            const err = await flinkJobProvider.update!("t-job", olds, news).then(
                () => undefined,
                (e) => e,
            );
            expect(err).toBeInstanceOf(Error);
            expect(err.id).toBe("t-job");
            expect(err.properties).toEqual({
                ...olds,
                restorePoints: [
                    { path: "file:///ck/j1/chk-9", also: [] },
                    { path: "file:///sp/savepoint-1", also: [] },
                ],
            });
            expect(err.reasons).toEqual([err.message]);
        } finally {
            await jm.close();
        }
    });

    test("recordingRestorePoints passes an error that records state itself, and any error of a create", () => {
        const recorded = Object.assign(new Error("job did not start"), { id: "t", properties: { jobState: "FAILED" } });
        expect(recordingRestorePoints(recorded, "t", { restUrl: "u", name: "t" }, [])).toBe(recorded);
        const plain = new Error("drop failed");
        expect(recordingRestorePoints(plain, "t", undefined, [{ path: "file:///sp/2", also: [] }])).toBe(plain);
        expect(plain).not.toHaveProperty("properties");
        expect(recordingRestorePoints("text", "t", { restUrl: "u", name: "t" }, [])).toMatchObject({ message: "text", id: "t", reasons: ["text"] });
    });
});
