/**
 * A connector whose task FAILED because PostgreSQL was unreachable when it started (what CI saw after
 * PostgreSQL's StatefulSet was replaced on Kubernetes), against the harness's real Kafka Connect, Kafka
 * and PostgreSQL, with PostgreSQL reached through a TCP forwarder the test switches off and on:
 * - the Connect image's restart-failed.sh restarts it, backed off, and the stream resumes on the same slot;
 * - the resource deletes it (stop, offsets reset, slot dropped), on the provider object and serialized.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { CONNECTOR_PROVIDER_VERSION, connectRequest, connectorProvider } from "../../../components/dynamic/connector";
import { endpoints, waitFor } from "../../../harness/cli";
import { bothForms } from "../../support/dynamic";
import { prepareCdcTable, testConnectorConfig } from "../../support/connector";
import { pgQuery as sql } from "../../support/e2e";
import { TcpProxy, startTcpProxy } from "../../support/tcp-proxy";
import { readTopicToEnd } from "../../support/topic-records";

const connectUrl = () => endpoints().connect.url;
const REPLICATION_PASSWORD = "dbz-recovery-password-1";
const RESTARTER = path.join(__dirname, "../../../components/images/connect/restart-failed.sh");
const TABLE = "public.connector_recovery";

/** The connector's status as Connect reports it: the connector's state, and each task's state, worker and trace. */
async function status(name: string): Promise<{ connector: string; tasks: { state: string; worker: string; trace?: string }[] }> {
    const s = await connectRequest(connectUrl(), "GET", `/connectors/${encodeURIComponent(name)}/status`);
    return { connector: s.connector.state, tasks: (s.tasks ?? []).map((t: any) => ({ state: t.state, worker: t.worker_id, trace: t.trace })) };
}

/** Waits (bounded, backed off: the harness's wait) until `done` holds for what `probe` returns, and returns that. */
async function waitUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    return waitFor(
        what,
        async () => {
            const value = await probe();
            return done(value) ? { value } : false;
        },
        { timeoutMs, maxDelayMs: 1000 },
    ).then((r) => r.value);
}

/** Cuts PostgreSQL off (the forwarder stops) and restarts the task, which fails starting: FAILED, and stays so. */
async function failTheTask(name: string, proxy: TcpProxy): Promise<string> {
    await proxy.close();
    await connectRequest(connectUrl(), "POST", `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true`);
    const failed = await waitUntil(
        `connector ${name}: task FAILED`,
        90_000,
        () => status(name),
        (s) => s.tasks.some((t) => t.state === "FAILED"),
    );
    return failed.tasks.find((t) => t.state === "FAILED")!.trace ?? "";
}

