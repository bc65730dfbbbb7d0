/**
 * The Flink session cluster as three plain local processes on one flat classpath fetched from the
 * Maven repository (harness/flink/pom.xml): JobManager (REST 127.0.0.1:8081, RPC 6123), one
 * TaskManager (4 slots, explicit memory) and the SQL Gateway (REST 127.0.0.1:8084). The classpath
 * carries the Kafka connector, flink-json, the Iceberg Flink runtime (with its Nessie client), the
 * Iceberg AWS bundle and the Hadoop client jars; every JVM gets AWS_REGION. Configuration is built by
 * the pure functions in ./config.ts.
 */
import * as fs from "fs";
import * as path from "path";
import { HarnessContext, ServiceDefinition } from "../lib/types";
import { ensureInstalled, fingerprint } from "../lib/install";
import { mavenRepoDir } from "../lib/maven";
import { javaBin } from "../lib/java";
import { loadVersions } from "../lib/context";
import { logFile, readPidRecord, runCheckedAsync } from "../lib/process";
import { httpGetJson } from "../lib/http";
import { ensureJavaTrustStore, javaTrustStoreFlags } from "../lib/tls";
import {
    FlinkPaths,
    FlinkRole,
    FlinkSettings,
    TASK_MANAGER_RESOURCE_ID,
    flinkConfig,
    flinkEnv,
    flinkSettings,
    javaArgs,
    log4j2Properties,
    pomProperties,
    renderConfigYaml,
} from "./config";

/** The pom that names the classpath (kept in the repository, versions passed in from versions.json). */
export const POM_FILE = path.join(__dirname, "pom.xml");

function settings(ctx: HarnessContext): FlinkSettings {
    return flinkSettings(ctx.versions);
}

/** What one install of the classpath is made of: the pom's text and the versions passed to it. */
function installSpec(ctx: HarnessContext) {
    return { pom: fs.readFileSync(POM_FILE, "utf8"), props: pomProperties(settings(ctx)), layout: 1 };
}

/**
 * Cache directory of one Flink + Iceberg classpath. Named after the fingerprint of the pom and the
 * versions too, so a changed pom installs beside the old classpath instead of deleting it under a
 * cluster (of another run dir) that still runs from it.
 */
export function installDir(ctx: HarnessContext): string {
    const s = settings(ctx);
    return path.join(ctx.cacheDir, "flink", `${s.version}-iceberg-${s.icebergVersion}-${fingerprint(installSpec(ctx)).slice(0, 8)}`);
}

export function libDir(ctx: HarnessContext): string {
    return path.join(installDir(ctx), "lib");
}

export function flinkPaths(ctx: HarnessContext): FlinkPaths {
    const base = path.join(ctx.runDir, "flink");
    return {
        confDir: path.join(base, "conf"),
        checkpointDir: path.join(base, "checkpoints"),
        savepointDir: path.join(base, "savepoints"),
        tmpDir: path.join(base, "tmp"),
        pluginsDir: path.join(base, "plugins"),
        haDir: path.join(base, "ha"),
    };
}

export function restUrl(ctx: HarnessContext): string {
    return `http://127.0.0.1:${settings(ctx).restPort}`;
}

export function gatewayUrl(ctx: HarnessContext): string {
    return `http://127.0.0.1:${settings(ctx).gatewayPort}`;
}

