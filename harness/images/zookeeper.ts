/** The `zookeeper` image: ZooKeeper's jars exactly as the harness installed them (harness/zookeeper). */
import { zookeeperLibDir } from "../zookeeper";
import { ImageStaging } from "./types";

export const image: ImageStaging = {
    name: "zookeeper",
    installs: ["zookeeper"],
    async artifacts(ctx) {
        return [{ from: zookeeperLibDir(ctx), to: "zookeeper/lib" }];
    },
};
