/**
 * One stack config rendered on both platforms: every workload gets the same image, command, env
 * (plain values and which variables are secrets), ports and replicas from its single spec, and the
 * services reach each other at the same addresses.
 */
import { RecordedResource } from "../../support/mocks";
import { T, containerOf, ofType, plainEnv, renderStack, secretRefs, workloads } from "../../support/kubernetes";

const SHARED = {
    awsRegion: "eu-central-1",
    kafka: { brokers: 3 },
    connect: { workers: 2 },
    // High availability differs by design (ZooKeeper HA with a ZooKeeper workload on Docker, Kubernetes
    // HA on Kubernetes): off here so the rest compares like for like; tests/unit/program/flink-ha.test.ts pins both.
    flink: { taskManagers: 2, slotsPerTaskManager: 3, parallelism: 6, highAvailability: false },
    resources: { flink: { memoryMiB: 3072, cpus: 1.5 } },
};

interface Rendered {
    image: string;
    command?: string[];
    entrypoint?: string[];
    env: Record<string, string>;
    secretEnv: string[];
    ports: number[];
    replicas: number;
}

/** Docker: containers grouped by workload (the network alias every replica shares). */
function fromDocker(resources: RecordedResource[]): Record<string, Rendered> {
    const out: Record<string, Rendered> = {};
    for (const c of ofType(resources, T.container)) {
        const workload = c.inputs.networksAdvanced[0].aliases[0];
        const entries: string[] = c.inputs.envs;
        const env = Object.fromEntries(entries.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
        const rawEnvs = (c.raw.envs.value ?? c.raw.envs) as any[];
        const secretEnv = rawEnvs
            .filter((e) => typeof e === "object")
            .map((e) => String(e.value).split("=")[0])
            .sort();
        for (const name of secretEnv) delete env[name];
        if (out[workload]) {
            out[workload].replicas++;
            continue;
        }
        out[workload] = {
            image: c.inputs.image,
            command: c.inputs.command,
            entrypoint: c.inputs.entrypoints,
            env,
            secretEnv,
            // Docker publishes only the host-facing ports; the rest are reached on the network.
            ports: c.inputs.ports.map((p: any) => p.internal),
            replicas: 1,
        };
    }
    return out;
}

function fromKubernetes(resources: RecordedResource[]): Record<string, Rendered & { allPorts: number[] }> {
    return Object.fromEntries(
        workloads(resources).map((w) => {
            const c = containerOf(w);
            return [
                w.inputs.metadata.name,
                {
                    image: c.image,
                    command: c.args,
                    entrypoint: c.command,
                    env: plainEnv(c),
                    secretEnv: Object.keys(secretRefs(c)).sort(),
                    ports: [],
                    allPorts: c.ports.map((p: any) => p.containerPort),
                    replicas: w.inputs.spec.replicas,
                },
            ];
        }),
    );
}

describe("the same stack config on Docker and on Kubernetes", () => {
    let docker: Awaited<ReturnType<typeof renderStack>>;
    let kube: Awaited<ReturnType<typeof renderStack>>;

    beforeAll(async () => {
        docker = await renderStack("dev", { ...SHARED, platform: "docker" });
        kube = await renderStack("dev", { ...SHARED, platform: "kubernetes" });
    });

    it("renders the same workloads, each with the same image, command, env, secret env, ports and replicas", () => {
        const d = fromDocker(docker.resources);
        const k = fromKubernetes(kube.resources);
        expect(Object.keys(k).sort()).toEqual(Object.keys(d).sort());
        expect(Object.keys(k)).toHaveLength(11);
        for (const name of Object.keys(d)) {
            const dw = d[name];
            const kw = k[name];
            // The same project image (same content-hash tag) on both.
            expect(kw.image).toBe(dw.image);
            expect(kw.command).toEqual(dw.command);
            expect(kw.entrypoint).toEqual(dw.entrypoint);
            expect(kw.secretEnv).toEqual(dw.secretEnv);
            expect(kw.replicas).toBe(dw.replicas);
            // Each platform's Kafka advertises where the machine running Pulumi reaches it; everything else is identical.
            const { KAFKA_ADVERTISED_LISTENERS: dl, ...dEnv } = dw.env;
            const { KAFKA_ADVERTISED_LISTENERS: kl, ...kEnv } = kw.env;
            expect(kEnv).toEqual(dEnv);
            if (dl !== undefined) {
                expect(kl.split(",")[0]).toBe(dl.split(",")[0]);
                expect(dl).toMatch(/,EXTERNAL:\/\/localhost:\d+$/);
                expect(kl).toMatch(new RegExp(`,EXTERNAL://${name}\\.cdc-lakehouse-dev\\.svc\\.cluster\\.local:9094$`));
            } else {
                expect(kl).toBeUndefined();
            }
            // Every port Docker publishes is a declared port of the pod (and of its Service).
            for (const port of dw.ports) expect(kw.allPorts).toContain(port);
        }
        expect(k["flink-taskmanager"].env.AWS_REGION).toBe("eu-central-1");
        expect(k["flink-taskmanager"].env.FLINK_PROPERTIES).toContain("taskmanager.numberOfTaskSlots: 3");
    });

    it("gives the services the same addresses of each other, and the same stack outputs but for the host side", () => {
        const internal = (o: typeof docker.lakehouse.outputs) => ({
            endpoints: Object.fromEntries(Object.entries(o.endpoints).map(([k, e]) => [k, e.internal])),
            kafka: o.kafkaBootstrapServers.internal,
            connect: o.kafkaConnectUrl.internal,
            nessie: o.nessieApiUri.internal,
            s3: o.s3Endpoint.internal,
            tables: o.icebergTables,
            topics: o.cdcTopics,
        });
        expect(internal(kube.lakehouse.outputs)).toEqual(internal(docker.lakehouse.outputs));
        expect(kube.lakehouse.outputs.endpoints.nessie.host).toBe("nessie.cdc-lakehouse-dev.svc.cluster.local:19120");
        expect(docker.lakehouse.outputs.endpoints.nessie.host).toBe("localhost:19120");
    });

    it("configures the pipeline inside the services identically (connector config and job SQL)", () => {
        const dyn = (r: RecordedResource[], type: string) => r.find((x) => x.type === `pulumi-nodejs:dynamic/lakehouse:${type}`)!;
        expect(dyn(kube.resources, "DebeziumConnector").inputs.config).toEqual(dyn(docker.resources, "DebeziumConnector").inputs.config);
        expect(dyn(kube.resources, "FlinkSqlJob").inputs.statements).toEqual(dyn(docker.resources, "FlinkSqlJob").inputs.statements);
        expect(dyn(kube.resources, "FlinkSqlJob").inputs.settings).toEqual(dyn(docker.resources, "FlinkSqlJob").inputs.settings);
    });
});
