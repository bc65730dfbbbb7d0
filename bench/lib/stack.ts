/**
 * A throwaway copy of the `local` stack deployed through the real Pulumi engine (the offline CLI on a
 * temporary file backend), as tests/integration/stack/local-stack.test.ts does: its own bucket, Iceberg
 * namespace, schema, publication, CDC role and topic prefix, so nothing of a developer's own `local`
 * deployment or another test is touched. `reconfigure` rewrites the stack file and runs `up` again;
 * `teardown` destroys, removes the stack and cleans what destroy keeps (topics, the schema).
 * Teardown also runs on SIGINT/SIGTERM.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { Kafka, logLevel } from "kafkajs";
import { Client } from "pg";
import { ensureUp } from "../../harness/cli";
import { defaultRunDir, loadVersions } from "../../harness/lib/context";
import { minioEndpoints } from "../../harness/minio";
import { certificateFiles } from "../../harness/lib/tls";
import { REPO_DIR, runPulumi } from "../../harness/pulumi/cli";
import { BenchEndpoints, harnessBenchEndpoints, harnessSecuredBenchEndpoints } from "./endpoints";
import { ServicePid, harnessPids } from "./procs";

export interface BenchStackSettings {
    checkpointIntervalMs: number;
    parallelism?: number;
    /** lakehouse:kafka.topicPartitions: fixed once the stack is deployed (a CDC topic does not grow). */
    topicPartitions?: number;
    /** Extra Debezium settings (lakehouse:pipeline.connectorConfig). */
    connectorConfig?: Record<string, string>;
    /** lakehouse:maintenance (the table maintenance job), when the run measures with it. */
    maintenance?: Record<string, unknown>;
    /**
     * A copy of Pulumi.local-tls.yaml instead of Pulumi.local.yaml: PostgreSQL over TLS, Kafka over SASL_SSL,
     * Connect on it (the harness's postgres-tls, kafka-tls and connect-tls), the harness's CA given.
     */
    secured?: boolean;
}

/**
 * The table maintenance of a bench run that measures with it: every task on a short schedule (a
 * minute), so it runs during the measurement; a 5-minute time-travel window; compaction also after
 * every 10 commits. Under a continuous upsert stream at 1 s checkpoints, compaction's commits lost
 * every retry to the writer's (docs/maintenance.md "Compaction and the checkpoint interval"); at 2 s
 * and 5 s they kept the tables bounded (`npm run bench:soak -- --checkpoint-ms 2000`).
 */
export const BENCH_MAINTENANCE = {
    enabled: true,
    rateLimitSeconds: 10,
    expireSnapshots: { intervalSeconds: 60, maxSnapshotAgeSeconds: 300, retainLast: 10 },
    rewriteDataFiles: { intervalSeconds: 60, commitCount: 10, minInputFiles: 2 },
};

/**
 * BENCH_MAINTENANCE with `key=value` settings over it, a dotted key naming a nested one
 * (`rewriteDataFiles.commitCount=5`, `lockCheckDelaySeconds=5`); a value that reads as a number or
 * `true`/`false` is one. The keys are the program's (`lakehouse:maintenance`, docs/maintenance.md):
 * its parser refuses an unknown one by name when the stack deploys. Error on a pair without `=`.
 */
export function benchMaintenance(pairs: readonly string[]): Record<string, unknown> {
    const out: Record<string, unknown> = structuredClone(BENCH_MAINTENANCE);
    for (const pair of pairs) {
        const at = pair.indexOf("=");
        if (at <= 0) throw new Error(`a maintenance setting is key=value, e.g. rewriteDataFiles.commitCount=5; got "${pair}"`);
        const path = pair.slice(0, at).split(".");
        const text = pair.slice(at + 1);
        const value = text === "true" ? true : text === "false" ? false : text.trim() !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
        let node = out;
        for (const key of path.slice(0, -1)) {
            if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
            node = node[key] as Record<string, unknown>;
        }
        node[path[path.length - 1]] = value;
    }
    return out;
}

