/**
 * Fault scenarios (issue 7): while a writer keeps changing rows in PostgreSQL, SIGKILL one harness
 * service (its whole process group and descendants, from the harness's pid file), wait, restart it as
 * a supervisor would (the harness's `ensureUp([service])`: that service only, health-gated), and let
 * the pipeline recover on its own. If it does not (the Flink job is gone or FAILED, the connector or
 * a task FAILED, or nothing new reaches Iceberg in time), do what a user would: `pulumi up --refresh`
 * (the job resource sees the drift and resubmits from its last restore point), and, for a connector
 * task still FAILED, Connect's restart of failed tasks; the result says which. Faults that must
 * recover without a person (FAULT_EXPECTATIONS: the JobManager, which runs with high availability,
 * and ZooKeeper) get no such step: not recovering by itself is a failure. Then stop the writer,
 * wait for lag zero, and compare: the upsert table must equal PostgreSQL exactly; the changelog must
 * hold every committed change at least once (duplicates are counted, a lost change fails).
 *
 * Recovery time = kill -> the first change committed in PostgreSQL after the kill (an INSERT or
 * UPDATE; its name is unique) visible in the Iceberg changelog through a batch query (polled every 2 s).
 * Lag-zero time = kill -> the slot confirmed the writer's last LSN and the job's consumer groups
 * committed the topic's end; it includes the writing after the kill (see `writerStoppedMs`).
 */
import { ensureUp, status } from "../../harness/cli";
import { createContext } from "../../harness/lib/context";
import { isRecordAlive, processTree, readPidRecord } from "../../harness/lib/process";
import { HarnessContext } from "../../harness/lib/types";
import {
    accountChangelog,
    changeKey,
    changelogRowKey,
    ChangelogAccount,
    countKeys,
    diffMirror,
    Fault,
    FAULT_EXPECTATIONS,
    FAULT_LABELS,
    FaultOptions,
    MirrorDiff,
    ScenarioResult,
    unexpectedRows,
} from "./model";
import {
    connectorStatus,
    flinkJobException,
    flinkJobs,
    inReaderCatalog,
    IcebergReader,
    jobCheckpoints,
    jobRestarts,
    jobRestoredFrom,
    readLag,
    restartFailedConnectorTasks,
    waitUntil,
    watchJobRecovery,
} from "./probes";
import { deployFaultStack, FaultStack } from "./stack";
import { FaultWriter, pgRows } from "./writer";

type Log = (msg: string) => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TABLE = "demographics";

function harnessContext(log: Log): HarnessContext {
    return createContext({ log: (m) => log(`harness: ${m}`) });
}

/** SIGKILL of the service's process group and every descendant (PostgreSQL's backends leave the group); waits until all are gone. */
export async function killService(service: string, log: Log): Promise<{ pid: number; pids: number[] }> {
    const ctx = createContext({ log });
    const record = readPidRecord(ctx, service);
    if (!record || !isRecordAlive(record)) throw new Error(`${service}: no live process recorded by the harness (pid file ${ctx.runDir}/pids/${service}.json)`);
    const pids = processTree(record);
    log(`SIGKILL ${service}: process group ${record.pgid} and ${pids.length} process(es) (${pids.join(", ")})`);
    try {
        process.kill(-record.pgid, "SIGKILL");
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
    }
    for (const pid of pids) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            /* already gone */
        }
    }
    await waitUntil(
        `${service}'s processes to be gone after SIGKILL`,
        30_000,
        async () => {
            const left = processTree(record);
            return left.length === 0 ? { value: true, seen: "gone" } : { seen: `${left.length} left` };
        },
        log,
        100,
        500,
    );
    return { pid: record.pid, pids };
}

/**
 * Restarts one service the way a supervisor would: the harness's `up` of that service. The harness
 * starts a service whose recorded process has died even when a remote check still passes (the
 * JobManager lists a killed TaskManager until its heartbeat times out), and Kafka keeps its log dir
 * across restarts. Returns the time until the process runs and is healthy.
 */
