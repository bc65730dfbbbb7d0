/**
 * A Flink job that is a jar: built from its Maven project into a cache outside the repository (once
 * per content hash), uploaded to the JobManager's REST API, run, and its upload removed.
 *
 * Serialization-safe (see ../toolkit/README.md): functions and literals only; Node's modules are
 * `require`d inside the functions that use them.
 */
import { PROVIDER_DEFAULTS } from "../../defaults";
import { HttpTarget } from "../toolkit/http";
import { printProgress } from "../toolkit/progress";
import { redact } from "../toolkit/redact";
import { flinkRequest } from "./request";

const SERVICE = "Flink REST";

/** How to build a job's jar: its Maven project and the properties its pom reads. */
export interface JarBuild {
    /** The Maven project's directory (the one with pom.xml). */
    projectDirectory: string;
    /** Hash of the project's sources and the properties: names the build in the cache. */
    sourceHash: string;
    /** `-D` properties of the build (the versions the pom reads). */
    mavenProperties: Record<string, string>;
    /** The jar's file name under the build directory. */
    artifact: string;
    /** The cache the jar is built into (`<cacheDirectory>/<sourceHash>/<artifact>`). */
    cacheDirectory: string;
}

/** The Maven command line of a build into `buildDirectory`. */
export function mavenPackageArgs(build: JarBuild, buildDirectory: string): string[] {
    const properties = Object.entries(build.mavenProperties)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `-D${k}=${v}`);
    return ["-q", "-B", "-f", `${build.projectDirectory}/pom.xml`, "package", `-Djob.build.directory=${buildDirectory}`, ...properties];
}

/**
 * The jar's path, built first when the cache does not hold this source hash yet: `mvn package` into a
 * scratch directory, renamed into place when it succeeded (a half-built jar is never used). Bounded by
 * `timeoutMs`; a failed build throws Maven's last lines and what to install.
 */
export async function ensureJobJar(build: JarBuild, timeoutMs: number = PROVIDER_DEFAULTS.jarBuildTimeoutMs): Promise<string> {
    const fs = require("fs") as typeof import("fs");
    const path = require("path") as typeof import("path");
    const { spawn } = require("child_process") as typeof import("child_process");
    const target = path.join(build.cacheDirectory, build.sourceHash);
    const jar = path.join(target, build.artifact);
    if (fs.existsSync(jar)) return jar;
    const scratch = `${target}.build-${process.pid}-${Date.now()}`;
    fs.mkdirSync(build.cacheDirectory, { recursive: true });
    const args = mavenPackageArgs(build, scratch);
    printProgress(`building ${build.artifact} from ${build.projectDirectory} (mvn package, at most ${Math.round(timeoutMs / 1000)} s)`);
    const started = Date.now();
    const output = await new Promise<{ code: number | null; text: string; error?: Error }>((resolve) => {
        let text = "";
        const child = spawn("mvn", args, { stdio: ["ignore", "pipe", "pipe"] });
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.stdout.on("data", (d: Buffer) => (text += d.toString()));
        child.stderr.on("data", (d: Buffer) => (text += d.toString()));
        child.on("error", (error: Error) => {
            clearTimeout(timer);
            resolve({ code: null, text, error });
        });
        child.on("close", (code: number | null) => {
            clearTimeout(timer);
            resolve({ code, text });
        });
    });
    const built = path.join(scratch, build.artifact);
    if (output.code !== 0 || !fs.existsSync(built)) {
        fs.rmSync(scratch, { recursive: true, force: true });
        const why = output.error
            ? `${output.error.message} (is Maven installed? the build needs \`mvn\` and a JDK 17 on the PATH)`
            : output.code === null
              ? `no result within ${Math.round(timeoutMs / 1000)} s`
              : `exit ${output.code}: ${output.text.trim().split("\n").slice(-15).join("\n")}`;
        throw new Error(`building ${build.artifact} with \`mvn ${args.join(" ")}\` failed: ${why}`);
    }
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(scratch, target);
    printProgress(`built ${build.artifact} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${jar}`);
    return jar;
}

/** What {@link runJar} submits. */
export interface JarRun {
    entryClass: string;
    /** The program's arguments, secrets already filled in (never logged: `secrets` are redacted). */
    programArgs: string[];
    /** Resume from this savepoint or retained checkpoint. */
    restorePath?: string;
    allowNonRestoredState: boolean;
    secrets: string[];
}

/**
 * Uploads the jar, runs its entry class (Flink runs `main` on the JobManager, which submits the job),
 * and removes the upload (the running job keeps its own copy in the blob store); returns the job id.
 */
export async function runJar(restUrl: HttpTarget, jarPath: string, run: JarRun): Promise<string> {
    const fs = require("fs") as typeof import("fs");
    const path = require("path") as typeof import("path");
    const form = new FormData();
    form.append("jarfile", new Blob([fs.readFileSync(jarPath)], { type: "application/x-java-archive" }), path.basename(jarPath));
    const upload = await flinkRequest(SERVICE, restUrl, "POST", "/jars/upload", form);
    const jarId = path.basename(String(upload.filename ?? ""));
    if (!jarId) throw new Error(`Flink REST POST /jars/upload: no file name in the answer ${JSON.stringify(upload).slice(0, 300)}`);
    try {
        const answer = await flinkRequest(
            SERVICE,
            restUrl,
            "POST",
            `/jars/${encodeURIComponent(jarId)}/run`,
            {
                entryClass: run.entryClass,
                programArgsList: run.programArgs,
                ...(run.restorePath ? { savepointPath: run.restorePath, allowNonRestoredState: run.allowNonRestoredState } : {}),
            },
            { secrets: run.secrets },
        );
        if (!answer.jobid) throw new Error(`Flink REST POST /jars/${jarId}/run: no job id in the answer`);
        return String(answer.jobid);
    } catch (err) {
        throw new Error(redact((err as Error).message, run.secrets));
    } finally {
        await flinkRequest(SERVICE, restUrl, "DELETE", `/jars/${encodeURIComponent(jarId)}`).catch(() => undefined);
    }
}
