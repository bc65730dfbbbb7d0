import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LABEL_PREFIX } from "../defaults";
import { DeployedWorkload, Renderer, SecretRegistry, requireSecret } from "./index";
import { ImageSpec, PortSpec, WorkloadSpec, endpointsOf, hostPortOf } from "./spec";

export interface DockerPlatformArgs {
    /** Prefix of every container, volume, image and the network: `<project>-<stack>`. */
    namePrefix: string;
    /** Stack name, written into labels. */
    stack: string;
    /** Publish ports on the host. */
    exposePorts: boolean;
    /** Added to every published host port. */
    hostPortOffset: number;
    /** Seconds `pulumi up` waits for each container to report healthy. */
    startTimeoutSeconds: number;
    /** Credentials referenced by specs' `secretEnv`. */
    secrets: SecretRegistry;
    /** A Docker provider to use instead of the default one (e.g. a remote engine). */
    provider?: docker.Provider;
    /**
     * Keep the volumes when their resources are deleted or replaced (a destroy, a changed volume):
     * true unless the stack allows losing volumes (`lakehouse:allowDataLoss`). Default true.
     */
    retainVolumes?: boolean;
}

/** Labels written on every Docker object, so an operator can find a stack's objects with `docker ps --filter`. */
export function dockerLabels(stack: string, extra: Record<string, string> = {}): { label: string; value: string }[] {
    const all: Record<string, string> = { [`${LABEL_PREFIX}.stack`]: stack, [`${LABEL_PREFIX}.managed-by`]: "pulumi", ...extra };
    return Object.keys(all)
        .sort()
        .map((label) => ({ label, value: all[label] }));
}

/** Plain `KEY=value` entries, sorted so the diff of a changed variable is one line. */
export function plainEnvEntries(env: Record<string, string>): string[] {
    return Object.keys(env)
        .sort()
        .map((k) => `${k}=${env[k]}`);
}

/** `KEY=value` entries whose value is a secret: each entry is itself a secret Output. */
export function secretEnvEntries(spec: WorkloadSpec, secrets: SecretRegistry): pulumi.Output<string>[] {
    return Object.keys(spec.secretEnv)
        .sort()
        .map((k) => pulumi.secret(pulumi.interpolate`${k}=${requireSecret(secrets, spec.name, spec.secretEnv[k].secret)}`));
}

/** Seconds as Docker's duration strings. */
function seconds(n: number): string {
    return `${n}s`;
}

/** Container names of a workload: one per replica. */
export function replicaNames(spec: WorkloadSpec): string[] {
    return spec.replicas === 1 ? [spec.name] : Array.from({ length: spec.replicas }, (_, i) => `${spec.name}-${i}`);
}

/**
 * Renders workload specs as Docker containers on one network per stack. Every name starts with the
 * stack's prefix, so two stacks on one engine never collide (ports aside: see `hostPortOffset`).
 */
export class DockerPlatform extends pulumi.ComponentResource implements Renderer {
    readonly kind = "docker" as const;
    readonly network: docker.Network;
    private readonly args: DockerPlatformArgs;
    private readonly images = new Map<string, pulumi.Output<string>>();

    constructor(name: string, args: DockerPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:platform:Docker", name, {}, opts);
        this.args = args;
        this.network = new docker.Network(
            `${name}-network`,
            { name: args.namePrefix, driver: "bridge", labels: dockerLabels(args.stack) },
            { parent: this, provider: args.provider },
        );
        this.registerOutputs({ networkName: this.network.name });
    }

    /**
     * The image a container runs: a project image built on this engine's machine is referenced as it
     * is (`npm run images -- build` makes it); an image from a registry is pulled once per reference.
     */
    private image(image: ImageSpec, workload: string): pulumi.Output<string> {
        const existing = this.images.get(image.ref);
        if (existing) return existing;
        const ref = image.pull
            ? new docker.RemoteImage(
                  `${this.args.namePrefix}-image-${workload}`,
                  { name: image.ref, keepLocally: true },
                  { parent: this, provider: this.args.provider },
              ).imageId
            : pulumi.output(image.ref);
        this.images.set(image.ref, ref);
        return ref;
    }

    /** Published ports are on the Docker host's loopback. */
    advertisedAddress(_workload: string, port: PortSpec): string | undefined {
        const published = hostPortOf(port, this.args.exposePorts, this.args.hostPortOffset);
        return published === undefined ? undefined : `localhost:${published}`;
    }

    render(spec: WorkloadSpec, parent: pulumi.Resource, upstream: DeployedWorkload[]): DeployedWorkload {
        const image = this.image(spec.image, spec.name);
        const envs: pulumi.Input<string>[] = [...plainEnvEntries(spec.env), ...secretEnvEntries(spec, this.args.secrets)];
        const ready: pulumi.Resource[] = [];

        replicaNames(spec).forEach((replica, index) => {
            const volumes = spec.volumes.map((v) => {
                const volumeName = `${this.args.namePrefix}-${replica}-${v.name}`;
                const volume = new docker.Volume(
                    volumeName,
                    { name: volumeName, labels: dockerLabels(this.args.stack, { [`${LABEL_PREFIX}.workload`]: replica }) },
                    { parent, provider: this.args.provider, retainOnDelete: this.args.retainVolumes ?? true },
                );
                return { volumeName: volume.name, containerPath: v.mountPath };
            });
            // Host ports go to the first replica only; the others are reached on the network.
            const ports =
                index === 0
                    ? spec.ports.flatMap((p) => {
                          const external = hostPortOf(p, this.args.exposePorts, this.args.hostPortOffset);
                          return external === undefined ? [] : [{ internal: p.port, external, ip: "127.0.0.1", protocol: "tcp" }];
                      })
                    : [];
            const container = new docker.Container(
                `${this.args.namePrefix}-${replica}`,
                {
                    name: `${this.args.namePrefix}-${replica}`,
                    hostname: replica,
                    image,
                    entrypoints: spec.entrypoint,
                    command: spec.command,
                    envs,
                    ports,
                    volumes,
                    uploads: spec.files.map((f) => ({ file: f.path, content: f.content, executable: f.executable ?? false })),
                    networksAdvanced: [{ name: this.network.name, aliases: replica === spec.name ? [spec.name] : [spec.name, replica] }],
                    healthcheck: {
                        tests: spec.health.exec,
                        interval: seconds(spec.health.intervalSeconds),
                        timeout: seconds(spec.health.timeoutSeconds),
                        retries: spec.health.retries,
                        startPeriod: seconds(spec.health.startPeriodSeconds),
                    },
                    // `pulumi up` returns only when the container is healthy: dependants start after it.
                    wait: true,
                    waitTimeout: this.args.startTimeoutSeconds,
                    restart: "unless-stopped",
                    mustRun: true,
                    memory: spec.resources.memoryMiB,
                    cpus: String(spec.resources.cpus),
                    labels: dockerLabels(this.args.stack, { [`${LABEL_PREFIX}.service`]: spec.service, [`${LABEL_PREFIX}.workload`]: replica }),
                },
                { parent, provider: this.args.provider, dependsOn: [this.network, ...upstream.flatMap((u) => u.ready)] },
            );
            ready.push(container);
        });

        return { spec, endpoints: endpointsOf(spec, spec.name, this.args.exposePorts, this.args.hostPortOffset), ready, external: false };
    }
}
