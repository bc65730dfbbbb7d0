/**
 * Flink JobManager high availability in the rendered platforms (`flink.highAvailability`, default
 * on): Kubernetes HA with its ServiceAccount, Role and RoleBinding on Kubernetes; ZooKeeper HA with
 * a ZooKeeper workload on Docker; HA storage on the object store; off on request and for an
 * existing cluster. Pure functions first, then the whole stack under Pulumi's mocks.
 */
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { parseLakehouseConfig } from "../../../components/config";
import { FLINK_HA } from "../../../components/defaults";
import {
    FLINK_HA_RBAC_RULES,
    FlinkHighAvailability,
    flinkHighAvailability,
    flinkProperties,
    flinkWorkloads,
    highAvailabilityProperties,
} from "../../../components/flink";
import { zookeeperWorkload } from "../../../components/zookeeper";
import { KubernetesTarget, containerEnv, kubernetesApiManifests, workloadManifest } from "../../../components/platform/kubernetes-manifests";
import { RecordedResource, dependsOn } from "../../support/mocks";
import { flinkWorkloadArgs } from "../../support/flink-workload-args";
import { T, containerOf, object, ofType, plainEnv, renderStack, schemaFailures, workloads } from "../../support/kubernetes";

const cfg = parseLakehouseConfig({}, new Set(), { project: "cdc-lakehouse", stack: "prod" });
const base = flinkWorkloadArgs(cfg.flink);
const k8sHa: FlinkHighAvailability = {
    type: "kubernetes",
    clusterId: "cdc-lakehouse-prod-flink",
    storageDir: "s3://warehouse/flink/ha",
    serviceAccount: "flink",
};
const zkHa: FlinkHighAvailability = {
    type: "zookeeper",
    clusterId: "cdc-lakehouse-dev-flink",
    storageDir: "s3://warehouse/flink/ha",
    quorum: "zookeeper:2181",
    sessionTimeout: "20 s",
};
const props = (text: string) => Object.fromEntries(text.split("\n").map((l) => [l.slice(0, l.indexOf(": ")), l.slice(l.indexOf(": ") + 2)]));
const target: KubernetesTarget = {
    namespace: "lakehouse-prod",
    instance: "cdc-lakehouse-prod",
    project: "cdc-lakehouse",
    stack: "prod",
    volumeSizeGiB: {},
    nodeSelector: {},
    tolerations: [],
    access: "in-cluster",
    nodePortBase: 30900,
    clusterDomain: "cluster.local",
    startTimeoutSeconds: 300,
};

describe("the config key flink.highAvailability", () => {
    it("is on by default with HA storage on the warehouse bucket; false turns it off; a wrong value names the key", () => {
        expect(cfg.flink.highAvailability).toBe(true);
        expect(
            parseLakehouseConfig({ storage: JSON.stringify({ bucket: "lake" }) }, new Set(), { project: "p", stack: "s" }).flink.highAvailabilityStorageUri,
        ).toBe("s3://lake/flink/ha");
        expect(
            parseLakehouseConfig({ flink: JSON.stringify({ highAvailability: false }) }, new Set(), { project: "p", stack: "s" }).flink.highAvailability,
        ).toBe(false);
        expect(() => parseLakehouseConfig({ flink: JSON.stringify({ highAvailability: "sometimes" }) }, new Set(), { project: "p", stack: "s" })).toThrow(
            /lakehouse:flink\.highAvailability/,
        );
        expect(() =>
            parseLakehouseConfig({ flink: JSON.stringify({ highAvailabilityStorageUri: "/tmp/ha" }) }, new Set(), { project: "p", stack: "s" }),
        ).toThrow(/lakehouse:flink\.highAvailabilityStorageUri/);
    });
});

