/** The `postgres` image: Debian's postgresql-15 package from apt (the package the harness runs); nothing staged. */
import { ImageStaging } from "./types";

export const image: ImageStaging = {
    name: "postgres",
    installs: [],
    async artifacts() {
        return [];
    },
};
