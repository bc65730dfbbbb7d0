/**
 * The dev stack's Docker rendering, proven on the real Docker engine with the images built here.
 *
 * The whole program (index.ts) runs under Pulumi's mocks, and every Docker network, volume and
 * container it registers is created on the engine with exactly its inputs (tests/support/docker-engine.ts
 * maps them to the Engine API as the Docker provider does); passwords are generated, and the dynamic
 * resources (bucket, namespace, CDC source, topics, connector, jobs, Dremio, the settle check) run
 * their real providers against the containers. Then, as on the local stack:
 *
 * 1. every container healthy (none restarted on its way there), running the project's image;
 * 2. the connector and its task RUNNING, every Flink job RUNNING;
 * 3. a PostgreSQL insert, update and delete visible in the Iceberg upsert mirror, compared exactly;
 * 4. `npm run health` and `npm run canary` (their library functions) pass on the stack's outputs;
 * 5. Connect, the TaskManager, Kafka and PostgreSQL, one after the other, killed with SIGKILL (the
 *    main process, from the host: `docker kill` would count as a manual stop) come back through their
 *    restart policy; the pipeline returns to RUNNING and the rows written before and after each kill
 *    are all in Iceberg, exactly once;
 * 6. `npm run health` passes again after the four kills.
 *
 * Timings and `docker stats --no-stream` (memory per container) are printed for the measurements.
 * The stack is `dockere2e` (objects `cdc-lakehouse-dockere2e-*`, host ports + 20000) so it runs beside
 * the harness's services. Everything labelled with the stack is removed before and after.
 */
import { Client } from "pg";
import { connectRequest } from "../../../components/dynamic/connector";
import { flinkRequest } from "../../../components/dynamic/flink-job";
import { ImageName, projectImageRef } from "../../../components/images";
import { buildReport, exitCode, formatReport, parseHealthArgs, runHealthChecks } from "../../../ops/health";
import { formatCanary, flinkIdent } from "../../../ops/canary";
import { runCanary } from "../../../ops/canary-run";
import { StackOutputs, parseHostPort, parseStackOutputs } from "../../../ops/outputs";
import { realProbes } from "../../../ops/probes";
import { engine, removeLabelled, waitHealthy } from "../../support/docker-engine";
import {
    DOCKER_E2E_STACK,
    STACK_LABEL,
    dockerE2eConfig,
    dockerStats,
    ensureStackImages,
    runProgramOnEngine,
    stackContainers,
    stackIcebergSession,
} from "../../support/docker-stack";
import { IcebergSession, pollFor } from "../../support/iceberg-session";

const stack = DOCKER_E2E_STACK;
const prefix = `cdc-lakehouse-${stack}`;
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
const log = (line: string) => console.log(`[docker-e2e ${elapsed()}] ${line}`);

/** The services of the stack and the project image each runs. */
const EXPECTED_IMAGES: Record<string, string> = {
    postgres: "postgres",
    "kafka-0": "kafka",
    connect: "connect",
    minio: "minio",
    nessie: "nessie",
    "flink-jobmanager": "flink",
    "flink-taskmanager": "flink",
    "flink-sql-gateway": "flink",
    zookeeper: "zookeeper",
    dremio: "dremio-standin",
};

