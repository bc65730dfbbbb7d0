import * as pulumi from "@pulumi/pulumi";
import { FlinkConfig, ResourceSize } from "./config";
import { PORTS } from "./defaults";
import { MINIO_SECRETS } from "./minio";
import { DeployedWorkload, Endpoint, ImageSpec, Platform, SecretEnvRef, WorkloadSpec, bashHttpProbe, bashTcpProbe } from "./platform";

export interface FlinkArgs {
    /** Pinned Flink 1.20 base image; the program builds it with the connector jars added. */
    baseImage: string;
    /** Repository name of the built image (`<project>-<stack>-flink`). */
    imageRepository: string;
    flink: FlinkConfig;
    /** Region for every S3 client in every Flink JVM (the seed's AWS_REGION failure). */
    awsRegion: string;
    /** S3 endpoint on the stack's network, e.g. `http://minio:9000`. */
    s3Endpoint: string;
    /** S3 access key id: plain (MinIO's root user), or a secret reference (a generated AWS key). */
    s3AccessKey: string | SecretEnvRef;
    /** The S3 secret key's secret reference (default: MinIO's root password). */
    s3SecretKey?: SecretEnvRef;
    /** Path-style S3 requests (default true: what MinIO and most S3-compatible stores need). */
    s3PathStyle?: boolean;
    /** Workloads that must be healthy before the JobManager starts (object storage for checkpoints). */
    dependsOn: string[];
    /** Per process: the JobManager, each TaskManager and the SQL Gateway get this much. */
    resources: ResourceSize;
    platform: Platform;
}

/** Repository-relative build context of the Flink image (Dockerfile + pom.xml of connector jars). */
export const FLINK_IMAGE_CONTEXT = "components/images/flink";
/** The Flink minor the connector jars in the image's pom.xml are built for. */
export const FLINK_MINOR = "1.20";

/** The Flink version of an official image tag such as `flink:1.20.1-scala_2.12-java17`, or undefined. */
export function flinkVersionOf(imageRef: string): string | undefined {
    const tag = imageRef.slice(imageRef.lastIndexOf("/") + 1).split(":")[1] ?? "";
    return /^(\d+\.\d+\.\d+)/.exec(tag)?.[1];
}

export const FLINK_WORKLOADS = { jobManager: "flink-jobmanager", taskManager: "flink-taskmanager", sqlGateway: "flink-sql-gateway" } as const;

/**
 * Flink configuration shared by every Flink process, as `key: value` lines (sorted, so a changed
 * setting is a one-line diff). Passed through the image's FLINK_PROPERTIES hook.
 */
export function flinkProperties(args: Omit<FlinkArgs, "platform">): string {
    const f = args.flink;
    const jm = FLINK_WORKLOADS.jobManager;
    const props: Record<string, string> = {
        "jobmanager.rpc.address": jm,
        "jobmanager.rpc.port": String(PORTS.flinkRpc),
        "jobmanager.bind-host": "0.0.0.0",
        "blob.server.port": String(PORTS.flinkBlob),
        "rest.address": jm,
        "rest.port": String(PORTS.flinkRest),
        "rest.bind-address": "0.0.0.0",
        "taskmanager.bind-host": "0.0.0.0",
        "taskmanager.rpc.port": "6122",
        "taskmanager.numberOfTaskSlots": String(f.slotsPerTaskManager),
        "parallelism.default": String(f.parallelism),
        "jobmanager.memory.process.size": `${args.resources.memoryMiB}m`,
        "taskmanager.memory.process.size": `${args.resources.memoryMiB}m`,
        // The Iceberg sink commits only on checkpoints: no checkpoints, no data.
        "execution.checkpointing.interval": `${f.checkpointIntervalMs} ms`,
        "execution.checkpointing.mode": "EXACTLY_ONCE",
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
        "execution.checkpointing.dir": f.checkpointsUri,
        "execution.checkpointing.savepoint-dir": f.savepointsUri,
        "execution.checkpointing.incremental": "true",
        "state.backend.type": "rocksdb",
        "restart-strategy.type": "exponential-delay",
        // Flink's own S3 filesystem (checkpoints); Iceberg's S3FileIO gets the same from the catalog DDL.
        "s3.endpoint": args.s3Endpoint,
        "s3.path.style.access": String(args.s3PathStyle ?? true),
        "sql-gateway.endpoint.rest.address": "0.0.0.0",
        "sql-gateway.endpoint.rest.port": String(PORTS.flinkSqlGateway),
    };
    return Object.keys(props)
        .sort()
        .map((k) => `${k}: ${props[k]}`)
        .join("\n");
}

