/**
 * The `k8s` stack on the harness's single-node cluster, for tests/integration/kubernetes: the cluster
 * made ready (images built and imported into the node, the kubernetes provider plugin built and
 * installed, the cluster's services up), the stack's test copy, and what the API server says about
 * its workloads, pods, claims and volumes. The stack itself is deployed by the same helper the
 * Kubernetes bench uses (bench/lib/kubernetes-stack.ts): the real engine, the real provider.
 */
import * as fs from "fs";
import { PASSWORD_KEYS } from "../../bench/lib/kubernetes-stack";
import { IMAGE_NAMES, ImageName, projectImageRef } from "../../components/images";
import { ensureUp, expandGroups, status, stopServices } from "../../harness/cli";
import { ClusterLayout, clusterPaths } from "../../harness/kubernetes/config";
import { importFromDocker } from "../../harness/kubernetes/images";
import { CLUSTER_GROUP } from "../../harness/kubernetes/index";
import { kubectlItems } from "../../harness/kubernetes/kubectl";
import { currentMountsBelow } from "../../harness/lib/mounts";
import { HarnessContext } from "../../harness/lib/types";
import { buildAndInstallKubernetesPlugin } from "../../harness/pulumi/kubernetes-plugin";
import { ensureStackImages } from "./docker-stack";

/** The test copy's stack name: namespace `lakehouse-k8se2e`, resources `cdc-lakehouse-k8se2e-*`. */
export const KUBERNETES_E2E_STACK = "k8se2e";
/** Its node ports (20 from here): apart from the `k8s` stack's default block and the bench's 31200. */
export const KUBERNETES_E2E_NODE_PORT_BASE = 31400;

/**
 * The test copy of Pulumi.k8s.yaml's `config` (parsed). As the `k8s` stack (3 brokers, 2 Connect
 * workers, 2 TaskManagers, Nessie on JDBC, the Dremio stand-in), with: its own namespace and node
 * ports; 1 s checkpoints (changes visible sooner); the data a destroy would otherwise refuse to lose
 * allowed (bucket, tables, slot: the stack is thrown away) but not `volumes`, so that a destroy keeps
 * the namespace and the volume claims, as a prod stack's does; jobs cancelled on destroy; the
 * encrypted passwords left out (another stack cannot read them: the helper sets new ones). Pure.
 */
export function kubernetesE2eConfig(base: Record<string, any>, name = KUBERNETES_E2E_STACK): Record<string, unknown> {
    const cfg: Record<string, any> = JSON.parse(JSON.stringify(base));
    for (const key of PASSWORD_KEYS) delete cfg[`lakehouse:${key}`];
    cfg["lakehouse:kubernetes"] = { ...cfg["lakehouse:kubernetes"], namespace: `lakehouse-${name}`, nodePortBase: KUBERNETES_E2E_NODE_PORT_BASE };
    cfg["lakehouse:flink"] = { ...cfg["lakehouse:flink"], checkpointIntervalMs: 1000 };
    cfg["lakehouse:allowDataLoss"] = ["bucket", "tables", "slot"];
    cfg["lakehouse:storage"] = { ...cfg["lakehouse:storage"], forceDestroy: true };
    cfg["lakehouse:pipeline"] = { ...cfg["lakehouse:pipeline"], jobDeleteMode: "cancel" };
    return cfg;
}

/**
 * Makes the harness's cluster ready for a stack, each step skipped when done: the project's images
 * built on the Docker engine, the cluster's programs built and its services up, the kubernetes
 * provider plugin built and installed for the harness's Pulumi CLI, the images imported into the
 * node's containerd. Returns how long each step took.
 */