export interface StackOutputs {
    cdcTopics: Record<string, string>;
    icebergTables: Record<string, string>;
    icebergChangeTables: Record<string, string>;
    warehouse: string;
    connector: { name: string; state: string; replicationSlot: string };
    flinkJobs: Record<string, { name: string; jobId: string; state: string }>;
    [k: string]: unknown;
}

/** Where a bench stack's services run: the harness's local processes, the Docker rendering's containers, or pods on the harness's cluster. */
export type BenchPlatform = "local" | "docker" | "kubernetes";

export interface BenchStack {
    platform: BenchPlatform;
    /** One line saying what was deployed, for the report. */
    description: string;
    name: string;
    id: string;
    schema: string;
    namespace: string;
    bucket: string;
    topicPrefix: string;
    settings: BenchStackSettings;
    outputs: StackOutputs;
    /** Where the bench reaches the stack's services. */
    endpoints: BenchEndpoints;
    /** The services' processes (CPU and memory are read from their /proc entries). */
    servicePids(): Promise<ServicePid[]>;
    /** Changes the settings and runs `up`; returns how long the `up` took. */
    reconfigure(settings: BenchStackSettings): Promise<number>;
    teardown(): Promise<void>;
}

type Log = (msg: string) => void;

/** Runs `teardown` when the process gets SIGINT or SIGTERM, then exits 130; returns what removes the handlers. */
export function teardownOnSignal(name: string, log: Log, teardown: () => Promise<void>): () => void {
    const onSignal = (sig: NodeJS.Signals) => {
        log(`${sig}: tearing down stack ${name} before exiting`);
        void teardown().finally(() => process.exit(130));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    return () => {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
    };
}

/**
 * The end of a throwaway stack's teardown: when it was destroyed, its stack file and state directory
 * go; otherwise the command that destroys it by hand is logged (LEFT BEHIND). Then any problems.
 */
export function finishTeardown(o: {
    destroyed: boolean;
    what: string;
    stateDir: string;
    file: string;
    destroyCommand: string;
    problems: string[];
    log: Log;
}): void {
    if (!o.destroyed) {
        o.log(`LEFT BEHIND: ${o.what} is still deployed; its state is in ${o.stateDir} and its config in ${o.file}. Destroy it with: ${o.destroyCommand}`);
    } else {
        fs.rmSync(o.file, { force: true });
        fs.rmSync(o.stateDir, { recursive: true, force: true });
    }
    if (o.problems.length) o.log(`teardown problems:\n  ${o.problems.join("\n  ")}`);
}

/**
 * One step of a bench stack's Pulumi run: logs it and how long it took, and (unless `expectOk` is
 * false) throws with the tail of its output when it fails.
 */
export async function pulumiStep(
    args: string[],
    opts: { env: NodeJS.ProcessEnv; log: Log; expectOk?: boolean; input?: string; timeoutMs?: number },
): Promise<{ code: number; stdout: string; stderr: string }> {
    const started = Date.now();
    const timeoutMs = opts.timeoutMs ?? 600_000;
    opts.log(`pulumi ${args.join(" ")} ...`);
    const r = await runPulumi(args, { cwd: REPO_DIR, env: opts.env, timeoutMs, input: opts.input });
    opts.log(`pulumi ${args[0]} exited ${r.code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if ((opts.expectOk ?? true) && r.code !== 0)
        throw new Error(
            `pulumi ${args.join(" ")} exited ${r.code}${r.timedOut ? ` (timed out after ${timeoutMs / 60_000} min)` : ""}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`,
        );
    return r;
}

function pulumi(stateDir: string, args: string[], log: Log, expectOk = true): Promise<{ code: number; stdout: string; stderr: string }> {
    return pulumiStep(args, { env: { PULUMI_BACKEND_URL: `file://${stateDir}` }, log, expectOk });
}

function stackFile(base: any, ids: { bucket: string; namespace: string; schema: string; id: string; topicPrefix: string }, s: BenchStackSettings): string {
    const cfg = JSON.parse(JSON.stringify(base));
    Object.assign(cfg.config["lakehouse:storage"], { bucket: ids.bucket, forceDestroy: true });
    cfg.config["lakehouse:iceberg"] = { namespace: ids.namespace };
    Object.assign(cfg.config["lakehouse:source"], { schema: ids.schema, publication: `pub_${ids.id}`, replicationUser: `dbz_${ids.id}` });
    cfg.config["lakehouse:kafka"] = {
        ...cfg.config["lakehouse:kafka"],
        topicPrefix: ids.topicPrefix,
        ...(s.topicPartitions ? { topicPartitions: s.topicPartitions } : {}),
    };
    cfg.config["lakehouse:flink"] = { checkpointIntervalMs: s.checkpointIntervalMs, ...(s.parallelism ? { parallelism: s.parallelism } : {}) };
    // Dremio (the harness's stand-in) plays no part in change-to-queryable on Iceberg: left out.
    cfg.config["lakehouse:dremio"] = { enabled: false };
    if (s.maintenance) cfg.config["lakehouse:maintenance"] = s.maintenance;
    // Jobs are stopped with a savepoint on reconfigure (their update path); cancel on destroy is enough.
    cfg.config["lakehouse:pipeline"] = {
        ...cfg.config["lakehouse:pipeline"],
        jobDeleteMode: "cancel",
        ...(s.connectorConfig && Object.keys(s.connectorConfig).length ? { connectorConfig: s.connectorConfig } : {}),
    };
    return yaml.dump(cfg);
}

/** Deploys a throwaway stack named `bench-<kind>-<id>` and returns it with its outputs. */
export async function deployBenchStack(kind: string, settings: BenchStackSettings, log: Log): Promise<BenchStack> {
    const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
    const name = `bench-${kind}-${id}`;
    const ids = { id, bucket: `bench-${kind}-${id}`, namespace: `bench_${kind}_${id}`, schema: `bench_${kind}_${id}`, topicPrefix: `bench_${kind}_${id}` };
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-bench-"));
    const file = path.join(REPO_DIR, `Pulumi.${name}.yaml`);
    const base = yaml.load(fs.readFileSync(path.join(REPO_DIR, settings.secured ? "Pulumi.local-tls.yaml" : "Pulumi.local.yaml"), "utf8")) as any;
    if (settings.secured) {
        // The harness's CA, made on this machine: what a user gives with `pulumi config set --path`.
        await ensureUp(["postgres-tls", "kafka-tls", "connect-tls"]);
        const ca = fs.readFileSync(certificateFiles(defaultRunDir()).caCert, "utf8");
        base.config["lakehouse:source"].tls.caCert = ca;
        base.config["lakehouse:kafka"].security.caCert = ca;
        // What the secured bench measures: PostgreSQL over TLS and Kafka over SASL_SSL. The HTTP services
        // (which the local-tls stack reaches over HTTPS) stay the plain ones its probes read, as when the
        // ratio in docs/measurements.md was measured: connect-tls's plain listener, Nessie, MinIO, Flink, Dremio.
        const v = loadVersions();
        Object.assign(base.config["lakehouse:external"], {
            flink: { restUrl: `http://127.0.0.1:${v.flink.restPort}`, sqlGatewayUrl: `http://127.0.0.1:${v.flink.gatewayPort}` },
            connect: { url: `http://127.0.0.1:${v.connect.tls.port}` },
            nessie: { url: `http://127.0.0.1:${v.nessie.port}` },
            minio: { endpoint: minioEndpoints().endpoint },
            dremio: { url: `http://127.0.0.1:${v.dremio.port}` },
        });
    }
    const benchEndpoints = settings.secured ? harnessSecuredBenchEndpoints() : harnessBenchEndpoints();
    let current = settings;
    let deployed = false;
    let tornDown = false;

    const readOutputs = async () => JSON.parse((await pulumi(stateDir, ["stack", "output", "-s", name, "--json"], log)).stdout) as StackOutputs;

    const teardown = async () => {
        if (tornDown) return;
        tornDown = true;
        removeSignalHandlers();
        const problems: string[] = [];
        try {
            if (deployed) {
                const r = await pulumi(stateDir, ["destroy", "-s", name, "--yes", "--skip-preview"], log, false);
                if (r.code !== 0) problems.push(`pulumi destroy -s ${name} exited ${r.code}: ${(r.stdout + r.stderr).slice(-2000)}`);
                else deployed = false;
            }
            if (!deployed) await pulumi(stateDir, ["stack", "rm", name, "--yes", "--force"], log, false);
        } catch (e) {
            problems.push(String(e));
        }
        // Destroy keeps the CDC topics (KafkaTopic deleteOnDestroy is off) and the source schema.
        const kafka = new Kafka({
            clientId: name,
            brokers: benchEndpoints.kafkaBootstrapServers.split(","),
            logLevel: logLevel.NOTHING,
            ...(benchEndpoints.kafkaClient ?? {}),
        });
        const admin = kafka.admin();
        try {
            await admin.connect();
            const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${ids.topicPrefix}.`) || t === ids.topicPrefix);
            if (topics.length) await admin.deleteTopics({ topics });
        } catch (e) {
            problems.push(`deleting topics ${ids.topicPrefix}.*: ${e}`);
        } finally {
            await admin.disconnect().catch(() => undefined);
        }
        const p = benchEndpoints.postgres;
        const pg = new Client({ host: p.host, port: p.port, user: p.user, password: p.password, database: p.database, ...(p.ssl ? { ssl: p.ssl } : {}) });
        try {
            await pg.connect();
            await pg.query(`DROP SCHEMA IF EXISTS ${ids.schema} CASCADE`);
        } catch (e) {
            problems.push(`dropping schema ${ids.schema}: ${e}`);
        } finally {
            await pg.end().catch(() => undefined);
        }
        finishTeardown({
            destroyed: !deployed,
            what: `stack ${name}`,
            stateDir,
            file,
            destroyCommand: `PULUMI_BACKEND_URL=file://${stateDir} npm run pulumi -- destroy -s ${name} --yes`,
            problems,
            log,
        });
    };
    const removeSignalHandlers = teardownOnSignal(name, log, () => teardown());

    try {
        fs.writeFileSync(file, stackFile(base, ids, settings));
        await pulumi(stateDir, ["stack", "init", name], log);
        deployed = true;
        await pulumi(stateDir, ["up", "-s", name, "--yes", "--skip-preview"], log);
        const stack: BenchStack = {
            platform: "local",
            description: `stack ${name} (throwaway copy of ${settings.secured ? "local-tls: PostgreSQL over TLS, Kafka over SASL_SSL" : "local"}, real services)`,
            name,
            id,
            schema: ids.schema,
            namespace: ids.namespace,
            bucket: ids.bucket,
            topicPrefix: ids.topicPrefix,
            settings: current,
            outputs: await readOutputs(),
            endpoints: benchEndpoints,
            servicePids: async () => harnessPids(),
            async reconfigure(next: BenchStackSettings) {
                const started = Date.now();
                fs.writeFileSync(file, stackFile(base, ids, next));
                await pulumi(stateDir, ["up", "-s", name, "--yes", "--skip-preview"], log);
                current = next;
                stack.settings = next;
                stack.outputs = await readOutputs();
                return Date.now() - started;
            },
            teardown,
        };
        return stack;
    } catch (e) {
        await teardown();
        throw e;
    }
}
