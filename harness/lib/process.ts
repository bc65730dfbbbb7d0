/**
 * Running services as plain detached processes: each in its own process group, output appended to
 * runDir/logs/<name>.log, pid recorded in runDir/pids/<name>.json. Stopping signals only the
 * recorded process group (checked against the recorded start time, so a reused pid is never hit).
 */
import { spawn, spawnSync, SpawnSyncOptions } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { HarnessContext, ProcessCommand } from "./types";
import { waitFor } from "./wait";

export interface PidRecord {
    name: string;
    pid: number;
    /** Process group id (== pid: each service is a group leader). */
    pgid: number;
    /** Field 22 of /proc/<pid>/stat, to tell our process from a later one that got the same pid. */
    startTicks: string;
    startedAt: string;
    command: string[];
    user?: string;
}

export function logFile(ctx: HarnessContext, name: string): string {
    return path.join(ctx.runDir, "logs", `${name}.log`);
}

export function pidFile(ctx: HarnessContext, name: string): string {
    return path.join(ctx.runDir, "pids", `${name}.json`);
}

/** uid/gid of a local user, from /etc/passwd. */
export function lookupUser(user: string): { uid: number; gid: number; home: string } {
    const line = fs
        .readFileSync("/etc/passwd", "utf8")
        .split("\n")
        .find((l) => l.split(":")[0] === user);
    if (!line) throw new Error(`OS user '${user}' does not exist (is the package that creates it installed?)`);
    const parts = line.split(":");
    return { uid: Number(parts[2]), gid: Number(parts[3]), home: parts[5] };
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces). */
function procStat(pid: number): string[] | undefined {
    try {
        const raw = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return raw.slice(raw.lastIndexOf(")") + 2).split(" ");
    } catch {
        return undefined;
    }
}

/** Field 22 (starttime); index 19 after the name. */
function startTicksOf(pid: number): string | undefined {
    return procStat(pid)?.[19];
}

function isZombie(pid: number): boolean {
    return procStat(pid)?.[0] === "Z";
}

/** True if the recorded process is still the one we started (and not a zombie). */
export function isRecordAlive(record: PidRecord): boolean {
    const ticks = startTicksOf(record.pid);
    return ticks !== undefined && ticks === record.startTicks && !isZombie(record.pid);
}

export function readPidRecord(ctx: HarnessContext, name: string): PidRecord | undefined {
    try {
        return JSON.parse(fs.readFileSync(pidFile(ctx, name), "utf8")) as PidRecord;
    } catch {
        return undefined;
    }
}

export function removePidRecord(ctx: HarnessContext, name: string): void {
    fs.rmSync(pidFile(ctx, name), { force: true });
}

interface ProcInfo {
    pid: number;
    ppid: number;
    pgid: number;
    state: string;
}

function allProcesses(): ProcInfo[] {
    const out: ProcInfo[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        const f = procStat(Number(entry));
        if (!f) continue;
        out.push({ pid: Number(entry), state: f[0], ppid: Number(f[1]), pgid: Number(f[2]) });
    }
    return out;
}

/** Live (non-zombie) pids of the record's process group plus any descendants that left the group. */
export function processTree(record: PidRecord): number[] {
    if (!isRecordAlive(record) && !groupHasMembers(record.pgid)) return [];
    const procs = allProcesses().filter((p) => p.state !== "Z");
    const members = new Set<number>(procs.filter((p) => p.pgid === record.pgid).map((p) => p.pid));
    if (isRecordAlive(record)) members.add(record.pid);
    let grew = true;
    while (grew) {
        grew = false;
        for (const p of procs) {
            if (!members.has(p.pid) && members.has(p.ppid)) {
                members.add(p.pid);
                grew = true;
            }
        }
    }
    return [...members].sort((a, b) => a - b);
}

function groupHasMembers(pgid: number): boolean {
    return allProcesses().some((p) => p.pgid === pgid && p.state !== "Z");
}