/** Runs maven-dependency-plugin:copy-dependencies on harness/flink/pom.xml into `outDir`. */
async function copyClasspath(ctx: HarnessContext, outDir: string): Promise<void> {
    const s = settings(ctx);
    const plugin = ctx.versions.mavenDependencyPlugin || "org.apache.maven.plugins:maven-dependency-plugin:3.8.1";
    const props = Object.entries(pomProperties(s)).map(([k, v]) => `-D${k}=${v}`);
    ctx.log(`mvn copy-dependencies of ${path.relative(ctx.repoDir, POM_FILE)} (Flink ${s.version}, Iceberg ${s.icebergVersion}) into ${outDir}`);
    await runCheckedAsync(
        "mvn",
        [
            "-q",
            "-B",
            `-Dmaven.repo.local=${mavenRepoDir(ctx)}`,
            "-f",
            POM_FILE,
            `${plugin}:copy-dependencies`,
            `-DoutputDirectory=${outDir}`,
            "-DincludeScope=runtime",
            ...props,
        ],
        { cwd: path.dirname(outDir), timeoutMs: 30 * 60 * 1000 },
    );
    const jars = fs.readdirSync(outDir).filter((f) => f.endsWith(".jar"));
    const must = [
        `flink-runtime-${s.version}.jar`,
        `flink-sql-gateway-${s.version}.jar`,
        `flink-table-planner-loader-${s.version}.jar`,
        `flink-json-${s.version}.jar`,
        `flink-connector-kafka-${s.kafkaConnectorVersion}.jar`,
        `iceberg-flink-runtime-${s.minor}-${s.icebergVersion}.jar`,
        `iceberg-aws-bundle-${s.icebergVersion}.jar`,
        `hadoop-client-api-${s.hadoopVersion}.jar`,
        `hadoop-client-runtime-${s.hadoopVersion}.jar`,
        `log4j-slf4j-impl-${s.log4jVersion}.jar`,
        // The RocksDB state backend, for the jobs that choose it (the project image's backend).
        `flink-statebackend-rocksdb-${s.version}.jar`,
        // The ZooKeeper client of the HA services.
        `flink-shaded-zookeeper-3-${s.shadedZookeeperVersion}.jar`,
    ];
    const missing = must.filter((j) => !jars.includes(j));
    if (missing.length) throw new Error(`Flink classpath in ${outDir} lacks ${missing.join(", ")}`);
    ctx.log(`Flink classpath: ${jars.length} jars`);
}

/** Shared by the three services: the classpath is installed once. */
async function installFlink(ctx: HarnessContext): Promise<void> {
    const s = settings(ctx);
    const spec = installSpec(ctx);
    await ensureInstalled(ctx, `Flink ${s.version} + Iceberg ${s.icebergVersion} classpath`, installDir(ctx), spec, async (scratch) => {
        await copyClasspath(ctx, path.join(scratch, "lib"));
    });
}

/** Writes config.yaml and log4j2.properties (same content for all three processes). Idempotent. */
function writeConfig(ctx: HarnessContext): void {
    const s = settings(ctx);
    const p = flinkPaths(ctx);
    for (const dir of [p.confDir, p.checkpointDir, p.savepointDir, p.tmpDir, p.pluginsDir, p.haDir]) fs.mkdirSync(dir, { recursive: true });
    for (const sub of ["web", "web-upload", "blob", "io"]) fs.mkdirSync(path.join(p.tmpDir, sub), { recursive: true });
    // Flink 1.20 prefers a legacy flink-conf.yaml over config.yaml when both exist: never leave one.
    fs.rmSync(path.join(p.confDir, "flink-conf.yaml"), { force: true });
    writeIfChanged(path.join(p.confDir, "config.yaml"), renderConfigYaml(flinkConfig(s, p)));
    writeIfChanged(path.join(p.confDir, "log4j2.properties"), log4j2Properties());
}

function writeIfChanged(file: string, text: string): void {
    try {
        if (fs.readFileSync(file, "utf8") === text) return;
    } catch {
        /* absent: write it */
    }
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
}

function startCommand(ctx: HarnessContext, role: FlinkRole, name: string) {
    const s = settings(ctx);
    const p = flinkPaths(ctx);
    // The cluster trusts the harness's CA, as an operator's Flink trusts the company CA of the services
    // its jobs reach over TLS (the TLS Nessie, nessie-tls: the jobs' Iceberg catalog speaks HTTPS to it).
    const trust = javaTrustStoreFlags(ensureJavaTrustStore(ctx, javaBin()));
    return {
        command: javaBin(),
        args: javaArgs(role, s, p, libDir(ctx), logFile(ctx, name), trust),
        env: flinkEnv(s, p),
        cwd: path.dirname(p.confDir),
    };
}

interface Overview {
    taskmanagers: number;
    "slots-total": number;
    "slots-available": number;
    "flink-version": string;
}