export async function prepareCluster(ctx: HarnessContext, l: ClusterLayout, log: (line: string) => void): Promise<string[]> {
    const timings: string[] = [];
    const step = async (what: string, work: () => Promise<unknown>) => {
        const started = Date.now();
        log(`${what} ...`);
        await work();
        timings.push(`${what}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    };
    await step("the project's images on the Docker engine", () => ensureStackImages(log));
    await step("the cluster's programs built and its services up", () => ensureUp(expandGroups([CLUSTER_GROUP]), { ctx }));
    await step("the kubernetes provider plugin built and installed", () => buildAndInstallKubernetesPlugin(ctx));
    const images = IMAGE_NAMES.filter((n) => n !== "jre").map((n) => projectImageRef(n as ImageName));
    await step("the images imported into the node", () => importFromDocker(l, images, log));
    return timings;
}

/** True when every service of the harness's cluster is up and healthy (a test that finds it so leaves it up). */
export async function clusterIsUp(ctx: HarnessContext): Promise<boolean> {
    return (await status(expandGroups([CLUSTER_GROUP]), { ctx })).every((s) => s.healthy);
}

/**
 * Stops the harness's cluster and returns what it left behind, which must be nothing: processes still
 * on the node's containerd socket (a pod's container under a containerd-shim) and mounts under the
 * cluster's directory (a later `reset` would refuse to delete through a mount).
 */
export async function stopCluster(ctx: HarnessContext, l: ClusterLayout): Promise<{ processesOnTheNodesSocket: string[]; mounts: string[] }> {
    await stopServices(expandGroups([CLUSTER_GROUP]), { ctx });
    const socket = clusterPaths(l).containerdSocket;
    const onSocket = (pid: string) => {
        try {
            return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(socket);
        } catch {
            return false;
        }
    };
    const processes = fs.readdirSync("/proc").filter((pid) => /^\d+$/.test(pid) && onSocket(pid));
    return { processesOnTheNodesSocket: processes, mounts: currentMountsBelow(l.base) };
}

/** A workload of the stack as its controller reports it. */
export interface WorkloadState {
    kind: "StatefulSet" | "Deployment";
    name: string;
    replicas: number;
    ready: number;
    updated: number;
    /** The controller has seen the latest spec. */
    observed: boolean;
}

/** The StatefulSets and Deployments in `namespace`, sorted by name. */
export async function workloadStates(ctx: HarnessContext, l: ClusterLayout, namespace: string): Promise<WorkloadState[]> {
    const items = await kubectlItems(ctx, l, ["statefulsets,deployments", "-n", namespace]);
    return items
        .map((w) => ({
            kind: w.kind,
            name: w.metadata.name,
            replicas: w.spec?.replicas ?? 0,
            ready: w.status?.readyReplicas ?? 0,
            updated: w.status?.updatedReplicas ?? 0,
            observed: (w.status?.observedGeneration ?? 0) >= (w.metadata?.generation ?? 0),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
}

/** True when every workload has all its replicas ready on its latest spec. */
export function allReady(workloads: WorkloadState[]): boolean {
    return workloads.length > 0 && workloads.every((w) => w.observed && w.ready === w.replicas && w.updated === w.replicas);
}

/** A pod of the stack: which workload it belongs to, its identity and readiness. */
export interface PodState {
    name: string;
    uid: string;
    component: string;
    phase: string;
    ready: boolean;
    restarts: number;
    deleting: boolean;
}

/** The pods in `namespace`, sorted by name. */
export async function podStates(ctx: HarnessContext, l: ClusterLayout, namespace: string): Promise<PodState[]> {
    const items = await kubectlItems(ctx, l, ["pods", "-n", namespace]);
    return items
        .map((p) => ({
            name: p.metadata.name,
            uid: p.metadata.uid,
            component: p.metadata.labels?.["app.kubernetes.io/component"] ?? "",
            phase: p.status?.phase ?? "",
            ready: (p.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"),
            restarts: (p.status?.containerStatuses ?? []).reduce((n: number, c: any) => n + (c.restartCount ?? 0), 0),
            deleting: Boolean(p.metadata.deletionTimestamp),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
}

/** A claim in `namespace`: its name, identity, phase, requested size and the volume it is bound to. */
export async function claimStates(ctx: HarnessContext, l: ClusterLayout, namespace: string) {
    const items = await kubectlItems(ctx, l, ["pvc", "-n", namespace]);
    return items
        .map((c) => ({
            name: c.metadata.name as string,
            uid: c.metadata.uid as string,
            phase: c.status?.phase as string,
            size: c.spec?.resources?.requests?.storage as string,
            volume: c.spec?.volumeName as string,
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
}

// Where the preview plan is read now (shared with the other end-to-end tests).
export { previewPlan } from "./e2e";
export type { PreviewStep } from "./e2e";