export async function restartService(service: string, log: Log): Promise<{ ms: number }> {
    const t = Date.now();
    const ctx = harnessContext(log);
    await ensureUp([service], { ctx });
    const record = readPidRecord(ctx, service);
    if (!record || !isRecordAlive(record)) throw new Error(`${service}: the harness's up returned but its process is not running`);
    return { ms: Date.now() - t };
}

/** Every service healthy: `ensureUp()` of all (it restarts only what is unhealthy); returns what was unhealthy before. */
export async function ensureAllHealthy(log: Log): Promise<{ unhealthyBefore: string[]; healthy: boolean; unhealthyAfter: string[] }> {
    const ctx = harnessContext(log);
    const before = (await status(undefined, { ctx })).filter((s) => !s.healthy).map((s) => s.name);
    if (before.length) log(`unhealthy before the final up: ${before.join(", ")}`);
    await ensureUp(undefined, { ctx });
    const after = (await status(undefined, { ctx })).filter((s) => !s.healthy).map((s) => s.name);
    return { unhealthyBefore: before, healthy: after.length === 0, unhealthyAfter: after };
}

export interface FaultEnv {
    stack: FaultStack;
    reader: IcebergReader;
    writer: FaultWriter;
    opts: FaultOptions;
    log: Log;
    /** Whole-table changelog account after the previous check (to report each scenario's new losses and duplicates). */
    last?: { account: ChangelogAccount; unexpected: number };
}

const pt = (env: FaultEnv) => env.stack.outputs.pipelineTables[TABLE];

/** The whole changelog against every change written so far. */
async function readChangelog(env: FaultEnv): Promise<{ account: ChangelogAccount; unexpected: number; examples: string[]; snapshotRows: number }> {
    const rows = await env.reader.query(`SELECT id, name, age, city, operation_type FROM ${inReaderCatalog(pt(env).changelogTable!)}`);
    const occurrences = countKeys(rows.map(changelogRowKey));
    const expected = env.writer.changes.map(changeKey);
    const account = accountChangelog(expected, occurrences);
    const u = unexpectedRows(occurrences, new Set(expected));
    return { account, unexpected: u.rows, examples: u.examples, snapshotRows: rows.filter((r) => r[4] === "SNAPSHOT").length };
}

async function readMirror(env: FaultEnv): Promise<MirrorDiff> {
    const source = (await pgRows(`SELECT id, name, age, city FROM ${env.stack.schema}.${TABLE} ORDER BY id`)).map((r) => [r.id, r.name, r.age, r.city]);
    const iceberg = await env.reader.query(`SELECT id, name, age, city FROM ${inReaderCatalog(pt(env).upsertTable!)} ORDER BY id`);
    return diffMirror(source, iceberg);
}

/** Waits (bounded) for lag zero: the slot confirmed `lsn`, the job's groups committed the topic's end. */
export async function waitLagZero(env: FaultEnv, lsn: string, timeoutMs: number): Promise<void> {
    const p = pt(env);
    await waitUntil(
        `lag zero (slot ${env.stack.outputs.connector.replicationSlot} confirmed ${lsn}; groups ${p.consumerGroups.join(", ")} at the end of ${p.topic})`,
        timeoutMs,
        async () => {
            const l = await readLag(p.topic, p.consumerGroups, env.stack.outputs.connector.replicationSlot, lsn);
            const seen = `slot ${l.slotConfirmed ? "confirmed" : `behind (${l.slotLagBytes} bytes to the WAL end)`}, consumer lag ${JSON.stringify(l.byGroup)}`;
            return l.slotConfirmed && l.consumerLag === 0 && Object.keys(l.byGroup).length === p.consumerGroups.length ? { value: true, seen } : { seen };
        },
        env.log,
    );
}

