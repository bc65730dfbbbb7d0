/**
 * Side by side with Flink CDC (issue 18): the usual alternative to this pipeline reads the replication
 * slot inside the Flink job (`flink-sql-connector-postgres-cdc`) and writes Iceberg directly, with no
 * Kafka and no Connect. One run deploys a throwaway copy of the local stack (harness services, through
 * the real Pulumi engine) and measures, on the same PostgreSQL table, the same Iceberg catalog and
 * Flink cluster, the same checkpoint interval and the same writer:
 *
 * 1. ours: PostgreSQL -> Debezium -> Kafka -> Flink -> the Iceberg mirror (the Flink CDC job not started);
 * 2. the peer: our connector paused, a Flink CDC job with its own slot (on the stack's publication)
 *    writing a mirror of its own, declared like ours (Iceberg v2, upsert on the primary key).
 *
 * Each phase: a latency run (`--changes` single-row changes at `--rate`) and a throughput run (as fast
 * as the writer commits for `--throughput-seconds`), each change's commit time to the Nessie commit
 * that made it visible in the mirror (a mirror counts its changes by the delete record each one
 * writes: stats.mirrorChanges), then the mirror checked exact against PostgreSQL (row count and two
 * value sums, through the SQL Gateway). Reported as ratios ours/peer: latency percentiles, rates, CPU
 * per change and the resident memory of the services each design runs.
 *
 *   npm run bench:peer
 *   npm run bench:peer -- --changes 1000 --rate 50 --checkpoint-ms 1000 --throughput-seconds 30
 */
import * as path from "path";
import { connectRequest, waitForConnectorState } from "../components/dynamic/connector";
import { cancelJob, waitForCheckpoints, waitForJobRunning } from "../components/dynamic/flink/rest";
import { runStatement, withSession as withGatewaySession } from "../components/dynamic/flink/gateway";
import { endpoints } from "../harness/cli";
import { createContext } from "../harness/lib/context";
import { mavenCopy } from "../harness/lib/maven";
import { OptionTable, ParsedOptions, formatUsage, parseCommandLine } from "../ops/args";
import { benchLog, emitJsonResult, runBench } from "./lib/cli";
import { fmtNumber, table } from "./lib/format";
import { IcebergTableProbe, batchQuery, lakeCatalogStatement, nessieKey, waitFor } from "./lib/iceberg";
import { ServiceUsage } from "./lib/procs";
import { Log, MirrorChecksum, RunResult, Session, measure, mirrorChecksums } from "./lib/run";
import { BenchStack, deployBenchStack } from "./lib/stack";
import { mirrorChanges } from "./lib/stats";
import { pgClient } from "./lib/writer";
import { compareRuns, latencyTable, ratio, ratioTable, serviceTable } from "./report";

/** The peer's connector: Flink CDC's PostgreSQL SQL connector (shaded, Debezium inside), for Flink 1.20. */
export const FLINK_CDC_POSTGRES = "org.apache.flink:flink-sql-connector-postgres-cdc:3.5.0";

/** The options of `npm run bench:peer`. */
export const PEER_OPTIONS = {
    json: { type: "flag", description: "print one JSON object instead of the tables" },
    changes: { type: "number", default: 1000, min: 1, integer: true, description: "single-row changes of each latency run" },
    rate: { type: "number", default: 50, min: 1, description: "changes per second of each latency run" },
    "checkpoint-ms": { type: "number", default: 1000, min: 100, integer: true, description: "the Flink checkpoint interval of both jobs, ms" },
    "throughput-seconds": { type: "number", default: 30, min: 0, description: "seconds of writing as fast as the writer commits, per design (0: none)" },
    "throughput-batch": { type: "number", default: 1, min: 1, integer: true, description: "changes per transaction in the throughput runs" },
    out: { type: "strings", default: [], value: "file", description: "also write the JSON result to this file (the tables still go to stdout)" },
} as const satisfies OptionTable;

export const PEER_USAGE = formatUsage("usage: npm run bench:peer -- [options]", PEER_OPTIONS);

/** Parses `npm run bench:peer` arguments; UsageError on anything wrong. */
export function parsePeerArgs(argv: readonly string[]): ParsedOptions<typeof PEER_OPTIONS> {
    return parseCommandLine(argv, PEER_OPTIONS).options;
}

