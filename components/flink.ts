import * as pulumi from "@pulumi/pulumi";
import { FlinkConfig, PlatformKind, ResourceSize } from "./config";
import { FLINK_HA, FLINK_WORKLOADS, PORTS } from "./defaults";
import { MINIO_SECRETS } from "./minio";
import { DeployedWorkload, Endpoint, ImageSpec, Platform, SecretEnvRef, WorkloadSpec, bashHttpProbe, bashTcpProbe, opensslHttpsProbe } from "./platform";
import { ZOOKEEPER_WORKLOAD, ZooKeeper } from "./zookeeper";

export interface FlinkArgs {
    /** The Flink image (`lakehouse:images.flink`): the project's own, components/images/flink, unless the stack names one. */
    image: ImageSpec;
    /** The ZooKeeper image of the high availability on Docker (`lakehouse:images.zookeeper`). */
    zookeeperImage: ImageSpec;
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
    /**
     * Names this Flink cluster in its high-availability store (Kubernetes `kubernetes.cluster-id` and
     * its ConfigMaps, ZooKeeper's `high-availability.cluster-id`, the directory under the HA storage):
     * `<project>-<stack>-flink`, unique per stack.
     */
    clusterId: string;
    /**
     * Let the REST API upload and run jars (`web.submit.enable`, off in the image): on when the stack
     * runs the table maintenance job (`lakehouse:maintenance.enabled`), which the program submits that way.
     */
    jarSubmission?: boolean;
    /**
     * CA certificates (PEM) every Flink JVM trusts beside its own: the company CAs of an external Nessie
     * or S3 store (`lakehouse:external.nessie.caCert`, `external.minio.caCert`), which the jobs' Iceberg
     * catalog, their S3FileIO and the checkpoints reach. The image's entrypoint makes a trust store of
     * them at start (`EXTRA_CA_CERTS`). Default none.
     */
    extraCaCerts?: string;
    /**
     * HTTPS on the REST endpoints (`lakehouse:flink.tls`): the JobManager's REST API and the SQL Gateway
     * serve `certificate` with the key from the secret `key` (the image's entrypoint makes their key and
     * trust stores at start: `REST_TLS_CERT`, `REST_TLS_KEY`, `REST_TLS_CA`), and the gateway trusts `caCert`
     * when it submits to the JobManager. Default unset: plain HTTP.
     */
    restTls?: { certificate: string; caCert: string; key: SecretEnvRef };
}

/**
 * How the JobManager's leadership, the job graphs and the pointers to the completed checkpoints
 * survive the JobManager (`flink.highAvailability`): Kubernetes HA keeps them in ConfigMaps of the
 * stack's namespace, ZooKeeper HA in a ZooKeeper workload; the bulky metadata goes to `storageDir`.
 */
export type FlinkHighAvailability =
    | { type: "kubernetes"; clusterId: string; storageDir: string; serviceAccount: string }
    | { type: "zookeeper"; clusterId: string; storageDir: string; quorum: string; sessionTimeout: string };

/** What the workload specs are built from: the component's arguments and the chosen high availability. */
export type FlinkWorkloadArgs = Omit<FlinkArgs, "platform"> & { highAvailability?: FlinkHighAvailability };

/** Kubernetes API access of the Flink pods under Kubernetes HA: leader election and HA metadata in ConfigMaps. */
export const FLINK_HA_RBAC_RULES = [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] }];

const K8S_NAME = /^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/;

/**
 * The high availability of a stack's Flink cluster, or none: off when `flink.highAvailability` is
 * false and for an existing (external) cluster, whose settings are its owner's. Kubernetes HA on
 * Kubernetes; ZooKeeper HA on Docker (`zookeeperQuorum` is the ZooKeeper workload's address).
 */
