/**
 * CPU and resident memory of each harness service, from /proc: the service's pid (and its process
 * group, which for PostgreSQL holds the backends and the WAL sender) as recorded by the harness in
 * ~/.local/state/cdc-lakehouse/pids/<service>.json; or of each container of a Docker stack (its main
 * process as the engine reports it, and its descendants).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux x86_64/arm64 (getconf CLK_TCK)
const PAGE_KIB = 4;

export interface ServicePid {
    name: string;
    pid: number;
    pgid: number;
}

export function harnessPids(runDir = process.env.LAKEHOUSE_RUN || path.join(os.homedir(), ".local", "state", "cdc-lakehouse")): ServicePid[] {
    const dir = path.join(runDir, "pids");
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")))
        .map((j) => ({ name: j.name, pid: Number(j.pid), pgid: Number(j.pgid ?? j.pid) }))
        .filter((s) => fs.existsSync(`/proc/${s.pid}`))
        .sort((a, b) => a.name.localeCompare(b.name));
}

/** Fields of /proc/<pid>/stat after the command (which may hold spaces). */
export function parseStat(text: string): { ppid: number; pgrp: number; utime: number; stime: number; cutime: number; cstime: number; rssPages: number } {
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // rest[0] is field 3 (state): field k is rest[k - 3].
    const f = (k: number) => Number(rest[k - 3]);
    return { ppid: f(4), pgrp: f(5), utime: f(14), stime: f(15), cutime: f(16), cstime: f(17), rssPages: f(24) };
}

/** VmRSS and VmHWM (KiB) from /proc/<pid>/status text. */
export function parseStatusMemory(text: string): { rssKiB: number; hwmKiB: number } {
    const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
    return { rssKiB: get("VmRSS"), hwmKiB: get("VmHWM") };
}

export interface ProcReading {
    atMs: number;
    /** CPU seconds of the pid, its process group and its live descendants (and their reaped children). */
    cpuSeconds: number;
    /** VmRSS of the service pid. */
    rssKiB: number;
    /** Sum of RSS over the pid, its group and descendants (PostgreSQL: shared buffers counted once per backend). */
    groupRssKiB: number;
}

function readGroup(svc: ServicePid): ProcReading {
    // The service pid, its process group and its descendants (PostgreSQL's backends each lead a session of their own).
    const all = new Map<number, ReturnType<typeof parseStat>>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            all.set(Number(entry), parseStat(fs.readFileSync(`/proc/${entry}/stat`, "utf8")));
        } catch {
            /* exited meanwhile */
        }
    }
    const members = new Set<number>([...all].filter(([pid, st]) => pid === svc.pid || st.pgrp === svc.pgid).map(([pid]) => pid));
    for (let grew = true; grew;) {
        grew = false;
        for (const [pid, st] of all) {
            if (!members.has(pid) && members.has(st.ppid)) {
                members.add(pid);
                grew = true;
            }
        }
    }
    let ticks = 0;
    let groupRssKiB = 0;
    for (const pid of members) {
        const st = all.get(pid)!;
        ticks += st.utime + st.stime + st.cutime + st.cstime;
        groupRssKiB += st.rssPages * PAGE_KIB;
    }
    let rssKiB = NaN;
    try {
        rssKiB = parseStatusMemory(fs.readFileSync(`/proc/${svc.pid}/status`, "utf8")).rssKiB;
    } catch {
        /* gone */
    }
    return { atMs: Date.now(), cpuSeconds: ticks / CLK_TCK, rssKiB, groupRssKiB };
}

export interface ServiceUsage {
    service: string;
    pid: number;
    cpuSeconds: number;
    /** CPU seconds / wall seconds x 100 (one core = 100%). */
    cpuPercent: number;
    rssMiBMax: number;
    groupRssMiBMax: number;
}

/**
 * Samples every service every `everyMs` (default: the harness's; a Docker stack passes its containers'
 * main processes, which this host's /proc shows with their descendants); `stop()` returns per-service
 * CPU over the window and peak RSS.
 */
export function startProcSampling(everyMs = 1000, services: readonly ServicePid[] = harnessPids()): { stop(): ServiceUsage[] } {
    const first = new Map(services.map((s) => [s.name, readGroup(s)]));
    const peak = new Map(services.map((s) => [s.name, { rss: first.get(s.name)!.rssKiB, group: first.get(s.name)!.groupRssKiB }]));
    const timer = setInterval(() => {
        for (const s of services) {
            const r = readGroup(s);
            const p = peak.get(s.name)!;
            p.rss = Math.max(p.rss, r.rssKiB || 0);
            p.group = Math.max(p.group, r.groupRssKiB);
        }
    }, everyMs);
    timer.unref();
    return {
        stop() {
            clearInterval(timer);
            return services.map((s) => {
                const a = first.get(s.name)!;
                const b = readGroup(s);
                const p = peak.get(s.name)!;
                const cpu = Math.max(0, b.cpuSeconds - a.cpuSeconds);
                const wall = (b.atMs - a.atMs) / 1000;
                return {
                    service: s.name,
                    pid: s.pid,
                    cpuSeconds: cpu,
                    cpuPercent: wall > 0 ? (cpu / wall) * 100 : 0,
                    rssMiBMax: Math.max(p.rss, b.rssKiB || 0) / 1024,
                    groupRssMiBMax: Math.max(p.group, b.groupRssKiB) / 1024,
                };
            });
        },
    };
}

/** Whole-machine CPU busy fraction between two /proc/stat readings (shared machine: others' load shows here). */
export function machineCpu(): { busy: number; total: number } {
    const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = line[3] + (line[4] || 0);
    const total = line.reduce((s, v) => s + v, 0);
    return { busy: total - idle, total };
}