describe("choosing the high availability", () => {
    const args = { flink: cfg.flink, clusterId: "cdc-lakehouse-prod-flink", external: false };
    it("Kubernetes HA on Kubernetes, ZooKeeper HA on Docker, none when off, for an existing cluster, or on external", () => {
        expect(flinkHighAvailability("kubernetes", args)).toEqual(k8sHa);
        expect(flinkHighAvailability("docker", { ...args, clusterId: "cdc-lakehouse-dev-flink", zookeeperQuorum: "zookeeper:2181" })).toEqual(zkHa);
        expect(flinkHighAvailability("kubernetes", { ...args, flink: { ...cfg.flink, highAvailability: false } })).toBeUndefined();
        expect(flinkHighAvailability("docker", { ...args, external: true })).toBeUndefined();
        expect(flinkHighAvailability("external", args)).toBeUndefined();
    });
    it("refuses a cluster id that cannot name ConfigMaps, and ZooKeeper HA without a ZooKeeper", () => {
        expect(() => flinkHighAvailability("kubernetes", { ...args, clusterId: "Has_Upper" })).toThrow(/cluster id "Has_Upper".*flink\.highAvailability false/);
        expect(() => flinkHighAvailability("docker", args)).toThrow(/ZooKeeper workload's address/);
    });
    it("renders Flink's settings for each", () => {
        expect(highAvailabilityProperties(undefined)).toEqual({});
        expect(highAvailabilityProperties(k8sHa)).toEqual({
            "high-availability.type": "kubernetes",
            "kubernetes.cluster-id": "cdc-lakehouse-prod-flink",
            "high-availability.cluster-id": "cdc-lakehouse-prod-flink",
            "high-availability.storageDir": "s3://warehouse/flink/ha",
        });
        expect(highAvailabilityProperties(zkHa)).toEqual({
            "high-availability.type": "zookeeper",
            "high-availability.zookeeper.quorum": "zookeeper:2181",
            "high-availability.zookeeper.path.root": "/flink",
            "high-availability.zookeeper.client.session-timeout": "20 s",
            "high-availability.cluster-id": "cdc-lakehouse-dev-flink",
            "high-availability.storageDir": "s3://warehouse/flink/ha",
            "high-availability.jobmanager.port": "6123",
        });
    });
});

describe("the Flink workload specs under high availability", () => {
    it("Kubernetes HA: every pod gets the ServiceAccount, its IP and namespace; the JobManager advertises its pod IP", () => {
        const [jm, tm, gw] = flinkWorkloads({ ...base, highAvailability: k8sHa });
        expect(jm.command).toEqual(["jobmanager", "$(POD_IP)", "-D", "kubernetes.namespace=$(POD_NAMESPACE)"]);
        expect(tm.command).toEqual(["taskmanager", "-Dkubernetes.namespace=$(POD_NAMESPACE)"]);
        expect(gw.command).toEqual(["bin/sql-gateway.sh", "start-foreground", "-Dkubernetes.namespace=$(POD_NAMESPACE)"]);
        for (const w of [jm, tm, gw]) {
            expect(w.podFieldEnv).toEqual({ POD_IP: "status.podIP", POD_NAMESPACE: "metadata.namespace" });
            expect(w.kubernetesApi).toEqual({ serviceAccount: "flink", rules: FLINK_HA_RBAC_RULES });
            expect(props(w.env.FLINK_PROPERTIES)).toMatchObject({
                "high-availability.type": "kubernetes",
                "kubernetes.cluster-id": "cdc-lakehouse-prod-flink",
            });
            expect(w.dependsOn).not.toContain("zookeeper");
        }
    });
    it("ZooKeeper HA: the JobManager starts after ZooKeeper; commands stay the image's", () => {
        const [jm, tm, gw] = flinkWorkloads({ ...base, highAvailability: zkHa });
        expect(jm.dependsOn).toContain("zookeeper");
        expect([jm.command, tm.command, gw.command]).toEqual([["jobmanager"], ["taskmanager"], ["bin/sql-gateway.sh", "start-foreground"]]);
        expect(jm.podFieldEnv).toBeUndefined();
        expect(jm.kubernetesApi).toBeUndefined();
    });
    it("HA storage on s3 alone enables the S3 filesystem plugin", () => {
        const local = { ...cfg.flink, checkpointsUri: "file:///data/cp", savepointsUri: "file:///data/sp" };
        expect(flinkWorkloads({ ...base, flink: local })[0].env.ENABLE_BUILT_IN_PLUGINS).toBeUndefined();
        expect(flinkWorkloads({ ...base, flink: local, highAvailability: zkHa })[0].env.ENABLE_BUILT_IN_PLUGINS).toBe("flink-s3-fs-hadoop-1.20.3.jar");
    });
    it("without high availability: no HA key at all", () => {
        expect(flinkProperties(base)).not.toMatch(/high-availability|kubernetes\.cluster-id/);
    });
});

describe("the ZooKeeper workload (Docker)", () => {
    it("one standalone server of the pinned image, data on a volume, no admin server, healthy by its status command", () => {
        const zk = zookeeperWorkload({ image: base.zookeeperImage, resources: FLINK_HA.zookeeperResources, volumeSizeGiB: 1 });
        expect(zk).toMatchObject({ name: "zookeeper", service: "zookeeper", image: base.zookeeperImage, stateful: true, replicas: 1 });
        expect(zk.ports).toEqual([{ name: "client", port: 2181 }]);
        expect(zk.volumes).toEqual([{ name: "data", mountPath: "/data", sizeGiB: 1 }]);
        expect(zk.env).toMatchObject({ ZOO_STANDALONE_ENABLED: "true", ZOO_ADMINSERVER_ENABLED: "false" });
        expect(zk.env.ZOO_4LW_COMMANDS_WHITELIST.split(",")).toContain("srvr");
        expect(zk.health.exec).toEqual(["CMD", "zkServer.sh", "status"]);
    });
});

describe("Kubernetes manifests of the HA bits (pure, schema-validated)", () => {
    const [jm] = flinkWorkloads({ ...base, highAvailability: k8sHa });
    it("the ServiceAccount, a Role on ConfigMaps only and its RoleBinding, in the stack's namespace", () => {
        const m = kubernetesApiManifests(jm, target)!;
        expect(m.name).toBe("flink");
        new ServiceAccount({ apiVersion: "v1", kind: "ServiceAccount", ...(m.serviceAccount as any) }).validate();
        new Role({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", ...(m.role as any) }).validate();
        new RoleBinding({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", ...(m.roleBinding as any) }).validate();
        expect((m.role as any).rules).toEqual([
            { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
        ]);
        expect((m.roleBinding as any).roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "flink" });
        expect((m.roleBinding as any).subjects).toEqual([{ kind: "ServiceAccount", name: "flink", namespace: "lakehouse-prod" }]);
        expect((m.serviceAccount as any).metadata.namespace).toBe("lakehouse-prod");
        expect(kubernetesApiManifests(flinkWorkloads(base)[0], target)).toBeUndefined();
    });
    it("the pod runs as that account and reads its IP and namespace from the Downward API", () => {
        const d = workloadManifest(jm, "registry/flink:1", target).args as any;
        new Deployment({ apiVersion: "apps/v1", kind: "Deployment", ...d }).validate();
        expect(d.spec.template.spec.serviceAccountName).toBe("flink");
        expect(containerEnv(jm).filter((e) => e.valueFrom && "fieldRef" in (e.valueFrom as any))).toEqual([
            { name: "POD_IP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } } },
            { name: "POD_NAMESPACE", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } } },
        ]);
        expect(workloadManifest(flinkWorkloads(base)[0], "registry/flink:1", target).args.spec!).not.toHaveProperty("template.spec.serviceAccountName");
    });
});

const CONTAINER = "docker:index/container:Container";
const envOf = (c: RecordedResource): Record<string, string> =>
    Object.fromEntries((c.inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));

describe("Docker rendering (dev stack under mocks)", () => {
    it("runs a ZooKeeper container with a data volume, starts the JobManager after it, and gives every Flink process ZooKeeper HA on the object store", async () => {
        const run = await renderStack("dev", {});
        const container = (n: string) => run.resources.find((r) => r.type === CONTAINER && r.inputs.name === `cdc-lakehouse-dev-${n}`)!;
        const zk = container("zookeeper");
        expect(zk.inputs.image).toBeDefined();
        expect(zk.inputs.volumes).toEqual([{ volumeName: "cdc-lakehouse-dev-zookeeper-data", containerPath: "/data" }]);
        expect(zk.inputs.healthcheck.tests).toEqual(["CMD", "zkServer.sh", "status"]);
        expect(zk.inputs.ports).toEqual([]);
        expect(dependsOn(container("flink-jobmanager"), "cdc-lakehouse-dev-zookeeper")).toBe(true);
        for (const name of ["flink-jobmanager", "flink-taskmanager", "flink-sql-gateway"]) {
            const p = props(envOf(container(name)).FLINK_PROPERTIES);
            expect(p).toMatchObject({
                "high-availability.type": "zookeeper",
                "high-availability.zookeeper.quorum": "zookeeper:2181",
                "high-availability.cluster-id": "cdc-lakehouse-dev-flink",
                "high-availability.storageDir": "s3://warehouse/flink/ha",
                "high-availability.jobmanager.port": "6123",
            });
            expect(envOf(container(name)).ENABLE_BUILT_IN_PLUGINS).toBe("flink-s3-fs-hadoop-1.20.3.jar");
        }
        expect(run.lakehouse.flink.highAvailability?.type).toBe("zookeeper");
    });

    it("flink.highAvailability false: no ZooKeeper, no HA settings", async () => {
        const run = await renderStack("dev", { flink: { highAvailability: false } });
        const names = run.resources.filter((r) => r.type === CONTAINER).map((r) => r.inputs.name);
        expect(names).not.toContain("cdc-lakehouse-dev-zookeeper");
        const jm = run.resources.find((r) => r.type === CONTAINER && r.inputs.name === "cdc-lakehouse-dev-flink-jobmanager")!;
        expect(envOf(jm).FLINK_PROPERTIES).not.toMatch(/high-availability/);
    });
});

describe("Kubernetes rendering (under mocks)", () => {
    const values = { platform: "kubernetes", kubernetes: { namespace: "lakehouse-prod" } };

    it("Kubernetes HA: the ServiceAccount, Role and RoleBinding exist before the Flink pods, which run as it; no ZooKeeper", async () => {
        const run = await renderStack("prod", values);
        expect(schemaFailures(run.resources)).toEqual([]);
        const account = object(run.resources, T.serviceAccount, "flink");
        const role = object(run.resources, T.role, "flink");
        const binding = object(run.resources, T.roleBinding, "flink");
        expect(account.inputs.metadata.namespace).toBe("lakehouse-prod");
        expect(role.inputs.rules).toEqual(FLINK_HA_RBAC_RULES);
        expect(dependsOn(binding, account.name) && dependsOn(binding, role.name)).toBe(true);
        expect(ofType(run.resources, T.serviceAccount)).toHaveLength(1);
        for (const name of ["flink-jobmanager", "flink-taskmanager", "flink-sql-gateway"]) {
            const w = workloads(run.resources).find((x) => x.inputs.metadata.name === name)!;
            expect(w.inputs.spec.template.spec.serviceAccountName).toBe("flink");
            expect(dependsOn(w, binding.name)).toBe(true);
            const p = props(plainEnv(containerOf(w)).FLINK_PROPERTIES);
            expect(p).toMatchObject({
                "high-availability.type": "kubernetes",
                "kubernetes.cluster-id": "cdc-lakehouse-prod-flink",
                "high-availability.storageDir": "s3://warehouse/flink/ha",
            });
        }
        expect(workloads(run.resources).map((w) => w.inputs.metadata.name)).not.toContain("zookeeper");
        expect(containerOf(workloads(run.resources).find((x) => x.inputs.metadata.name === "flink-jobmanager")!).args).toEqual([
            "jobmanager",
            "$(POD_IP)",
            "-D",
            "kubernetes.namespace=$(POD_NAMESPACE)",
        ]);
    });

    it("flink.highAvailability false: no ServiceAccount, Role or RoleBinding, plain commands", async () => {
        const run = await renderStack("prod", { ...values, flink: { highAvailability: false } });
        expect(ofType(run.resources, T.serviceAccount)).toEqual([]);
        expect(ofType(run.resources, T.role)).toEqual([]);
        expect(ofType(run.resources, T.roleBinding)).toEqual([]);
        const jm = workloads(run.resources).find((x) => x.inputs.metadata.name === "flink-jobmanager")!;
        expect(containerOf(jm).args).toEqual(["jobmanager"]);
        expect(jm.inputs.spec.template.spec.serviceAccountName).toBeUndefined();
    });
});
