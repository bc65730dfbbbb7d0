import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesConfig } from "../config";
import { DeployedWorkload, Renderer, SecretRegistry, requireSecret } from "./index";
import {
    KubernetesTarget,
    SECRET_KEY,
    disruptionBudget,
    filesConfigMap,
    hostAddressOf,
    kubernetesApiManifests,
    kubernetesEndpoints,
    namespaceManifest,
    secretObjectName,
    serviceManifests,
    stackLabels,
    workloadManifest,
} from "./kubernetes-manifests";
import { ImageSpec, PortSpec, WorkloadSpec, publishedAddresses } from "./spec";
import { ReachabilityCheck } from "../dynamic/reachability-check";

export interface KubernetesPlatformArgs {
    /** `<project>-<stack>`: prefixes every Pulumi resource name and is the `app.kubernetes.io/instance` label. */
    namePrefix: string;
    project: string;
    stack: string;
    /** The stack's `lakehouse:kubernetes` settings. */
    kubernetes: KubernetesConfig;
    /** Seconds a workload may take to become ready (Pulumi's await and the startup probes). */
    startTimeoutSeconds: number;
    /** Credentials referenced by specs' `secretEnv`; each becomes a Secret. */
    secrets: SecretRegistry;
    /** A Kubernetes provider to use instead of one made from `kubernetes.kubeconfig`/`context`/`renderYamlToDirectory`. */
    provider?: k8s.Provider;
    /** Keep the namespace (and so the volume claims in it) on destroy. Default true. */
    retainVolumes?: boolean;
}

/**
 * Renders workload specs to one namespace of an existing cluster: a StatefulSet (with claim
 * templates) per stateful workload, a Deployment per stateless one, a Service per workload, a Secret
 * per credential, a ConfigMap per workload with files, and a PodDisruptionBudget per service of more
 * than one pod. With `renderYamlToDirectory` the provider writes the manifests instead of applying
 * them, and nothing is reachable from Pulumi.
 */
export class KubernetesPlatform extends pulumi.ComponentResource implements Renderer {
    readonly kind = "kubernetes" as const;
    readonly provider: k8s.Provider;
    readonly namespace: k8s.core.v1.Namespace;
    /** True when the manifests are only written to a directory. */
    readonly renderOnly: boolean;
    readonly target: KubernetesTarget;
    private readonly args: KubernetesPlatformArgs;
    private readonly secretObjects = new Map<string, k8s.core.v1.Secret>();
    private readonly podsPerService = new Map<string, number>();
    private readonly budgets = new Set<string>();
    /** The RoleBinding of each ServiceAccount created so far (one per account, shared by its workloads). */
    private readonly apiAccess = new Map<string, k8s.rbac.v1.RoleBinding>();

    constructor(name: string, args: KubernetesPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:platform:Kubernetes", name, {}, opts);
        this.args = args;
        const kc = args.kubernetes;
        this.renderOnly = kc.renderYamlToDirectory !== undefined;
        this.target = {
            namespace: kc.namespace,
            instance: args.namePrefix,
            project: args.project,
            stack: args.stack,
            storageClass: kc.storageClass,
            volumeSizeGiB: kc.volumeSizeGiB,
            nodeSelector: kc.nodeSelector,
            tolerations: kc.tolerations,
            access: kc.access,
            nodeAddress: kc.nodeAddress,
            nodePortBase: kc.nodePortBase,
            clusterDomain: kc.clusterDomain,
            startTimeoutSeconds: args.startTimeoutSeconds,
        };
        this.provider =
            args.provider ??
            new k8s.Provider(
                `${name}-provider`,
                {
                    ...(kc.kubeconfig ? { kubeconfig: kc.kubeconfig } : {}),
                    ...(kc.context ? { context: kc.context } : {}),
                    ...(kc.renderYamlToDirectory ? { renderYamlToDirectory: kc.renderYamlToDirectory } : {}),
                },
                { parent: this },
            );
        // Deleting the namespace would delete every volume claim in it: it is kept on destroy unless the
        // stack allows losing volumes (the workloads go; StatefulSets keep their claims by default).
        this.namespace = new k8s.core.v1.Namespace(`${args.namePrefix}-namespace`, namespaceManifest(this.target), {
            parent: this,
            provider: this.provider,
            retainOnDelete: args.retainVolumes ?? true,
        });
        this.registerOutputs({ namespace: this.namespace.metadata.name, renderOnly: this.renderOnly });
    }

    private opts(parent: pulumi.Resource, dependsOn: pulumi.Resource[] = []): pulumi.CustomResourceOptions {
        return { parent, provider: this.provider, dependsOn: [this.namespace, ...dependsOn] };
    }

    /**
     * The image a pod runs: its reference. A project image without `images.registry` must already be
     * on every node (`npm run images -- build`, then imported into the node's runtime): the pods
     * pull only what is missing (`IfNotPresent`).
     */
    private image(image: ImageSpec): string {
        return image.ref;
    }