/** Compares (bounded waits, as commits may trail the offsets): the mirror equal to PostgreSQL, every change in the changelog. */
export async function compare(env: FaultEnv, timeoutMs: number): Promise<{ mirror: MirrorDiff; changelog: Awaited<ReturnType<typeof readChangelog>> }> {
    let mirror: MirrorDiff | undefined;
    await waitUntil(
        `the Iceberg upsert table ${pt(env).upsertTable} to equal ${env.stack.schema}.${TABLE}`,
        timeoutMs,
        async () => {
            mirror = await readMirror(env);
            return mirror.equal
                ? { value: true, seen: "equal" }
                : { seen: `${mirror.sourceRows} rows in PostgreSQL, ${mirror.icebergRows} in Iceberg; ${mirror.examples.slice(0, 2).join("; ")}` };
        },
        env.log,
        2000,
        5000,
    ).catch((e) => env.log(String(e)));
    let changelog: Awaited<ReturnType<typeof readChangelog>> | undefined;
    await waitUntil(
        `the Iceberg changelog ${pt(env).changelogTable} to hold all ${env.writer.changes.length} changes`,
        timeoutMs,
        async () => {
            changelog = await readChangelog(env);
            return changelog.account.lost === 0
                ? { value: true, seen: "all present" }
                : { seen: `${changelog.account.lost} missing, e.g. ${changelog.account.lostExamples[0]}` };
        },
        env.log,
        2000,
        5000,
    ).catch((e) => env.log(String(e)));
    if (!mirror || !changelog) throw new Error("could not read the Iceberg tables through the SQL Gateway");
    return { mirror, changelog };
}

/** Is the pipeline in a state only a user can get it out of? Returns the reason, or undefined. */
async function stuck(env: FaultEnv, noLiveJobSince: { at?: number }): Promise<string | undefined> {
    const jobName = pt(env).job;
    try {
        const jobs = await flinkJobs(jobName);
        if (jobs.live.length === 0) {
            noLiveJobSince.at ??= Date.now();
            if (Date.now() - noLiveJobSince.at >= 10_000) {
                const why = jobs.newest
                    ? `${jobs.newest.state}: ${(await flinkJobException(jobs.newest.id)).slice(0, 300)}`
                    : "the JobManager does not know it (MISSING)";
                return `no live Flink job ${jobName} for 10 s (newest: ${why})`;
            }
        } else noLiveJobSince.at = undefined;
    } catch {
        /* JobManager unreachable right now: not a verdict */
    }
    try {
        const c = await connectorStatus(env.stack.outputs.connector.name);
        if (c.connector === "FAILED" || c.tasks.includes("FAILED"))
            return `connector ${c.connector}, tasks ${c.tasks.join(",")}${c.trace ? `: ${c.trace.slice(0, 300)}` : ""}`;
    } catch {
        /* Connect unreachable or rebalancing right now */
    }
    return undefined;
}

/** Waits until the change is in the changelog (polling every 2 s), or the pipeline is stuck, or the time is up. */
async function waitVisible(
    env: FaultEnv,
    firstAfter: () => { id: number; name: string } | undefined,
    timeoutMs: number,
    allowStuck: boolean,
): Promise<{ visibleAt?: number; stuck?: string }> {
    const deadline = Date.now() + timeoutMs;
    const since: { at?: number } = {};
    let lastLog = Date.now();
    let seen = "";
    while (Date.now() < deadline) {
        const c = firstAfter();
        // No query is sent while the pipeline's job is not RUNNING: a query submitted while a restarted
        // JobManager was still recovering its jobs from ZooKeeper was persisted among them, and its
        // recovery then crashed the JobManager ("There shouldn't be any contender registered ...").
        const jobRunning = c
            ? await flinkJobs(pt(env).job).then(
                  (j) => j.live.some((x) => x.state === "RUNNING"),
                  () => false,
              )
            : false;
        if (c && !jobRunning) seen = "the Flink job is not RUNNING yet; no query sent";
        else if (c) {
            try {
                const rows = await env.reader.query(
                    `SELECT COUNT(*) FROM ${inReaderCatalog(pt(env).changelogTable!)} WHERE id = ${c.id} AND name = '${c.name}'`,
                    60_000,
                );
                if (Number(rows[0]?.[0]) > 0) return { visibleAt: Date.now() };
                seen = `${c.name} (id ${c.id}) not in the changelog yet`;
            } catch (e) {
                seen = `query failed: ${(e as Error).message.split("\n")[0].slice(0, 200)}`;
            }
        } else seen = "no change committed since the kill yet";
        if (!allowStuck) {
            const s = await stuck(env, since);
            if (s) return { stuck: s };
        }
        if (Date.now() - lastLog > 15_000) {
            env.log(`waiting for the first change after the kill to reach Iceberg (${seen})`);
            lastLog = Date.now();
        }
        await sleep(2000);
    }
    return { stuck: `nothing new visible in Iceberg within ${timeoutMs / 1000} s (${seen})` };
}

