/**
 * The `connect` image: the Kafka Connect worker's jars and the Debezium PostgreSQL plugin exactly as the
 * harness installed them (harness/connect).
 */
import { connectLibDir, pluginPath } from "../connect";
import { ImageStaging } from "./types";

export const image: ImageStaging = {
    name: "connect",
    installs: ["connect"],
    async artifacts(ctx) {
        return [
            { from: connectLibDir(ctx), to: "libs" },
            { from: pluginPath(ctx), to: "plugins" },
        ];
    },
};
