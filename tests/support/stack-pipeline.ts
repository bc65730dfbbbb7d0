/**
 * A deployed stack's pipeline as the end-to-end tests of a platform see it (the Docker rendering's
 * containers, the Kubernetes rendering's pods): its PostgreSQL, reached where the stack's outputs say,
 * its first source table and that table's Iceberg upsert mirror, its connector and its Flink jobs.
 * Every wait is bounded and says what it waits for.
 */
import { Client } from "pg";
import { connectRequest } from "../../components/dynamic/connector";
import { flinkRequest } from "../../components/dynamic/flink-job";
import { httpTarget } from "../../components/dynamic/toolkit/http";
import { flinkIdent } from "../../ops/canary";
import { StackOutputs, parseHostPort } from "../../ops/outputs";
import { IcebergSession, pollFor } from "./iceberg-session";

export interface StackPipeline {
    /** The source table (`schema.name`) and its upsert mirror. */
    table: { schema: string; name: string; upsert: string };
    /**
     * One statement on the stack's PostgreSQL, on a connection of its own; retried (bounded, 120 s)
     * while the server is unreachable or recovering (a killed or rescheduled server), never on an SQL error.
     */
    pgQuery(text: string, params?: unknown[]): Promise<any[]>;
    /** The source table's rows, as [id, name, age, city] ordered by id. */
    sourceRows(): Promise<unknown[][]>;
    /** The Iceberg upsert mirror's rows, the same way. */
    icebergRows(): Promise<unknown[][]>;
    /** Waits (bounded) until the mirror equals the source exactly; returns the seconds it took. */
    expectMirrorEqualsSource(what: string, timeoutMs?: number): Promise<number>;
    /** Inserts `n` rows labelled `label`; returns their ids (new ones, increasing). */
    insertRows(label: string, n: number): Promise<number[]>;
    /** Waits (bounded, 300 s) until the connector and every task are RUNNING. */
    waitConnectorRunning(what: string): Promise<{ connector?: string; tasks: string[] }>;
    /** Waits (bounded, 300 s) until each of the stack's jobs (by name) has exactly one RUNNING run. */
    waitJobsRunning(what: string): Promise<{ name: string; states: string[] }[]>;
    /** Expects the connector and its tasks RUNNING, and every job the outputs name RUNNING (bounded waits). */
    expectRunning(what: string): Promise<void>;
    /**
     * Inserts three rows, updates the second and deletes the third, and expects the mirror to equal the
     * source exactly, with the update and the delete applied; returns the seconds until it did.
     */
    expectInsertUpdateDelete(label: string): Promise<number>;
    /**
     * Waits (bounded, 180 s) for a COMPLETED periodic savepoint of the stack's first job (the first comes
     * one interval after the periodic-savepoints job started), expects it under `s3://<bucket>/flink/savepoints/`,
     * then waits (bounded, 30 s) for the periodic-savepoints job's line naming it in `readLogs()` (the
     * TaskManagers' logs): the job logs it when its own poll of the operation sees it done, up to 5 s
     * after the REST API lists it. Returns the savepoint's path.
     */
    expectPeriodicSavepoint(bucket: string, readLogs: () => Promise<string>): Promise<string>;
}

