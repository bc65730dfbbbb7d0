/**
 * `lakehouse:kubernetes`: where and how the Kubernetes renderer deploys: namespace, cluster access,
 * registry, volumes and scheduling.
 */
import { DEFAULTS, NODE_PORT_BLOCK } from "../defaults";
import { Reader, unknownKeyHint } from "./reader";
import {
    ExternalServices,
    KUBERNETES_ACCESS,
    KubernetesAccess,
    KubernetesConfig,
    KubernetesToleration,
    PlatformKind,
    STATEFUL_SERVICES,
    StatefulServiceName,
} from "./types";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const NODE_ADDRESS = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const ONE_LINE = /^[^\n\r\0]+$/;
const TOLERATION_KEYS = ["key", "operator", "value", "effect", "tolerationSeconds"];

/** A Kubernetes label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
function isLabelKey(key: string): boolean {
    const slash = key.lastIndexOf("/");
    if (slash < 0) return LABEL_NAME.test(key);
    return DNS_SUBDOMAIN.test(key.slice(0, slash)) && LABEL_NAME.test(key.slice(slash + 1));
}

/** A Kubernetes label value: empty, or a name of at most 63 characters. */
function isLabelValue(value: string): boolean {
    return value === "" || LABEL_NAME.test(value);
}

/** What the Kubernetes rules need from the rest of the config. */
export interface KubernetesContext {
    platform: PlatformKind;
    external: ExternalServices;
    brokers: number;
    defaultNamespace: string;
}

/**
 * Reads `lakehouse:kubernetes`. Its rules that depend on other keys apply on `platform: kubernetes`
 * only: the registry the built Flink image goes to, and a KRaft quorum that can lose a member.
 */
export function parseKubernetes(r: Reader, values: Record<string, string>, ctx: KubernetesContext): KubernetesConfig {
    const k = r.object(values, "kubernetes");
    const d = DEFAULTS.kubernetes;
    const optional = (key: string, pattern: RegExp, expected: string): string | undefined =>
        k[key] === undefined ? undefined : r.string(k[key], `kubernetes.${key}`, "", pattern, expected) || undefined;

    const namespace = r.string(
        k.namespace,
        "kubernetes.namespace",
        ctx.defaultNamespace,
        DNS_LABEL,
        "a namespace name: at most 63 lower-case letters, digits or '-', starting and ending with a letter or digit",
    );
    const kubeconfig = optional(
        "kubeconfig",
        ONE_LINE,
        "the path of a kubeconfig file (for a kubeconfig held in a secret, pass an explicit provider: LakehouseArgs.kubernetesProvider)",
    );
    const kubeContext = optional("context", ONE_LINE, "the name of a context in the kubeconfig");
    const renderYamlToDirectory = optional(
        "renderYamlToDirectory",
        ONE_LINE,
        "a directory to write the manifests to, e.g. manifests/prod (/manifests/ is git-ignored)",
    );
    const access = r.oneOf<KubernetesAccess>(k.access, "kubernetes.access", d.access, KUBERNETES_ACCESS);
    const nodeAddress = optional("nodeAddress", NODE_ADDRESS, "a node's host name or IPv4 address, without scheme or port");
    const maxBase = 32767 - NODE_PORT_BLOCK + 1;
    const nodePortBase = r.integer(k.nodePortBase, "kubernetes.nodePortBase", d.nodePortBase, 30000, maxBase);
    const clusterDomain = r.string(
        k.clusterDomain,
        "kubernetes.clusterDomain",
        d.clusterDomain,
        DNS_SUBDOMAIN,
        'the cluster\'s DNS domain, e.g. "cluster.local"',
    );
    if (k.imageRegistry !== undefined) {
        r.problem(
            "kubernetes.imageRegistry",
            k.imageRegistry,
            "no such key since every service runs the project's images: set `lakehouse:images.registry` instead (the registry every platform pulls the project's images from; push them there with `npm run images -- push <registry>`)",
        );
    }
    const storageClass = optional(
        "storageClass",
        DNS_SUBDOMAIN,
        "the name of a StorageClass of the cluster (`kubectl get storageclass`): lower-case letters, digits, '-' and '.', e.g. \"standard\" or \"gp3\"; leave it unset for the cluster's default class",
    );
    const volumeSizeGiB = parseVolumeSizes(r, k.volumeSizeGiB);
    const nodeSelector = k.nodeSelector === undefined ? {} : parseNodeSelector(r, k.nodeSelector);
    const tolerations = k.tolerations === undefined ? [] : parseTolerations(r, k.tolerations);

    if (ctx.platform === "kubernetes") checkKubernetesPlatform(r, ctx, { access, nodeAddress });

    return {
        namespace,
        ...(kubeconfig ? { kubeconfig } : {}),
        ...(kubeContext ? { context: kubeContext } : {}),
        ...(renderYamlToDirectory ? { renderYamlToDirectory } : {}),
        access,
        ...(nodeAddress ? { nodeAddress } : {}),
        nodePortBase,
        clusterDomain,
        ...(storageClass ? { storageClass } : {}),
        volumeSizeGiB,
        nodeSelector,
        tolerations,
    };
}

