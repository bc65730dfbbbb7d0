/**
 * The Flink SQL job's lifecycle against the harness's real Flink cluster and SQL Gateway, on the
 * provider object and on its serialized form: create, no-op diff, update through a savepoint, drift
 * via read, crash adoption (the original's delete leaves the adopting job running), a new URL as an
 * update, delete, delete again, and Flink's own errors surfaced.
 */
import { checkFlinkJobInputs, diffFlinkJob, flinkJobProvider, flinkRequest, jobState } from "../../../components/dynamic/flink-job";
import { checkpointStats, liveJobsNamed, waitForCheckpoints, waitForJobState } from "../../../components/dynamic/flink/rest";
import { endpoints } from "../../../harness/cli";
import { bothForms } from "../../support/dynamic";

const flink = () => endpoints()["flink-jobmanager"];
const SECRET_MIN = "1000";

const liveJobs = (name: string) => liveJobsNamed(flink().restUrl, name);

async function restoredFrom(jobId: string): Promise<string | undefined> {
    return (await checkpointStats(flink().restUrl, jobId)).latest?.restored?.external_path;
}

const waitForCheckpoint = (jobId: string) => waitForCheckpoints(flink().restUrl, jobId, 1, 90_000);

describe.each([["provider object"], ["serialized provider"]])("Flink SQL job on a real Flink cluster (%s)", (form) => {
    let provider: any;
    const id = `${form.startsWith("s") ? "ser" : "obj"}${Date.now().toString(36)}`;
    const name = `lakehouse-test-job-${id}`;
    const statements = (rowsPerSecond: number) => [
        `CREATE TEMPORARY TABLE gen_${id} (k INT, v BIGINT) WITH (
            'connector' = 'datagen', 'rows-per-second' = '${rowsPerSecond}',
            'fields.k.min' = '1', 'fields.k.max' = '10',
            'fields.v.min' = '{{secret.vmin}}', 'fields.v.max' = '100000')`,
        `CREATE TEMPORARY TABLE sink_${id} (k INT, n BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'blackhole')`,
        `INSERT INTO sink_${id} SELECT k, COUNT(*) FROM gen_${id} GROUP BY k`,
    ];
    const inputs = (extra: Record<string, unknown> = {}) => ({
        gatewayUrl: flink().gatewayUrl,
        restUrl: flink().restUrl,
        name,
        statements: statements(50),
        settings: { "parallelism.default": "1", "execution.checkpointing.interval": "2 s" },
        secrets: { vmin: SECRET_MIN },
        state: "RUNNING",
        deleteMode: "savepoint",
        allowNonRestoredState: false,
        waitTimeoutSeconds: 120,
        version: 1,
        ...extra,
    });

    beforeAll(async () => {
        provider = Object.fromEntries(await bothForms(flinkJobProvider))[form];
    });

    afterAll(async () => {
        // Nothing left running, whatever a failed assertion skipped.
        for (const jid of await liveJobs(name)) await flinkRequest("Flink REST", flink().restUrl, "PATCH", `/jobs/${jid}?mode=cancel`).catch(() => undefined);
    });

    test("check names the bad fields", async () => {
        const { failures } = await provider.check(
            {},
            inputs({ name: "bad name!", state: "ON", statements: ["SELECT 1"], secrets: {}, settings: { "pipeline.name": "x" } }),
        );
        const fields = failures.map((f: { property: string }) => f.property).sort();
        expect(fields).toEqual(["name", 'settings["pipeline.name"]', "state", "statements[0]"]);
        const missingSecret = checkFlinkJobInputs(inputs({ secrets: {} }));
        expect(missingSecret).toEqual([{ property: "secrets", reason: "has no value for {{secret.vmin}} used by the statements" }]);
    });

    test("lifecycle: create, no-op diff, update via savepoint, drift, adoption, replace, delete", async () => {
        // Create: the job runs with all tasks RUNNING, named after the resource.
        const created = await provider.create(inputs());
        expect(created.id).toBe(name);
        const first = created.outs;
        expect(first.jobState).toBe("RUNNING");
        expect(await jobState(flink().restUrl, first.jobId)).toBe("RUNNING");
        expect(await liveJobs(name)).toEqual([first.jobId]);
        expect(first.restoredFrom).toBe("");
        expect(JSON.stringify(first)).toContain("{{secret.vmin}}");

        // Reformatted SQL and reordered settings: no diff.
        const reformatted = inputs({
            statements: statements(50).map((s) => `-- reformatted\n  ${s.replace(/\s+/g, "  ")}  ;`),
            settings: { "execution.checkpointing.interval": "2 s", "parallelism.default": "1" },
        });
        expect((await provider.diff(name, first, reformatted)).changes).toBe(false);
        expect(diffFlinkJob(first, inputs({ statements: statements(80) })).changedKeys).toEqual(["statements"]);

        // Let a checkpoint complete so the job has state, then update: stop with savepoint, resume from it.
        await waitForCheckpoint(first.jobId);
        const updatedInputs = inputs({ statements: statements(80), settings: { "parallelism.default": "2", "execution.checkpointing.interval": "2 s" } });
        const diff = await provider.diff(name, first, updatedInputs);
        // The engine is told exactly which paths changed (what `pulumi preview --diff` shows), none replacing.
        expect(diff).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
            detailedDiff: { statements: { kind: "update", inputDiff: true }, 'settings["parallelism.default"]': { kind: "update", inputDiff: true } },
        });
        const updated = (await provider.update(name, first, updatedInputs)).outs;
        expect(updated.jobId).not.toBe(first.jobId);
        expect(await jobState(flink().restUrl, first.jobId)).toBe("FINISHED");
        expect(updated.lastSavepoint).toMatch(/savepoint-/);
        expect(updated.restoredFrom).toBe(updated.lastSavepoint);
        expect(await restoredFrom(updated.jobId)).toBe(updated.lastSavepoint);
        expect(await liveJobs(name)).toEqual([updated.jobId]);
        const job = await flinkRequest("Flink REST", flink().restUrl, "GET", `/jobs/${updated.jobId}`);
        expect(job.vertices.some((v: any) => v.parallelism === 2)).toBe(true);

        // Only the wait bound changed: no resubmission.
        const sameInputs = { ...updatedInputs, waitTimeoutSeconds: 90 };
        const same = (await provider.update(name, updated, sameInputs)).outs;
        expect(same.jobId).toBe(updated.jobId);

        // Drift: cancelled out of band, read reports it, the next update resubmits from its last checkpoint.
        await waitForCheckpoint(updated.jobId);
        await flinkRequest("Flink REST", flink().restUrl, "PATCH", `/jobs/${updated.jobId}?mode=cancel`);
        await waitForJobState(flink().restUrl, updated.jobId, ["CANCELED"], 60_000);
        const read = await provider.read(name, same);
        expect(read.props.state).toBe("CANCELED");
        expect(read.props.statements).toEqual(same.statements);
        expect(diffFlinkJob(read.props, sameInputs).changedKeys).toEqual(["state"]);
        const repaired = (await provider.update(name, read.props, sameInputs)).outs;
        expect(repaired.jobState).toBe("RUNNING");
        expect(repaired.restoredFrom).toMatch(/chk-\d+|savepoint-/);
        expect(await restoredFrom(repaired.jobId)).toBe(repaired.restoredFrom);
        const fresh = await provider.read(name, repaired);
        expect(fresh.props.state).toBe("RUNNING");
        expect(diffFlinkJob(fresh.props, sameInputs).changes).toBe(false);

        // Crash adoption: a create for a name whose job still runs stops it with a savepoint and takes over.
        const adopted = (await provider.create(sameInputs)).outs;
        expect(adopted.jobId).not.toBe(repaired.jobId);
        expect(adopted.restoredFrom).toMatch(/savepoint-/);
        expect(await liveJobs(name)).toEqual([adopted.jobId]);

        // The original's delete (as Pulumi runs it after a replacement) leaves the adopting job running.
        await provider.delete(name, repaired);
        expect(await jobState(flink().restUrl, adopted.jobId)).toBe("RUNNING");
        expect(await liveJobs(name)).toEqual([adopted.jobId]);

        // The cluster's URLs spelled another way: an update that leaves the same job running.
        const elsewhere = {
            ...sameInputs,
            restUrl: flink().restUrl.replace("127.0.0.1", "localhost"),
            gatewayUrl: flink().gatewayUrl.replace("127.0.0.1", "localhost"),
        };
        expect(await provider.diff(name, adopted, elsewhere)).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
            detailedDiff: { gatewayUrl: { kind: "update", inputDiff: true }, restUrl: { kind: "update", inputDiff: true } },
        });
        expect(diffFlinkJob(adopted, elsewhere).changedKeys).toEqual(["gatewayUrl", "restUrl"]);
        const moved = (await provider.update(name, adopted, elsewhere)).outs;
        expect(moved).toMatchObject({ jobId: adopted.jobId, restUrl: elsewhere.restUrl, jobState: "RUNNING" });
        expect(await liveJobs(name)).toEqual([adopted.jobId]);

        // Delete: stop with a savepoint; delete again is a no-op.
        await provider.delete(name, moved);
        expect(await jobState(flink().restUrl, adopted.jobId)).toBe("FINISHED");
        expect(await liveJobs(name)).toEqual([]);
        await provider.delete(name, adopted);
        const gone = await provider.read(name, adopted);
        expect(gone.props.state).toBe("FINISHED");
    });

    test("Flink's own error is surfaced and the secret is not", async () => {
        const bad = inputs({ statements: [...statements(50).slice(0, 2), `INSERT INTO sink_${id} SELECT k, COUNT(*) FROM no_such_table_${id} GROUP BY k`] });
        const error = await provider.create(bad).then(
            () => undefined,
            (err: Error) => err,
        );
        expect(error?.message).toContain(`Flink SQL job "${name}": statement 3 of 3`);
        expect(error?.message).toMatch(new RegExp(`Object 'no_such_table_${id}' not found`));
        expect(await liveJobs(name)).toEqual([]);

        const badSecret = inputs({ secrets: { vmin: "not-a-number-1234" } });
        const secretError = await provider.create(badSecret).then(
            () => undefined,
            (err: Error) => err,
        );
        expect(secretError?.message).toContain("failed");
        expect(secretError?.message).not.toContain("not-a-number-1234");
        for (const jid of await liveJobs(name)) await flinkRequest("Flink REST", flink().restUrl, "PATCH", `/jobs/${jid}?mode=cancel`);
    });
    test("a live job between restarts is cancelled and resumed from its checkpoint, not stopped by a savepoint Flink refuses", async () => {
        // Every row fails the CAST: the job restarts again and again, RUNNING with tasks that are not.
        const failing = [...statements(50).slice(0, 2), `INSERT INTO sink_${id} SELECT k, CAST(CONCAT('x', CAST(v AS STRING)) AS BIGINT) FROM gen_${id}`];
        const restartForever = {
            "restart-strategy.type": "fixed-delay",
            "restart-strategy.fixed-delay.attempts": "1000",
            "restart-strategy.fixed-delay.delay": "2 s",
        };
        const failed = await provider.create(inputs({ statements: failing, settings: { ...inputs().settings, ...restartForever } })).then(
            () => undefined,
            (err: { message: string; properties?: { jobId?: string } }) => err,
        );
        expect(failed?.message).toMatch(/fails deterministically/);
        const restarting = failed!.properties!.jobId!;
        expect(await liveJobs(name)).toEqual([restarting]);

        const lines: string[] = [];
        const log = jest.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
        let created: { outs: Record<string, any> };
        try {
            created = await provider.create(inputs());
        } finally {
            log.mockRestore();
        }
        expect(created.outs.jobState).toBe("RUNNING");
        expect(await jobState(flink().restUrl, restarting)).toBe("CANCELED");
        expect(await liveJobs(name)).toEqual([created.outs.jobId]);
        // The serialized form logs through Node's own console, outside Jest's: its lines are not captured here.
        if (form === "provider object")
            expect(lines.join("\n")).toMatch(
                new RegExp(`Flink job ${restarting} (has tasks that are not running|refused a savepoint).*cancelling it to resume from its newest checkpoint`),
            );
        await provider.delete(name, created.outs);
        expect(await liveJobs(name)).toEqual([]);
    }, 300_000);
});
