/** The `kafka` image: the broker's jars exactly as the harness installed them (harness/kafka). */
import { kafkaLibDir } from "../kafka";
import { ImageStaging } from "./types";

export const image: ImageStaging = {
    name: "kafka",
    installs: ["kafka"],
    async artifacts(ctx) {
        return [{ from: kafkaLibDir(ctx), to: "kafka/libs" }];
    },
};
