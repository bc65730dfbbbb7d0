/**
 * The pure parts of the Kubernetes end-to-end test's support (tests/support/kubernetes-stack.ts): the
 * stack's test copy, reading `pulumi preview --json`, and when a stack's workloads count as Ready.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { PASSWORD_KEYS } from "../../../bench/lib/kubernetes-stack";
import { parseLakehouseConfig } from "../../../components/config";
import { KUBERNETES_E2E_NODE_PORT_BASE, WorkloadState, allReady, kubernetesE2eConfig, previewPlan } from "../../support/kubernetes-stack";

const k8s = (yaml.load(fs.readFileSync(path.resolve(__dirname, "../../../Pulumi.k8s.yaml"), "utf8")) as any).config;

test("the test copy of the k8s stack keeps its shape, has a namespace and node ports of its own, and keeps its volumes on destroy", () => {
    const cfg = kubernetesE2eConfig(k8s) as Record<string, any>;
    for (const key of PASSWORD_KEYS) expect(cfg).not.toHaveProperty(`lakehouse:${key}`);
    expect(cfg["lakehouse:kubernetes"]).toMatchObject({
        namespace: "lakehouse-k8se2e",
        nodePortBase: KUBERNETES_E2E_NODE_PORT_BASE,
        access: "node-port",
        storageClass: "lakehouse-local",
    });
    expect(cfg["lakehouse:kafka"]).toEqual({ brokers: 3 });
    expect(cfg["lakehouse:connect"]).toEqual({ workers: 2 });
    expect(cfg["lakehouse:flink"]).toMatchObject({ taskManagers: 2, parallelism: 2, checkpointIntervalMs: 1000 });
    expect(cfg["lakehouse:dremio"]).toEqual({ standIn: true });
    // Everything a destroy would refuse to lose is allowed, except the volumes: the namespace and claims stay.
    expect(cfg["lakehouse:allowDataLoss"]).toEqual(["bucket", "tables", "slot"]);
    expect(cfg["lakehouse:storage"]).toMatchObject({ forceDestroy: true });
    expect(k8s["lakehouse:kubernetes"].namespace).toBe("lakehouse-k8s");
    const raw = Object.fromEntries(Object.entries(cfg).map(([k, v]) => [k.replace(/^lakehouse:/, ""), typeof v === "string" ? v : JSON.stringify(v)]));
    const parsed = parseLakehouseConfig(raw, new Set(PASSWORD_KEYS), { project: "cdc-lakehouse", stack: "k8se2e" });
    expect(parsed.allowDataLoss).toEqual(["bucket", "tables", "slot"]);
    expect(parsed.kubernetes).toMatchObject({ namespace: "lakehouse-k8se2e", nodePortBase: KUBERNETES_E2E_NODE_PORT_BASE });
});

test("previewPlan reads each changed step's operation, type and name, and the change summary; the stack and the providers left out", () => {
    const urn = (type: string, name: string) => `urn:pulumi:k8se2e::cdc-lakehouse::lakehouse:index:Lakehouse$${type}::${name}`;
    const json = JSON.stringify({
        steps: [
            { op: "same", urn: "urn:pulumi:k8se2e::cdc-lakehouse::pulumi:pulumi:Stack::cdc-lakehouse-k8se2e" },
            { op: "create", urn: "urn:pulumi:k8se2e::cdc-lakehouse::pulumi:providers:kubernetes::default" },
            { op: "same", urn: urn("kubernetes:core/v1:Namespace", "cdc-lakehouse-k8se2e-namespace") },
            { op: "replace", urn: urn("kubernetes:apps/v1:StatefulSet", "cdc-lakehouse-k8se2e-postgres") },
            { op: "update", urn: urn("kubernetes:apps/v1:Deployment", "cdc-lakehouse-k8se2e-connect") },
        ],
        changeSummary: { same: 73, replace: 1, update: 1 },
    });
    expect(previewPlan(json)).toEqual({
        steps: [
            { op: "replace", type: "kubernetes:apps/v1:StatefulSet", name: "cdc-lakehouse-k8se2e-postgres" },
            { op: "update", type: "kubernetes:apps/v1:Deployment", name: "cdc-lakehouse-k8se2e-connect" },
        ],
        summary: { same: 73, replace: 1, update: 1 },
    });
});

test("a stack's workloads are Ready when every one has all its replicas ready and updated on its latest spec", () => {
    const w = (o: Partial<WorkloadState>): WorkloadState => ({ kind: "Deployment", name: "connect", replicas: 2, ready: 2, updated: 2, observed: true, ...o });
    expect(allReady([w({}), w({ kind: "StatefulSet", name: "postgres", replicas: 1, ready: 1, updated: 1 })])).toBe(true);
    expect(allReady([])).toBe(false);
    expect(allReady([w({ ready: 1 })])).toBe(false);
    expect(allReady([w({ updated: 1 })])).toBe(false);
    expect(allReady([w({ observed: false })])).toBe(false);
});

test("the test order puts the Kubernetes cluster tests last, keeping Jest's order otherwise", () => {
    const { clusterTestsLast } = require("../../support/sequencer.js");
    const t = (p: string) => ({ path: path.join("/repo", p) });
    const order = [
        t("tests/integration/kubernetes/k8s-stack.test.ts"),
        t("tests/integration/stack/faults.test.ts"),
        t("tests/unit/harness/reset.test.ts"),
        t("tests/integration/docker/dev-stack.test.ts"),
    ];
    expect(clusterTestsLast(order).map((x: { path: string }) => path.relative("/repo", x.path))).toEqual([
        "tests/integration/stack/faults.test.ts",
        "tests/unit/harness/reset.test.ts",
        "tests/integration/docker/dev-stack.test.ts",
        "tests/integration/kubernetes/k8s-stack.test.ts",
    ]);
});

test("the two workers' order: the first integration file, every unit file beside it, the other integration files, the cluster tests last", () => {
    const { order } = require("../../support/sequencer.js");
    const t = (p: string) => ({ path: path.join("/repo", p) });
    const jestOrder = [
        t("tests/integration/kubernetes/k8s-stack.test.ts"),
        t("tests/integration/stack/edit-matrix.test.ts"),
        t("tests/unit/policy/policy-rules.test.ts"),
        t("tests/integration/stack/faults.test.ts"),
        t("tests/unit/harness/reset.test.ts"),
        t("tests/integration/docker/dev-stack.test.ts"),
    ];
    expect(order(jestOrder).map((x: { path: string }) => path.relative("/repo", x.path))).toEqual([
        "tests/integration/stack/edit-matrix.test.ts",
        "tests/unit/policy/policy-rules.test.ts",
        "tests/unit/harness/reset.test.ts",
        "tests/integration/stack/faults.test.ts",
        "tests/integration/docker/dev-stack.test.ts",
        "tests/integration/kubernetes/k8s-stack.test.ts",
    ]);
    // Unit files only (npm run test:unit): as Jest had them.
    const units = [t("tests/unit/a.test.ts"), t("tests/unit/b.test.ts")];
    expect(order(units)).toEqual(units);
});
