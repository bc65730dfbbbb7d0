/**
 * Workloads (one container each) read out of the resources that run them: a `docker.Container`, or
 * a container of a Kubernetes Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod.
 * Each carries what the rules need: labels, image, command and the environment, with whether each
 * variable is a Pulumi secret, a Kubernetes reference, or not known yet (preview).
 */
import { ResourceView, isSecretValue, isUnknownValue, unwrap } from "./wire";

export const DOCKER_CONTAINER = "docker:index/container:Container";

/** Kubernetes kinds with a pod template, by Pulumi type token, and where the pod spec is. */
const POD_TEMPLATE_PATHS: Record<string, string[]> = {
    "kubernetes:apps/v1:Deployment": ["spec", "template"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template"],
    "kubernetes:batch/v1:Job": ["spec", "template"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template"],
    "kubernetes:core/v1:Pod": [],
};

export interface EnvVar {
    name: string;
    /** The literal value (secrets unwrapped); undefined for a Kubernetes `valueFrom` or an unknown value. */
    value?: string;
    /** The value is not known yet (preview). */
    unknown: boolean;
    /** The entry (or what holds it) is a Pulumi secret. */
    secret: boolean;
    /** Kubernetes `valueFrom` (any kind). */
    fromRef: boolean;
    /** Kubernetes `valueFrom.secretKeyRef`. */
    fromSecretRef: boolean;
    /** Where the entry is, for messages. */
    path: (string | number)[];
}

export interface Workload {
    platform: "docker" | "kubernetes";
    /** For messages: the container's name, or `<Kind> <name>, container <name>`. */
    label: string;
    /** The lakehouse service (`lakehouse.service` / `app.kubernetes.io/name` label), if labelled. */
    service?: string;
    /** The workload's own name (`lakehouse.workload` / `app.kubernetes.io/component` label, else the container's name). */
    component?: string;
    image?: string;
    command: string[];
    env: EnvVar[];
    /** Some entries of the environment (or all of it) are not known yet, so a missing name is not conclusive. */
    envIncomplete: boolean;
}

function knownString(v: unknown): string | undefined {
    const u = unwrap(v);
    return typeof u === "string" && !isUnknownValue(u) ? u : undefined;
}

function stringList(v: unknown): string[] {
    const u = unwrap(v);
    return Array.isArray(u) ? u.filter((x): x is string => typeof x === "string" && !isUnknownValue(x)) : [];
}

/** A Docker container's `envs` (`KEY=value` strings, each possibly a secret, or the whole list one). */
function dockerEnv(envs: unknown): { env: EnvVar[]; incomplete: boolean } {
    const listSecret = isSecretValue(envs);
    const list = listSecret ? (envs as { value: unknown }).value : envs;
    if (list === undefined || list === null) return { env: [], incomplete: false };
    if (!Array.isArray(list)) return { env: [], incomplete: true };
    const env: EnvVar[] = [];
    let incomplete = false;
    list.forEach((entry, i) => {
        const secret = listSecret || isSecretValue(entry);
        const text = isSecretValue(entry) ? entry.value : entry;
        if (typeof text !== "string" || isUnknownValue(text)) {
            incomplete = true;
            return;
        }
        const eq = text.indexOf("=");
        const name = eq === -1 ? text : text.slice(0, eq);
        env.push({ name, value: eq === -1 ? "" : text.slice(eq + 1), unknown: false, secret, fromRef: false, fromSecretRef: false, path: ["envs", i] });
    });
    return { env, incomplete };
}

/** A Kubernetes container's `env` list. */
function kubernetesEnv(envList: unknown, base: (string | number)[]): { env: EnvVar[]; incomplete: boolean } {
    const listSecret = isSecretValue(envList);
    const list = listSecret ? (envList as { value: unknown }).value : envList;
    if (list === undefined || list === null) return { env: [], incomplete: false };
    if (!Array.isArray(list)) return { env: [], incomplete: true };
    const env: EnvVar[] = [];
    let incomplete = false;
    list.forEach((raw, i) => {
        const secret = listSecret || isSecretValue(raw);
        const item = isSecretValue(raw) ? raw.value : raw;
        if (item === null || typeof item !== "object" || Array.isArray(item)) {
            incomplete = true;
            return;
        }
        const e = item as Record<string, unknown>;
        const name = knownString(e.name);
        if (name === undefined) {
            incomplete = true;
            return;
        }
        const rawValue = e.value;
        const valueSecret = secret || isSecretValue(rawValue);
        const value = unwrap(rawValue);
        const valueFrom = unwrap(e.valueFrom);
        const fromRef = valueFrom !== undefined && valueFrom !== null;
        env.push({
            name,
            value: typeof value === "string" && !isUnknownValue(value) ? value : undefined,
            unknown: isUnknownValue(value) || isUnknownValue(valueFrom),
            secret: valueSecret,
            fromRef,
            fromSecretRef: fromRef && typeof valueFrom === "object" && valueFrom.secretKeyRef !== undefined,
            path: [...base, "env", i],
        });
    });
    return { env, incomplete };
}

function dig(value: unknown, path: string[]): unknown {
    let v: unknown = value;
    for (const key of path) {
        v = unwrap(v);
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<string, unknown>)[key];
    }
    return v;
}

/** The workloads a resource runs (none for anything that does not run containers). */
export function workloadsOf(resource: ResourceView): Workload[] {
    const props = resource.props ?? {};
    if (resource.type === DOCKER_CONTAINER) {
        const labels: Record<string, string> = {};
        for (const l of (unwrap(props.labels) as unknown[]) ?? []) {
            if (l && typeof l === "object" && typeof (l as any).label === "string") labels[(l as any).label] = String((l as any).value);
        }
        const { env, incomplete } = dockerEnv(props.envs);
        const name = knownString(props.name) ?? resource.name;
        return [
            {
                platform: "docker",
                label: `container ${name}`,
                service: labels["lakehouse.service"],
                component: labels["lakehouse.workload"] ?? knownString(props.hostname) ?? name,
                image: knownString(props.image),
                command: [...stringList(props.command), ...stringList(props.entrypoints)],
                env,
                envIncomplete: incomplete || isUnknownValue(props.envs),
            },
        ];
    }
    const templatePath = POD_TEMPLATE_PATHS[resource.type];
    if (!templatePath) return [];
    const kind = resource.type.split(":").pop();
    const objectName = knownString(dig(props, ["metadata", "name"])) ?? resource.name;
    const template = templatePath.length ? dig(props, templatePath) : props;
    const labels: Record<string, string> = {
        ...((unwrap(dig(props, ["metadata", "labels"])) as Record<string, string>) ?? {}),
        ...((unwrap(dig(template, ["metadata", "labels"])) as Record<string, string>) ?? {}),
    };
    const out: Workload[] = [];
    for (const listKey of ["initContainers", "containers"]) {
        const containers = unwrap(dig(template, ["spec", listKey]));
        if (!Array.isArray(containers)) continue;
        // Paths in messages point into the object as declared (wire form kept for env).
        const rawContainers = dig(template, ["spec", listKey]);
        const rawList = isSecretValue(rawContainers) ? rawContainers.value : rawContainers;
        containers.forEach((c: any, i: number) => {
            if (!c || typeof c !== "object") return;
            const rawContainer = Array.isArray(rawList) ? (isSecretValue(rawList[i]) ? rawList[i].value : rawList[i]) : c;
            const base: (string | number)[] = [...templatePath, "spec", listKey, i];
            const { env, incomplete } = kubernetesEnv((rawContainer as any)?.env, base);
            const containerName = typeof c.name === "string" ? c.name : String(i);
            out.push({
                platform: "kubernetes",
                label: `${kind} ${objectName}, ${listKey === "initContainers" ? "init container" : "container"} ${containerName}`,
                service: labels["app.kubernetes.io/name"],
                component: labels["app.kubernetes.io/component"] ?? containerName,
                image: typeof c.image === "string" && !isUnknownValue(c.image) ? c.image : undefined,
                command: [...(Array.isArray(c.command) ? c.command : []), ...(Array.isArray(c.args) ? c.args : [])].filter(
                    (x: unknown): x is string => typeof x === "string",
                ),
                env,
                envIncomplete: incomplete || (Array.isArray(c.envFrom) && c.envFrom.length > 0),
            });
        });
    }
    return out;
}

/** The last path segment of an image reference without tag or digest: `flink`, `cdc-lakehouse-dev-flink`, `nessie`. */
function imageName(image: string | undefined): string {
    if (!image) return "";
    const noDigest = image.split("@")[0];
    const last = noDigest.slice(noDigest.lastIndexOf("/") + 1);
    return last.split(":")[0].toLowerCase();
}

/** A Flink process: labelled service `flink`, a Flink image (`flink`, `<project>-<stack>-flink`), or Flink's entrypoint commands. */
export function isFlinkWorkload(w: Workload): boolean {
    if (w.service !== undefined) return w.service === "flink";
    const name = imageName(w.image);
    if (name === "flink" || name.endsWith("-flink") || name.startsWith("flink-")) return true;
    return ["jobmanager", "taskmanager", "standalone-job"].includes(w.command[0] ?? "") || w.command.some((c) => /sql-gateway\.sh$/.test(c));
}

/** A Nessie server: labelled service `nessie`, or the `projectnessie/nessie` image (any registry). */
export function isNessieWorkload(w: Workload): boolean {
    if (w.service !== undefined) return w.service === "nessie";
    const name = imageName(w.image);
    return name === "nessie" || /projectnessie\/nessie/.test(w.image ?? "");
}

export function envNamed(w: Workload, name: string): EnvVar | undefined {
    return w.env.find((e) => e.name === name);
}
