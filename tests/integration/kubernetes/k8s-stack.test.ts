/**
 * The prod stack's Kubernetes rendering, proven on a real cluster: the harness's single-node cluster
 * (etcd, API server, controller manager, scheduler, a kubelet on containerd, kube-proxy, CoreDNS, all
 * built here), the real Pulumi engine and the kubernetes provider plugin built here, the project's
 * images imported into the node. The stack is a copy of Pulumi.k8s.yaml (tests/support/kubernetes-stack.ts
 * says what differs). In order:
 *
 * 1. `pulumi up` from nothing: every StatefulSet and Deployment Ready, each pod on a project image;
 * 2. the connector and its tasks RUNNING, every Flink job RUNNING;
 * 3. a PostgreSQL insert, update and delete visible in the Iceberg upsert mirror, compared exactly;
 * 4. `npm run health` and `npm run canary` (their library functions) pass on the stack's outputs;
 * 5. a second preview shows no changes;
 * 6. a Kafka broker's, a TaskManager's, a Connect worker's and PostgreSQL's pod deleted, one after the
 *    other: each recreated by its controller, the pipeline RUNNING again, and the rows written before,
 *    during and after all in Iceberg, exactly (PostgreSQL on the same claim, its rows all there);
 * 7. a scale-out of TaskManagers and Connect workers: the preview shows updates in place, no
 *    replacement; after `up` the new pods are Ready and the pipeline is exact;
 * 8. a change to an immutable field (PostgreSQL's claim size, in the StatefulSet's claim template): the
 *    preview shows the StatefulSet replaced and nothing else; after `up` the new set runs on the same
 *    claim (same identity, same volume, same data) and the pipeline is exact;
 * 9. `pulumi destroy` removes every workload and pod and keeps every claim and its volume (the stack
 *    does not allow losing volumes).
 *
 * The cluster is started when it is not up (and stopped again at the end when this file started it);
 * the programs, the plugin and the images are built the first time (cached outside the repository).
 * Timings and the machine's memory are printed for docs/measurements.md.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { KubernetesStackRun, deployKubernetesStack, removeThrowawayNamespace } from "../../../bench/lib/kubernetes-stack";
import { ClusterLayout } from "../../../harness/kubernetes/config";
import { layout } from "../../../harness/kubernetes/index";
import { kubectl, kubectlItems } from "../../../harness/kubernetes/kubectl";
import { createContext } from "../../../harness/lib/context";
import { HarnessContext } from "../../../harness/lib/types";
import { REPO_DIR } from "../../../harness/pulumi/cli";
import { formatCanary } from "../../../ops/canary";
import { runCanary } from "../../../ops/canary-run";
import { StackOutputs, parseStackOutputs } from "../../../ops/outputs";
import { stackIcebergSession } from "../../support/docker-stack";
import { IcebergSession, pollFor } from "../../support/iceberg-session";
import {
    KUBERNETES_E2E_STACK,
    allReady,
    claimStates,
    clusterIsUp,
    kubernetesE2eConfig,
    podStates,
    prepareCluster,
    previewPlan,
    stopCluster,
    workloadStates,
} from "../../support/kubernetes-stack";
import { expectStackHealthy } from "../../support/stack-health";
import { StackPipeline, stackPipeline } from "../../support/stack-pipeline";

const stack = KUBERNETES_E2E_STACK;
const namespace = `lakehouse-${stack}`;
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
const log = (line: string) => console.log(`[k8s-e2e ${elapsed()}] ${line}`);
/** The machine's memory in use (MemTotal - MemAvailable), in MiB. */
const memoryInUseMiB = () => {
    const info = fs.readFileSync("/proc/meminfo", "utf8");
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(info)?.[1] ?? 0);
    return Math.round((kib("MemTotal") - kib("MemAvailable")) / 1024);
};

/** The workloads of the `k8s` stack: the seven services, Kafka as three brokers, Flink as its three parts. */
const WORKLOADS = [
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
];

