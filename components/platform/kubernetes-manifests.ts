/**
 * The Kubernetes rendering of a `WorkloadSpec`, as pure functions: spec in, manifest objects out.
 * `KubernetesPlatform` (kubernetes.ts) hands these to `@pulumi/kubernetes` resources; the tests
 * check them without mocks, and validate what the resources were registered with against the
 * Kubernetes API schema.
 *
 * The manifests are typed with `@pulumi/kubernetes`'s input types, so a misspelt field is a
 * compile error, and they hold plain values only (the image may be an Output of a pushed build).
 */
import * as crypto from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { KubernetesAccess, KubernetesToleration } from "../config";
import { LABEL_PREFIX, NODE_PORT_SLOTS } from "../defaults";
import { Endpoint, HealthSpec, PortSpec, WorkloadSpec } from "./spec";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type Probe = k8s.types.input.core.v1.Probe;
type EnvVar = k8s.types.input.core.v1.EnvVar;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type PersistentVolumeClaim = k8s.types.input.core.v1.PersistentVolumeClaim;
type ResourceRequirements = k8s.types.input.core.v1.ResourceRequirements;

/** Where and how one stack's workloads are rendered: everything a manifest needs beyond the spec. */
export interface KubernetesTarget {
    /** The stack's namespace. */
    namespace: string;
    /** `<project>-<stack>`: the `app.kubernetes.io/instance` of every object. */
    instance: string;
    project: string;
    stack: string;
    /** StorageClass of every claim; undefined = the cluster's default class. */
    storageClass?: string;
    /** Claim size by service (GiB); a service not listed keeps its spec's size. */
    volumeSizeGiB: Partial<Record<string, number>>;
    nodeSelector: Record<string, string>;
    tolerations: KubernetesToleration[];
    /** How the machine running Pulumi reaches published ports. */
    access: KubernetesAccess;
    /** A node's address (access `node-port`). */
    nodeAddress?: string;
    nodePortBase: number;
    clusterDomain: string;
    /** Seconds a workload may take to become healthy (the startup probe's budget). */
    startTimeoutSeconds: number;
}

/** Key of the single entry of each credential's Secret. */
export const SECRET_KEY = "value";

/** Kubernetes' port-name rule (IANA_SVC_NAME). */
const PORT_NAME = /^(?=.{1,15}$)[a-z0-9]+(-[a-z0-9]+)*$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

/** Name of the Secret that holds a credential of the platform's secret registry (e.g. `postgres-password`). */
export function secretObjectName(secret: string): string {
    if (!DNS_SUBDOMAIN.test(secret)) throw new Error(`secret "${secret}" is not a valid Kubernetes object name (lower-case letters, digits, '-', '.')`);
    return secret;
}

/** Labels every object of the stack carries (the Kubernetes recommended labels). */
export function stackLabels(t: KubernetesTarget): Record<string, string> {
    return {
        "app.kubernetes.io/instance": t.instance,
        "app.kubernetes.io/part-of": t.project,
        "app.kubernetes.io/managed-by": "pulumi",
        [`${LABEL_PREFIX}/stack`]: t.stack,
    };
}

/** Labels of a workload's objects and pods: the stack's, plus the service and the workload. */
export function podLabels(spec: WorkloadSpec, t: KubernetesTarget): Record<string, string> {
    return { ...stackLabels(t), "app.kubernetes.io/name": spec.service, "app.kubernetes.io/component": spec.name };
}

/** What selects exactly one workload's pods: the stack's instance and the workload's name. */
export function selectorLabels(spec: WorkloadSpec, t: KubernetesTarget): Record<string, string> {
    return { "app.kubernetes.io/instance": t.instance, "app.kubernetes.io/component": spec.name };
}

/** What selects every pod of a service (all Kafka brokers, all Flink processes). */
export function serviceSelectorLabels(service: string, t: KubernetesTarget): Record<string, string> {
    return { "app.kubernetes.io/instance": t.instance, "app.kubernetes.io/name": service };
}

/**
 * The container's environment: plain values, sorted, then every secret as a reference to its
 * Secret (never the value: a pod spec holds no credential).
 */