/** VmRSS of one process in KiB (0 when gone or a kernel thread). */
export function rssKiB(pid: number): number {
    try {
        const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        return m ? Number(m[1]) : 0;
    } catch {
        return 0;
    }
}

/** Proportional set size of one process in KiB (shared pages split among their users), 0 when unknown. */
export function pssKiB(pid: number): number {
    try {
        const m = /^Pss:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
        return m ? Number(m[1]) : 0;
    } catch {
        return 0;
    }
}

/** PSS of the whole process tree, in KiB: unlike summed VmRSS, counts shared memory (e.g. PostgreSQL's shared_buffers) once. */
export function treePssKiB(record: PidRecord): number {
    return processTree(record).reduce((sum, pid) => sum + pssKiB(pid), 0);
}

/** Resident memory of the whole process tree, in KiB. */
export function treeRssKiB(record: PidRecord): number {
    return processTree(record).reduce((sum, pid) => sum + rssKiB(pid), 0);
}

/** Starts a service process detached in its own process group; returns the recorded pid. */
export function startProcess(ctx: HarnessContext, name: string, cmd: ProcessCommand): PidRecord {
    const log = logFile(ctx, name);
    fs.mkdirSync(path.dirname(log), { recursive: true });
    fs.mkdirSync(path.dirname(pidFile(ctx, name)), { recursive: true });
    const fd = fs.openSync(log, "a");
    const argv = [cmd.command, ...cmd.args];
    fs.writeSync(fd, `\n===== ${new Date().toISOString()} harness starts ${name}: ${argv.join(" ")}\n`);
    let uid: number | undefined;
    let gid: number | undefined;
    const env: Record<string, string> = { ...(process.env as Record<string, string>), ...(cmd.env || {}) };
    if (cmd.user) {
        const u = lookupUser(cmd.user);
        uid = u.uid;
        gid = u.gid;
        env.HOME = u.home;
        env.USER = cmd.user;
        env.LOGNAME = cmd.user;
    }
    try {
        const child = spawn(cmd.command, cmd.args, {
            cwd: cmd.cwd,
            env,
            detached: true,
            stdio: ["ignore", fd, fd],
            uid,
            gid,
        });
        const pid = child.pid;
        if (pid === undefined) throw new Error(`could not start ${name}: ${argv.join(" ")}`);
        // A spawn error (e.g. ENOENT) arrives asynchronously; note it in the log, the health wait sees the death.
        child.on("error", (err) => fs.appendFileSync(log, `harness: spawn error: ${err.message}\n`));
        child.unref();
        const record: PidRecord = {
            name,
            pid,
            pgid: pid,
            startTicks: startTicksOf(pid) || "",
            startedAt: new Date().toISOString(),
            command: argv,
            user: cmd.user,
        };
        fs.writeFileSync(pidFile(ctx, name), JSON.stringify(record, null, 2) + "\n");
        return record;
    } finally {
        fs.closeSync(fd);
    }
}

