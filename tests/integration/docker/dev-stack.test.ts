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
 * 3a. the periodic-savepoints job (`pipeline.periodicSavepoints`, 60 s here) takes a savepoint of
 *    the table job through the JobManager's in-cluster address;
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
import { connectRequest } from "../../../components/dynamic/connector";
import { ImageName, projectImageRef } from "../../../components/images";
import { formatCanary } from "../../../ops/canary";
import { runCanary } from "../../../ops/canary-run";
import { StackOutputs } from "../../../ops/outputs";
import { containerLogs, engine, removeLabelled, waitHealthy } from "../../support/docker-engine";
import { DOCKER_E2E_STACK, STACK_LABEL, deployOnEngine, dockerE2eConfig, dockerStats, ensureStackImages, stackContainers } from "../../support/docker-stack";
import { IcebergSession, pollFor } from "../../support/iceberg-session";
import { expectStackHealthy } from "../../support/stack-health";
import { StackPipeline } from "../../support/stack-pipeline";

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
    let pipeline: StackPipeline;
    const timings: string[] = [];

    beforeAll(async () => {
        await removeLabelled(STACK_LABEL, stack, log);
        const imagesStarted = Date.now();
        await ensureStackImages(log);
        timings.push(`images ready: ${((Date.now() - imagesStarted) / 1000).toFixed(0)} s`);
        images = Object.fromEntries(Object.entries(EXPECTED_IMAGES).map(([workload, image]) => [workload, projectImageRef(image as ImageName)]));
        const deployed = await deployOnEngine(stack, dockerE2eConfig(), log);
        timings.push(`program on the engine (create every resource): ${deployed.seconds.toFixed(0)} s`);
        ({ outputs, iceberg, pipeline } = deployed);
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
        await pipeline.expectRunning("after the program");
    });

    it("runs restart-failed.sh beside the Connect worker, for the worker id Connect gives the connector's task", async () => {
        const status = await connectRequest(outputs.kafkaConnectUrl!.host!, "GET", `/connectors/${encodeURIComponent(outputs.connector!.name)}/status`);
        const worker = status.tasks[0].worker_id as string;
        // The banner the image's entrypoint makes the restarter print: a FAILED task on this worker is restarted.
        expect(await containerLogs(`${prefix}-connect`, 100_000)).toContain(
            `] restarting FAILED connectors and tasks of worker ${worker} (every 15 s; backoff 15 s doubling to 600 s)`,
        );
    });

    it("takes periodic savepoints of the table job from inside the cluster (pipeline.periodicSavepoints)", async () => {
        await pipeline.expectPeriodicSavepoint("warehouse", () => containerLogs(`${prefix}-flink-taskmanager`, 2_000_000));
    }, 240_000);

    it("shows a PostgreSQL insert, update and delete in Iceberg, exactly", async () => {
        const seconds = await pipeline.expectInsertUpdateDelete("e2e");
        timings.push(`insert + update + delete visible in Iceberg: ${seconds.toFixed(1)} s`);
    });

    it("passes npm run health and npm run canary against the running containers", async () => {
        const started = Date.now();
        const report = await expectStackHealthy(stack, outputs, log);
        // Periodic savepoints are on: the table job's line shows its newest, and the periodic job has a line of its own.
        expect(outputs.periodicSavepoints).toMatchObject({
            job: { state: "RUNNING" },
            intervalSeconds: 60,
            jobs: Object.values(outputs.flinkJobs!).map((j) => j.name),
        });
        const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
        const tableCheck = byName[`flink.job.${Object.keys(outputs.flinkJobs!)[0]}`];
        expect(tableCheck).toMatchObject({ status: "PASS", detail: expect.stringMatching(/; newest savepoint #\d+ .* ago$/) });
        expect(byName["flink.job.periodic-savepoints"]).toMatchObject({ status: "PASS" });
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
            await pipeline.insertRows(`before-kill-${workload}`, 2);
            const killed = Date.now();
            process.kill(before.pid, "SIGKILL");
            log(`SIGKILL to ${container}'s main process (pid ${before.pid})`);
            await pollFor(
                `${container} restarted by its restart policy`,
                120_000,
                async () => (await stackContainers(stack)).find((c) => c.name === container)!,
                (c) => c.restarts > before.restarts && c.state === "running",
            );
            await pipeline.insertRows(`during-recovery-${workload}`, 1);
            const healthySeconds = await waitHealthy(container, 300, log);
            const back = (Date.now() - killed) / 1000;
            await pipeline.waitConnectorRunning(`after ${workload}'s SIGKILL`);
            await pipeline.waitJobsRunning(`after ${workload}'s SIGKILL`);
            await pipeline.insertRows(`after-kill-${workload}`, 2);
            const seconds = await pipeline.expectMirrorEqualsSource(`after ${workload}'s SIGKILL`);
            timings.push(
                `${workload} SIGKILL: healthy again after ${back.toFixed(1)} s (${healthySeconds.toFixed(1)} s after its restart); rows equal ${seconds.toFixed(1)} s after the pipeline was RUNNING`,
            );
            // Its own bounds: restart 120 s, healthy 300 s, the mirror 360 s, plus the connector and job waits.
        }, 1_200_000);
    }

    it("passes npm run health again after the four kills", async () => {
        await expectStackHealthy(stack, outputs, log, "health after the kills");
    });
});