export function containerEnv(spec: WorkloadSpec): EnvVar[] {
    const plain = Object.keys(spec.env)
        .sort()
        .map((name) => ({ name, value: spec.env[name] }));
    const secret = Object.keys(spec.secretEnv)
        .sort()
        .map((name) => ({ name, valueFrom: { secretKeyRef: { name: secretObjectName(spec.secretEnv[name].secret), key: SECRET_KEY } } }));
    // The pod's own fields (Downward API), e.g. its IP for Flink's HA; `$(NAME)` in args expands to them.
    const field = Object.keys(spec.podFieldEnv ?? {})
        .sort()
        .map((name) => ({ name, valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: spec.podFieldEnv![name] } } }));
    return [...plain, ...secret, ...field];
}

/**
 * The ServiceAccount, Role and RoleBinding of a workload that uses the Kubernetes API (Flink's
 * Kubernetes HA: leader election and HA metadata in ConfigMaps), all in the stack's namespace and
 * named after the account; undefined when the workload uses no API.
 */
export function kubernetesApiManifests(
    spec: WorkloadSpec,
    t: KubernetesTarget,
): { name: string; serviceAccount: k8s.core.v1.ServiceAccountArgs; role: k8s.rbac.v1.RoleArgs; roleBinding: k8s.rbac.v1.RoleBindingArgs } | undefined {
    const api = spec.kubernetesApi;
    if (!api) return undefined;
    if (!DNS_SUBDOMAIN.test(api.serviceAccount))
        throw new Error(`workload "${spec.name}": service account "${api.serviceAccount}" is not a valid Kubernetes object name`);
    if (api.rules.length === 0) throw new Error(`workload "${spec.name}": service account "${api.serviceAccount}" has no rules (drop kubernetesApi instead)`);
    const name = api.serviceAccount;
    const metadata = { name, namespace: t.namespace, labels: { ...stackLabels(t), "app.kubernetes.io/name": spec.service } };
    return {
        name,
        serviceAccount: { metadata },
        role: { metadata, rules: api.rules.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })) },
        roleBinding: {
            metadata,
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
            subjects: [{ kind: "ServiceAccount", name, namespace: t.namespace }],
        },
    };
}

/** A Docker health command as a process to exec: `CMD` is dropped, `CMD-SHELL` runs through /bin/sh. */
export function execCommand(exec: string[]): string[] {
    if (exec[0] === "CMD") return exec.slice(1);
    if (exec[0] === "CMD-SHELL") return ["/bin/sh", "-c", exec.slice(1).join(" ")];
    return [...exec];
}

/** The probe's check: the spec's HTTP check when it has one, then TCP, then its health command. */
export function probeHandler(health: HealthSpec): Pick<Probe, "httpGet" | "tcpSocket" | "exec"> {
    if (health.httpGet) return { httpGet: { path: health.httpGet.path, port: health.httpGet.port, scheme: health.httpGet.scheme ?? "HTTP" } };
    if (health.tcpSocket) return { tcpSocket: { port: health.tcpSocket.port } };
    return { exec: { command: execCommand(health.exec) } };
}

/**
 * Startup, readiness and liveness probes from one health check. The startup probe gives the
 * workload the stack's start timeout (what Docker's `wait` allows); readiness takes a pod out of
 * its Services after 3 failed checks; liveness restarts it after the spec's `retries`.
 */
export function probes(health: HealthSpec, startTimeoutSeconds: number): { startupProbe: Probe; readinessProbe: Probe; livenessProbe: Probe } {
    const base = { ...probeHandler(health), periodSeconds: health.intervalSeconds, timeoutSeconds: health.timeoutSeconds };
    return {
        startupProbe: { ...base, failureThreshold: Math.max(health.retries, Math.ceil(startTimeoutSeconds / health.intervalSeconds)) },
        readinessProbe: { ...base, failureThreshold: Math.min(3, health.retries), successThreshold: 1 },
        livenessProbe: { ...base, failureThreshold: health.retries },
    };
}

/** CPU as Kubernetes quantities: whole CPUs as integers, fractions as millicores. */
export function cpuQuantity(cpus: number): string {
    return Number.isInteger(cpus) ? String(cpus) : `${Math.round(cpus * 1000)}m`;
}

