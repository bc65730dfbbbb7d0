/**
 * Helpers for the Kubernetes tests: render a stack under Pulumi's mocks, pick out the Kubernetes
 * objects it registered, and validate each against the Kubernetes API schema (kubernetes-models
 * bundles the OpenAPI schemas of Kubernetes 1.27 as compiled validators: no network).
 */
import * as path from "path";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { parseLakehouseConfig } from "../../components/config";
import { Lakehouse } from "../../components/lakehouse";
import { RecordedResource, isSerializedSecret, runWithMocks } from "./mocks";

export const repoRoot = path.resolve(__dirname, "../..");

/** The Kubernetes kinds the renderer creates, by Pulumi type token, with their schema-backed model. */
export const KUBERNETES_MODELS: Record<string, new (data: any) => { validate(): void }> = {
    "kubernetes:core/v1:Namespace": Namespace,
    "kubernetes:core/v1:Secret": Secret,
    "kubernetes:core/v1:ConfigMap": ConfigMap,
    "kubernetes:core/v1:Service": Service,
    "kubernetes:apps/v1:StatefulSet": StatefulSet,
    "kubernetes:apps/v1:Deployment": Deployment,
    "kubernetes:policy/v1:PodDisruptionBudget": PodDisruptionBudget,
    "kubernetes:core/v1:ServiceAccount": ServiceAccount,
    "kubernetes:rbac.authorization.k8s.io/v1:Role": Role,
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": RoleBinding,
};

export const T = {
    namespace: "kubernetes:core/v1:Namespace",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    service: "kubernetes:core/v1:Service",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    deployment: "kubernetes:apps/v1:Deployment",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    provider: "pulumi:providers:kubernetes",
    dockerImage: "docker:index/image:Image",
    container: "docker:index/container:Container",
} as const;

/** Stack config values as the CLI hands them over (objects as JSON). */
export function rawConfig(values: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** Renders the whole Lakehouse for a stack under mocks. */
export async function renderStack(stack: string, values: Record<string, unknown>) {
    const config = parseLakehouseConfig(rawConfig(values), new Set(), { project: "cdc-lakehouse", stack });
    let lakehouse!: Lakehouse;
    const run = await runWithMocks(
        () => {
            lakehouse = new Lakehouse("lakehouse", { config, credentials: {}, repoRoot });
            return { credentials: lakehouse.outputs.credentials };
        },
        { stack },
    );
    return { ...run, lakehouse, config };
}

export function ofType(resources: RecordedResource[], type: string): RecordedResource[] {
    return resources.filter((r) => r.type === type);
}

/** The one object of a kind with `metadata.name` = name. */
export function object(resources: RecordedResource[], type: string, name: string): RecordedResource {
    const found = resources.filter((r) => r.type === type && r.inputs.metadata?.name === name);
    if (found.length !== 1)
        throw new Error(
            `expected one ${type} named ${name}, found ${found.length}: ${ofType(resources, type)
                .map((r) => r.inputs.metadata?.name)
                .join(", ")}`,
        );
    return found[0];
}

/** StatefulSets and Deployments: the objects that hold a pod template. */
export function workloads(resources: RecordedResource[]): RecordedResource[] {
    return resources.filter((r) => r.type === T.statefulSet || r.type === T.deployment);
}

/** The single container of a workload's pod template. */
export function containerOf(workload: RecordedResource): any {
    const containers = workload.inputs.spec.template.spec.containers;
    if (containers.length !== 1) throw new Error(`${workload.inputs.metadata.name} has ${containers.length} containers`);
    return containers[0];
}

/** Plain env of a container as a map (entries with valueFrom left out). */
export function plainEnv(container: any): Record<string, string> {
    return Object.fromEntries((container.env ?? []).filter((e: any) => e.valueFrom === undefined).map((e: any) => [e.name, e.value]));
}

/** Env entries that reference a Secret, as name -> "secret/key". */
export function secretRefs(container: any): Record<string, string> {
    return Object.fromEntries(
        (container.env ?? [])
            .filter((e: any) => e.valueFrom?.secretKeyRef)
            .map((e: any) => [e.name, `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`]),
    );
}

/** Every Kubernetes object registered, validated against its schema; returns the failures. */
export function schemaFailures(resources: RecordedResource[]): string[] {
    const failures: string[] = [];
    for (const r of resources.filter((x) => x.type.startsWith("kubernetes:"))) {
        const Model = KUBERNETES_MODELS[r.type];
        if (!Model) {
            failures.push(`${r.type} ${r.name}: no schema model (add it to KUBERNETES_MODELS)`);
            continue;
        }
        try {
            new Model(r.inputs).validate();
        } catch (err) {
            failures.push(`${r.type} ${r.name}: ${(err as Error).message}`);
        }
    }
    return failures;
}

/** True when the serialized value holds a secret anywhere (an Output marked secret got inlined). */
export function holdsSecret(value: any): boolean {
    if (isSerializedSecret(value)) return true;
    if (Array.isArray(value)) return value.some(holdsSecret);
    if (value !== null && typeof value === "object") return Object.values(value).some(holdsSecret);
    return false;
}

/** Every string inside a value. */
export function allStrings(value: any, out: string[] = []): string[] {
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) value.forEach((v) => allStrings(v, out));
    else if (value !== null && typeof value === "object") Object.values(value).forEach((v) => allStrings(v, out));
    return out;
}

/** True when every selector label is among the labels. */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
    return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
