import * as pulumi from "@pulumi/pulumi";
import { ResourceSize } from "./config";
import { PORTS } from "./defaults";
import { DeployedWorkload, ImageSpec, Endpoint, Platform, WorkloadSpec, bashHttpProbe } from "./platform";

export interface DremioArgs {
    /** The image it runs (`lakehouse:images`): the project's own unless the stack names one. */
    image: ImageSpec;
    /** Workloads Dremio reads from (Nessie, object storage). */
    dependsOn: string[];
    resources: ResourceSize;
    volumeSizeGiB: number;
    platform: Platform;
}

/** Dremio: SQL over the Iceberg tables. The first admin and the Nessie source are created inside it later. */
export function dremioWorkload(args: Omit<DremioArgs, "platform">): WorkloadSpec {
    return {
        name: "dremio",
        service: "dremio",
        image: args.image,
        env: { DREMIO_MAX_MEMORY_SIZE_MB: String(args.resources.memoryMiB) },
        secretEnv: {},
        ports: [
            { name: "http", port: PORTS.dremioHttp, hostPort: PORTS.dremioHttp },
            { name: "jdbc", port: PORTS.dremioJdbc, hostPort: PORTS.dremioJdbc },
            { name: "flight", port: PORTS.dremioFlight, hostPort: PORTS.dremioFlight },
        ],
        volumes: [{ name: "data", mountPath: "/opt/dremio/data", sizeGiB: args.volumeSizeGiB }],
        files: [],
        health: {
            exec: bashHttpProbe(PORTS.dremioHttp, "/apiv2/server_status"),
            httpGet: { path: "/apiv2/server_status", port: PORTS.dremioHttp },
            intervalSeconds: 10,
            timeoutSeconds: 5,
            retries: 30,
            startPeriodSeconds: 30,
            describe: "Dremio answers /apiv2/server_status",
        },
        dependsOn: args.dependsOn,
        replicas: 1,
        stateful: true,
        resources: args.resources,
        runAsUser: 999,
    };
}

/** The Dremio query engine. */
export class Dremio extends pulumi.ComponentResource {
    readonly workload: DeployedWorkload;
    readonly http: Endpoint;

    constructor(name: string, args: DremioArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:dremio:Dremio", name, {}, opts);
        this.workload = args.platform.deploy(dremioWorkload(args), this);
        this.http = this.workload.endpoints.http;
        this.registerOutputs({ http: this.http });
    }
}
