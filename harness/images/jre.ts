/** The `jre` image: Debian's OpenJDK 17 runtime from apt; nothing staged from the harness cache. */
import { ImageStaging } from "./types";

export const image: ImageStaging = {
    name: "jre",
    installs: [],
    async artifacts() {
        return [];
    },
};