/** JobManager, TaskManagers and SQL Gateway: one image, one configuration, three roles. */
export function flinkWorkloads(args: Omit<FlinkArgs, "platform">): WorkloadSpec[] {
    const version = flinkVersionOf(args.baseImage);
    if (!version || !version.startsWith(`${FLINK_MINOR}.`)) {
        throw new Error(`flinkWorkloads: base image "${args.baseImage}" is not a Flink ${FLINK_MINOR}.x image; the connector jars are built for ${FLINK_MINOR}`);
    }
    const image: ImageSpec = { kind: "build", context: FLINK_IMAGE_CONTEXT, repository: args.imageRepository, args: { FLINK_IMAGE: args.baseImage } };
    const env: Record<string, string> = {
        AWS_REGION: args.awsRegion,
        ...(typeof args.s3AccessKey === "string" ? { AWS_ACCESS_KEY_ID: args.s3AccessKey } : {}),
        FLINK_PROPERTIES: flinkProperties(args),
    };
    if (/^s3a?:\/\//.test(args.flink.checkpointsUri) || /^s3a?:\/\//.test(args.flink.savepointsUri)) {
        // The image's entrypoint copies this bundled plugin into plugins/ for s3:// checkpoints.
        env.ENABLE_BUILT_IN_PLUGINS = `flink-s3-fs-hadoop-${version}.jar`;
    }
    const secretEnv: Record<string, SecretEnvRef> = {
        ...(typeof args.s3AccessKey === "string" ? {} : { AWS_ACCESS_KEY_ID: args.s3AccessKey }),
        AWS_SECRET_ACCESS_KEY: args.s3SecretKey ?? { secret: MINIO_SECRETS.rootPassword },
    };
    const common = { service: "flink", image, env, secretEnv, volumes: [], files: [], stateful: false, resources: args.resources, runAsUser: 9999 };
    return [
        {
            ...common,
            name: FLINK_WORKLOADS.jobManager,
            command: ["jobmanager"],
            ports: [
                { name: "rest", port: PORTS.flinkRest, hostPort: PORTS.flinkRest },
                { name: "rpc", port: PORTS.flinkRpc },
                { name: "blob", port: PORTS.flinkBlob },
            ],
            health: {
                exec: bashHttpProbe(PORTS.flinkRest, "/overview"),
                httpGet: { path: "/overview", port: PORTS.flinkRest },
                intervalSeconds: 5,
                timeoutSeconds: 5,
                retries: 24,
                startPeriodSeconds: 10,
                describe: "Flink JobManager REST answers /overview",
            },
            dependsOn: args.dependsOn,
            replicas: 1,
        },
        {
            ...common,
            name: FLINK_WORKLOADS.taskManager,
            command: ["taskmanager"],
            ports: [{ name: "rpc", port: 6122 }],
            health: {
                exec: bashTcpProbe(6122),
                tcpSocket: { port: 6122 },
                intervalSeconds: 5,
                timeoutSeconds: 5,
                retries: 24,
                startPeriodSeconds: 10,
                describe: "Flink TaskManager RPC port accepts connections",
            },
            dependsOn: [FLINK_WORKLOADS.jobManager],
            replicas: args.flink.taskManagers,
        },
        {
            ...common,
            name: FLINK_WORKLOADS.sqlGateway,
            command: ["bin/sql-gateway.sh", "start-foreground"],
            ports: [{ name: "rest", port: PORTS.flinkSqlGateway, hostPort: PORTS.flinkSqlGatewayHost }],
            health: {
                exec: bashHttpProbe(PORTS.flinkSqlGateway, "/v1/info"),
                httpGet: { path: "/v1/info", port: PORTS.flinkSqlGateway },
                intervalSeconds: 5,
                timeoutSeconds: 5,
                retries: 24,
                startPeriodSeconds: 10,
                describe: "Flink SQL Gateway answers /v1/info",
            },
            dependsOn: [FLINK_WORKLOADS.jobManager],
            replicas: 1,
        },
    ];
}

/** A Flink session cluster with the SQL Gateway. */
export class Flink extends pulumi.ComponentResource {
    readonly jobManager: DeployedWorkload;
    readonly taskManagers: DeployedWorkload;
    readonly sqlGateway: DeployedWorkload;
    readonly rest: Endpoint;
    readonly sqlGatewayRest: Endpoint;

    constructor(name: string, args: FlinkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:flink:Flink", name, {}, opts);
        const [jm, tm, gw] = flinkWorkloads(args).map((spec) => args.platform.deploy(spec, this));
        this.jobManager = jm;
        this.taskManagers = tm;
        this.sqlGateway = gw;
        this.rest = jm.endpoints.rest;
        this.sqlGatewayRest = gw.endpoints.rest;
        this.registerOutputs({ rest: this.rest, sqlGatewayRest: this.sqlGatewayRest });
    }
}
