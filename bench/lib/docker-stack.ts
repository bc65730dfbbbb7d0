/**
 * The Docker rendering of the dev stack as a bench stack: the program (index.ts) run under Pulumi's
 * mocks with the hook that creates every Docker network, volume and container on the real engine
 * and runs every dynamic provider for real (tests/support/docker-stack.ts, as the Docker end-to-end
 * test does; `pulumi up` of a docker stack needs the docker and random provider plugins, which this
 * machine lacks). Its own stack name and host ports, so it runs beside the harness (the local
 * stack's services) and the end-to-end test's `dockere2e` (offset 20000). Every object carries the
 * label `lakehouse.stack=<name>`; teardown, also on failure and on SIGINT/SIGTERM, removes
 * everything so labelled (containers with their anonymous volumes, the network, the named volumes).
 */
import { removeLabelled } from "../../tests/support/docker-engine";
import { STACK_LABEL, dockerStackConfig, dockerStats, ensureStackImages, runProgramOnEngine, stackContainers } from "../../tests/support/docker-stack";
import { parseStackOutputs } from "../../ops/outputs";
import { stackBenchEndpoints } from "./endpoints";
import { ServicePid } from "./procs";
import { BenchStack, BenchStackSettings, StackOutputs } from "./stack";

/** The Docker bench stack's name: its objects are `cdc-lakehouse-dockerbench-*`, labelled `lakehouse.stack=dockerbench`. */
export const DOCKER_BENCH_STACK = "dockerbench";
/** Added to every published host port: the harness owns the defaults, the Docker end-to-end test +20000. */
export const DOCKER_BENCH_PORT_OFFSET = 30000;

type Log = (msg: string) => void;

/** The one table the benches drive. */
const TABLE = "demographics";

/**
 * The outputs the bench reads (bench/lib/stack.ts StackOutputs) from the program's outputs, or an
 * error naming every one that is missing. Pure.
 */
export function benchOutputs(raw: Record<string, unknown>, stack: string): StackOutputs {
    const o = raw as Partial<StackOutputs> & Record<string, any>;
    const missing: string[] = [];
    for (const key of ["cdcTopics", "icebergTables", "icebergChangeTables"] as const) if (typeof o[key]?.[TABLE] !== "string") missing.push(`${key}.${TABLE}`);
    if (typeof o.flinkJobs?.[TABLE]?.name !== "string") missing.push(`flinkJobs.${TABLE}.name`);
    if (typeof o.connector?.replicationSlot !== "string") missing.push("connector.replicationSlot");
    if (typeof o.warehouse !== "string") missing.push("warehouse");
    if (typeof o.source?.schema !== "string") missing.push("source.schema");
    if (missing.length) throw new Error(`stack ${stack}: the program's outputs lack ${missing.join(", ")} (the bench drives table ${TABLE} of the source)`);
    return o as StackOutputs;
}

/** `lakehouse:*` config of the Docker bench stack: the dev stack, ports + `hostPortOffset`, Dremio off (it plays no part in the latency to Iceberg). */
export function dockerBenchConfig(settings: BenchStackSettings, hostPortOffset = DOCKER_BENCH_PORT_OFFSET): Record<string, string> {
    if (settings.parallelism !== undefined || (settings.connectorConfig && Object.keys(settings.connectorConfig).length))
        throw new Error("the Docker bench stack takes a checkpoint interval only (no parallelism or connector settings)");
    return dockerStackConfig({ hostPortOffset, checkpointIntervalMs: settings.checkpointIntervalMs, dremio: { enabled: false } });
}

/**
 * Brings the Docker rendering up as `name` (anything left labelled with it by an earlier run is
 * removed first; missing project images are built) and returns it as a bench stack. Its settings
 * cannot change: `reconfigure` fails (the mocked program creates; nothing updates it).
 */
export async function deployDockerBenchStack(settings: BenchStackSettings, log: Log, name = DOCKER_BENCH_STACK): Promise<BenchStack> {
    const config = dockerBenchConfig(settings);
    let tornDown = false;
    const teardown = async () => {
        if (tornDown) return;
        tornDown = true;
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        try {
            log(`memory and CPU per container (docker stats --no-stream):\n${dockerStats(name)}`);
        } catch (err) {
            log(`docker stats failed: ${(err as Error).message}`);
        }
        log(`removing everything labelled ${STACK_LABEL}=${name}`);
        try {
            await removeLabelled(STACK_LABEL, name, log);
        } catch (err) {
            log(
                `LEFT BEHIND: removing the objects labelled ${STACK_LABEL}=${name} failed (${(err as Error).message}); remove them with: ` +
                    `docker rm -f -v $(docker ps -aq --filter label=${STACK_LABEL}=${name}); docker network prune -f --filter label=${STACK_LABEL}=${name}; ` +
                    `docker volume rm $(docker volume ls -q --filter label=${STACK_LABEL}=${name})`,
            );
        }
    };
    const onSignal = (sig: NodeJS.Signals) => {
        log(`${sig}: removing the Docker bench stack ${name} before exiting`);
        // A container whose creation was under way may appear after the first pass: a second one after a pause.
        void teardown()
            .then(() => new Promise((r) => setTimeout(r, 3000)))
            .then(() => removeLabelled(STACK_LABEL, name, log))
            .catch((err) => log(`removing ${name}: ${(err as Error).message}`))
            .finally(() => process.exit(130));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
        await removeLabelled(STACK_LABEL, name, log);
        await ensureStackImages(log);
        const started = Date.now();
        log(
            `bringing up the Docker rendering of the dev stack as ${name} (host ports + ${DOCKER_BENCH_PORT_OFFSET}, checkpoints every ${settings.checkpointIntervalMs} ms)`,
        );
        const run = await runProgramOnEngine(name, config, log);
        if (run.error) throw run.error;
        log(`the program created ${run.created.length} resources on the engine in ${((Date.now() - started) / 1000).toFixed(0)} s`);
        const parsed = parseStackOutputs(run.outputs);
        if (parsed.problems.length) throw new Error(`stack ${name}: malformed outputs: ${parsed.problems.join("; ")}`);
        const outputs = benchOutputs(run.outputs, name);
        const prefix = `cdc-lakehouse-${name}-`;
        return {
            platform: "docker",
            description: `stack ${name} (the dev stack's Docker rendering on this machine's engine, ${run.created.length} resources, host ports + ${DOCKER_BENCH_PORT_OFFSET})`,
            name,
            id: name,
            schema: parsed.outputs.source!.schema,
            namespace: outputs.icebergChangeTables[TABLE].split(".").slice(1, -1).join("."),
            bucket: /^s3a?:\/\/([^/]+)/.exec(outputs.warehouse)?.[1] ?? outputs.warehouse,
            topicPrefix: outputs.cdcTopics[TABLE].split(".")[0],
            settings,
            outputs,
            endpoints: stackBenchEndpoints(parsed.outputs),
            async servicePids(): Promise<ServicePid[]> {
                return (await stackContainers(name))
                    .filter((c) => c.state === "running" && c.pid > 0)
                    .map((c) => ({ name: c.name.startsWith(prefix) ? c.name.slice(prefix.length) : c.name, pid: c.pid, pgid: c.pid }));
            },
            async reconfigure(): Promise<number> {
                throw new Error(
                    `the Docker bench stack ${name} cannot change its settings (it is created under mocks, never updated): one checkpoint interval per run`,
                );
            },
            teardown,
        };
    } catch (err) {
        await teardown();
        throw err;
    }
}