/** The pipeline of a stack with these outputs, read through `iceberg` (a session of the stack's own SQL Gateway). */
export function stackPipeline(outputs: StackOutputs, iceberg: IcebergSession, log: (line: string) => void, firstId = 1_000_000): StackPipeline {
    const name = outputs.source!.tables[0];
    const table = { schema: outputs.source!.schema, name, upsert: outputs.pipelineTables![name].upsertTable! };
    let nextId = firstId;

    const pgQuery = async (text: string, params: unknown[] = []): Promise<any[]> => {
        const { host, port } = parseHostPort(outputs.endpoints!.postgres!.host!, 5432);
        const creds = outputs.credentials!.postgres!;
        const deadline = Date.now() + 120_000;
        for (;;) {
            const client = new Client({
                host,
                port,
                user: creds.username,
                password: creds.password,
                database: outputs.source!.database,
                connectionTimeoutMillis: 10_000,
            });
            client.on("error", () => undefined);
            try {
                await client.connect();
                return (await client.query(text, params)).rows;
            } catch (err) {
                const e = err as { code?: string; message: string };
                const unreachable = !e.code || /^(08|57P)/.test(e.code) || ["ECONNREFUSED", "ECONNRESET", "EPIPE"].includes(e.code);
                if (!unreachable || Date.now() > deadline) throw err;
                log(`PostgreSQL not reachable yet (${e.code ?? ""} ${e.message}); retrying`);
                await new Promise((r) => setTimeout(r, 2000));
            } finally {
                await client.end().catch(() => undefined);
            }
        }
    };
    const sourceRows = async () =>
        (await pgQuery(`SELECT id, name, age, city FROM ${table.schema}.${table.name} ORDER BY id`)).map((r) => [r.id, r.name, r.age, r.city]);
    const icebergRows = async () =>
        (await iceberg.query(`SELECT id, name, age, city FROM ${flinkIdent(table.upsert)}`)).sort((a, b) => Number(a[0]) - Number(b[0]));
    /**
     * The mirror's rows, or what kept a bounded query from finishing: right after a TaskManager or a
     * broker is gone, a batch SELECT can be scheduled on the dead TaskManager's slots until Flink
     * notices, and a new query gets fresh ones. Nessie's own error is also "not yet": on Kubernetes its
     * version store is the stack's PostgreSQL, and right after PostgreSQL's pod came back a query was
     * answered `NessieServiceException: Not Found (HTTP/404): got empty response body from server`
     * (k8s-stack, 2026-12-02). The caller's bound still holds, and it ends on the rows compared. Any
     * other error fails the test.
     */
    const icebergRowsOrTimeout = async (): Promise<unknown[][] | string> => {
        try {
            return await icebergRows();
        } catch (err) {
            const message = (err as Error).message;
            if ((err as { timedOut?: boolean }).timedOut) return `query not finished: ${message.slice(0, 300)}`;
            if (/NessieServiceException/.test(message)) return `Nessie not answering yet: ${message.slice(0, 300)}`;
            throw err;
        }
    };
    const expectMirrorEqualsSource = async (what: string, timeoutMs = 360_000) => {
        const started = Date.now();
        const expected = await sourceRows();
        const seen = await pollFor(
            `${what}: the Iceberg mirror ${table.upsert} equal to ${table.schema}.${table.name} (${expected.length} rows)`,
            timeoutMs,
            icebergRowsOrTimeout,
            (rows) => Array.isArray(rows) && JSON.stringify(rows) === JSON.stringify(expected),
        );
        expect(seen).toEqual(expected);
        const seconds = (Date.now() - started) / 1000;
        log(`${what}: Iceberg equals PostgreSQL (${expected.length} rows) after ${seconds.toFixed(1)} s`);
        return seconds;
    };
    const insertRows = async (label: string, n: number) => {
        const ids: number[] = [];
        for (let i = 0; i < n; i++) {
            const id = nextId++;
            await pgQuery(`INSERT INTO ${table.schema}.${table.name} (id, name, age, city) VALUES ($1, $2, $3, $4)`, [id, `${label}-${i}`, 20 + i, "Lisbon"]);
            ids.push(id);
        }
        return ids;
    };
    const connectorStatus = async () => {
        const status = await connectRequest(outputs.kafkaConnectUrl!.host!, "GET", `/connectors/${encodeURIComponent(outputs.connector!.name)}/status`).catch(
            (e: Error) => ({ error: e.message }),
        );
        return {
            connector: status?.connector?.state as string | undefined,
            tasks: (status?.tasks ?? []).map((t: any) => t.state) as string[],
            ...(status?.error ? { error: status.error } : {}),
        };
    };
    const jobStates = async () => {
        const rest = httpTarget(outputs.flinkRestUrl!.host!, outputs.connectionSecurity?.flink?.caCert);
        const overview = await flinkRequest("Flink REST", rest, "GET", "/jobs/overview").catch((e: Error) => ({ error: e.message }));
        const names = Object.values(outputs.flinkJobs ?? {}).map((j) => j.name);
        return names.map((name) => ({ name, states: (overview.jobs ?? []).filter((j: any) => j.name === name).map((j: any) => j.state) as string[] }));
    };
    const waitConnectorRunning = (what: string) =>
        pollFor(
            `${what}: connector ${outputs.connector!.name} and its task RUNNING`,
            300_000,
            connectorStatus,
            (s) => s.connector === "RUNNING" && s.tasks.length > 0 && s.tasks.every((t) => t === "RUNNING"),
        );
    const waitJobsRunning = (what: string) =>
        pollFor(
            `${what}: every Flink job RUNNING`,
            300_000,
            jobStates,
            (jobs) => jobs.length > 0 && jobs.every((j) => j.states.filter((s) => s === "RUNNING").length === 1),
        );
    return {
        table,
        pgQuery,
        sourceRows,
        icebergRows,
        expectMirrorEqualsSource,
        insertRows,
        waitConnectorRunning,
        waitJobsRunning,
        async expectRunning(what) {
            expect((await waitConnectorRunning(what)).connector).toBe("RUNNING");
            const jobs = await waitJobsRunning(what);
            expect(jobs.map((j) => j.name).sort()).toEqual(
                Object.values(outputs.flinkJobs!)
                    .map((j) => j.name)
                    .sort(),
            );
        },
        async expectInsertUpdateDelete(label) {
            const ids = await insertRows(label, 3);
            await pgQuery(`UPDATE ${table.schema}.${table.name} SET age = 99, city = 'Porto' WHERE id = $1`, [ids[1]]);
            await pgQuery(`DELETE FROM ${table.schema}.${table.name} WHERE id = $1`, [ids[2]]);
            const seconds = await expectMirrorEqualsSource("insert, update, delete");
            const rows = await icebergRows();
            expect(rows.find((r) => Number(r[0]) === ids[1])).toEqual([ids[1], `${label}-1`, 99, "Porto"]);
            expect(rows.some((r) => Number(r[0]) === ids[2])).toBe(false);
            return seconds;
        },
        async expectPeriodicSavepoint(bucket, readLogs) {
            const job = Object.values(outputs.flinkJobs!)[0];
            const rest = httpTarget(outputs.flinkRestUrl!.host!, outputs.connectionSecurity?.flink?.caCert);
            const savepoint = await pollFor(
                `a periodic savepoint of ${job.name}`,
                180_000,
                async () => (await flinkRequest("Flink REST", rest, "GET", `/jobs/${job.jobId}/checkpoints`)).latest?.savepoint ?? null,
                (sp) => sp?.status === "COMPLETED",
            );
            expect(savepoint.external_path).toMatch(new RegExp(`^s3://${bucket}/flink/savepoints/savepoint-`));
            const line = `periodic savepoint of Flink job ${job.name} (${job.jobId}): ${savepoint.external_path}`;
            const logs = await pollFor(`the periodic-savepoints job's log line for ${savepoint.external_path}`, 30_000, readLogs, (text) =>
                text.includes(line),
            );
            expect(logs).toContain(line);
            return savepoint.external_path as string;
        },
    };
}
