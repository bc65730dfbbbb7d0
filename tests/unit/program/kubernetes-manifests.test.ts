/**
 * The Kubernetes manifest builders, as pure functions (no Pulumi, no mocks): each workload spec of
 * the services in, manifest objects out, validated against the Kubernetes API schema.
 */
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Service } from "kubernetes-models/v1/Service";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { parseLakehouseConfig } from "../../../components/config";
import { DEFAULT_RESOURCES } from "../../../components/defaults";
import { kafkaConnectWorkload } from "../../../components/connect";
import { flinkWorkloads } from "../../../components/flink";
import { kafkaWorkloads } from "../../../components/kafka";
import { minioWorkload } from "../../../components/minio";
import { nessieWorkload } from "../../../components/nessie";
import { postgresWorkload } from "../../../components/postgres";
import { WorkloadSpec } from "../../../components/platform/spec";
import {
    KubernetesTarget,
    containerEnv,
    cpuQuantity,
    disruptionBudget,
    execCommand,
    filesConfigMap,
    hostAddressOf,
    kubernetesEndpoints,
    namespaceManifest,
    nodePortOf,
    probes,
    resourceRequirements,
    serviceManifests,
    workloadManifest,
} from "../../../components/platform/kubernetes-manifests";

const cfg = parseLakehouseConfig({}, new Set(), { project: "cdc-lakehouse", stack: "prod" });

const target: KubernetesTarget = {
    namespace: "lakehouse-prod",
    instance: "cdc-lakehouse-prod",
    project: "cdc-lakehouse",
    stack: "prod",
    storageClass: "ssd",
    volumeSizeGiB: { kafka: 100 },
    nodeSelector: { "node.example.com/pool": "data" },
    tolerations: [{ key: "node.example.com/dedicated", operator: "Equal", value: "data", effect: "NoSchedule" }],
    access: "in-cluster",
    nodePortBase: 30900,
    clusterDomain: "cluster.local",
    startTimeoutSeconds: 300,
};

const postgres = postgresWorkload({
    image: { ref: "lakehouse/postgres:15-0123456789ab", pull: false },
    source: cfg.source,
    extraDatabases: ["nessie"],
    resources: DEFAULT_RESOURCES.postgres,
    volumeSizeGiB: 20,
});
const brokers = kafkaWorkloads({
    image: { ref: "lakehouse/kafka:3.9.1-0123456789ab", pull: false },
    kafka: { ...cfg.kafka, brokers: 3, replicationFactor: 3, minInsyncReplicas: 2 },
    clusterSeed: "cdc-lakehouse-prod",
    exposePorts: true,
    hostPortOffset: 0,
    resources: DEFAULT_RESOURCES.kafka,
    volumeSizeGiB: 20,
    externalAddress: (broker, port) => hostAddressOf(broker, port, target),
});
const connect = kafkaConnectWorkload({
    image: { ref: "lakehouse/connect:3.0.8.Final-0123456789ab", pull: false },
    workers: 2,
    groupId: "prod-connect",
    kafka: cfg.kafka,
    bootstrapServers: "kafka-0:9092",
    dependsOn: [],
    resources: DEFAULT_RESOURCES.connect,
});
const minio = minioWorkload({
    image: { ref: "lakehouse/minio:RELEASE.2025-09-07T16-13-09Z-0123456789ab", pull: false },
    rootUser: "lakehouse",
    region: "us-east-1",
    resources: DEFAULT_RESOURCES.minio,
    volumeSizeGiB: 20,
});
const flink = flinkWorkloads({
    image: { ref: "lakehouse/flink:1.20.3-0123456789ab", pull: false },
    zookeeperImage: { ref: "lakehouse/zookeeper:3.8.4-0123456789ab", pull: false },
    clusterId: "cdc-lakehouse-prod-flink",
    flink: { ...cfg.flink, taskManagers: 3 },
    awsRegion: "eu-west-1",
    s3Endpoint: "http://minio:9000",
    s3AccessKey: "lakehouse",
    dependsOn: [],
    resources: DEFAULT_RESOURCES.flink,
});

const asAny = (x: unknown) => x as any;