interface TaskManagerInfo {
    id: string;
    slotsNumber: number;
    freeSlots: number;
    /** Despite its name: the epoch milliseconds of the last heartbeat the JobManager received. */
    timeSinceLastHeartbeat?: number;
}

/** Same endpoints for the three services: one cluster. */
function clusterEndpoints(ctx: HarnessContext): Record<string, string> {
    const s = settings(ctx);
    const p = flinkPaths(ctx);
    return {
        restUrl: restUrl(ctx),
        gatewayUrl: gatewayUrl(ctx),
        jobManagerRpc: `127.0.0.1:${s.rpcPort}`,
        checkpointDir: `file://${p.checkpointDir}`,
        savepointDir: `file://${p.savepointDir}`,
        haStorageDir: `file://${p.haDir}`,
        haZookeeperQuorum: s.highAvailability.zookeeperQuorum,
        haClusterId: s.highAvailability.clusterId,
        awsRegion: s.awsRegion,
        version: s.version,
    };
}

const v = loadVersions().flink;

const jobmanager: ServiceDefinition = {
    name: "flink-jobmanager",
    ports: { rest: v.restPort, rpc: v.rpcPort },
    // High availability: leader election and the job/checkpoint pointers live in ZooKeeper.
    dependsOn: ["zookeeper"],
    startTimeoutMs: 180000,
    install: installFlink,
    async prepare(ctx) {
        writeConfig(ctx);
    },
    start: (ctx) => startCommand(ctx, "jobmanager", "flink-jobmanager"),
    health: {
        describe: `Flink JobManager REST on 127.0.0.1:${v.restPort} answers GET /overview`,
        async check(ctx) {
            const o = (await httpGetJson(`${restUrl(ctx)}/overview`, 3000)) as Overview;
            return typeof o["flink-version"] === "string";
        },
    },
    endpoints: clusterEndpoints,
};

const taskmanager: ServiceDefinition = {
    name: "flink-taskmanager",
    ports: {},
    dependsOn: ["flink-jobmanager"],
    startTimeoutMs: 180000,
    install: installFlink,
    async prepare(ctx) {
        writeConfig(ctx);
    },
    start: (ctx) => startCommand(ctx, "taskmanager", "flink-taskmanager"),
    health: {
        describe: `TaskManager '${TASK_MANAGER_RESOURCE_ID}' registered at the JobManager (GET /taskmanagers on 127.0.0.1:${v.restPort}) with its ${v.taskSlots} slots`,
        async check(ctx) {
            const r = (await httpGetJson(`${restUrl(ctx)}/taskmanagers`, 3000)) as { taskmanagers: TaskManagerInfo[] };
            const tm = r.taskmanagers.find((t) => t.id === TASK_MANAGER_RESOURCE_ID);
            if (!tm || tm.slotsNumber < 1) return false;
            // The JobManager lists a killed TaskManager until its heartbeat times out: the one this
            // harness started must have been heard from since it started.
            const record = readPidRecord(ctx, "flink-taskmanager");
            return !record || (tm.timeSinceLastHeartbeat ?? 0) >= Date.parse(record.startedAt);
        },
    },
    endpoints: clusterEndpoints,
};

const gateway: ServiceDefinition = {
    name: "flink-sql-gateway",
    ports: { rest: v.gatewayPort },
    dependsOn: ["flink-jobmanager"],
    startTimeoutMs: 180000,
    install: installFlink,
    async prepare(ctx) {
        writeConfig(ctx);
    },
    start: (ctx) => startCommand(ctx, "sql-gateway", "flink-sql-gateway"),
    health: {
        describe: `Flink SQL Gateway REST on 127.0.0.1:${v.gatewayPort} answers GET /v1/info`,
        async check(ctx) {
            const info = (await httpGetJson(`${gatewayUrl(ctx)}/v1/info`, 3000)) as { productName?: string; version?: string };
            return typeof info.version === "string";
        },
    },
    endpoints: clusterEndpoints,
};

export const definitions: ServiceDefinition[] = [jobmanager, taskmanager, gateway];