/** Job live, connector and tasks RUNNING; if not (a previous scenario left it broken), `pulumi up` first. */
async function ensurePipeline(env: FaultEnv, notes: string[]): Promise<void> {
    const jobs = await flinkJobs(pt(env).job);
    const c = await connectorStatus(env.stack.outputs.connector.name).catch(() => ({ connector: "UNKNOWN", tasks: [] as string[] }));
    const ok = jobs.live.some((j) => j.state === "RUNNING") && c.connector === "RUNNING" && c.tasks.length > 0 && c.tasks.every((t) => t === "RUNNING");
    if (!ok) {
        notes.push(
            `before the kill: job ${jobs.live.map((j) => j.state).join(",") || "not live"}, connector ${c.connector} [${c.tasks.join(",")}]: ran pulumi up first`,
        );
        await env.stack.up();
    }
}

/** One scenario: kill `fault` while writing, restart it, recover, drain, compare. */
export async function runScenario(env: FaultEnv, fault: Fault): Promise<ScenarioResult> {
    const { log, opts, writer } = env;
    const notes: string[] = [];
    const result: ScenarioResult = {
        fault,
        label: FAULT_LABELS[fault],
        recovered: "no",
        changesWritten: 0,
        inDoubt: 0,
        lost: 0,
        duplicates: 0,
        unexpected: 0,
        restartedAfter: [],
        healthyAfter: false,
        notes,
    };
    const startIndex = writer.changes.length;
    const inDoubtBefore = writer.inDoubt;
    let killAt = 0;
    let watch: ReturnType<typeof watchJobRecovery> | undefined;
    try {
        await ensureAllHealthy(log);
        await ensurePipeline(env, notes);
        const jobBefore = (await flinkJobs(pt(env).job)).live[0]?.id;
        result.jobBefore = jobBefore;
        const restartsBefore = jobBefore ? await jobRestarts(jobBefore) : undefined;
        log(`[${fault}] writing ${opts.rate}/s for ${opts.warmupSeconds} s before the kill`);
        writer.start(opts.rate, fault);
        await sleep(opts.warmupSeconds * 1000);
        if (writer.failed) throw writer.failed;
        if (jobBefore) result.checkpointBeforeKill = (await jobCheckpoints(jobBefore).catch(() => undefined))?.latestCompleted;
        watch = watchJobRecovery(pt(env).job);
        killAt = Date.now();
        await killService(fault, log);
        log(`[${fault}] killed; down for ${opts.downSeconds} s`);
        await sleep(opts.downSeconds * 1000);
        const restart = await restartService(fault, log);
        result.restartMs = restart.ms;
        log(`[${fault}] restarted and healthy after ${(result.restartMs / 1000).toFixed(1)} s`);

        const firstAfter = () => writer.changes.slice(startIndex).find((c) => c.committedAtMs > killAt && c.op !== "DELETE");
        const mustBeAutomatic = FAULT_EXPECTATIONS[fault].automatic;
        // A fault that must recover by itself is given the whole time: a job that is gone or FAILED is not "stuck" for it, just not recovered.
        let r = await waitVisible(env, firstAfter, opts.autoRecoverySeconds * 1000, mustBeAutomatic);
        const jobWatch = await watch.stop();
        if (jobWatch.runningAgainAt) {
            result.jobRunningAgainMs = jobWatch.runningAgainAt - killAt;
            log(`[${fault}] Flink job RUNNING again ${(result.jobRunningAgainMs / 1000).toFixed(1)} s after the kill`);
        } else if (jobWatch.downSeen)
            notes.push(`the Flink job was seen down and not RUNNING again before the first change was visible (last seen: ${jobWatch.lastSeen})`);
        if (r.visibleAt) {
            result.recovered = "automatic";
        } else if (mustBeAutomatic) {
            log(`[${fault}] did not recover by itself: ${r.stuck}; no pulumi command is run for this fault (it must recover without a person)`);
            notes.push(`not automatic, and no user step is allowed for this fault: ${r.stuck}`);
            result.recovered = "no";
        } else {
            log(`[${fault}] not recovering on its own: ${r.stuck}; recovering as a user would: pulumi up --refresh`);
            notes.push(`not automatic: ${r.stuck}`);
            try {
                const up = await env.stack.up();
                result.pulumiUpMs = up.ms;
                const summary = up.stdout
                    .split("\n")
                    .filter((l) => /^\s+[~+-]\s+\d+ (updated|created|replaced|deleted)/.test(l) || /^\s+\d+ unchanged/.test(l))
                    .map((l) => l.trim());
                const newJob = env.stack.outputs.flinkJobs[TABLE].jobId;
                const restored = await jobRestoredFrom(newJob);
                notes.push(
                    `pulumi up --refresh (${(up.ms / 1000).toFixed(1)} s): ${summary.join(", ")}; job ${newJob} ${restored ? `restored from ${restored}` : "started WITHOUT state (no checkpoint or savepoint to restore): its Kafka sources resume from the offsets their consumer groups committed on the last checkpoint"}`,
                );
                result.recovered = "pulumi up";
                const c = await connectorStatus(env.stack.outputs.connector.name).catch(() => undefined);
                if (c && (c.connector === "FAILED" || c.tasks.includes("FAILED"))) {
                    log(
                        `[${fault}] connector still ${c.connector} [${c.tasks.join(",")}] after pulumi up: restarting its failed tasks through Connect's REST API`,
                    );
                    await restartFailedConnectorTasks(env.stack.outputs.connector.name);
                    result.recovered = "pulumi up + connector task restart";
                }
                r = await waitVisible(env, firstAfter, 240_000, true);
                if (!r.visibleAt) {
                    result.recovered = "no";
                    notes.push(`after the user's recovery: ${r.stuck}`);
                }
            } catch (e) {
                result.recovered = "no";
                notes.push(`pulumi up failed: ${(e as Error).message.slice(0, 500)}`);
            }
        }
        if (r.visibleAt) result.recoveryMs = r.visibleAt - killAt;
        await sleep(3000);
        const lsn = await writer.stop();
        result.writerStoppedMs = Date.now() - killAt;
        log(
            `[${fault}] writer stopped ${(result.writerStoppedMs / 1000).toFixed(1)} s after the kill (${writer.changes.length - startIndex} changes in this scenario, last LSN ${lsn})`,
        );
        try {
            await waitLagZero(env, lsn, result.recovered === "no" ? 60_000 : 300_000);
            result.lagZeroMs = Date.now() - killAt;
        } catch (e) {
            notes.push(String((e as Error).message));
        }
        const jobAfter = (await flinkJobs(pt(env).job).catch(() => undefined))?.live[0]?.id;
        result.jobAfter = jobAfter;
        if (jobAfter) {
            // Only a restore during this scenario counts (the statistics keep the last one, maybe from an earlier scenario).
            const restored = (await jobCheckpoints(jobAfter).catch(() => undefined))?.restored;
            if (restored && restored.at >= killAt) result.restored = { id: restored.id, path: restored.path, isSavepoint: restored.isSavepoint };
            if (result.restored)
                notes.push(
                    `Flink job ${jobAfter} restored ${result.restored.isSavepoint ? "savepoint" : "checkpoint"} ${result.restored.id} (${result.restored.path}); last completed before the kill: ${result.checkpointBeforeKill ?? "-"}`,
                );
        }
        if (jobAfter && jobAfter === jobBefore) {
            const n = await jobRestarts(jobAfter);
            if (n !== undefined && restartsBefore !== undefined) notes.push(`Flink job ${jobAfter}: ${n - restartsBefore} restart(s) (numRestarts)`);
        } else notes.push(`Flink job ${jobBefore ?? "-"} -> ${jobAfter ?? "none live"}`);
        const { mirror, changelog } = await compare(env, result.recovered === "no" ? 30_000 : 120_000);
        result.mirror = mirror;
        const prev = env.last ?? { account: { lost: 0, duplicates: 0 } as ChangelogAccount, unexpected: 0 };
        // New losses only: a change lost in an earlier scenario is that scenario's.
        result.lost = Math.max(0, changelog.account.lost - prev.account.lost);
        result.duplicates = changelog.account.duplicates - prev.account.duplicates;
        result.unexpected = changelog.unexpected - prev.unexpected;
        if (changelog.account.lost) notes.push(`lost changes (whole table ${changelog.account.lost}), e.g. ${changelog.account.lostExamples.join(" ")}`);
        if (changelog.account.duplicates)
            notes.push(
                `changelog: ${changelog.account.duplicatedChanges} of ${changelog.account.expected} changes present more than once (${changelog.account.duplicates} extra rows in all so far)`,
            );
        if (changelog.unexpected) notes.push(`changelog rows that are no written change: ${changelog.unexpected} in all, e.g. ${changelog.examples.join(" ")}`);
        if (changelog.snapshotRows) notes.push(`changelog: ${changelog.snapshotRows} SNAPSHOT rows (Debezium re-snapshotted)`);
        if (!mirror.equal) notes.push(`mirror differs: ${mirror.examples.join("; ")}`);
        env.last = { account: changelog.account, unexpected: changelog.unexpected };
    } catch (e) {
        result.error = (e as Error).stack ?? String(e);
        log(`[${fault}] error: ${result.error}`);
        result.recovered = "no";
        await writer.stop().catch(() => undefined);
    } finally {
        await watch?.stop();
        result.changesWritten = writer.changes.length - startIndex;
        result.inDoubt = writer.inDoubt - inDoubtBefore;
        if (result.inDoubt) notes.push(`${result.inDoubt} change(s) in doubt when the connection broke, resolved by reading the row back`);
        try {
            const h = await ensureAllHealthy(log);
            result.restartedAfter = h.unhealthyBefore;
            result.healthyAfter = h.healthy;
            if (!h.healthy) notes.push(`unhealthy after up: ${h.unhealthyAfter.join(", ")}`);
        } catch (e) {
            result.healthyAfter = false;
            notes.push(`services up failed: ${(e as Error).message.slice(0, 500)}`);
        }
    }
    log(
        `[${fault}] ${result.recovered}; recovery ${result.recoveryMs ?? "-"} ms; lost ${result.lost}; duplicates ${result.duplicates}; notes: ${notes.join(" | ")}`,
    );
    return result;
}