/** Requests equal to limits (the Guaranteed QoS class: JVMs sized to their limit are never squeezed). */
export function resourceRequirements(size: WorkloadSpec["resources"]): ResourceRequirements {
    const quantities = { cpu: cpuQuantity(size.cpus), memory: `${size.memoryMiB}Mi` };
    return { requests: { ...quantities }, limits: { ...quantities } };
}

/** Pod security: the image's non-root user where the spec names one, volumes owned by its group, the runtime's seccomp profile. */
export function podSecurityContext(spec: WorkloadSpec): k8s.types.input.core.v1.PodSecurityContext {
    const seccompProfile = { type: "RuntimeDefault" };
    if (spec.runAsUser === undefined) return { seccompProfile };
    return { runAsNonRoot: true, runAsUser: spec.runAsUser, fsGroup: spec.runAsUser, fsGroupChangePolicy: "OnRootMismatch", seccompProfile };
}

/** Container security: no privilege escalation, no capabilities. */
export function containerSecurityContext(spec: WorkloadSpec): k8s.types.input.core.v1.SecurityContext {
    return { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, ...(spec.runAsUser !== undefined ? { runAsNonRoot: true } : {}) };
}

/** ConfigMap key of a file: its base name. */
export function fileKey(path: string): string {
    const key = path.slice(path.lastIndexOf("/") + 1);
    if (!CONFIG_MAP_KEY.test(key)) throw new Error(`file ${path}: its name is not a valid ConfigMap key`);
    return key;
}

/** The ConfigMap of a workload's files (undefined when it has none), with the pod volume and mounts that place each file. */
export function filesConfigMap(
    spec: WorkloadSpec,
    t: KubernetesTarget,
): { args: k8s.core.v1.ConfigMapArgs; volume: Volume; mounts: VolumeMount[]; hash: string } | undefined {
    if (spec.files.length === 0) return undefined;
    const keys = spec.files.map((f) => fileKey(f.path));
    const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
    if (duplicate) throw new Error(`workload "${spec.name}" has two files named ${duplicate}`);
    const name = `${spec.name}-files`;
    const data = Object.fromEntries(spec.files.map((f, i) => [keys[i], f.content]));
    const hash = crypto.createHash("sha256");
    for (const key of [...keys].sort()) hash.update(`${key}\0${data[key]}\0`);
    return {
        args: { metadata: { name, namespace: t.namespace, labels: podLabels(spec, t) }, data },
        volume: {
            name: "files",
            configMap: { name, defaultMode: 0o644, items: spec.files.map((f, i) => ({ key: keys[i], path: keys[i], mode: f.executable ? 0o755 : 0o644 })) },
        },
        // Each file at its own path, beside what the image already has in that directory.
        mounts: spec.files.map((f, i) => ({ name: "files", mountPath: f.path, subPath: keys[i], readOnly: true })),
        hash: hash.digest("hex").slice(0, 16),
    };
}

/** Claim size of a workload's volume: the stack's size for the service, else the spec's. */
export function claimSizeGiB(spec: WorkloadSpec, volumeSizeGiB: number, t: KubernetesTarget): number {
    return t.volumeSizeGiB[spec.service] ?? volumeSizeGiB;
}

/** One ReadWriteOnce claim per spec volume, per replica. */
export function volumeClaimTemplates(spec: WorkloadSpec, t: KubernetesTarget): PersistentVolumeClaim[] {
    return spec.volumes.map((v) => ({
        metadata: { name: v.name, labels: podLabels(spec, t) },
        spec: {
            accessModes: ["ReadWriteOnce"],
            ...(t.storageClass ? { storageClassName: t.storageClass } : {}),
            resources: { requests: { storage: `${claimSizeGiB(spec, v.sizeGiB, t)}Gi` } },
        },
    }));
}

/**
 * Mounts of the claims. Each is mounted through a subdirectory named after the volume: the root of
 * a fresh ext4 volume holds `lost+found`, which Kafka refuses in a log directory and initdb in a
 * data directory.
 */
export function claimMounts(spec: WorkloadSpec): VolumeMount[] {
    return spec.volumes.map((v) => ({ name: v.name, mountPath: v.mountPath, subPath: v.name }));
}

