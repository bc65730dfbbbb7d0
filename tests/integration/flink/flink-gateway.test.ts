/**
 * The real Flink session cluster and SQL Gateway started by the harness: a session runs bounded
 * queries and reads their rows; a streaming INSERT becomes a RUNNING job in Flink's REST API,
 * completes checkpoints (checkpointing is on), and is stopped with a savepoint so nothing is left running.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ensureUp } from "../../../harness/cli";
import { createContext } from "../../../harness/lib/context";
import { definitions } from "../../../harness/flink";
import { errorStatus } from "../../../components/dynamic/toolkit/http";
import { SqlGatewayClient } from "../../../harness/flink/gateway-client";
import { FlinkRestClient, TERMINAL_JOB_STATES } from "../../../harness/flink/rest-client";

jest.setTimeout(600000);

const ctx = createContext();
const endpoints = definitions.find((d) => d.name === "flink-sql-gateway")!.endpoints(ctx);
const gateway = new SqlGatewayClient({ baseUrl: endpoints.gatewayUrl });
const flink = new FlinkRestClient({ baseUrl: endpoints.restUrl });

const RUN = crypto.randomBytes(4).toString("hex");
const STEP = { timeoutMs: 120000 };

let session: string | undefined;
const startedJobs: string[] = [];
const savepoints: string[] = [];

/** Flink prints file:/abs/path (one slash); the endpoints say file:///abs/path. */
function localPath(uri: string): string {
    return uri.replace(/^file:\/*/, "/");
}

beforeAll(async () => {
    await ensureUp(["flink-jobmanager", "flink-taskmanager", "flink-sql-gateway"], { ctx });
    session = await gateway.openSession({ name: `flink-gateway-test-${RUN}`, properties: { "execution.runtime-mode": "batch" } });
});

afterAll(async () => {
    // Leave no job of ours running, even when a test failed half-way.
    for (const jobId of startedJobs) {
        const state = await flink.jobState(jobId).catch(() => undefined);
        if (state && !TERMINAL_JOB_STATES.includes(state)) await flink.cancelAndWait(jobId, { timeoutMs: 60000 });
        // Retained checkpoints of our own jobs (RETAIN_ON_CANCELLATION keeps them otherwise).
        fs.rmSync(path.join(localPath(endpoints.checkpointDir), jobId), { recursive: true, force: true });
    }
    for (const dir of savepoints) fs.rmSync(dir, { recursive: true, force: true });
    if (session) await gateway.closeSession(session);
});

test("the gateway reports the Flink version the harness pinned", async () => {
    const info = await gateway.info();
    expect(info.productName).toBe("Apache Flink");
    expect(info.version).toBe(ctx.versions.flink.version);
    const overview = await flink.overview();
    expect(overview["flink-version"]).toBe(ctx.versions.flink.version);
    expect(overview.taskmanagers).toBeGreaterThanOrEqual(1);
    expect(overview["slots-total"]).toBeGreaterThanOrEqual(4);
});

test("a session runs SELECT 1 on the cluster and reads the row back", async () => {
    const r = await gateway.run(session!, "SELECT 1 AS answer, 'flink' AS word", STEP);
    expect(r.complete).toBe(true);
    expect(r.columns.map((c) => c.name)).toEqual(["answer", "word"]);
    expect(r.rows).toEqual([{ kind: "INSERT", fields: [1, "flink"] }]);
    // It really ran as a job on the session cluster.
    expect(r.jobId).toMatch(/^[0-9a-f]{32}$/);
    expect(await flink.waitForJobState(r.jobId!, ["FINISHED"], STEP)).toBe("FINISHED");
});

test("all result pages of a multi-row query are fetched", async () => {
    const r = await gateway.run(session!, "SELECT id, id * id AS sq FROM (VALUES (1), (2), (3), (4), (5)) AS t(id) ORDER BY id", STEP);
    expect(r.rows.map((row) => row.fields)).toEqual([
        [1, 1],
        [2, 4],
        [3, 9],
        [4, 16],
        [5, 25],
    ]);
});

test("a failing statement rejects with the server-side cause", async () => {
    const missing = `no_such_table_${RUN}`;
    const err = await gateway.run(session!, `SELECT * FROM ${missing}`, STEP).then(
        () => undefined,
        (e: unknown) => e,
    );
    // The gateway's error answer, with Flink's root cause (the missing table) in the message.
    expect(errorStatus(err)).toBeGreaterThanOrEqual(400);
    expect((err as Error).message).toContain(missing);
});

test("a streaming INSERT runs as a job, checkpoints, and STOP JOB WITH SAVEPOINT ends it", async () => {
    const src = `gen_${RUN}`;
    const sink = `sink_${RUN}`;
    const streaming = { "execution.runtime-mode": "streaming" };
    await gateway.run(
        session!,
        `CREATE TEMPORARY TABLE ${src} (id BIGINT, name STRING) WITH ('connector' = 'datagen', 'rows-per-second' = '5', 'fields.name.length' = '8')`,
        STEP,
    );
    await gateway.run(session!, `CREATE TEMPORARY TABLE ${sink} (id BIGINT, name STRING) WITH ('connector' = 'blackhole')`, STEP);

    const jobId = await gateway.submitJob(session!, `INSERT INTO ${sink} SELECT id, name FROM ${src}`, { ...STEP, executionConfig: streaming });
    startedJobs.push(jobId);
    expect(await flink.waitForJobState(jobId, ["RUNNING"], STEP)).toBe("RUNNING");

    const listed = (await flink.jobs()).find((j) => j.jid === jobId);
    expect(listed).toBeDefined();
    expect(listed!.state).toBe("RUNNING");
    expect(listed!.name).toContain(sink);

    // Checkpointing is on in the cluster config (the Iceberg sink depends on it).
    const counts = await flink.waitForCheckpoints(jobId, 1, { timeoutMs: 90000 });
    expect(counts.completed).toBeGreaterThanOrEqual(1);

    // The gateway lists it.
    const shown = await gateway.run(session!, "SHOW JOBS", STEP);
    expect(shown.rows.some((row) => row.fields[0] === jobId && row.fields[2] === "RUNNING")).toBe(true);
    // STOP JOB ... WITH SAVEPOINT writes into the cluster's configured savepoint directory.
    const stopped = await gateway.run(session!, `STOP JOB '${jobId}' WITH SAVEPOINT`, STEP);
    const savepoint = String(stopped.rows[0]?.fields[0] ?? "");
    savepoints.push(localPath(savepoint));
    expect(localPath(savepoint).startsWith(localPath(endpoints.savepointDir) + "/")).toBe(true);
    expect(fs.existsSync(path.join(localPath(savepoint), "_metadata"))).toBe(true);
    const final = await flink.waitForJobState(jobId, ["FINISHED", "CANCELED"], { timeoutMs: 60000 });
    expect(["FINISHED", "CANCELED"]).toContain(final);
});