    /** The Secret of one credential (one key, `value`), created the first time a workload references it. */
    private secret(workload: string, secret: string): k8s.core.v1.Secret {
        const existing = this.secretObjects.get(secret);
        if (existing) return existing;
        const value = requireSecret(this.args.secrets, workload, secret);
        const name = secretObjectName(secret);
        const created = new k8s.core.v1.Secret(
            `${this.args.namePrefix}-secret-${name}`,
            {
                metadata: { name, namespace: this.target.namespace, labels: stackLabels(this.target) },
                type: "Opaque",
                stringData: { [SECRET_KEY]: pulumi.secret(value) },
            },
            this.opts(this),
        );
        this.secretObjects.set(secret, created);
        return created;
    }

    /** The ServiceAccount, Role and RoleBinding a workload's pods use the Kubernetes API with (created once per account). */
    private kubernetesApiAccess(spec: WorkloadSpec, parent: pulumi.Resource): pulumi.Resource[] {
        const m = kubernetesApiManifests(spec, this.target);
        if (!m) return [];
        const existing = this.apiAccess.get(m.name);
        if (existing) return [existing];
        const prefix = `${this.args.namePrefix}-${m.name}`;
        const account = new k8s.core.v1.ServiceAccount(`${prefix}-serviceaccount`, m.serviceAccount, this.opts(parent));
        const role = new k8s.rbac.v1.Role(`${prefix}-role`, m.role, this.opts(parent));
        const binding = new k8s.rbac.v1.RoleBinding(`${prefix}-rolebinding`, m.roleBinding, this.opts(parent, [account, role]));
        this.apiAccess.set(m.name, binding);
        return [binding];
    }

    advertisedAddress(workload: string, port: PortSpec): string | undefined {
        // The manifests say the same whether they are applied or only rendered for review.
        return hostAddressOf(workload, port, this.target);
    }

    render(spec: WorkloadSpec, parent: pulumi.Resource, upstream: DeployedWorkload[]): DeployedWorkload {
        const t = this.target;
        const prefix = `${this.args.namePrefix}-${spec.name}`;
        let manifest;
        try {
            manifest = workloadManifest(spec, this.image(spec.image), t);
        } catch (err) {
            if (err instanceof pulumi.ResourceError) throw err;
            throw new pulumi.ResourceError(`cannot render workload "${spec.name}" for Kubernetes: ${(err as Error).message}`, parent);
        }
        const secrets = [...new Set(Object.values(spec.secretEnv).map((s) => s.secret))].map((s) => this.secret(spec.name, s));
        const apiAccess = this.kubernetesApiAccess(spec, parent);
        const files = filesConfigMap(spec, t);
        const configMaps = files ? [new k8s.core.v1.ConfigMap(`${prefix}-files`, files.args, this.opts(parent))] : [];
        const services = serviceManifests(spec, t).map((s) => new k8s.core.v1.Service(`${this.args.namePrefix}-${s.name}-service`, s.args, this.opts(parent)));

        // Created only once what it needs is ready (Pulumi awaits StatefulSets and Deployments until their pods are ready).
        const timeouts = { create: `${this.args.startTimeoutSeconds}s`, update: `${this.args.startTimeoutSeconds}s` };
        const workloadOpts = {
            ...this.opts(parent, [...secrets, ...configMaps, ...services, ...apiAccess, ...upstream.flatMap((u) => u.ready)]),
            customTimeouts: timeouts,
        };
        const workload =
            manifest.kind === "StatefulSet"
                ? new k8s.apps.v1.StatefulSet(prefix, manifest.args, workloadOpts)
                : new k8s.apps.v1.Deployment(prefix, manifest.args, workloadOpts);

        const pods = (this.podsPerService.get(spec.service) ?? 0) + spec.replicas;
        this.podsPerService.set(spec.service, pods);
        if (pods > 1 && !this.budgets.has(spec.service)) {
            this.budgets.add(spec.service);
            new k8s.policy.v1.PodDisruptionBudget(`${this.args.namePrefix}-${spec.service}-pdb`, disruptionBudget(spec.service, t), this.opts(parent));
        }

        const endpoints = kubernetesEndpoints(spec, t, !this.renderOnly);
        // Ready pods are not yet a node port that answers: dependants also wait for every published address.
        const addresses = publishedAddresses(endpoints);
        const answering = addresses.length
            ? [
                  new ReachabilityCheck(
                      `${prefix}-reachable`,
                      { workload: spec.name, addresses, timeoutSeconds: this.args.startTimeoutSeconds },
                      { parent, dependsOn: [workload] },
                  ),
              ]
            : [];
        return { spec, endpoints, ready: [workload, ...answering], external: false };
    }
}