export function flinkHighAvailability(
    kind: PlatformKind,
    args: { flink: FlinkConfig; clusterId: string; external: boolean; zookeeperQuorum?: string },
): FlinkHighAvailability | undefined {
    if (!args.flink.highAvailability || args.external || kind === "external") return undefined;
    if (!K8S_NAME.test(args.clusterId)) {
        throw new Error(
            `Flink high availability: cluster id "${args.clusterId}" must be 1-42 lower-case letters, digits and '-' (it names Kubernetes ConfigMaps and ZooKeeper nodes); shorten the project or stack name, or set lakehouse:flink.highAvailability false`,
        );
    }
    const storageDir = args.flink.highAvailabilityStorageUri;
    if (kind === "kubernetes") return { type: "kubernetes", clusterId: args.clusterId, storageDir, serviceAccount: FLINK_HA.serviceAccount };
    if (!args.zookeeperQuorum) throw new Error("Flink ZooKeeper high availability needs the ZooKeeper workload's address");
    return { type: "zookeeper", clusterId: args.clusterId, storageDir, quorum: args.zookeeperQuorum, sessionTimeout: FLINK_HA.zookeeperSessionTimeout };
}

/** The Flink settings of a high availability (none when it is off). */
export function highAvailabilityProperties(ha: FlinkHighAvailability | undefined): Record<string, string> {
    if (!ha) return {};
    const common = { "high-availability.storageDir": ha.storageDir, "high-availability.cluster-id": ha.clusterId };
    if (ha.type === "kubernetes") {
        // Leader election and HA metadata in ConfigMaps named <cluster-id>-...; the namespace comes from the pod (-D on the command line).
        return { ...common, "high-availability.type": "kubernetes", "kubernetes.cluster-id": ha.clusterId };
    }
    return {
        ...common,
        "high-availability.type": "zookeeper",
        "high-availability.zookeeper.quorum": ha.quorum,
        "high-availability.zookeeper.path.root": "/flink",
        "high-availability.zookeeper.client.session-timeout": ha.sessionTimeout,
        // In ZooKeeper mode the JobManager takes its RPC port from here (random by default): keep the published one.
        "high-availability.jobmanager.port": String(PORTS.flinkRpc),
    };
}

/** The Flink minor the connector jars in the image are built for. */
export const FLINK_MINOR = "1.20";

/** The Flink version an image's tag starts with (`lakehouse/flink:1.20.3-<hash>`, `flink:1.20.1-scala_2.12-java17`), or undefined. */
export function flinkVersionOf(imageRef: string): string | undefined {
    const tag = imageRef.slice(imageRef.lastIndexOf("/") + 1).split(":")[1] ?? "";
    return /^(\d+\.\d+\.\d+)/.exec(tag)?.[1];
}

export { FLINK_WORKLOADS };

/**
 * Flink configuration shared by every Flink process, as `key: value` lines (sorted, so a changed
 * setting is a one-line diff). Passed through the image's FLINK_PROPERTIES hook.
 */
export function flinkProperties(args: FlinkWorkloadArgs): string {
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
        ...highAvailabilityProperties(args.highAvailability),
        // Only when set: a line every stack had would restart every Flink process at upgrade.
        ...(args.jarSubmission ? { "web.submit.enable": "true" } : {}),
    };
    return Object.keys(props)
        .sort()
        .map((k) => `${k}: ${props[k]}`)
        .join("\n");
}

/**
 * Under Kubernetes HA every Flink pod runs with the ServiceAccount that may use ConfigMaps and gets
 * its pod IP and namespace from the Downward API; the JobManager advertises its pod IP (HA does the
 * service discovery: several JobManager pods must not share the Service's name) and each process is
 * told its namespace (`-D kubernetes.namespace=...`; Flink's default is `default`).
 */
