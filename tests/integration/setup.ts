/**
 * Jest globalSetup for the `services` project: builds the offline Pulumi CLI when it is missing (the
 * end-to-end tests run the real engine), then starts whatever registered service is not healthy yet
 * (installing it first if needed). Both are idempotent and cached outside the repository. It never
 * stops services: they are shared with other test runs and with people; `npm run harness -- down`
 * stops them.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { createContext, ensureUp } from "../../harness/cli";
import { repoDir } from "../../harness/lib/context";
import { installPulumi } from "../../harness/pulumi/install";

export default async function globalSetup(): Promise<void> {
    const ctx = createContext();
    await installPulumi(ctx);
    await ensureUp();
    // `.ci/run` asks for the project's images to be built in the background (niced) while the tests run:
    // on a cold machine that takes about 4 minutes, which the Docker and Kubernetes tests would otherwise
    // spend first. They wait for it through the builder's lock (harness/images/build.ts).
    if (process.env.LAKEHOUSE_PREBUILD_IMAGES === "1") {
        const log = path.join(ctx.cacheDir, "images-prebuild.log");
        fs.mkdirSync(ctx.cacheDir, { recursive: true });
        const out = fs.openSync(log, "w");
        const child = spawn(
            "nice",
            ["-n", "19", process.execPath, require.resolve("ts-node/dist/bin.js"), "--transpile-only", "harness/images/cli.ts", "build"],
            {
                cwd: repoDir,
                // In Jest's own session, not a new one: with the kernel's autogroup scheduling a session of its
                // own would get an equal share of the CPU whatever its nice value (docs/testing.md).
                stdio: ["ignore", out, out],
            },
        );
        child.unref();
        fs.closeSync(out);
        console.log(`building the project's images in the background (pid ${child.pid}; log: ${log})`);
    }
}