/** Container ports, named as in the spec (Services target them by name). */
export function containerPorts(spec: WorkloadSpec): k8s.types.input.core.v1.ContainerPort[] {
    return spec.ports.map((p) => {
        if (!PORT_NAME.test(p.name))
            throw new Error(`workload "${spec.name}": port name "${p.name}" is not a Kubernetes port name (at most 15 lower-case letters, digits and '-')`);
        return { name: p.name, containerPort: p.port, protocol: "TCP" };
    });
}

/** The pod template of a workload. */
export function podTemplate(spec: WorkloadSpec, image: pulumi.Input<string>, t: KubernetesTarget): k8s.types.input.core.v1.PodTemplateSpec {
    if (!spec.stateful && spec.volumes.length > 0) {
        throw new Error(`workload "${spec.name}" has volumes but is not stateful: a Deployment's pods share no storage (mark it stateful)`);
    }
    const files = filesConfigMap(spec, t);
    const container: Container = {
        name: spec.name,
        image,
        imagePullPolicy: "IfNotPresent",
        ...(spec.entrypoint ? { command: spec.entrypoint } : {}),
        ...(spec.command ? { args: spec.command } : {}),
        env: containerEnv(spec),
        ports: containerPorts(spec),
        resources: resourceRequirements(spec.resources),
        securityContext: containerSecurityContext(spec),
        volumeMounts: [...claimMounts(spec), ...(files ? files.mounts : [])],
        ...probes(spec.health, t.startTimeoutSeconds),
    };
    const podSpec: PodSpec = {
        // Service links would put `<SERVICE>_PORT=tcp://...` into every container; the Kafka and
        // Connect images turn KAFKA_* and CONNECT_* variables into settings.
        enableServiceLinks: false,
        ...(spec.kubernetesApi ? { serviceAccountName: spec.kubernetesApi.serviceAccount } : {}),
        securityContext: podSecurityContext(spec),
        containers: [container],
        ...(files ? { volumes: [files.volume] } : {}),
        ...(Object.keys(t.nodeSelector).length ? { nodeSelector: { ...t.nodeSelector } } : {}),
        ...(t.tolerations.length ? { tolerations: t.tolerations.map((x) => ({ ...x })) } : {}),
    };
    return {
        metadata: {
            labels: podLabels(spec, t),
            // A changed file rolls the pods (a ConfigMap mounted through subPath is never refreshed in place).
            ...(files ? { annotations: { [`${LABEL_PREFIX}/files-sha256`]: files.hash } } : {}),
        },
        spec: podSpec,
    };
}

export type WorkloadManifest = { kind: "StatefulSet"; args: k8s.apps.v1.StatefulSetArgs } | { kind: "Deployment"; args: k8s.apps.v1.DeploymentArgs };

/**
 * A stateful workload as a StatefulSet with claim templates (its claims are kept when the set is
 * deleted or scaled down: replacing the set adopts them); a stateless one as a Deployment.
 */
export function workloadManifest(spec: WorkloadSpec, image: pulumi.Input<string>, t: KubernetesTarget): WorkloadManifest {
    const metadata = { name: spec.name, namespace: t.namespace, labels: podLabels(spec, t) };
    const selector = { matchLabels: selectorLabels(spec, t) };
    const template = podTemplate(spec, image, t);
    if (spec.stateful) {
        return {
            kind: "StatefulSet",
            args: {
                metadata,
                spec: {
                    serviceName: spec.name,
                    replicas: spec.replicas,
                    selector,
                    updateStrategy: { type: "RollingUpdate" },
                    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                    template,
                    volumeClaimTemplates: volumeClaimTemplates(spec, t),
                },
            },
        };
    }
    return {
        kind: "Deployment",
        args: {
            metadata,
            spec: {
                replicas: spec.replicas,
                selector,
                strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
                template,
            },
        },
    };
}

/** NodePort of a published port: `nodePortBase` plus the port's fixed slot (NODE_PORT_SLOTS). */
export function nodePortOf(workload: string, portName: string, base: number): number {
    const broker = /^kafka-(\d)$/.exec(workload);
    if (broker && portName === "external") return base + NODE_PORT_SLOTS["kafka-external"] + Number(broker[1]);
    const slot = (NODE_PORT_SLOTS as Record<string, number>)[`${workload}/${portName}`];
    if (slot === undefined) throw new Error(`published port ${workload}/${portName} has no NodePort slot: add it to NODE_PORT_SLOTS in components/defaults.ts`);
    return base + slot;
}

