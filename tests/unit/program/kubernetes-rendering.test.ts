/**
 * The Kubernetes rendering of the whole lakehouse, checked by what each resource is registered with
 * under Pulumi's mocks (what `pulumi up` would send to the Kubernetes provider), and every object
 * validated against the Kubernetes API schema (kubernetes-models, offline).
 */
import * as k8s from "@pulumi/kubernetes";
import { parseLakehouseConfig } from "../../../components/config";
import { Lakehouse } from "../../../components/lakehouse";
import { projectImageRef } from "../../../components/images";
import { RecordedResource, dependsOn, isSerializedSecret, resolve, runWithMocks } from "../../support/mocks";
import { stackConfig } from "../../support/stack-config";
import {
    T,
    allStrings,
    containerOf,
    holdsSecret,
    object,
    ofType,
    plainEnv,
    rawConfig,
    renderStack,
    repoRoot,
    schemaFailures,
    secretRefs,
    selects,
    workloads,
} from "../../support/kubernetes";

/** Pulumi.prod.yaml's values, keyed without the `lakehouse:` namespace. */
function prodValues(): Record<string, unknown> {
    return Object.fromEntries(
        Object.entries(stackConfig("prod"))
            .filter(([k]) => k.startsWith("lakehouse:"))
            .map(([k, v]) => [k.slice("lakehouse:".length), /^[[{]/.test(v) ? JSON.parse(v) : v]),
    );
}

describe("Kubernetes rendering of the prod stack (Pulumi.prod.yaml)", () => {
    let run: Awaited<ReturnType<typeof renderStack>>;
    const workload = (name: string) => workloads(run.resources).find((w) => w.inputs.metadata.name === name)!;

    beforeAll(async () => {
        run = await renderStack("prod", prodValues());
    });

    it("validates every object against the Kubernetes API schema", () => {
        // 30, plus the Flink pods' ServiceAccount, Role and RoleBinding (Kubernetes HA).
        expect(run.resources.filter((r) => r.type.startsWith("kubernetes:")).length).toBe(33);
        expect(schemaFailures(run.resources)).toEqual([]);
    });

    it("creates the stack's namespace and puts every object in it, through the stack's provider", () => {
        const provider = ofType(run.resources, T.provider);
        expect(provider).toHaveLength(1);
        expect(provider[0].inputs).toMatchObject({ context: "prod" });
        expect(provider[0].inputs.renderYamlToDirectory).toBeUndefined();
        expect(object(run.resources, T.namespace, "lakehouse-prod").inputs.metadata.labels).toMatchObject({
            "app.kubernetes.io/instance": "cdc-lakehouse-prod",
            "pod-security.kubernetes.io/enforce": "baseline",
        });
        for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:") && x.type !== T.namespace)) {
            expect(r.inputs.metadata.namespace).toBe("lakehouse-prod");
            expect(dependsOn(r, "cdc-lakehouse-prod-namespace")).toBe(true);
        }
    });

    it("renders stateful services as StatefulSets with claims and stateless ones as Deployments, with the configured replicas", () => {
        const kinds = Object.fromEntries(workloads(run.resources).map((w) => [w.inputs.metadata.name, `${w.inputs.kind}/${w.inputs.spec.replicas}`]));
        expect(kinds).toEqual({
            postgres: "StatefulSet/1",
            "kafka-0": "StatefulSet/1",
            "kafka-1": "StatefulSet/1",
            "kafka-2": "StatefulSet/1",
            minio: "StatefulSet/1",
            dremio: "StatefulSet/1",
            connect: "Deployment/2",
            nessie: "Deployment/1",
            "flink-jobmanager": "Deployment/1",
            "flink-taskmanager": "Deployment/3",
            "flink-sql-gateway": "Deployment/1",
        });
        const claims = Object.fromEntries(
            ofType(run.resources, T.statefulSet).map((s) => [
                s.inputs.metadata.name,
                s.inputs.spec.volumeClaimTemplates.map((c: any) => `${c.metadata.name}:${c.spec.storageClassName}:${c.spec.resources.requests.storage}`),
            ]),
        );
        expect(claims).toEqual({
            postgres: ["data:ssd:50Gi"],
            "kafka-0": ["data:ssd:100Gi"],
            "kafka-1": ["data:ssd:100Gi"],
            "kafka-2": ["data:ssd:100Gi"],
            minio: ["data:ssd:500Gi"],
            dremio: ["data:ssd:50Gi"],
        });
        for (const d of ofType(run.resources, T.deployment)) expect(d.inputs.spec.volumeClaimTemplates).toBeUndefined();
    });

    it("every Service selects exactly one workload's pods, and targets ports those pods declare", () => {
        const services = ofType(run.resources, T.service);
        expect(services.map((s) => s.inputs.metadata.name).sort()).toEqual([
            "connect",
            "dremio",
            "flink-jobmanager",
            "flink-sql-gateway",
            "flink-taskmanager",
            "kafka-0",
            "kafka-1",
            "kafka-2",
            "minio",
            "nessie",
            "postgres",
        ]);
        for (const svc of services) {
            const matching = workloads(run.resources).filter((w) => selects(svc.inputs.spec.selector, w.inputs.spec.template.metadata.labels));
            expect(matching.map((w) => w.inputs.metadata.name)).toEqual([svc.inputs.metadata.name]);
            const [w] = matching;
            // The workload's own selector matches its pods too, and is what the Service uses.
            expect(selects(w.inputs.spec.selector.matchLabels, w.inputs.spec.template.metadata.labels)).toBe(true);
            expect(svc.inputs.spec.selector).toEqual(w.inputs.spec.selector.matchLabels);
            const declared = containerOf(w).ports.map((p: any) => p.name);
            for (const port of svc.inputs.spec.ports) expect(declared).toContain(port.targetPort);
        }
        // StatefulSets are governed by their Service.
        for (const s of ofType(run.resources, T.statefulSet)) expect(s.inputs.spec.serviceName).toBe(s.inputs.metadata.name);
    });

    it("pins every image: the project's own, from the stack's registry; Dremio's own", () => {
        const images = Object.fromEntries(workloads(run.resources).map((w) => [w.inputs.metadata.name, containerOf(w).image]));
        const ref = (name: Parameters<typeof projectImageRef>[0]) => projectImageRef(name, "registry.example.com/data-platform");
        expect(images).toEqual({
            postgres: ref("postgres"),
            "kafka-0": ref("kafka"),
            "kafka-1": ref("kafka"),
            "kafka-2": ref("kafka"),
            connect: ref("connect"),
            minio: ref("minio"),
            nessie: ref("nessie"),
            "flink-jobmanager": ref("flink"),
            "flink-taskmanager": ref("flink"),
            "flink-sql-gateway": ref("flink"),
            dremio: "dremio/dremio-oss:25.2.0",
        });
        // The program builds nothing: the images are built and pushed before `up` (npm run images).
        expect(run.resources.filter((r) => r.type.startsWith("docker:"))).toEqual([]);
    });

    it("sets AWS_REGION, S3 credentials from the Secret, the slots and checkpointing on every Flink pod", () => {
        // Kubernetes HA: the JobManager advertises its pod IP, every process is told its namespace (tests/unit/program/flink-ha.test.ts).
        const ns = "kubernetes.namespace=$(POD_NAMESPACE)";
        const roles: Record<string, string[]> = {
            "flink-jobmanager": ["jobmanager", "$(POD_IP)", "-D", ns],
            "flink-taskmanager": ["taskmanager", `-D${ns}`],
            "flink-sql-gateway": ["bin/sql-gateway.sh", "start-foreground", `-D${ns}`],
        };
        for (const [name, args] of Object.entries(roles)) {
            const c = containerOf(workload(name));
            expect(c.args).toEqual(args);
            const env = plainEnv(c);
            expect(env.AWS_REGION).toBe("us-east-1");
            expect(env.AWS_ACCESS_KEY_ID).toBe("lakehouse");
            expect(env.ENABLE_BUILT_IN_PLUGINS).toBe("flink-s3-fs-hadoop-1.20.3.jar");
            expect(env.FLINK_PROPERTIES.split("\n")).toEqual(
                expect.arrayContaining([
                    "taskmanager.numberOfTaskSlots: 2",
                    "parallelism.default: 4",
                    "execution.checkpointing.interval: 30000 ms",
                    "jobmanager.rpc.address: flink-jobmanager",
                    "s3.endpoint: http://minio:9000",
                    "taskmanager.memory.process.size: 4096m",
                ]),
            );
            expect(secretRefs(c)).toEqual({ AWS_SECRET_ACCESS_KEY: "minio-root-password/value" });
        }
    });

    it("references every credential through a Secret; no pod spec holds a credential", () => {
        const refs = Object.fromEntries(workloads(run.resources).map((w) => [w.inputs.metadata.name, secretRefs(containerOf(w))]));
        expect(refs.postgres).toEqual({ POSTGRES_PASSWORD: "postgres-password/value", REPLICATION_PASSWORD: "replication-password/value" });
        expect(refs.minio).toEqual({ MINIO_ROOT_PASSWORD: "minio-root-password/value" });
        expect(refs.nessie).toEqual({ QUARKUS_DATASOURCE_POSTGRESQL_PASSWORD: "postgres-password/value" });
        const passwords = ofType(run.resources, "random:index/randomPassword:RandomPassword").map((r) => `generated-${r.name}-Aa11`);
        expect(passwords.length).toBeGreaterThanOrEqual(3);
        for (const w of workloads(run.resources)) {
            expect(holdsSecret(w.raw)).toBe(false);
            const text = allStrings(w.inputs).join("\n");
            for (const p of passwords) expect(text).not.toContain(p);
            for (const e of containerOf(w).env) {
                if (/PASSWORD|SECRET/.test(e.name)) expect(e.valueFrom?.secretKeyRef).toBeDefined();
            }
        }
        // Each referenced Secret exists, keeps its value secret in state, and holds the credential.
        const referenced = new Set(workloads(run.resources).flatMap((w) => Object.values(secretRefs(containerOf(w))).map((r) => r.split("/")[0])));
        for (const name of referenced) {
            const secret = object(run.resources, T.secret, name);
            expect(isSerializedSecret(secret.raw.stringData) || isSerializedSecret(secret.raw.stringData?.value)).toBe(true);
            expect(secret.inputs.stringData.value).toMatch(/^generated-lakehouse-credentials-/);
        }
        expect(
            ofType(run.resources, T.secret)
                .map((s) => s.inputs.metadata.name)
                .sort(),
        ).toEqual(["minio-root-password", "postgres-password", "replication-password"]);
    });

    it("derives readiness, liveness and startup probes from each service's health check", () => {
        const probeOf = (name: string) => {
            const c = containerOf(workload(name));
            return { readiness: c.readinessProbe, liveness: c.livenessProbe, startup: c.startupProbe };
        };
        expect(probeOf("postgres").readiness).toMatchObject({ tcpSocket: { port: 5432 }, periodSeconds: 5 });
        expect(probeOf("connect").readiness).toMatchObject({ httpGet: { path: "/connector-plugins", port: 8083 } });
        expect(probeOf("minio").liveness).toMatchObject({ httpGet: { path: "/minio/health/ready", port: 9000 }, failureThreshold: 12 });
        expect(probeOf("nessie").readiness).toMatchObject({ httpGet: { path: "/q/health/ready", port: 9000 } });
        expect(probeOf("flink-jobmanager").readiness).toMatchObject({ httpGet: { path: "/overview", port: 8081 } });
        expect(probeOf("flink-sql-gateway").readiness).toMatchObject({ httpGet: { path: "/v1/info", port: 8083 } });
        expect(probeOf("flink-taskmanager").liveness).toMatchObject({ tcpSocket: { port: 6122 } });
        expect(probeOf("dremio").startup).toMatchObject({ httpGet: { path: "/apiv2/server_status", port: 9047 }, failureThreshold: 30, periodSeconds: 10 });
        for (const w of workloads(run.resources)) {
            const c = containerOf(w);
            for (const p of [c.readinessProbe, c.livenessProbe, c.startupProbe]) expect(p).toBeDefined();
        }
    });

    it("declares each service's ports on its pods and Service", () => {
        const ports = Object.fromEntries(
            workloads(run.resources).map((w) => [w.inputs.metadata.name, containerOf(w).ports.map((p: any) => `${p.name}:${p.containerPort}`)]),
        );
        expect(ports).toMatchObject({
            postgres: ["postgres:5432"],
            "kafka-1": ["internal:9092", "controller:9093", "external:9094"],
            connect: ["rest:8083"],
            minio: ["api:9000", "console:9001"],
            nessie: ["http:19120", "management:9000"],
            "flink-jobmanager": ["rest:8081", "rpc:6123", "blob:6124"],
            "flink-sql-gateway": ["rest:8083"],
            dremio: ["http:9047", "jdbc:31010", "flight:32010"],
        });
        expect(object(run.resources, T.service, "kafka-1").inputs.spec.publishNotReadyAddresses).toBe(true);
    });

    it("runs a KRaft quorum of 3 with replication 3 and min ISR 2, and Connect's internal topics to match", () => {
        for (const i of [0, 1, 2]) {
            const env = plainEnv(containerOf(workload(`kafka-${i}`)));
            expect(env).toMatchObject({
                KAFKA_NODE_ID: String(i + 1),
                KAFKA_CONTROLLER_QUORUM_VOTERS: "1@kafka-0:9093,2@kafka-1:9093,3@kafka-2:9093",
                KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "3",
                KAFKA_DEFAULT_REPLICATION_FACTOR: "3",
                KAFKA_MIN_INSYNC_REPLICAS: "2",
                KAFKA_ADVERTISED_LISTENERS: `INTERNAL://kafka-${i}:9092,EXTERNAL://kafka-${i}.lakehouse-prod.svc.cluster.local:9094`,
            });
        }
        const connect = plainEnv(containerOf(workload("connect")));
        expect(connect).toMatchObject({
            BOOTSTRAP_SERVERS: "kafka-0:9092,kafka-1:9092,kafka-2:9092",
            GROUP_ID: "prod-connect",
            CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR: "3",
        });
        expect(object(run.resources, T.pdb, "kafka").inputs.spec).toEqual({
            maxUnavailable: 1,
            selector: { matchLabels: { "app.kubernetes.io/instance": "cdc-lakehouse-prod", "app.kubernetes.io/name": "kafka" } },
        });
        expect(
            ofType(run.resources, T.pdb)
                .map((p) => p.inputs.metadata.name)
                .sort(),
        ).toEqual(["connect", "flink", "kafka"]);
    });

    it("sets requests and limits, node selector and tolerations from config on every pod", () => {
        expect(containerOf(workload("dremio")).resources).toEqual({ requests: { cpu: "4", memory: "8192Mi" }, limits: { cpu: "4", memory: "8192Mi" } });
        expect(containerOf(workload("flink-taskmanager")).resources.limits).toEqual({ cpu: "2", memory: "4096Mi" });
        for (const w of workloads(run.resources)) {
            const pod = w.inputs.spec.template.spec;
            expect(pod.nodeSelector).toEqual({ "kubernetes.io/os": "linux", "node.example.com/pool": "data" });
            expect(pod.tolerations).toEqual([{ key: "node.example.com/dedicated", operator: "Equal", value: "data", effect: "NoSchedule" }]);
            expect(pod.securityContext.runAsNonRoot).toBe(true);
        }
    });

    it("starts workloads after what they depend on is ready, within the start timeout", () => {
        expect(dependsOn(workload("connect"), "cdc-lakehouse-prod-kafka-2")).toBe(true);
        expect(dependsOn(workload("nessie"), "cdc-lakehouse-prod-postgres")).toBe(true);
        expect(dependsOn(workload("flink-jobmanager"), "cdc-lakehouse-prod-minio")).toBe(true);
        // Flink's HA store and checkpoints are in the warehouse bucket: it exists before the JobManager starts.
        expect(dependsOn(workload("flink-jobmanager"), "lakehouse-warehouse")).toBe(true);
        expect(dependsOn(workload("flink-taskmanager"), "cdc-lakehouse-prod-flink-jobmanager")).toBe(true);
        expect(dependsOn(workload("dremio"), "cdc-lakehouse-prod-nessie")).toBe(true);
        expect(dependsOn(workload("dremio"), "lakehouse-warehouse")).toBe(true);
        expect(dependsOn(workload("postgres"), "cdc-lakehouse-prod-secret-postgres-password")).toBe(true);
        expect(dependsOn(workload("postgres"), "cdc-lakehouse-prod-postgres-files")).toBe(true);
    });

    it("manages the pipeline inside the services through their cluster DNS names (Pulumi in the cluster)", async () => {
        const dyn = (type: string, name: string) => run.resources.find((r) => r.type === `pulumi-nodejs:dynamic/lakehouse:${type}` && r.name === name)!;
        const fqdn = (svc: string, port: number) => `${svc}.lakehouse-prod.svc.cluster.local:${port}`;
        expect(dyn("WarehouseBucket", "lakehouse-warehouse").inputs.endpoint).toBe(`http://${fqdn("minio", 9000)}`);
        expect(dyn("NessieNamespace", "lakehouse-namespace").inputs.apiUrl).toBe(`http://${fqdn("nessie", 19120)}/api/v2`);
        expect(dyn("CdcSource", "lakehouse-cdc-source").inputs.address).toBe(fqdn("postgres", 5432));
        expect(dyn("KafkaTopic", "lakehouse-topic-demographics").inputs).toMatchObject({
            bootstrapServers: [0, 1, 2].map((i) => fqdn(`kafka-${i}`, 9094)).join(","),
            replicationFactor: 3,
        });
        const connector = dyn("DebeziumConnector", "lakehouse-connector");
        expect(connector.inputs.connectUrl).toBe(`http://${fqdn("connect", 8083)}`);
        // The services reach each other by Service name, as on Docker.
        expect(connector.inputs.config).toMatchObject({ "database.hostname": "postgres", "database.port": "5432" });
        const job = dyn("FlinkSqlJob", "lakehouse-job-demographics");
        expect(job.inputs).toMatchObject({ gatewayUrl: `http://${fqdn("flink-sql-gateway", 8083)}`, restUrl: `http://${fqdn("flink-jobmanager", 8081)}` });
        expect((job.inputs.statements as string[]).join("\n")).toContain("'properties.bootstrap.servers' = 'kafka-0:9092,kafka-1:9092,kafka-2:9092'");
        expect(dependsOn(job, "cdc-lakehouse-prod-flink-taskmanager")).toBe(true);
        expect(dependsOn(connector, "cdc-lakehouse-prod-connect")).toBe(true);
        const o = run.lakehouse.outputs;
        expect(o.platform).toBe("kubernetes");
        expect(o.kafkaBootstrapServers.internal).toBe("kafka-0:9092,kafka-1:9092,kafka-2:9092");
        expect(o.endpoints.postgres).toEqual({ internal: "postgres:5432", host: fqdn("postgres", 5432) });
        expect(o.connector?.name).toBe("cdc-lakehouse-prod-postgres-cdc");
        expect(await resolve(o.credentials)).toHaveProperty("postgres.username", "lakehouse");
    });
});

describe("Kubernetes provider settings and reachability", () => {
    const base = { platform: "kubernetes", kubernetes: {} };

    it("renders manifests to a directory for review: nothing pushed, nothing reached, the same manifests", async () => {
        const applied = await renderStack("review", base);
        const rendered = await renderStack("review", {
            ...base,
            kubernetes: { ...base.kubernetes, renderYamlToDirectory: "manifests/review", kubeconfig: "/etc/kube/config", context: "staging" },
        });
        const provider = ofType(rendered.resources, T.provider)[0];
        expect(provider.inputs).toMatchObject({ renderYamlToDirectory: "manifests/review", kubeconfig: "/etc/kube/config", context: "staging" });
        expect(rendered.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"))).toEqual([]);
        expect(rendered.lakehouse.outputs.endpoints.minio).toEqual({ internal: "minio:9000" });
        expect(schemaFailures(rendered.resources)).toEqual([]);
        // What a reviewer reads is what `up` applies (the pushed image's name is the same reference).
        const k8sObjects = (r: RecordedResource[]) => Object.fromEntries(r.filter((x) => x.type.startsWith("kubernetes:")).map((x) => [x.name, x.inputs]));
        expect(k8sObjects(rendered.resources)).toEqual(k8sObjects(applied.resources));
    });

    it("node-port access: NodePort Services on the stack's block, the pipeline reached on the node, Kafka advertising it", async () => {
        const { resources, lakehouse } = await renderStack("edge", {
            ...base,
            kubernetes: { ...base.kubernetes, access: "node-port", nodeAddress: "10.0.0.21", nodePortBase: 31000 },
        });
        expect(schemaFailures(resources)).toEqual([]);
        const nodePorts = ofType(resources, T.service).filter((s) => s.inputs.spec.type === "NodePort");
        expect(Object.fromEntries(nodePorts.map((s) => [s.inputs.metadata.name, s.inputs.spec.ports.map((p: any) => `${p.name}:${p.nodePort}`)]))).toEqual({
            "postgres-nodeport": ["postgres:31000"],
            "kafka-0-nodeport": ["external:31010"],
            "connect-nodeport": ["rest:31001"],
            "minio-nodeport": ["api:31002", "console:31003"],
            "nessie-nodeport": ["http:31004"],
            "flink-jobmanager-nodeport": ["rest:31005"],
            "flink-sql-gateway-nodeport": ["rest:31006"],
            "dremio-nodeport": ["http:31007", "jdbc:31008", "flight:31009"],
        });
        const kafka = object(resources, T.statefulSet, "kafka-0");
        expect(plainEnv(containerOf(kafka)).KAFKA_ADVERTISED_LISTENERS).toBe("INTERNAL://kafka-0:9092,EXTERNAL://10.0.0.21:31010");
        const topic = resources.find((r) => r.type === "pulumi-nodejs:dynamic/lakehouse:KafkaTopic")!;
        expect(topic.inputs.bootstrapServers).toBe("10.0.0.21:31010");
        expect(lakehouse.outputs.flinkSqlGatewayUrl).toEqual({ internal: "http://flink-sql-gateway:8083", host: "http://10.0.0.21:31006" });

        // Ready pods are not yet an answering node port: each published workload gets a reachability
        // check on its node ports, after the workload, and what is managed inside waits for it.
        const checks = resources.filter((r) => r.type === "pulumi-nodejs:dynamic/lakehouse:ReachabilityCheck");
        expect(Object.fromEntries(checks.map((c) => [c.name, c.inputs.addresses]))).toEqual({
            "cdc-lakehouse-edge-postgres-reachable": ["10.0.0.21:31000"],
            "cdc-lakehouse-edge-kafka-0-reachable": ["10.0.0.21:31010"],
            "cdc-lakehouse-edge-connect-reachable": ["10.0.0.21:31001"],
            "cdc-lakehouse-edge-minio-reachable": ["10.0.0.21:31002", "10.0.0.21:31003"],
            "cdc-lakehouse-edge-nessie-reachable": ["10.0.0.21:31004"],
            "cdc-lakehouse-edge-flink-jobmanager-reachable": ["10.0.0.21:31005"],
            "cdc-lakehouse-edge-flink-sql-gateway-reachable": ["10.0.0.21:31006"],
            "cdc-lakehouse-edge-dremio-reachable": ["10.0.0.21:31007", "10.0.0.21:31008", "10.0.0.21:31009"],
        });
        const check = (workload: string) => checks.find((c) => c.name === `cdc-lakehouse-edge-${workload}-reachable`)!;
        expect(check("nessie").inputs).toMatchObject({ workload: "nessie", timeoutSeconds: expect.any(Number) });
        expect(dependsOn(check("nessie"), "cdc-lakehouse-edge-nessie")).toBe(true);
        const dyn = (type: string) => resources.find((r) => r.type === `pulumi-nodejs:dynamic/lakehouse:${type}`)!;
        expect(dependsOn(dyn("NessieNamespace"), "cdc-lakehouse-edge-nessie-reachable")).toBe(true);
        expect(dependsOn(dyn("WarehouseBucket"), "cdc-lakehouse-edge-minio-reachable")).toBe(true);
        expect(dependsOn(dyn("CdcSource"), "cdc-lakehouse-edge-postgres-reachable")).toBe(true);
        expect(dependsOn(dyn("KafkaTopic"), "cdc-lakehouse-edge-kafka-0-reachable")).toBe(true);
        expect(dependsOn(dyn("DebeziumConnector"), "cdc-lakehouse-edge-connect-reachable")).toBe(true);
        expect(dependsOn(dyn("FlinkSqlJob"), "cdc-lakehouse-edge-flink-sql-gateway-reachable")).toBe(true);
        // Pods reach each other by Service name: the next workload waits for its dependency's pods, not for a node port.
        expect(dependsOn(object(resources, T.deployment, "connect"), "cdc-lakehouse-edge-kafka-0")).toBe(true);
    });

    it("access none: the services are deployed, the pipeline inside them is left to the operator", async () => {
        const { resources, lakehouse } = await renderStack("dark", { ...base, kubernetes: { ...base.kubernetes, access: "none" } });
        expect(
            workloads(resources)
                .map((w) => w.inputs.metadata.name)
                .sort(),
        ).toEqual(["connect", "dremio", "flink-jobmanager", "flink-sql-gateway", "flink-taskmanager", "kafka-0", "minio", "nessie", "postgres"]);
        expect(resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"))).toEqual([]);
        expect(plainEnv(containerOf(object(resources, T.statefulSet, "kafka-0"))).KAFKA_ADVERTISED_LISTENERS).toBe("INTERNAL://kafka-0:9092");
        expect(lakehouse.outputs.connector).toBeUndefined();
    });

    it("uses an explicit provider when the program passes one", async () => {
        const config = parseLakehouseConfig(rawConfig(base), new Set(), { project: "cdc-lakehouse", stack: "ops" });
        const run = await runWithMocks(
            () => {
                const provider = new k8s.Provider("ops-cluster", { kubeconfig: "/run/secrets/kubeconfig" });
                const lakehouse = new Lakehouse("lakehouse", { config, credentials: {}, repoRoot, kubernetesProvider: provider });
                return { platform: lakehouse.outputs.platform };
            },
            { stack: "ops" },
        );
        expect(ofType(run.resources, T.provider).map((p) => p.name)).toEqual(["ops-cluster"]);
    });

    it("deploys nothing for a service the stack lists as existing, and points the others at it", async () => {
        // An existing PostgreSQL's passwords come from the stack, as secrets.
        const config = parseLakehouseConfig(
            rawConfig({
                ...base,
                external: { postgres: { address: "orders-db.internal:5432" } },
                postgresPassword: "a-long-secret-1",
                replicationPassword: "a-long-secret-2",
            }),
            new Set(["postgresPassword", "replicationPassword"]),
            { project: "cdc-lakehouse", stack: "hybrid" },
        );
        const { resources } = await runWithMocks(
            () => {
                const lakehouse = new Lakehouse("lakehouse", { config, credentials: {}, repoRoot, checkExternalServices: false });
                return { platform: lakehouse.outputs.platform };
            },
            { stack: "hybrid" },
        );
        expect(workloads(resources).map((w) => w.inputs.metadata.name)).not.toContain("postgres");
        expect(plainEnv(containerOf(object(resources, T.deployment, "nessie"))).QUARKUS_DATASOURCE_POSTGRESQL_JDBC_URL).toBe(
            "jdbc:postgresql://orders-db.internal:5432/nessie",
        );
        expect(schemaFailures(resources)).toEqual([]);
    });
});