function kubernetesHaPodSettings(ha: FlinkHighAvailability | undefined): {
    role: (command: string[], jobManager: boolean) => string[];
    extra: Partial<WorkloadSpec>;
} {
    if (ha?.type !== "kubernetes") return { role: (command) => command, extra: {} };
    return {
        role: (command, jobManager) =>
            jobManager ? [...command, "$(POD_IP)", "-D", "kubernetes.namespace=$(POD_NAMESPACE)"] : [...command, "-Dkubernetes.namespace=$(POD_NAMESPACE)"],
        extra: {
            podFieldEnv: { POD_IP: "status.podIP", POD_NAMESPACE: "metadata.namespace" },
            kubernetesApi: { serviceAccount: ha.serviceAccount, rules: FLINK_HA_RBAC_RULES },
        },
    };
}

/** The health probes of a REST endpoint: HTTP, or HTTPS when the endpoints serve TLS (`lakehouse:flink.tls`). */
export function restHealthProbe(tls: boolean): (port: number, path: string) => { exec: string[]; httpGet: { path: string; port: number; scheme?: "HTTPS" } } {
    return (port, path) =>
        tls ? { exec: opensslHttpsProbe(port, path), httpGet: { path, port, scheme: "HTTPS" } } : { exec: bashHttpProbe(port, path), httpGet: { path, port } };
}