/** `kubernetes.volumeSizeGiB`: GiB per stateful service over the default size. */
function parseVolumeSizes(r: Reader, raw: unknown): Record<StatefulServiceName, number> {
    const volumeSizeGiB = Object.fromEntries(STATEFUL_SERVICES.map((s) => [s, DEFAULTS.volumeSizeGiB])) as Record<StatefulServiceName, number>;
    if (raw === undefined) return volumeSizeGiB;
    const sizes = r.record(raw, "kubernetes.volumeSizeGiB", `an object of sizes in GiB by service (${STATEFUL_SERVICES.join(", ")})`);
    for (const [service, size] of Object.entries(sizes ?? {})) {
        if (!STATEFUL_SERVICES.includes(service as StatefulServiceName)) {
            r.problem(
                `kubernetes.volumeSizeGiB.${service}`,
                size,
                `no such key: ${unknownKeyHint(service, STATEFUL_SERVICES)} (only these services keep data)`,
            );
            continue;
        }
        volumeSizeGiB[service as StatefulServiceName] = r.integer(size, `kubernetes.volumeSizeGiB.${service}`, DEFAULTS.volumeSizeGiB, 1, 65_536);
    }
    return volumeSizeGiB;
}

/** `kubernetes.nodeSelector`: node labels every pod must match. */
function parseNodeSelector(r: Reader, raw: unknown): Record<string, string> {
    const nodeSelector: Record<string, string> = {};
    const labels = r.record(raw, "kubernetes.nodeSelector", 'an object of node labels, e.g. { "kubernetes.io/os": "linux" }');
    for (const [key, value] of Object.entries(labels ?? {})) {
        if (!isLabelKey(key))
            r.problem(`kubernetes.nodeSelector.${key}`, key, "a label key: an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.'");
        else if (typeof value !== "string" || !isLabelValue(value))
            r.problem(`kubernetes.nodeSelector.${key}`, value, "a label value: at most 63 letters, digits, '-', '_' or '.' (quote numbers and booleans)");
        else nodeSelector[key] = value;
    }
    return nodeSelector;
}

/** `kubernetes.tolerations`: taints every pod tolerates, as a pod spec lists them. */
function parseTolerations(r: Reader, list: unknown): KubernetesToleration[] {
    if (!Array.isArray(list)) {
        r.problem("kubernetes.tolerations", list, "a list of { key, operator, value, effect } as in a pod spec");
        return [];
    }
    const tolerations: KubernetesToleration[] = [];
    list.forEach((t, i) => {
        const toleration = parseToleration(r, t, `kubernetes.tolerations[${i}]`);
        if (toleration) tolerations.push(toleration);
    });
    return tolerations;
}

/** One toleration; undefined when anything in it is wrong (each problem recorded). */
function parseToleration(r: Reader, raw: unknown, at: string): KubernetesToleration | undefined {
    const g = r.record(raw, at, "an object { key, operator, value, effect }");
    if (!g) return undefined;
    const before = r.problems.length;
    r.onlyKeys(g, at, TOLERATION_KEYS);
    const operator = r.oneOf<"Exists" | "Equal">(g.operator, `${at}.operator`, g.value === undefined ? "Exists" : "Equal", ["Exists", "Equal"]);
    if (g.key !== undefined && (typeof g.key !== "string" || !isLabelKey(g.key))) r.problem(`${at}.key`, g.key, "a taint key (label-key syntax)");
    if (g.key === undefined && operator !== "Exists") r.problem(`${at}.operator`, operator, "Exists when no key is given (it then tolerates every taint)");
    if (g.value !== undefined && (typeof g.value !== "string" || !isLabelValue(g.value)))
        r.problem(`${at}.value`, g.value, "a taint value (label-value syntax)");
    if (operator === "Exists" && g.value !== undefined)
        r.problem(`${at}.value`, g.value, 'nothing with operator Exists (use operator "Equal" to match a value)');
    const effect =
        g.effect === undefined
            ? undefined
            : r.oneOf<"NoSchedule" | "PreferNoSchedule" | "NoExecute">(g.effect, `${at}.effect`, "NoSchedule", ["NoSchedule", "PreferNoSchedule", "NoExecute"]);
    const seconds = g.tolerationSeconds === undefined ? undefined : r.integer(g.tolerationSeconds, `${at}.tolerationSeconds`, 0, 0, 31_536_000);
    if (seconds !== undefined && effect !== "NoExecute")
        r.problem(`${at}.tolerationSeconds`, seconds, 'nothing unless effect is "NoExecute" (only eviction has a grace time)');
    if (r.problems.length > before) return undefined;
    return {
        ...(g.key !== undefined ? { key: g.key as string } : {}),
        operator,
        ...(g.value !== undefined ? { value: g.value as string } : {}),
        ...(effect !== undefined ? { effect } : {}),
        ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}),
    };
}

/** Rules of `platform: kubernetes` that depend on other keys: the image registry, the KRaft quorum, the node address. */
function checkKubernetesPlatform(r: Reader, ctx: KubernetesContext, k: { access: KubernetesAccess; nodeAddress?: string }): void {
    // Every broker is also a KRaft controller: an even quorum survives no more failures than one member fewer.
    if (!ctx.external.kafka && ![1, 3, 5].includes(ctx.brokers)) {
        r.problem(
            "kafka.brokers",
            ctx.brokers,
            "1, 3 or 5 on Kubernetes: each broker is a KRaft controller and the quorum needs a majority (3 survives one lost broker; an even count survives no more than one fewer)",
        );
    }
    if (k.access === "node-port" && !k.nodeAddress) {
        r.problem(
            "kubernetes.nodeAddress",
            undefined,
            'a node\'s address with kubernetes.access "node-port", e.g. `pulumi config set --path lakehouse:kubernetes.nodeAddress 10.0.0.21` (or use access "in-cluster" when Pulumi runs in the cluster)',
        );
    }
}
