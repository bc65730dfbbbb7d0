import * as pulumi from "@pulumi/pulumi";
import { PlatformKind } from "../config";
import { Endpoint, WorkloadSpec } from "./spec";

export * from "./spec";

/** A workload after a platform rendered it. */
export interface DeployedWorkload {
    spec: WorkloadSpec;
    /** Endpoints by port name. */
    endpoints: Record<string, Endpoint>;
    /** What a dependant waits for: these resources are healthy once created. */
    ready: pulumi.Resource[];
}

/**
 * Where workloads run. A renderer turns specs into resources of its target; services never know which.
 * `deploy` resolves `spec.dependsOn` against workloads it deployed before, so the spec is the only
 * place that says what starts after what.
 */
export interface Platform {
    readonly kind: PlatformKind;
    deploy(spec: WorkloadSpec, parent: pulumi.Resource): DeployedWorkload;
}

/** Credentials by the names specs use in `secretEnv`; every value is a secret Output. */
export type SecretRegistry = Record<string, pulumi.Output<string>>;

/** Resolves a spec's secret reference or fails with the name of the workload and secret. */
export function requireSecret(secrets: SecretRegistry, workload: string, secret: string): pulumi.Output<string> {
    const value = secrets[secret];
    if (value === undefined) {
        throw new Error(`workload "${workload}" references secret "${secret}", which the platform was not given (known: ${Object.keys(secrets).sort().join(", ")})`);
    }
    return value;
}
