/**
 * The `docker` CLI, run through child_process: bounded inspections, and long commands whose output
 * streams into a log file under the cache (not to the console); a failure shows the log's last lines.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** Lines of a failed command's log shown in the error. */
export const FAILURE_TAIL_LINES = 40;

/** Environment of every docker call: the classic builder (plain, line-per-step output in the log). */
function dockerEnv(): NodeJS.ProcessEnv {
    return { ...process.env, DOCKER_BUILDKIT: "0" };
}

/** True when the local engine has the image. */
export function imageExists(ref: string): boolean {
    const r = spawnSync("docker", ["image", "inspect", "--format", "{{.Id}}", ref], { encoding: "utf8", timeout: 30000, env: dockerEnv() });
    if (r.error) throw new Error(`docker image inspect failed to run (${r.error.message}): is the docker CLI installed and dockerd running?`);
    return r.status === 0;
}

/** Size of a local image in bytes, or undefined when it is absent. */
export function imageSize(ref: string): number | undefined {
    const r = spawnSync("docker", ["image", "inspect", "--format", "{{.Size}}", ref], { encoding: "utf8", timeout: 30000, env: dockerEnv() });
    if (r.status !== 0) return undefined;
    const n = Number(String(r.stdout).trim());
    return Number.isFinite(n) ? n : undefined;
}

/** The last `lines` lines of a file (empty when missing). */
export function tailFile(file: string, lines = FAILURE_TAIL_LINES): string {
    if (!fs.existsSync(file)) return "";
    const text = fs.readFileSync(file, "utf8").split("\n");
    if (text.length && text[text.length - 1] === "") text.pop();
    return text.slice(-lines).join("\n");
}

export interface LoggedRunOptions {
    /** Output (stdout and stderr) is appended here. */
    logFile: string;
    /** Upper bound; the command is killed after it. */
    timeoutMs: number;
    /** Bytes fed to stdin (e.g. a tar stream is piped with `stdinFrom` instead). */
    stdinFrom?: { command: string; args: string[] };
    env?: NodeJS.ProcessEnv;
}

/**
 * Runs a command with its output appended to a log file; rejects with the log's last lines on a
 * non-zero exit or when the bound is reached. `stdinFrom` pipes another command's stdout into it.
 */
export function runLogged(command: string, args: string[], options: LoggedRunOptions): Promise<void> {
    fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
    fs.appendFileSync(options.logFile, `\n===== ${new Date().toISOString()} ${command} ${args.join(" ")}\n`);
    const fd = fs.openSync(options.logFile, "a");
    return new Promise<void>((resolve, reject) => {
        const env = options.env || dockerEnv();
        const feeder = options.stdinFrom ? spawn(options.stdinFrom.command, options.stdinFrom.args, { stdio: ["ignore", "pipe", fd], env }) : undefined;
        const child = spawn(command, args, { stdio: [feeder ? "pipe" : "ignore", fd, fd], env });
        if (feeder && child.stdin) feeder.stdout!.pipe(child.stdin);
        let settled = false;
        const finish = (err?: Error) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            fs.closeSync(fd);
            if (err) reject(err);
            else resolve();
        };
        const describe = `${command} ${args.slice(0, 3).join(" ")}`;
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            feeder?.kill("SIGKILL");
            finish(
                new Error(
                    `${describe} did not finish within ${Math.round(options.timeoutMs / 1000)} s; last ${FAILURE_TAIL_LINES} lines of ${options.logFile}:\n${tailFile(options.logFile)}`,
                ),
            );
        }, options.timeoutMs);
        child.on("error", (err) => finish(new Error(`${command} failed to run: ${err.message}`)));
        feeder?.on("error", (err) => finish(new Error(`${options.stdinFrom!.command} failed to run: ${err.message}`)));
        child.on("close", (code, signal) => {
            if (code === 0) finish();
            else
                finish(
                    new Error(
                        `${describe} exited with ${code ?? signal}; last ${FAILURE_TAIL_LINES} lines of ${options.logFile}:\n${tailFile(options.logFile)}`,
                    ),
                );
        });
    });
}
