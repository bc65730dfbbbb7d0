import * as pulumi from "@pulumi/pulumi";
import { ResourceSize } from "./config";
import { PORTS } from "./defaults";
import { DeployedWorkload, Endpoint, Platform, WorkloadSpec } from "./platform";

export interface MinioArgs {
    /** Pinned MinIO image. */
    image: string;
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
        image: { kind: "remote", ref: args.image },
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
            // The image ships `mc`; `mc ready local` is MinIO's own readiness check.
            exec: ["CMD", "mc", "ready", "local"],
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
        // The image runs as root by default but needs nothing of root: any user that owns /data works.
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