describe("the dev stack's Docker rendering on the real engine", () => {
    let outputs: StackOutputs;
    /** The project image each service runs, as the program resolved them (computed right before it ran). */
    let images: Record<string, string>;
    let iceberg: IcebergSession;
    let table: { schema: string; name: string; upsert: string };
    let nextId = 1_000_000;
    const timings: string[] = [];

    /**
     * One statement on the stack's PostgreSQL, on a connection of its own; retried (bounded) while the
     * server is unreachable or recovering (after its SIGKILL), never on an SQL error.
     */
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
    /** The source table's rows, as [id, name, age, city] ordered by id. */
    const sourceRows = async () =>
        (await pgQuery(`SELECT id, name, age, city FROM ${table.schema}.${table.name} ORDER BY id`)).map((r) => [r.id, r.name, r.age, r.city]);
    /** The Iceberg upsert mirror's rows, the same way. */
    const icebergRows = async () =>
        (await iceberg.query(`SELECT id, name, age, city FROM ${flinkIdent(table.upsert)}`)).sort((a, b) => Number(a[0]) - Number(b[0]));
    /** Waits (bounded) until the mirror equals the source exactly; returns the seconds it took. */
    /**
     * The mirror's rows, or what kept a bounded query from finishing: right after a TaskManager or a
     * broker is killed, a batch SELECT can be scheduled on the dead TaskManager's slots until Flink
     * notices it is gone, and a new query gets fresh ones. Any other error fails the test.
     */
    const icebergRowsOrTimeout = async (): Promise<unknown[][] | string> => {
        try {
            return await icebergRows();
        } catch (err) {
            if ((err as { timedOut?: boolean }).timedOut) return `query not finished: ${(err as Error).message.slice(0, 300)}`;
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
        for (let i = 0; i < n; i++)
            await pgQuery(`INSERT INTO ${table.schema}.${table.name} (id, name, age, city) VALUES ($1, $2, $3, $4)`, [
                nextId++,
                `${label}-${i}`,
                20 + i,
                "Lisbon",
            ]);
    };

    /** The connector's and its tasks' states, from the stack's Connect. */
    const connectorStatus = async () => {
        const status = await connectRequest(outputs.kafkaConnectUrl!.host!, "GET", `/connectors/${encodeURIComponent(outputs.connector!.name)}/status`).catch(
            (e: Error) => ({ error: e.message }),
        );
        return {
            connector: status?.connector?.state,
            tasks: (status?.tasks ?? []).map((t: any) => t.state),
            ...(status?.error ? { error: status.error } : {}),
        };
    };
    const waitConnectorRunning = (what: string) =>
        pollFor(
            `${what}: connector ${outputs.connector!.name} and its task RUNNING`,
            300_000,
            connectorStatus,
            (s) => s.connector === "RUNNING" && s.tasks.length > 0 && s.tasks.every((t: string) => t === "RUNNING"),
        );
    /** Every job of the stack (by name, the ids change on a resubmission) and its state, from the stack's Flink. */
    const jobStates = async () => {
        const overview = await flinkRequest("Flink REST", outputs.flinkRestUrl!.host!, "GET", "/jobs/overview").catch((e: Error) => ({ error: e.message }));
        const names = Object.values(outputs.flinkJobs ?? {}).map((j) => j.name);
        return names.map((name) => ({ name, states: (overview.jobs ?? []).filter((j: any) => j.name === name).map((j: any) => j.state) }));
    };
    const waitJobsRunning = (what: string) =>
        pollFor(
            `${what}: every Flink job RUNNING`,
            300_000,
            jobStates,
            (jobs) => jobs.length > 0 && jobs.every((j) => j.states.filter((s: string) => s === "RUNNING").length === 1),
        );

    beforeAll(async () => {
        await removeLabelled(STACK_LABEL, stack, log);
        const imagesStarted = Date.now();
        await ensureStackImages(log);
        timings.push(`images ready: ${((Date.now() - imagesStarted) / 1000).toFixed(0)} s`);
        images = Object.fromEntries(Object.entries(EXPECTED_IMAGES).map(([workload, image]) => [workload, projectImageRef(image as ImageName)]));
        const started = Date.now();
        const run = await runProgramOnEngine(stack, dockerE2eConfig(), log);
        const seconds = (Date.now() - started) / 1000;
        timings.push(`program on the engine (create every resource): ${seconds.toFixed(0)} s`);
        for (const c of run.created) if (c.seconds >= 1) log(`  ${c.type.split(":").pop()} ${c.name}: ${c.seconds.toFixed(1)} s`);
        if (run.error) throw run.error;
        const parsed = parseStackOutputs(run.outputs);
        expect(parsed.problems).toEqual([]);
        outputs = parsed.outputs;
        const name = outputs.source!.tables[0];
        table = { schema: outputs.source!.schema, name, upsert: outputs.pipelineTables![name].upsertTable! };
        iceberg = await stackIcebergSession(outputs);
    }, 2_400_000);

    afterAll(async () => {
        await iceberg?.close();
        try {
            log(`memory per container (docker stats --no-stream):\n${dockerStats(stack)}`);
        } catch (err) {
            log(`docker stats failed: ${(err as Error).message}`);
        }
        await removeLabelled(STACK_LABEL, stack, log);
        log(`timings:\n  ${timings.join("\n  ")}`);
    }, 300_000);

    it("runs every container healthy, on the project's images, with its restart policy", async () => {
        const containers = await stackContainers(stack);
        expect(containers.map((c) => c.name)).toEqual(
            Object.keys(EXPECTED_IMAGES)
                .map((n) => `${prefix}-${n}`)
                .sort(),
        );
        // Healthy, and none crashed on its way there (a start-order problem shows as a restart).
        for (const c of containers) {
            expect({ name: c.name, state: c.state, health: c.health, restarts: c.restarts }).toEqual({
                name: c.name,
                state: "running",
                health: "healthy",
                restarts: 0,
            });
        }
        for (const workload of Object.keys(EXPECTED_IMAGES)) {
            const info = await engine("GET", `/containers/${prefix}-${workload}/json`);
            expect(info.Config.Image).toBe(images[workload]);
            expect(info.HostConfig.RestartPolicy.Name).toBe("unless-stopped");
            expect(Object.keys(info.NetworkSettings.Networks)).toEqual([prefix]);
        }
    });

    it("runs the connector and its task, and every Flink job", async () => {
        const status = await waitConnectorRunning("after the program");
        expect(status.connector).toBe("RUNNING");
        const jobs = await waitJobsRunning("after the program");
        expect(jobs.map((j) => j.name).sort()).toEqual(
            Object.values(outputs.flinkJobs!)
                .map((j) => j.name)
                .sort(),
        );
    });

    it("shows a PostgreSQL insert, update and delete in Iceberg, exactly", async () => {
        await insertRows("e2e", 3);
        await pgQuery(`UPDATE ${table.schema}.${table.name} SET age = 99, city = 'Porto' WHERE id = $1`, [nextId - 2]);
        await pgQuery(`DELETE FROM ${table.schema}.${table.name} WHERE id = $1`, [nextId - 1]);
        const seconds = await expectMirrorEqualsSource("insert, update, delete");
        timings.push(`insert + update + delete visible in Iceberg: ${seconds.toFixed(1)} s`);
        const rows = await icebergRows();
        expect(rows.find((r) => Number(r[0]) === nextId - 2)).toEqual([nextId - 2, "e2e-1", 99, "Porto"]);
        expect(rows.some((r) => Number(r[0]) === nextId - 1)).toBe(false);
    });

    it("passes npm run health and npm run canary against the running containers", async () => {
        const started = Date.now();
        const checks = await runHealthChecks(outputs, [], parseHealthArgs(["--stack", stack]).thresholds, realProbes);
        const report = buildReport(stack, checks, new Date());
        log(`health:\n${formatReport(report)}`);
        expect(report.checks.filter((c) => c.status === "FAIL")).toEqual([]);
        expect(exitCode(report)).toBe(0);
        timings.push(`health: ${((Date.now() - started) / 1000).toFixed(1)} s`);
        const canaryStarted = Date.now();
        const canary = await runCanary(outputs, { stack, timeoutSeconds: 180, log });
        log(`canary: ${formatCanary(canary)}`);
        expect(canary.ok).toBe(true);
        expect(canary.cleanedUp).toBe(true);
        timings.push(`canary: ${((Date.now() - canaryStarted) / 1000).toFixed(1)} s (latency ${canary.latencyMs} ms)`);
        log(`memory per container after the pipeline checks (docker stats --no-stream):\n${dockerStats(stack)}`);
    });

    for (const workload of ["connect", "flink-taskmanager", "kafka-0", "postgres"]) {
        it(`${workload} killed with SIGKILL comes back by its restart policy, with nothing lost or duplicated`, async () => {
            const container = `${prefix}-${workload}`;
            const before = (await stackContainers(stack)).find((c) => c.name === container)!;
            expect(before.health).toBe("healthy");
            await insertRows(`before-kill-${workload}`, 2);
            const killed = Date.now();
            process.kill(before.pid, "SIGKILL");
            log(`SIGKILL to ${container}'s main process (pid ${before.pid})`);
            await pollFor(
                `${container} restarted by its restart policy`,
                120_000,
                async () => (await stackContainers(stack)).find((c) => c.name === container)!,
                (c) => c.restarts > before.restarts && c.state === "running",
            );
            await insertRows(`during-recovery-${workload}`, 1);
            const healthySeconds = await waitHealthy(container, 300, log);
            const back = (Date.now() - killed) / 1000;
            await waitConnectorRunning(`after ${workload}'s SIGKILL`);
            await waitJobsRunning(`after ${workload}'s SIGKILL`);
            await insertRows(`after-kill-${workload}`, 2);
            const seconds = await expectMirrorEqualsSource(`after ${workload}'s SIGKILL`);
            timings.push(
                `${workload} SIGKILL: healthy again after ${back.toFixed(1)} s (${healthySeconds.toFixed(1)} s after its restart); rows equal ${seconds.toFixed(1)} s after the pipeline was RUNNING`,
            );
            // Its own bounds: restart 120 s, healthy 300 s, the mirror 360 s, plus the connector and job waits.
        }, 1_200_000);
    }

    it("passes npm run health again after the four kills", async () => {
        const report = buildReport(stack, await runHealthChecks(outputs, [], parseHealthArgs(["--stack", stack]).thresholds, realProbes), new Date());
        log(`health after the kills:\n${formatReport(report)}`);
        expect(report.checks.filter((c) => c.status === "FAIL")).toEqual([]);
        expect(exitCode(report)).toBe(0);
    });
});