describe("workload manifests", () => {
    it("renders PostgreSQL as a StatefulSet with a claim of the stack's class, mounted through a subdirectory", () => {
        const m = workloadManifest(postgres, "postgres:15.10", target);
        expect(m.kind).toBe("StatefulSet");
        const set = asAny(m.args);
        new StatefulSet({ apiVersion: "apps/v1", kind: "StatefulSet", ...set }).validate();
        expect(set.metadata).toMatchObject({ name: "postgres", namespace: "lakehouse-prod" });
        expect(set.spec.serviceName).toBe("postgres");
        expect(set.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
        expect(set.spec.volumeClaimTemplates).toEqual([
            expect.objectContaining({
                metadata: expect.objectContaining({ name: "data" }),
                spec: { accessModes: ["ReadWriteOnce"], storageClassName: "ssd", resources: { requests: { storage: "20Gi" } } },
            }),
        ]);
        const container = set.spec.template.spec.containers[0];
        expect(container.args).toEqual(postgres.command);
        expect(container.command).toBeUndefined();
        expect(container.volumeMounts).toEqual(
            expect.arrayContaining([
                { name: "data", mountPath: "/var/lib/postgresql/data", subPath: "data" },
                { name: "files", mountPath: "/docker-entrypoint-initdb.d/10-lakehouse-cdc.sh", subPath: "10-lakehouse-cdc.sh", readOnly: true },
            ]),
        );
        expect(set.spec.template.spec.volumes).toEqual([
            {
                name: "files",
                configMap: { name: "postgres-files", defaultMode: 0o644, items: [{ key: "10-lakehouse-cdc.sh", path: "10-lakehouse-cdc.sh", mode: 0o755 }] },
            },
        ]);
        expect(set.spec.template.metadata.annotations["lakehouse/files-sha256"]).toMatch(/^[0-9a-f]{16}$/);
    });

    it("sizes a service's claims from the stack (Kafka: 100 GiB) and keeps every broker's identity", () => {
        for (const broker of brokers) {
            const set = asAny(workloadManifest(broker, "apache/kafka:3.9.0", target).args);
            expect(set.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("100Gi");
            expect(set.spec.replicas).toBe(1);
            expect(set.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: "data", mountPath: "/var/lib/kafka/data", subPath: "data" }]);
        }
        const env = Object.fromEntries(containerEnv(brokers[1]).map((e: any) => [e.name, e.value]));
        expect(env.KAFKA_ADVERTISED_LISTENERS).toBe("INTERNAL://kafka-1:9092,EXTERNAL://kafka-1.lakehouse-prod.svc.cluster.local:9094");
        expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe("1@kafka-0:9093,2@kafka-1:9093,3@kafka-2:9093");
    });

    it("renders Connect workers and TaskManagers as Deployments with their replicas, surging one pod at a time", () => {
        const workers = asAny(workloadManifest(connect, "quay.io/debezium/connect:2.7.3.Final", target));
        expect(workers.kind).toBe("Deployment");
        new Deployment({ apiVersion: "apps/v1", kind: "Deployment", ...workers.args }).validate();
        expect(workers.args.spec.replicas).toBe(2);
        expect(workers.args.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
        const tm = asAny(workloadManifest(flink[1], "registry.example.com/data/flink:abc", target));
        expect(tm.kind).toBe("Deployment");
        expect(tm.args.spec.replicas).toBe(3);
        expect(tm.args.spec.template.spec.containers[0].args).toEqual(["taskmanager"]);
    });

    it("puts the stack's node selector and tolerations on every pod, and selects pods by instance and workload", () => {
        for (const spec of [postgres, connect, ...flink]) {
            const pod = asAny(workloadManifest(spec, "image:1", target).args).spec.template;
            expect(pod.spec.nodeSelector).toEqual({ "node.example.com/pool": "data" });
            expect(pod.spec.tolerations).toEqual([{ key: "node.example.com/dedicated", operator: "Equal", value: "data", effect: "NoSchedule" }]);
            expect(pod.spec.enableServiceLinks).toBe(false);
            const selector = asAny(workloadManifest(spec, "image:1", target).args).spec.selector.matchLabels;
            expect(selector).toEqual({ "app.kubernetes.io/instance": "cdc-lakehouse-prod", "app.kubernetes.io/component": spec.name });
            for (const [k, v] of Object.entries(selector)) expect(pod.metadata.labels[k]).toBe(v);
        }
    });

    it("refuses a stateless workload with volumes (a Deployment keeps no data)", () => {
        const broken: WorkloadSpec = { ...connect, volumes: [{ name: "data", mountPath: "/data", sizeGiB: 1 }] };
        expect(() => workloadManifest(broken, "x:1", target)).toThrow(/has volumes but is not stateful/);
    });

    it("refuses a port name Kubernetes would reject", () => {
        const broken: WorkloadSpec = { ...minio, ports: [{ name: "Console_Port", port: 9001 }] };
        expect(() => workloadManifest(broken, "x:1", target)).toThrow(/not a Kubernetes port name/);
    });
});

describe("env, secrets, probes, resources, security", () => {
    it("references every credential from its Secret and inlines only plain values", () => {
        const env = containerEnv(postgres) as any[];
        expect(env.filter((e) => e.valueFrom)).toEqual([
            { name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: "postgres-password", key: "value" } } },
            { name: "REPLICATION_PASSWORD", valueFrom: { secretKeyRef: { name: "replication-password", key: "value" } } },
        ]);
        const plain = env.filter((e) => !e.valueFrom).map((e) => e.name);
        expect(plain).toEqual([...plain].sort());
        expect(plain).not.toContain("POSTGRES_PASSWORD");
        for (const spec of flink) {
            const names = Object.fromEntries((containerEnv(spec) as any[]).map((e) => [e.name, e]));
            expect(names.AWS_REGION).toEqual({ name: "AWS_REGION", value: "eu-west-1" });
            expect(names.AWS_SECRET_ACCESS_KEY.valueFrom.secretKeyRef).toEqual({ name: "minio-root-password", key: "value" });
        }
    });

    it("prefers HTTP, then TCP, then the health command; gives the start timeout to the startup probe", () => {
        const nessie = nessieWorkload({
            image: { ref: "lakehouse/nessie:0.99.0-0123456789ab", pull: false },
            versionStore: "in-memory",
            resources: DEFAULT_RESOURCES.nessie,
            volumeSizeGiB: 20,
        });
        const p = probes(nessie.health, 300) as any;
        expect(p.readinessProbe).toEqual({
            httpGet: { path: "/q/health/ready", port: 9000, scheme: "HTTP" },
            periodSeconds: 5,
            timeoutSeconds: 5,
            failureThreshold: 3,
            successThreshold: 1,
        });
        expect(p.livenessProbe).toMatchObject({ httpGet: { path: "/q/health/ready", port: 9000 }, failureThreshold: 24 });
        expect(p.startupProbe).toMatchObject({ failureThreshold: 60, periodSeconds: 5 });
        expect((probes(postgres.health, 300) as any).readinessProbe.tcpSocket).toEqual({ port: 5432 });
        const execOnly = probes({ ...postgres.health, tcpSocket: undefined }, 60) as any;
        expect(execOnly.livenessProbe.exec.command).toEqual(["pg_isready", "-h", "127.0.0.1", "-U", "lakehouse", "-d", "demographics"]);
        expect(execCommand(["CMD-SHELL", "curl -fsS http://127.0.0.1:8083/ | grep -q x"])).toEqual([
            "/bin/sh",
            "-c",
            "curl -fsS http://127.0.0.1:8083/ | grep -q x",
        ]);
    });

    it("sets requests equal to limits from the stack's sizes", () => {
        expect(resourceRequirements({ memoryMiB: 2048, cpus: 2 })).toEqual({
            requests: { cpu: "2", memory: "2048Mi" },
            limits: { cpu: "2", memory: "2048Mi" },
        });
        expect(cpuQuantity(0.5)).toBe("500m");
        expect(cpuQuantity(1.25)).toBe("1250m");
    });

    it("runs each image as its non-root user, without privilege escalation or capabilities", () => {
        for (const spec of [postgres, brokers[0], connect, minio, ...flink]) {
            const pod = asAny(workloadManifest(spec, "image:1", target).args).spec.template.spec;
            expect(pod.securityContext).toEqual({
                runAsNonRoot: true,
                runAsUser: spec.runAsUser,
                fsGroup: spec.runAsUser,
                fsGroupChangePolicy: "OnRootMismatch",
                seccompProfile: { type: "RuntimeDefault" },
            });
            expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true });
        }
        const rootImage = asAny(workloadManifest({ ...minio, runAsUser: undefined }, "image:1", target).args).spec.template.spec;
        expect(rootImage.securityContext).toEqual({ seccompProfile: { type: "RuntimeDefault" } });
    });

    it("puts files in a ConfigMap whose hash changes with their content", () => {
        const a = filesConfigMap(postgres, target)!;
        new ConfigMap({ apiVersion: "v1", kind: "ConfigMap", ...asAny(a.args) }).validate();
        expect(Object.keys(asAny(a.args).data)).toEqual(["10-lakehouse-cdc.sh"]);
        const changed = filesConfigMap({ ...postgres, files: [{ ...postgres.files[0], content: "#!/bin/sh\n" }] }, target)!;
        expect(changed.hash).not.toBe(a.hash);
        expect(filesConfigMap(connect, target)).toBeUndefined();
    });
});