/** Deploys the stack, opens the reader and writer, and checks the pipeline works before any fault. */
export async function prepareFaultEnv(opts: FaultOptions, log: Log): Promise<FaultEnv> {
    await ensureAllHealthy(log);
    const stack = await deployFaultStack(opts.checkpointIntervalMs, log);
    let writer: FaultWriter | undefined;
    try {
        writer = await FaultWriter.open(stack.schema, log);
        const env: FaultEnv = { stack, reader: new IcebergReader(stack.outputs.warehouse), writer, opts, log };
        log(
            `stack ${stack.name} deployed: job ${stack.outputs.flinkJobs[TABLE].jobId}, connector ${stack.outputs.connector.name}, groups ${pt(env).consumerGroups.join(", ")}`,
        );
        // Baseline without a fault: changes reach both tables, lag drains.
        writer.start(opts.rate, "baseline");
        await sleep(5000);
        const lsn = await writer.stop();
        await waitLagZero(env, lsn, 300_000);
        const { mirror, changelog } = await compare(env, 180_000);
        if (!mirror.equal || changelog.account.lost)
            throw new Error(`the pipeline does not work before any fault: mirror ${JSON.stringify(mirror)}; changelog ${JSON.stringify(changelog.account)}`);
        env.last = { account: changelog.account, unexpected: changelog.unexpected };
        log(`baseline: ${writer.changes.length} changes in both tables, lag zero`);
        return env;
    } catch (e) {
        await writer?.close();
        await stack.teardown();
        throw e;
    }
}

export async function closeFaultEnv(env: FaultEnv | undefined): Promise<string[]> {
    if (!env) return [];
    await env.writer.close();
    await env.reader.close();
    // The services must be healthy for destroy to reach them.
    await ensureAllHealthy(env.log).catch((e) => env.log(`services up before destroy failed: ${e}`));
    return env.stack.teardown();
}
