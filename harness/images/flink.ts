/**
 * The `flink` image: the harness's Flink classpath exactly as harness/flink installed it (lib/), plus
 * the jars the program's Flink settings need and the harness does not run (components/images/flink/
 * extra-artifacts.txt: the RocksDB state backend and Kubernetes HA on the classpath, the S3 filesystem plugin under
 * opt/), fetched with `mvn` into the harness cache once.
 */
import * as fs from "fs";
import * as path from "path";
import { libDir } from "../flink";
import { ensureInstalled } from "../lib/install";
import { mavenCopy } from "../lib/maven";
import { HarnessContext } from "../lib/types";
import { ImageStaging } from "./types";

/** One line of extra-artifacts.txt: where the jar goes in the image, and its Maven coordinate. */
export interface ExtraArtifact {
    dir: "lib" | "opt";
    coordinate: string;
}

/** Parses extra-artifacts.txt (`lib|opt <groupId:artifactId:version>` a line; `#` comments). */
export function parseExtraArtifacts(text: string): ExtraArtifact[] {
    return text
        .split("\n")
        .map((line) => line.replace(/#.*$/, "").trim())
        .filter((line) => line !== "")
        .map((line) => {
            const [dir, coordinate, ...rest] = line.split(/\s+/);
            if ((dir !== "lib" && dir !== "opt") || !coordinate || rest.length) {
                throw new Error(`components/images/flink/extra-artifacts.txt: bad line '${line}': expected 'lib|opt <groupId:artifactId:version>'`);
            }
            return { dir, coordinate };
        });
}

function extraArtifacts(ctx: HarnessContext): ExtraArtifact[] {
    return parseExtraArtifacts(fs.readFileSync(path.join(ctx.repoDir, "components", "images", "flink", "extra-artifacts.txt"), "utf8"));
}

/** Cache directory of the extra jars (`lib/`, `opt/`); its install marker holds the fingerprint of the list. */
function extrasDir(ctx: HarnessContext): string {
    return path.join(ctx.cacheDir, "flink-image-extras", ctx.versions.flink.version as string);
}

export const image: ImageStaging = {
    name: "flink",
    installs: ["flink-jobmanager"],
    async artifacts(ctx) {
        const extras = extraArtifacts(ctx);
        const dir = await ensureInstalled(
            ctx,
            "Flink image extra jars (RocksDB state backend, Kubernetes HA, S3 filesystem plugin)",
            extrasDir(ctx),
            { extras, layout: 1 },
            async (scratch) => {
                for (const sub of ["lib", "opt"] as const) {
                    fs.mkdirSync(path.join(scratch, sub), { recursive: true });
                    const coordinates = extras.filter((e) => e.dir === sub).map((e) => e.coordinate);
                    if (coordinates.length) await mavenCopy(ctx, coordinates, path.join(scratch, sub));
                }
            },
        );
        return [
            { from: libDir(ctx), to: "lib" },
            { from: path.join(dir, "lib"), to: "lib-extra" },
            { from: path.join(dir, "opt"), to: "opt" },
        ];
    },
};
