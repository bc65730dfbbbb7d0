import * as pulumi from "@pulumi/pulumi";
import { ExternalServices, PlatformKind } from "../config";
import { externalEndpoints } from "./external";
import { Endpoint, PortSpec, WorkloadSpec } from "./spec";

export * from "./spec";

/** A workload after it was rendered, or found outside the stack. */
export interface DeployedWorkload {
    spec: WorkloadSpec;
    /** Endpoints by port name. */
    endpoints: Record<string, Endpoint>;
    /** What a dependant waits for: these resources are healthy once created (none for external services). */
    ready: pulumi.Resource[];
    /** True when the service already existed and the program deployed nothing for it. */
    external: boolean;
}

/** Turns a workload spec into resources of one target (Docker or Kubernetes). */
export interface Renderer {
    readonly kind: PlatformKind;
    render(spec: WorkloadSpec, parent: pulumi.Resource, upstream: DeployedWorkload[]): DeployedWorkload;
    /**
     * `host:port` at which the machine running Pulumi reaches a published port (one with a
     * `hostPort`) of a workload, for a workload that must advertise it (Kafka's external listener);
     * undefined when the port is not reachable from there.
     */
    advertisedAddress(workload: string, port: PortSpec): string | undefined;
}

/** Credentials by the names specs use in `secretEnv`; every value is a secret Output. */
export type SecretRegistry = Record<string, pulumi.Output<string>>;

/** Resolves a spec's secret reference or fails with the name of the workload and secret. */
export function requireSecret(secrets: SecretRegistry, workload: string, secret: string): pulumi.Output<string> {
    const value = secrets[secret];
    if (value === undefined) {
        throw new Error(
            `workload "${workload}" references secret "${secret}", which the platform was not given (known: ${Object.keys(secrets).sort().join(", ")})`,
        );
    }
    return value;
}

/**
 * Where workloads run. Services hand their specs to `deploy`; a service the stack lists under
 * `external` is not deployed (its endpoints come from config), every other one goes to the stack's
 * renderer. `spec.dependsOn` is resolved against what was deployed before, across both, so the
 * spec is the only place that says what starts after what.
 */
export class Platform {
    private readonly deployed = new Map<string, DeployedWorkload>();

    constructor(
        readonly kind: PlatformKind,
        private readonly renderer: Renderer | undefined,
        private readonly external: ExternalServices,
    ) {}

    /** Where the machine running Pulumi reaches a workload's published port (see `Renderer.advertisedAddress`). */
    advertisedAddress(workload: string, port: PortSpec): string | undefined {
        return this.renderer?.advertisedAddress(workload, port);
    }

    /** Every workload deployed or found so far, in order. */
    deployedWorkloads(): DeployedWorkload[] {
        return [...this.deployed.values()];
    }

    /** True when the stack lists the service as already existing. */
    isExternal(service: string): boolean {
        return service in this.external && this.external[service as keyof ExternalServices] !== undefined;
    }

    /**
     * Makes every workload deployed from now on that depends on `workload` also wait for `resources`:
     * the warehouse bucket on MinIO, which Flink's HA store and checkpoints and Dremio's source are
     * in. The workload's own `ready`, and what was deployed before, are unchanged (the bucket itself
     * waits for MinIO's `ready`, so that array must not include it).
     */
    alsoAwait(workload: string, resources: pulumi.Resource[]): void {
        const found = this.deployed.get(workload);
        if (!found) throw new Error(`workload "${workload}" has not been deployed yet`);
        this.deployed.set(workload, { ...found, ready: [...found.ready, ...resources] });
    }

    deploy(spec: WorkloadSpec, parent: pulumi.Resource): DeployedWorkload {
        const upstream = spec.dependsOn.map((dep) => {
            const found = this.deployed.get(dep);
            if (!found) throw new Error(`workload "${spec.name}" depends on "${dep}", which has not been deployed yet`);
            return found;
        });
        let result: DeployedWorkload;
        if (this.isExternal(spec.service)) {
            result = { spec, endpoints: externalEndpoints(spec, this.external), ready: [], external: true };
        } else if (this.renderer) {
            result = this.renderer.render(spec, parent, upstream);
        } else {
            throw new Error(`service "${spec.service}" is not listed under lakehouse:external and platform "${this.kind}" deploys nothing`);
        }
        this.deployed.set(spec.name, result);
        return result;
    }
}