describe("Services and addresses", () => {
    it("names each workload's Service after it, targets ports by name, and lists quorum members before they are ready", () => {
        const [svc] = serviceManifests(brokers[0], target);
        new Service({ apiVersion: "v1", kind: "Service", ...asAny(svc.args) }).validate();
        expect(asAny(svc.args).spec).toEqual({
            type: "ClusterIP",
            selector: { "app.kubernetes.io/instance": "cdc-lakehouse-prod", "app.kubernetes.io/component": "kafka-0" },
            ports: [
                { name: "internal", port: 9092, targetPort: "internal", protocol: "TCP" },
                { name: "controller", port: 9093, targetPort: "controller", protocol: "TCP" },
                { name: "external", port: 9094, targetPort: "external", protocol: "TCP" },
            ],
            publishNotReadyAddresses: true,
        });
        expect(asAny(serviceManifests(connect, target)[0].args).spec.publishNotReadyAddresses).toBeUndefined();
    });

    it("reaches published ports by cluster DNS in-cluster, by node port on a node, or not at all", () => {
        const api = minio.ports.find((p) => p.name === "api")!;
        expect(hostAddressOf("minio", api, target)).toBe("minio.lakehouse-prod.svc.cluster.local:9000");
        expect(
            hostAddressOf(
                "minio",
                minio.ports.find((p) => p.name === "console")!,
                { ...target, access: "none" },
            ),
        ).toBeUndefined();
        const nodePort = { ...target, access: "node-port" as const, nodeAddress: "10.0.0.21" };
        expect(hostAddressOf("minio", api, nodePort)).toBe("10.0.0.21:30902");
        expect(
            hostAddressOf(
                "kafka-2",
                brokers[2].ports.find((p) => p.name === "external")!,
                nodePort,
            ),
        ).toBe("10.0.0.21:30912");
        // Internal-only ports have no host address on any access.
        expect(
            hostAddressOf(
                "kafka-0",
                brokers[0].ports.find((p) => p.name === "controller")!,
                target,
            ),
        ).toBeUndefined();
        expect(kubernetesEndpoints(minio, target, true)).toEqual({
            api: { internal: "minio:9000", host: "minio.lakehouse-prod.svc.cluster.local:9000" },
            console: { internal: "minio:9001", host: "minio.lakehouse-prod.svc.cluster.local:9001" },
        });
        expect(kubernetesEndpoints(minio, target, false)).toEqual({ api: { internal: "minio:9000" }, console: { internal: "minio:9001" } });
    });

    it("adds a NodePort Service with only the published ports on access node-port, at fixed node ports", () => {
        const nodePort = { ...target, access: "node-port" as const, nodeAddress: "10.0.0.21" };
        const services = serviceManifests(brokers[1], nodePort);
        expect(services.map((s) => s.name)).toEqual(["kafka-1", "kafka-1-nodeport"]);
        const external = asAny(services[1].args);
        new Service({ apiVersion: "v1", kind: "Service", ...external }).validate();
        expect(external.spec.type).toBe("NodePort");
        expect(external.spec.ports).toEqual([{ name: "external", port: 9094, targetPort: "external", protocol: "TCP", nodePort: 30911 }]);
        // Every published port of every workload has its own node port.
        const all = [postgres, ...brokers, connect, minio, ...flink].flatMap((s) =>
            s.ports.filter((p) => p.hostPort !== undefined).map((p) => nodePortOf(s.name, p.name, 30900)),
        );
        expect(new Set(all).size).toBe(all.length);
        expect(() => nodePortOf("grafana", "http", 30900)).toThrow(/NODE_PORT_SLOTS/);
    });

    it("renders a valid namespace (Pod Security labels) and disruption budget", () => {
        const ns = asAny(namespaceManifest(target));
        new Namespace({ apiVersion: "v1", kind: "Namespace", ...ns }).validate();
        expect(ns.metadata.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted" });
        const pdb = asAny(disruptionBudget("kafka", target));
        new PodDisruptionBudget({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", ...pdb }).validate();
        expect(pdb.spec).toEqual({
            maxUnavailable: 1,
            selector: { matchLabels: { "app.kubernetes.io/instance": "cdc-lakehouse-prod", "app.kubernetes.io/name": "kafka" } },
        });
    });

    it("the schema check is real: a wrong type or value is rejected", () => {
        const set = asAny(workloadManifest(postgres, "postgres:15.10", target).args);
        const broken = JSON.parse(JSON.stringify(set));
        broken.spec.template.spec.containers[0].ports[0].containerPort = "5432";
        expect(() => new StatefulSet({ apiVersion: "apps/v1", kind: "StatefulSet", ...broken }).validate()).toThrow(/containerPort must be integer/);
        const svc = asAny(serviceManifests(postgres, target)[0].args);
        expect(() => new Service({ apiVersion: "v1", kind: "Service", ...svc, spec: { ...svc.spec, type: "Public" } }).validate()).toThrow(
            /type must be equal to one of the allowed values/,
        );
    });
});
