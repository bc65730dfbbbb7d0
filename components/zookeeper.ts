import * as pulumi from "@pulumi/pulumi";
import { ResourceSize } from "./config";
import { FLINK_HA } from "./defaults";
import { DeployedWorkload, Endpoint, Platform, WorkloadSpec } from "./platform";

export interface ZooKeeperArgs {
    /** Pinned image, e.g. `zookeeper:3.8.4`. */
    image: string;
    resources: ResourceSize;
    volumeSizeGiB: number;
    platform: Platform;
}

/** The workload name (also its address on the stack's network). */
export const ZOOKEEPER_WORKLOAD = "zookeeper";

/**
 * One standalone ZooKeeper server (the official image): the coordination service of Flink's
 * JobManager high availability on Docker. Its data is on a volume, so a recreated container still
 * knows the jobs; the admin HTTP server is off; the four-letter words the health check uses are allowed.
 */
export function zookeeperWorkload(args: Omit<ZooKeeperArgs, "platform">): WorkloadSpec {
    const port = FLINK_HA.zookeeperPort;
    return {
        name: ZOOKEEPER_WORKLOAD,
        service: "zookeeper",
        image: { kind: "remote", ref: args.image },
        env: {
            ZOO_STANDALONE_ENABLED: "true",
            ZOO_ADMINSERVER_ENABLED: "false",
            ZOO_4LW_COMMANDS_WHITELIST: "ruok,srvr",
            ZOO_AUTOPURGE_PURGEINTERVAL: "1",
            ZOO_AUTOPURGE_SNAPRETAINCOUNT: "3",
        },
        secretEnv: {},
        ports: [{ name: "client", port }],
        volumes: [{ name: "data", mountPath: "/data", sizeGiB: args.volumeSizeGiB }],
        files: [],
        health: {
            // The image's own status command: exits 0 once the server serves ("Mode: standalone").
            exec: ["CMD", "zkServer.sh", "status"],
            tcpSocket: { port },
            intervalSeconds: 5,
            timeoutSeconds: 5,
            retries: 12,
            startPeriodSeconds: 5,
            describe: `ZooKeeper serves on port ${port} (zkServer.sh status)`,
        },
        dependsOn: [],
        replicas: 1,
        stateful: true,
        // The image's entrypoint starts as root and drops to its `zookeeper` user itself.
        resources: args.resources,
    };
}

/** ZooKeeper for Flink's high availability. */
export class ZooKeeper extends pulumi.ComponentResource {
    readonly workload: DeployedWorkload;
    /** `zookeeper:2181` on the stack's network: Flink's `high-availability.zookeeper.quorum`. */
    readonly client: Endpoint;

    constructor(name: string, args: ZooKeeperArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:zookeeper:ZooKeeper", name, {}, opts);
        this.workload = args.platform.deploy(zookeeperWorkload(args), this);
        this.client = this.workload.endpoints.client;
        this.registerOutputs({ client: this.client });
    }
}
