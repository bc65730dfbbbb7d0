import * as pulumi from "@pulumi/pulumi";
import { ResourceSize } from "./config";
import { PORTS } from "./defaults";
import { DeployedWorkload, ImageSpec, Endpoint, Platform, WorkloadSpec, bashHttpProbe } from "./platform";

export interface MinioArgs {
    /** The image it runs (`lakehouse:images`): the project's own unless the stack names one. */
    image: ImageSpec;
    /** Root user (the S3 access key id); its password is the `minio-root-password` secret. */
    rootUser: string;
    /** Region MinIO reports; S3 clients refuse to start without one. */
    region: string;
    resources: ResourceSize;
    volumeSizeGiB: number;
    platform: Platform;
}

export const MINIO_SECRETS = { rootPassword: "minio-root-password" } as const;

/** S3-compatible object storage for the warehouse and Flink's checkpoints. */
export function minioWorkload(args: Omit<MinioArgs, "platform">): WorkloadSpec {
    return {
        name: "minio",
        service: "minio",
        image: args.image,
        command: ["server", "/data", "--address", `:${PORTS.minioApi}`, "--console-address", `:${PORTS.minioConsole}`],
        env: { MINIO_ROOT_USER: args.rootUser, MINIO_SITE_REGION: args.region },
        secretEnv: { MINIO_ROOT_PASSWORD: { secret: MINIO_SECRETS.rootPassword } },
        ports: [
            { name: "api", port: PORTS.minioApi, hostPort: PORTS.minioApi },
            { name: "console", port: PORTS.minioConsole, hostPort: PORTS.minioConsole },
        ],
        volumes: [{ name: "data", mountPath: "/data", sizeGiB: args.volumeSizeGiB }],
        files: [],
        health: {
            // Our image has no `mc`: an HTTP probe of MinIO's readiness endpoint over bash's /dev/tcp.
            exec: bashHttpProbe(PORTS.minioApi, "/minio/health/ready"),
            httpGet: { path: "/minio/health/ready", port: PORTS.minioApi },
            intervalSeconds: 5,
            timeoutSeconds: 5,
            retries: 12,
            startPeriodSeconds: 5,
            describe: "MinIO reports ready (/minio/health/ready)",
        },
        dependsOn: [],
        replicas: 1,
        stateful: true,
        resources: args.resources,
        // MinIO runs as uid 1000 in our image (on Docker it starts as root only to take over a root-owned /data, then drops to 1000).
        runAsUser: 1000,
    };
}

/** MinIO: the S3 storage of the Iceberg warehouse. */
export class Minio extends pulumi.ComponentResource {
    readonly workload: DeployedWorkload;
    readonly api: Endpoint;
    /** The web console; absent for an existing S3 store. */
    readonly console?: Endpoint;

    constructor(name: string, args: MinioArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:minio:Minio", name, {}, opts);
        this.workload = args.platform.deploy(minioWorkload(args), this);
        this.api = this.workload.endpoints.api;
        this.console = this.workload.endpoints.console;
        this.registerOutputs({ api: this.api, console: this.console });
    }
}