/**
 * `host:port` at which the machine running Pulumi reaches a published port: the Service's cluster
 * DNS name (Pulumi in a pod), a node's address and the port's NodePort, or nothing.
 */
export function hostAddressOf(workload: string, port: PortSpec, t: KubernetesTarget): string | undefined {
    if (port.hostPort === undefined) return undefined;
    switch (t.access) {
        case "in-cluster":
            return `${workload}.${t.namespace}.svc.${t.clusterDomain}:${port.port}`;
        case "node-port":
            if (!t.nodeAddress) throw new Error('kubernetes access "node-port" needs a node address (lakehouse:kubernetes.nodeAddress)');
            return `${t.nodeAddress}:${nodePortOf(workload, port.name, t.nodePortBase)}`;
        case "none":
            return undefined;
    }
}

/**
 * Endpoints of a workload: its Service name in the namespace (what the other pods use, as on
 * Docker), and where Pulumi reaches it when `reachable` (not when only rendering manifests).
 */
export function kubernetesEndpoints(spec: WorkloadSpec, t: KubernetesTarget, reachable: boolean): Record<string, Endpoint> {
    const result: Record<string, Endpoint> = {};
    for (const port of spec.ports) {
        const host = reachable ? hostAddressOf(spec.name, port, t) : undefined;
        result[port.name] = { internal: `${spec.name}:${port.port}`, ...(host !== undefined ? { host } : {}) };
    }
    return result;
}

/**
 * The Services of a workload: one named after it (its address inside the namespace, every port);
 * with access `node-port`, a second one of type NodePort with only its published ports.
 *
 * A stateful workload's Service also lists pods that are not ready yet: members of a KRaft quorum
 * must reach each other (and a lone broker its own controller, through its name) before any of
 * them is ready.
 */
export function serviceManifests(spec: WorkloadSpec, t: KubernetesTarget): { name: string; args: k8s.core.v1.ServiceArgs }[] {
    if (spec.ports.length === 0) return [];
    const labels = podLabels(spec, t);
    const selector = selectorLabels(spec, t);
    const services: { name: string; args: k8s.core.v1.ServiceArgs }[] = [
        {
            name: spec.name,
            args: {
                metadata: { name: spec.name, namespace: t.namespace, labels },
                spec: {
                    type: "ClusterIP",
                    selector,
                    ports: spec.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP" })),
                    ...(spec.stateful ? { publishNotReadyAddresses: true } : {}),
                },
            },
        },
    ];
    const published = spec.ports.filter((p) => p.hostPort !== undefined);
    if (t.access === "node-port" && published.length > 0) {
        const name = `${spec.name}-nodeport`;
        services.push({
            name,
            args: {
                metadata: { name, namespace: t.namespace, labels },
                spec: {
                    type: "NodePort",
                    selector,
                    ports: published.map((p) => ({
                        name: p.name,
                        port: p.port,
                        targetPort: p.name,
                        protocol: "TCP",
                        nodePort: nodePortOf(spec.name, p.name, t.nodePortBase),
                    })),
                    ...(spec.stateful ? { publishNotReadyAddresses: true } : {}),
                },
            },
        });
    }
    return services;
}

/** At most one pod of a service unavailable at a time during node drains (for services of more than one pod). */
export function disruptionBudget(service: string, t: KubernetesTarget): k8s.policy.v1.PodDisruptionBudgetArgs {
    return {
        metadata: { name: service, namespace: t.namespace, labels: { ...stackLabels(t), "app.kubernetes.io/name": service } },
        spec: { maxUnavailable: 1, selector: { matchLabels: serviceSelectorLabels(service, t) } },
    };
}

/**
 * The stack's namespace. Pods are held to the `baseline` Pod Security level and warned and
 * audited against `restricted`, which every workload with a non-root user meets.
 */
export function namespaceManifest(t: KubernetesTarget): k8s.core.v1.NamespaceArgs {
    return {
        metadata: {
            name: t.namespace,
            labels: {
                ...stackLabels(t),
                "pod-security.kubernetes.io/enforce": "baseline",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
            },
        },
    };
}