async function slotExists(slot: string): Promise<boolean> {
    return (await sql("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [slot])).length === 1;
}

beforeAll(() => prepareCdcTable({ role: "dbz_recovery", password: REPLICATION_PASSWORD, table: TABLE }));

describe.each([["provider object"], ["serialized provider"]])("a connector whose task FAILED while PostgreSQL was unreachable (%s)", (form) => {
    let provider: any;
    let proxy: TcpProxy;
    let restarter: ChildProcess | undefined;
    let restarterLog = "";
    const id = `${form.startsWith("s") ? "ser" : "obj"}${Date.now().toString(36)}`;
    const name = `lakehouse-recovery-${id}`;
    const slot = `slot_rec_${id}`;
    const topicPrefix = `recovery_${id}`;
    const topic = `${topicPrefix}.${TABLE}`;

    beforeAll(async () => {
        provider = (await bothForms(connectorProvider)).find(([n]) => n === form)![1];
        proxy = await startTcpProxy(endpoints().postgres.host, Number(endpoints().postgres.port));
    });

    afterAll(async () => {
        restarter?.kill("SIGKILL");
        await proxy?.open().catch(() => undefined);
        await connectRequest(connectUrl(), "DELETE", `/connectors/${encodeURIComponent(name)}`).catch(() => undefined);
        await proxy?.close();
        // After a failure part-way: no slot left holding the harness's WAL.
        await sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active", [slot]).catch(() => undefined);
    });

    it("is restarted by the workers' restart-failed.sh, backed off, and streams again on the same slot; the resource deletes it failed", async () => {
        const pg = endpoints().postgres;
        const inputs = {
            connectUrl: connectUrl(),
            name,
            config: testConnectorConfig(
                { user: "dbz_recovery", publication: `pub_rec_${id}`, slot, table: TABLE, topicPrefix },
                { "database.hostname": "127.0.0.1", "database.port": String(proxy.port) },
            ),
            databasePassword: REPLICATION_PASSWORD,
            state: "RUNNING",
            dropSlotOnDelete: true,
            // The provider's own cleanup goes to PostgreSQL directly, not through the forwarder.
            cleanupDatabaseAddress: `${pg.host}:${pg.port}`,
            waitTimeoutSeconds: 120,
            version: CONNECTOR_PROVIDER_VERSION,
        };
        const created = await provider.create(inputs);
        expect(created.outs).toMatchObject({ connectorState: "RUNNING", taskStates: ["RUNNING"] });
        await sql(`INSERT INTO ${TABLE} (name) VALUES ($1)`, [`before-${id}`]);
        await waitUntil(
            `the row before the outage in ${topic}`,
            90_000,
            () => readTopicToEnd(topic).catch(() => []),
            (rs) => rs.some((r) => r?.after?.name === `before-${id}`),
        );

        const trace = await failTheTask(name, proxy);
        // Debezium's own words: the task could not reach PostgreSQL while starting.
        expect(trace).toMatch(/Connection to 127\.0\.0\.1:\d+ refused|Couldn't obtain encoding/);
        const worker = (await status(name)).tasks[0].worker;
        await sql(`INSERT INTO ${TABLE} (name) VALUES ($1)`, [`during-${id}`]);

        // The restarter as the image runs it (its own process beside the worker), with short delays.
        restarter = spawn("bash", [RESTARTER], {
            env: {
                ...process.env,
                WORKER_ID: worker,
                CONNECT_URL: connectUrl(),
                AUTO_RESTART_INTERVAL_SECONDS: "1",
                AUTO_RESTART_BACKOFF_SECONDS: "2",
                AUTO_RESTART_MAX_BACKOFF_SECONDS: "4",
                AUTO_RESTART_RESET_SECONDS: "600",
            },
            stdio: ["ignore", "ignore", "pipe"],
        });
        restarter.stderr!.on("data", (chunk) => (restarterLog += chunk.toString()));
        // While PostgreSQL is still unreachable each restart fails again, and the delay doubles to its bound.
        await waitUntil(
            "three restarts while PostgreSQL is unreachable",
            90_000,
            async () => restarterLog,
            (l) => /restart 3 in a row/.test(l),
        );
        const restarts = restarterLog.split("\n").filter((l) => / restart \d+ in a row/.test(l));
        expect(restarts[0]).toContain(`connector ${name}: FAILED on this worker (task 0: `);
        expect(restarts.slice(0, 3).map((l) => / restart (\d+) in a row: HTTP (\d+); next one not before (\d+) s/.exec(l)!.slice(1))).toEqual([
            ["1", "202", "2"],
            ["2", "202", "4"],
            ["3", "202", "4"],
        ]);

        await proxy.open();
        await waitUntil(
            `connector ${name} RUNNING again`,
            120_000,
            () => status(name),
            (s) => s.connector === "RUNNING" && s.tasks.length > 0 && s.tasks.every((t) => t.state === "RUNNING"),
        );
        restarter.kill("SIGKILL");
        restarter = undefined;
        // The same slot, so nothing written during the outage is lost.
        expect(await slotExists(slot)).toBe(true);
        await sql(`INSERT INTO ${TABLE} (name) VALUES ($1)`, [`after-${id}`]);
        const rows = await waitUntil(
            `the rows written during and after the outage in ${topic}`,
            90_000,
            () => readTopicToEnd(topic).catch(() => []),
            (rs) => rs.some((r) => r?.after?.name === `after-${id}`),
        );
        expect(rows.map((r) => r?.after?.name).filter((n) => typeof n === "string" && n.endsWith(id))).toEqual(
            expect.arrayContaining([`before-${id}`, `during-${id}`, `after-${id}`]),
        );

        // Failed again, and nobody restarts it now: `pulumi destroy` still deletes it, with its offsets and slot.
        await failTheTask(name, proxy);
        await proxy.open();
        await provider.delete(name, created.outs);
        await expect(connectRequest(connectUrl(), "GET", `/connectors/${encodeURIComponent(name)}`)).rejects.toMatchObject({ status: 404 });
        expect(await slotExists(slot)).toBe(false);
    }, 420_000);
});