/** Where the peer job reads and writes. */
export interface PeerJobTarget {
    /** The connector jar, as a path the SQL Gateway's host reads. */
    jar: string;
    postgres: { host: string; port: number; user: string; database: string };
    schema: string;
    /** The stack's publication (its table is in it); the peer's slot reads through it. */
    publication: string;
    slot: string;
    /** `<namespace>.<table>` of the peer's mirror in the `lake` catalog. */
    mirror: string;
}

/**
 * The peer job's statements, in order, for a session with the `lake` catalog: the jar, the Flink CDC
 * source on the table (its own slot, the stack's publication, Flink CDC's defaults otherwise: for
 * PostgreSQL in 3.5.0 the single-reader snapshot, `scan.incremental.snapshot.enabled` false), the
 * mirror declared as ours is (jobs/upsert.sql), and the INSERT. `{{password}}` is
 * filled in only when sent.
 */
export function peerJobStatements(t: PeerJobTarget): string[] {
    const q = (v: string | number) => String(v).replace(/'/g, "''");
    const columns = "id INT, name STRING, age INT, city STRING, PRIMARY KEY (id) NOT ENFORCED";
    return [
        `ADD JAR '${q(t.jar)}'`,
        `CREATE TEMPORARY TABLE peer_source (${columns}) WITH (
    'connector' = 'postgres-cdc',
    'hostname' = '${q(t.postgres.host)}',
    'port' = '${q(t.postgres.port)}',
    'username' = '${q(t.postgres.user)}',
    'password' = '{{password}}',
    'database-name' = '${q(t.postgres.database)}',
    'schema-name' = '${q(t.schema)}',
    'table-name' = 'demographics',
    'slot.name' = '${q(t.slot)}',
    'decoding.plugin.name' = 'pgoutput',
    'debezium.publication.name' = '${q(t.publication)}',
    'debezium.publication.autocreate.mode' = 'disabled'
)`,
        `CREATE TABLE IF NOT EXISTS lake.${t.mirror} (${columns}) WITH ('format-version' = '2', 'write.upsert.enabled' = 'true')`,
        `INSERT INTO lake.${t.mirror} SELECT id, name, age, city FROM peer_source`,
    ];
}

/** The services each design runs (the object store, Nessie and Dremio serve both alike). */
export const DESIGN_SERVICES = {
    ours: ["postgres", "kafka", "connect", "flink-jobmanager", "flink-taskmanager"],
    peer: ["postgres", "flink-jobmanager", "flink-taskmanager"],
} as const;

/** CPU seconds of `services` over a run, per 1,000 changes; and the sum of their peak RSS, MiB. */
export function designUsage(run: Pick<RunResult, "changes" | "services">, services: readonly string[]): { cpuSecondsPer1000: number; rssMiB: number } {
    const mine = run.services.filter((s: ServiceUsage) => services.includes(s.service));
    const cpu = mine.reduce((n, s) => n + s.cpuSeconds, 0);
    return { cpuSecondsPer1000: (cpu / run.changes) * 1000, rssMiB: mine.reduce((n, s) => n + Math.max(s.rssMiBMax, s.groupRssMiBMax), 0) };
}

interface Phase {
    design: "ours" | "peer";
    runs: RunResult[];
    mirror: { table: MirrorChecksum; source: MirrorChecksum; exact: boolean };
}

async function runPhase(session: Session, design: Phase["design"], mirror: string, opts: ParsedOptions<typeof PEER_OPTIONS>): Promise<Phase> {
    await session.warmUp();
    const runs = [await measure(session, "latency", { changes: opts.changes, rate: opts.rate, batch: 1 })];
    if (opts["throughput-seconds"] > 0)
        runs.push(await measure(session, "throughput", { durationMs: opts["throughput-seconds"] * 1000, rate: 0, batch: opts["throughput-batch"] }));
    session.log(`${design}: checking the mirror ${mirror} against PostgreSQL through the SQL Gateway`);
    const sums = await mirrorChecksums(session, mirror);
    return { design, runs, mirror: { ...sums, exact: JSON.stringify(sums.table) === JSON.stringify(sums.source) } };
}

/** Pauses the stack's connector through Connect's REST API (the connector resource's own calls) and waits until it and its tasks are PAUSED. */
async function pauseConnector(connectUrl: string, name: string, log: Log): Promise<void> {
    await connectRequest(connectUrl, "PUT", `/connectors/${encodeURIComponent(name)}/pause`);
    await waitForConnectorState(connectUrl, name, "PAUSED", 60_000);
    log(`connector ${name} is PAUSED`);
}

async function main(opts: ParsedOptions<typeof PEER_OPTIONS>): Promise<void> {
    const log = benchLog("peer");
    const started = Date.now();
    const ckpt = opts["checkpoint-ms"];
    const ctx = createContext();
    const [jar] = await mavenCopy({ ...ctx, log }, [FLINK_CDC_POSTGRES], path.join(ctx.cacheDir, "bench", "flink-cdc"));
    const stack: BenchStack = await deployBenchStack("peer", { checkpointIntervalMs: ckpt }, log);
    const o = stack.outputs;
    const ep = stack.endpoints;
    const h = endpoints();
    const restUrl = h["flink-jobmanager"].restUrl;
    const namespace = nessieKey(o.icebergTables.demographics).split(".")[0];
    const target: PeerJobTarget = {
        jar,
        postgres: { host: ep.postgres.host, port: ep.postgres.port, user: ep.postgres.user, database: ep.postgres.database },
        schema: stack.schema,
        publication: `pub_${stack.id}`,
        slot: `peer_${stack.id}`,
        mirror: `${namespace}.demographics_peer`,
    };
    const phases: Phase[] = [];
    let peerJob: string | undefined;
    let failure: string | undefined;
    let ours: Session | undefined;
    let peer: Session | undefined;
    // On ctrl-c the stack's own handler destroys the stack; the peer's job and slot (which would hold WAL) go too.
    const onSignal = () => void cleanUpPeer(restUrl, peerJob, target, ep, o.warehouse, log).catch((e) => log(`peer clean-up: ${e.message}`));
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
        ours = await Session.openOn(stack, log, {
            topic: o.cdcTopics.demographics,
            jobName: o.flinkJobs.demographics.name,
            slot: o.connector.replicationSlot,
            table: new IcebergTableProbe(nessieKey(o.icebergTables.demographics), ep, "main", mirrorChanges),
        });
        phases.push(await runPhase(ours, "ours", o.icebergTables.demographics, opts));
        await ours.close();
        ours = undefined;
        await pauseConnector(h.connect.url, o.connector.name, log);

        log(`starting the Flink CDC job (${FLINK_CDC_POSTGRES}, slot ${target.slot}) into lake.${target.mirror}`);
        peerJob = await withGatewaySession(
            ep.sqlGatewayUrl,
            {
                name: "bench-peer",
                properties: {
                    "parallelism.default": "1",
                    "execution.checkpointing.interval": `${ckpt} ms`,
                    "execution.checkpointing.min-pause": "0 ms",
                    "pipeline.name": `bench-peer-${stack.id}`,
                },
            },
            async (session) => {
                const secrets = [ep.postgres.password, ep.s3.secretAccessKey];
                await runStatement(ep.sqlGatewayUrl, session, lakeCatalogStatement(o.warehouse, ep), { timeoutMs: 60_000, secrets });
                let jobId: string | undefined;
                for (const statement of peerJobStatements(target)) {
                    const r = await runStatement(ep.sqlGatewayUrl, session, statement.replace("{{password}}", ep.postgres.password.replace(/'/g, "''")), {
                        timeoutMs: 120_000,
                        secrets,
                        untilJobId: statement.startsWith("INSERT"),
                    });
                    jobId = r.jobId ?? jobId;
                }
                if (!jobId) throw new Error("the SQL Gateway named no job for the peer's INSERT");
                return jobId;
            },
        );
        await waitForJobRunning(restUrl, peerJob, 180_000);
        await waitForCheckpoints(restUrl, peerJob, 1, 180_000);
        peer = await Session.openOn(stack, log, {
            topic: undefined,
            jobName: `bench-peer-${stack.id}`,
            slot: target.slot,
            table: new IcebergTableProbe(target.mirror, ep, "main", mirrorChanges),
            slotReachesWalEnd: false,
        });
        // The peer snapshots the table first (every row an insert): wait for its mirror to hold it.
        const peerSession = peer;
        await waitFor(
            `the Flink CDC job's mirror lake.${target.mirror} to equal ${stack.schema}.demographics`,
            async () => {
                const sums = await mirrorChecksums(peerSession, `lake.${target.mirror}`);
                return JSON.stringify(sums.table) === JSON.stringify(sums.source);
            },
            600_000,
            2000,
            10_000,
        );
        peer.expected = await peer.changes.totalChanges();
        phases.push(await runPhase(peer, "peer", `lake.${target.mirror}`, opts));
    } catch (e) {
        failure = e instanceof Error ? e.message : String(e);
        log(`run stopped: ${failure}`);
    } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await ours?.close();
        await peer?.close();
        await cleanUpPeer(restUrl, peerJob, target, ep, o.warehouse, log).catch((e) => log(`peer clean-up: ${e.message}`));
        await stack.teardown();
    }

    const [a, b] = [phases.find((p) => p.design === "ours"), phases.find((p) => p.design === "peer")];
    const ratios = a && b ? compareRuns(a.runs, b.runs) : [];
    const usage = (p: Phase | undefined, design: Phase["design"]) => p?.runs.map((r) => ({ label: r.label, ...designUsage(r, DESIGN_SERVICES[design]) })) ?? [];
    const usageRatios = usage(a, "ours").map((x) => {
        const y = usage(b, "peer").find((r) => r.label === x.label);
        return { label: x.label, cpuPerChange: ratio(x.cpuSecondsPer1000, y?.cpuSecondsPer1000), rss: ratio(x.rssMiB, y?.rssMiB) };
    });
    const exact = phases.length === 2 && phases.every((p) => p.mirror.exact);
    const result = {
        bench: "peer",
        peer: FLINK_CDC_POSTGRES,
        stack: stack.name,
        checkpointIntervalMs: ckpt,
        machine: "2 cores, shared with other engineers' concurrent tests",
        wallSeconds: (Date.now() - started) / 1000,
        phases,
        ratios,
        usage: { ours: usage(a, "ours"), peer: usage(b, "peer"), ratios: usageRatios },
        exact,
        failure,
    };
    if (emitJsonResult(result, opts, !exact || failure !== undefined)) return;
    console.log(
        `Ours (Debezium -> Kafka -> Flink) against Flink CDC (${FLINK_CDC_POSTGRES}), ${ckpt / 1000} s checkpoints, into Iceberg mirrors (stack ${stack.name})`,
    );
    for (const p of phases) {
        console.log(`\n${p.design}:`);
        console.log(latencyTable(p.runs));
        console.log(serviceTable(p.runs.map((r) => ({ label: r.label, services: r.services, machineBusyPercent: r.machineBusyPercent }))));
        console.log(
            `mirror ${p.mirror.exact ? "equals" : "DIFFERS FROM"} PostgreSQL: ${p.mirror.table.rows} rows, sums ${p.mirror.table.ageSum}/${p.mirror.table.citySum} (PostgreSQL ${p.mirror.source.rows}, ${p.mirror.source.ageSum}/${p.mirror.source.citySum})`,
        );
    }
    if (ratios.length) {
        console.log("\nRatios ours/peer (below 1: ours is lower):");
        console.log(ratioTable(ratios));
        console.log(
            table(
                ["run", "CPU s per 1,000 changes (ours/peer)", "peak RSS of the design's services (ours/peer)"],
                usageRatios.map((u) => [u.label, u.cpuPerChange === undefined ? "-" : fmtNumber(u.cpuPerChange), u.rss === undefined ? "-" : fmtNumber(u.rss)]),
            ),
        );
    }
    if (failure) console.log(`RUN FAILED: ${failure}`);
    if (!exact || failure) process.exitCode = 1;
}

