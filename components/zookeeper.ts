import * as pulumi from "@pulumi/pulumi";
import { ResourceSize } from "./config";
import { FLINK_HA } from "./defaults";
import { DeployedWorkload, ImageSpec, Endpoint, Platform, WorkloadSpec } from "./platform";

export interface ZooKeeperArgs {
    /** The image it runs (`lakehouse:images`): the project's own unless the stack names one. */
    image: ImageSpec;
    resources: ResourceSize;
    volumeSizeGiB: number;
    platform: Platform;
}

/** The workload name (also its address on the stack's network). */
export const ZOOKEEPER_WORKLOAD = "zookeeper";

/**
 * One standalone ZooKeeper server (the project's image): the coordination service of Flink's
 * JobManager high availability on Docker. Its data is on a volume, so a recreated container still
 * knows the jobs; the admin HTTP server is off; the four-letter words the health check uses are allowed.
 */
export function zookeeperWorkload(args: Omit<ZooKeeperArgs, "platform">): WorkloadSpec {
    const port = FLINK_HA.zookeeperPort;
    return {
        name: ZOOKEEPER_WORKLOAD,
        service: "zookeeper",
        image: args.image,
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
            // The image's small zkServer.sh: `status` asks the server `srvr` and exits 0 once it serves ("Mode: standalone").
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
        // Our image runs as its own `zookeeper` user (uid 1000), which owns /data.
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
