/** The `minio` image: the MinIO server binary the harness built from its Go module (harness/minio). */
import { minioBinary } from "../minio";
import { ImageStaging } from "./types";

export const image: ImageStaging = {
    name: "minio",
    installs: ["minio"],
    async artifacts(ctx) {
        return [{ from: minioBinary(ctx.cacheDir), to: "minio" }];
    },
};