/** JobManager, TaskManagers and SQL Gateway: one image, one configuration, three roles. */
export function flinkWorkloads(args: FlinkWorkloadArgs): WorkloadSpec[] {
    const version = flinkVersionOf(args.image.ref);
    if (!version || !version.startsWith(`${FLINK_MINOR}.`)) {
        throw new Error(
            `flinkWorkloads: image "${args.image.ref}" is not tagged as a Flink ${FLINK_MINOR}.x image; the connector jars are built for ${FLINK_MINOR}`,
        );
    }
    const image = args.image;
    const env: Record<string, string> = {
        AWS_REGION: args.awsRegion,
        ...(typeof args.s3AccessKey === "string" ? { AWS_ACCESS_KEY_ID: args.s3AccessKey } : {}),
        FLINK_PROPERTIES: flinkProperties(args),
        // Only when set: an env entry every stack had would restart every Flink process at upgrade.
        ...(args.extraCaCerts ? { EXTRA_CA_CERTS: args.extraCaCerts } : {}),
        ...(args.restTls ? { REST_TLS_CERT: args.restTls.certificate, REST_TLS_CA: args.restTls.caCert } : {}),
    };
    const s3Uris = [args.flink.checkpointsUri, args.flink.savepointsUri, ...(args.highAvailability ? [args.highAvailability.storageDir] : [])];
    if (s3Uris.some((u) => /^s3a?:\/\//.test(u))) {
        // The image's entrypoint copies this bundled plugin into plugins/ for s3:// checkpoints.
        env.ENABLE_BUILT_IN_PLUGINS = `flink-s3-fs-hadoop-${version}.jar`;
    }
    const secretEnv: Record<string, SecretEnvRef> = {
        ...(typeof args.s3AccessKey === "string" ? {} : { AWS_ACCESS_KEY_ID: args.s3AccessKey }),
        AWS_SECRET_ACCESS_KEY: args.s3SecretKey ?? { secret: MINIO_SECRETS.rootPassword },
        ...(args.restTls ? { REST_TLS_KEY: args.restTls.key } : {}),
    };
    const restProbe = restHealthProbe(args.restTls !== undefined);
    const ha = kubernetesHaPodSettings(args.highAvailability);
    const common = {
        service: "flink",
        image,
        env,
        secretEnv,
        volumes: [],
        files: [],
        stateful: false,
        resources: args.resources,
        runAsUser: 9999,
        ...ha.extra,
    };
    const zookeeper = args.highAvailability?.type === "zookeeper" ? [ZOOKEEPER_WORKLOAD] : [];
    return [
        {
            ...common,
            name: FLINK_WORKLOADS.jobManager,
            command: ha.role(["jobmanager"], true),
            ports: [
                { name: "rest", port: PORTS.flinkRest, hostPort: PORTS.flinkRest },
                { name: "rpc", port: PORTS.flinkRpc },
                { name: "blob", port: PORTS.flinkBlob },
            ],
            health: {
                ...restProbe(PORTS.flinkRest, "/overview"),
                intervalSeconds: 5,
                timeoutSeconds: 5,
                retries: 24,
                startPeriodSeconds: 10,
                describe: `Flink JobManager REST answers /overview${args.restTls ? " over HTTPS" : ""}`,
            },
            dependsOn: [...args.dependsOn, ...zookeeper],
            replicas: 1,
        },
        {
            ...common,
            name: FLINK_WORKLOADS.taskManager,
            command: ha.role(["taskmanager"], false),
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
            command: ha.role(["bin/sql-gateway.sh", "start-foreground"], false),
            ports: [{ name: "rest", port: PORTS.flinkSqlGateway, hostPort: PORTS.flinkSqlGatewayHost }],
            health: {
                ...restProbe(PORTS.flinkSqlGateway, "/v1/info"),
                intervalSeconds: 5,
                timeoutSeconds: 5,
                retries: 24,
                startPeriodSeconds: 10,
                describe: `Flink SQL Gateway answers /v1/info${args.restTls ? " over HTTPS" : ""}`,
            },
            dependsOn: [FLINK_WORKLOADS.jobManager],
            replicas: 1,
        },
    ];
}

/** A Flink session cluster with the SQL Gateway, highly available unless `flink.highAvailability` is false. */
export class Flink extends pulumi.ComponentResource {
    readonly jobManager: DeployedWorkload;
    readonly taskManagers: DeployedWorkload;
    readonly sqlGateway: DeployedWorkload;
    readonly rest: Endpoint;
    readonly sqlGatewayRest: Endpoint;
    /** The HA coordination service (ZooKeeper HA on Docker), when there is one. */
    readonly zookeeper?: ZooKeeper;
    readonly highAvailability?: FlinkHighAvailability;
    /** Every workload this component deployed, ZooKeeper included (for the stack's consistency checks). */
    readonly workloads: DeployedWorkload[];

    constructor(name: string, args: FlinkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:flink:Flink", name, {}, opts);
        const kind = args.platform.kind;
        const external = args.platform.isExternal("flink");
        const clusterId = args.clusterId;
        if (args.flink.highAvailability && !external && kind === "docker") {
            this.zookeeper = new ZooKeeper(
                `${name}-zookeeper`,
                {
                    image: args.zookeeperImage,
                    resources: FLINK_HA.zookeeperResources,
                    volumeSizeGiB: FLINK_HA.zookeeperVolumeSizeGiB,
                    platform: args.platform,
                },
                { parent: this },
            );
        }
        try {
            this.highAvailability = flinkHighAvailability(kind, { flink: args.flink, clusterId, external, zookeeperQuorum: this.zookeeper?.client.internal });
        } catch (err) {
            throw new pulumi.ResourceError((err as Error).message, this);
        }
        const [jm, tm, gw] = flinkWorkloads({ ...args, highAvailability: this.highAvailability }).map((spec) => args.platform.deploy(spec, this));
        this.workloads = [...(this.zookeeper ? [this.zookeeper.workload] : []), jm, tm, gw];
        this.jobManager = jm;
        this.taskManagers = tm;
        this.sqlGateway = gw;
        // Over HTTPS with flink.tls (an external Flink's endpoints carry their scheme already).
        const scheme = args.restTls && !external ? { scheme: "https" as const } : {};
        this.rest = { ...jm.endpoints.rest, ...scheme };
        this.sqlGatewayRest = { ...gw.endpoints.rest, ...scheme };
        this.registerOutputs({ rest: this.rest, sqlGatewayRest: this.sqlGatewayRest, highAvailability: this.highAvailability?.type ?? "none" });
    }
}