function signalGroup(record: PidRecord, signal: NodeJS.Signals): void {
    // Only signal if the leader is still ours, or if the group still has members (leader gone, children left).
    if (!isRecordAlive(record) && !groupHasMembers(record.pgid)) return;
    try {
        process.kill(-record.pgid, signal);
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
}

/**
 * Stops the recorded process group: SIGTERM, a bounded wait, then SIGKILL. Removes the pid file.
 */
export async function stopRecordedProcess(ctx: HarnessContext, name: string, options: { graceMs?: number } = {}): Promise<boolean> {
    const record = readPidRecord(ctx, name);
    if (!record) return false;
    const gone = () => processTree(record).length === 0;
    if (!gone()) {
        ctx.log(`stopping ${name} (process group ${record.pgid})`);
        signalGroup(record, "SIGTERM");
        try {
            await waitFor(`${name} (process group ${record.pgid}) to exit after SIGTERM`, gone, {
                timeoutMs: options.graceMs ?? 30000,
                initialDelayMs: 100,
                maxDelayMs: 1000,
            });
        } catch {
            ctx.log(`${name} did not exit in time; sending SIGKILL to process group ${record.pgid}`);
            for (const pid of processTree(record)) {
                try {
                    process.kill(pid, "SIGKILL");
                } catch {
                    /* already gone */
                }
            }
            signalGroup(record, "SIGKILL");
            await waitFor(`${name} (process group ${record.pgid}) to exit after SIGKILL`, gone, {
                timeoutMs: 10000,
                initialDelayMs: 100,
                maxDelayMs: 1000,
            });
        }
    }
    removePidRecord(ctx, name);
    return true;
}

/** The last `lines` lines of a service's log (empty string if there is none). */
export function tailLog(ctx: HarnessContext, name: string, lines = 60): string {
    const file = logFile(ctx, name);
    if (!fs.existsSync(file)) return "";
    const size = fs.statSync(file).size;
    const readBytes = Math.min(size, Math.max(65536, lines * 400));
    const buf = Buffer.alloc(readBytes);
    const fd = fs.openSync(file, "r");
    try {
        fs.readSync(fd, buf, 0, readBytes, size - readBytes);
    } finally {
        fs.closeSync(fd);
    }
    const all = buf.toString("utf8").split("\n");
    if (all.length && all[all.length - 1] === "") all.pop();
    return all.slice(-lines).join("\n");
}

/** True if something accepts TCP connections on host:port (bounded). */
export function portInUse(port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ port, host });
        const done = (v: boolean) => {
            socket.destroy();
            resolve(v);
        };
        socket.setTimeout(timeoutMs, () => done(false));
        socket.once("connect", () => done(true));
        socket.once("error", () => done(false));
    });
}

/** Runs a command to completion (install/prepare steps), optionally as another user; throws with its output on failure. */
export function runChecked(
    command: string,
    args: string[],
    options: { cwd?: string; env?: Record<string, string>; user?: string; timeoutMs?: number; input?: string } = {},
): string {
    const spawnOpts: SpawnSyncOptions = {
        cwd: options.cwd,
        env: { ...(process.env as Record<string, string>), ...(options.env || {}) },
        encoding: "utf8",
        timeout: options.timeoutMs ?? 30 * 60 * 1000,
        input: options.input,
        maxBuffer: 64 * 1024 * 1024,
    };
    if (options.user) {
        const u = lookupUser(options.user);
        spawnOpts.uid = u.uid;
        spawnOpts.gid = u.gid;
        spawnOpts.env = { ...spawnOpts.env, HOME: u.home, USER: options.user, LOGNAME: options.user };
    }
    const r = spawnSync(command, args, spawnOpts);
    const output = `${r.stdout || ""}${r.stderr || ""}`;
    if (r.error) throw new Error(`${command} ${args.join(" ")} failed to run: ${r.error.message}\n${output}`);
    if (r.status !== 0) {
        throw new Error(`${command} ${args.join(" ")} exited with ${r.status ?? r.signal}\n${output.slice(-8000)}`);
    }
    return output;
}

/** Runs a command to completion asynchronously (so concurrent waits keep running); throws with output tail on failure. */
export function runCheckedAsync(
    command: string,
    args: string[],
    options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, {
            cwd: options.cwd,
            env: { ...(process.env as Record<string, string>), ...(options.env || {}) },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        const keep = (chunk: Buffer) => {
            output += chunk.toString("utf8");
            if (output.length > 200000) output = output.slice(-100000);
        };
        child.stdout.on("data", keep);
        child.stderr.on("data", keep);
        const limit = options.timeoutMs ?? 30 * 60 * 1000;
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`${command} ${args.join(" ")} did not finish within ${limit / 1000} s\n${output.slice(-8000)}`));
        }, limit);
        child.on("error", (err) => {
            clearTimeout(timer);
            reject(new Error(`${command} failed to run: ${err.message}`));
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            if (code === 0) resolve(output);
            else reject(new Error(`${command} ${args.join(" ")} exited with ${code ?? signal}\n${output.slice(-8000)}`));
        });
    });
}