describe("the k8s stack on a real Kubernetes cluster, through the real engine and provider", () => {
    let ctx: HarnessContext;
    let l: ClusterLayout;
    let run: KubernetesStackRun;
    let outputs: StackOutputs;
    let iceberg: IcebergSession;
    let pipeline: StackPipeline;
    let clusterWasUp = false;
    const timings: string[] = [];

    const workloads = () => workloadStates(ctx, l, namespace);
    const waitAllReady = (what: string, timeoutMs = 600_000) => pollFor(`${what}: every workload in ${namespace} Ready`, timeoutMs, workloads, allReady);
    /** The stack's outputs after an `up`, checked against their contract. */
    const readOutputs = async () => {
        const parsed = parseStackOutputs(await run.rawOutputs());
        expect(parsed.problems).toEqual([]);
        return parsed.outputs;
    };
    const preview = async () => previewPlan((await run.pulumi(["preview", "-s", stack, "--json"])).stdout);
    /** A preview's changes; asserts that its summary counts exactly those, and the rest as unchanged. */
    const changes = async () => {
        const { steps, summary } = await preview();
        const counted = Object.entries(summary).filter(([op]) => op !== "same");
        expect(Object.fromEntries(counted)).toEqual(steps.reduce<Record<string, number>>((n, s) => ({ ...n, [s.op]: (n[s.op] ?? 0) + 1 }), {}));
        return { steps, unchanged: summary.same ?? 0 };
    };

    /** A namespace a run interrupted before its teardown left behind: deleted, and its volumes freed. */
    const removeLeftovers = () => removeThrowawayNamespace(ctx, l, namespace, log);

    beforeAll(async () => {
        ctx = createContext({ log });
        l = layout(ctx);
        clusterWasUp = await clusterIsUp(ctx);
        timings.push(...(await prepareCluster(ctx, l, log)));
        await removeLeftovers();
        const memoryBefore = memoryInUseMiB();
        const base = (yaml.load(fs.readFileSync(path.join(REPO_DIR, "Pulumi.k8s.yaml"), "utf8")) as any).config;
        const deployed = await deployKubernetesStack(stack, kubernetesE2eConfig(base), log);
        run = deployed;
        timings.push(`pulumi up from nothing: ${(deployed.upMs / 1000).toFixed(0)} s`);
        timings.push(`memory in use: ${memoryBefore} MiB before the stack, ${memoryInUseMiB()} MiB with it`);
        outputs = await readOutputs();
        iceberg = await stackIcebergSession(outputs);
        pipeline = stackPipeline(outputs, iceberg, log);
        // Up to 60 min for the first build of the cluster's programs and the plugin on a cold machine.
    }, 5_400_000);

    afterAll(async () => {
        await iceberg?.close();
        if (run) await run.teardown();
        else await removeLeftovers().catch((e) => log(`leftovers not removed: ${(e as Error).message}`));
        // Stopped means stopped: no pod's container left, nothing mounted under the cluster's directory.
        if (ctx && !clusterWasUp) expect(await stopCluster(ctx, l)).toEqual({ processesOnTheNodesSocket: [], mounts: [] });
        log(`timings:\n  ${timings.join("\n  ")}`);
    }, 900_000);

    it("brings every workload Ready from nothing, each pod on a project image", async () => {
        const ws = await waitAllReady("after pulumi up");
        expect(ws.map((w) => w.name)).toEqual(WORKLOADS);
        const pods = await kubectlItems(ctx, l, ["pods", "-n", namespace]);
        for (const pod of pods) {
            expect({ pod: pod.metadata.name, phase: pod.status.phase }).toEqual({ pod: pod.metadata.name, phase: "Running" });
            for (const c of pod.spec.containers) expect(c.image).toMatch(/^lakehouse\/[a-z-]+:/);
        }
        log(`pods: ${(await podStates(ctx, l, namespace)).map((p) => `${p.name} (restarts ${p.restarts})`).join(", ")}`);
    });

    it("runs the connector and its tasks, and every Flink job", async () => {
        await pipeline.expectRunning("after pulumi up");
    });

    it("shows a PostgreSQL insert, update and delete in Iceberg, exactly", async () => {
        const seconds = await pipeline.expectInsertUpdateDelete("e2e");
        timings.push(`insert + update + delete visible in Iceberg: ${seconds.toFixed(1)} s`);
    });

    it("passes npm run health and npm run canary against the pods", async () => {
        await expectStackHealthy(stack, outputs, log);
        const canary = await runCanary(outputs, { stack, timeoutSeconds: 180, log });
        log(`canary: ${formatCanary(canary)}`);
        expect(canary.ok).toBe(true);
        expect(canary.cleanedUp).toBe(true);
        timings.push(`canary: latency ${canary.latencyMs} ms`);
    });

    it("shows no changes in a second preview", async () => {
        const started = Date.now();
        const { steps, unchanged } = await changes();
        timings.push(`preview with nothing to change: ${((Date.now() - started) / 1000).toFixed(0)} s, ${unchanged} resources unchanged`);
        expect(steps).toEqual([]);
        expect(unchanged).toBeGreaterThan(70);
    });

    for (const component of ["kafka-0", "flink-taskmanager", "connect", "postgres"]) {
        it(`recreates ${component}'s pod when it is deleted, with nothing lost`, async () => {
            const before = (await podStates(ctx, l, namespace)).filter((p) => p.component === component);
            expect(before.length).toBeGreaterThan(0);
            const victim = before[0];
            const claimsBefore = await claimStates(ctx, l, namespace);
            const sourceBefore = await pipeline.sourceRows();
            await pipeline.insertRows(`before-delete-${component}`, 2);
            const deleted = Date.now();
            await kubectl(ctx, l, ["delete", "pod", "-n", namespace, victim.name, "--wait=false"]);
            log(`deleted pod ${victim.name} (uid ${victim.uid})`);
            const pods = await pollFor(
                `${component}: pod ${victim.name} replaced by its controller and every pod of it Ready`,
                600_000,
                async () => (await podStates(ctx, l, namespace)).filter((p) => p.component === component),
                (ps) => ps.length === before.length && !ps.some((p) => p.uid === victim.uid) && ps.every((p) => p.ready && !p.deleting),
            );
            const back = (Date.now() - deleted) / 1000;
            await pipeline.insertRows(`during-recovery-${component}`, 1);
            await waitAllReady(`after ${victim.name} was deleted`);
            await pipeline.waitConnectorRunning(`after ${victim.name} was deleted`);
            await pipeline.waitJobsRunning(`after ${victim.name} was deleted`);
            await pipeline.insertRows(`after-delete-${component}`, 2);
            const seconds = await pipeline.expectMirrorEqualsSource(`after ${victim.name} was deleted`);
            // The claims are the same ones (a recreated StatefulSet pod mounts its own again), and PostgreSQL kept every row.
            expect(await claimStates(ctx, l, namespace)).toEqual(claimsBefore);
            const sourceAfter = await pipeline.sourceRows();
            for (const row of sourceBefore) expect(sourceAfter).toContainEqual(row);
            timings.push(
                `${component}: pod deleted, replacement Ready after ${back.toFixed(1)} s (${pods.map((p) => p.name).join(", ")}); rows equal ${seconds.toFixed(1)} s after the pipeline was RUNNING`,
            );
        }, 1_800_000);
    }

    it("scales TaskManagers and Connect workers out in place", async () => {
        await run.pulumi(["config", "set", "--path", "-s", stack, "lakehouse:flink.taskManagers", "3"]);
        await run.pulumi(["config", "set", "--path", "-s", stack, "lakehouse:connect.workers", "3"]);
        const { steps } = await changes();
        log(`preview of the scale-out: ${JSON.stringify(steps)}`);
        expect(steps.filter((s) => s.op !== "update")).toEqual([]);
        expect(steps).toContainEqual({ op: "update", type: "kubernetes:apps/v1:Deployment", name: expect.stringMatching(/-flink-taskmanager$/) });
        expect(steps).toContainEqual({ op: "update", type: "kubernetes:apps/v1:Deployment", name: expect.stringMatching(/-connect$/) });
        const podsBefore = await podStates(ctx, l, namespace);
        const upMs = await run.up();
        timings.push(`scale-out (TaskManagers 2 -> 3, Connect workers 2 -> 3): pulumi up ${(upMs / 1000).toFixed(0)} s`);
        const ws = await waitAllReady("after the scale-out");
        expect(ws.find((w) => w.name === "flink-taskmanager")?.replicas).toBe(3);
        expect(ws.find((w) => w.name === "connect")?.replicas).toBe(3);
        // In place: the stateful pods were not touched.
        const stateful = (ps: typeof podsBefore) => ps.filter((p) => /^(kafka-\d|postgres|minio)$/.test(p.component)).map((p) => p.uid);
        expect(stateful(await podStates(ctx, l, namespace))).toEqual(stateful(podsBefore));
        outputs = await readOutputs();
        await pipeline.waitConnectorRunning("after the scale-out");
        await pipeline.waitJobsRunning("after the scale-out");
        await pipeline.insertRows("after-scale-out", 3);
        await pipeline.expectMirrorEqualsSource("after the scale-out");
        expect((await changes()).steps).toEqual([]);
        timings.push(`memory in use after the scale-out: ${memoryInUseMiB()} MiB`);
    }, 1_800_000);

    it("replaces PostgreSQL's StatefulSet when its claim size changes, on the same claim and data", async () => {
        await run.pulumi(["config", "set", "--path", "-s", stack, "lakehouse:kubernetes.volumeSizeGiB.postgres", "6"]);
        const { steps } = await changes();
        log(`preview of the claim size change: ${JSON.stringify(steps)}`);
        // Only the StatefulSet changes, and it is replaced (its claim template is immutable): the preview says so.
        expect(steps.filter((s) => s.op === "replace")).toEqual([
            { op: "replace", type: "kubernetes:apps/v1:StatefulSet", name: expect.stringMatching(/-postgres$/) },
        ]);
        expect(steps.filter((s) => s.type !== "kubernetes:apps/v1:StatefulSet" || !s.name.endsWith("-postgres"))).toEqual([]);
        const claimsBefore = await claimStates(ctx, l, namespace);
        const postgresClaim = claimsBefore.find((c) => c.name.endsWith("-postgres-0"));
        expect(postgresClaim?.phase).toBe("Bound");
        const podBefore = (await podStates(ctx, l, namespace)).find((p) => p.component === "postgres")!;
        const sourceBefore = await pipeline.sourceRows();
        const upMs = await run.up();
        timings.push(`PostgreSQL's claim size 5 -> 6 GiB (StatefulSet replaced): pulumi up ${(upMs / 1000).toFixed(0)} s`);
        await waitAllReady("after the StatefulSet's replacement");
        const podAfter = (await podStates(ctx, l, namespace)).find((p) => p.component === "postgres")!;
        expect(podAfter.uid).not.toBe(podBefore.uid);
        // The new set adopted the claim: same identity, same volume, its size as it was (a claim is grown by expanding it: docs/deployment.md).
        expect(await claimStates(ctx, l, namespace)).toEqual(claimsBefore);
        expect(await pipeline.sourceRows()).toEqual(sourceBefore);
        await pipeline.waitConnectorRunning("after the StatefulSet's replacement");
        await pipeline.waitJobsRunning("after the StatefulSet's replacement");
        await pipeline.insertRows("after-replacement", 2);
        await pipeline.expectMirrorEqualsSource("after the StatefulSet's replacement");
        expect((await changes()).steps).toEqual([]);
    }, 1_800_000);

    it("removes the workloads on destroy and keeps every volume claim and its volume", async () => {
        const claimsBefore = await claimStates(ctx, l, namespace);
        expect(claimsBefore.length).toBeGreaterThan(0);
        await iceberg.close();
        const started = Date.now();
        await run.pulumi(["destroy", "-s", stack, "--yes", "--skip-preview"]);
        timings.push(`pulumi destroy: ${((Date.now() - started) / 1000).toFixed(0)} s`);
        expect(await workloads()).toEqual([]);
        await pollFor(
            `every pod in ${namespace} gone after the destroy`,
            300_000,
            () => podStates(ctx, l, namespace),
            (ps) => ps.length === 0,
        );
        expect(await claimStates(ctx, l, namespace)).toEqual(claimsBefore);
        const volumes = await kubectlItems(ctx, l, ["pv"]);
        for (const claim of claimsBefore) {
            const pv = volumes.find((v) => v.metadata.name === claim.volume);
            expect({ claim: claim.name, phase: pv?.status?.phase, boundTo: pv?.spec?.claimRef?.name }).toEqual({
                claim: claim.name,
                phase: "Bound",
                boundTo: claim.name,
            });
        }
    }, 1_800_000);
});