/** Cancels the peer job, drops its slots (Flink CDC's and any it made for its snapshot) and its mirror. */
async function cleanUpPeer(
    restUrl: string,
    jobId: string | undefined,
    target: PeerJobTarget,
    ep: BenchStack["endpoints"],
    warehouse: string,
    log: Log,
): Promise<void> {
    if (jobId) await cancelJob(restUrl, jobId, 120_000);
    const pg = await pgClient(ep.postgres);
    try {
        await waitFor(
            `the peer's replication slots (${target.slot}*) to be released`,
            async () => (await pg.query("SELECT 1 FROM pg_replication_slots WHERE slot_name LIKE $1 AND active", [`${target.slot}%`])).rows.length === 0,
            60_000,
            200,
            2000,
        );
        const dropped = await pg.query("SELECT slot_name, pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE $1", [
            `${target.slot}%`,
        ]);
        log(`dropped the peer's slot(s): ${dropped.rows.map((r) => r.slot_name).join(", ") || "none"}`);
    } finally {
        await pg.end().catch(() => undefined);
    }
    await batchQuery(warehouse, `DROP TABLE IF EXISTS lake.${target.mirror}`, ep);
}

if (require.main === module) runBench(process.argv.slice(2), PEER_USAGE, parsePeerArgs, main);
