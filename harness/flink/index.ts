/**
 * The Flink session cluster as three plain local processes on one flat classpath fetched from the
 * Maven repository (harness/flink/pom.xml): JobManager (REST 127.0.0.1:8081, RPC 6123), one
 * TaskManager (4 slots, explicit memory) and the SQL Gateway (REST 127.0.0.1:8084). The classpath
 * carries the Kafka connector, flink-json, the Iceberg Flink runtime (with its Nessie client), the
 * Iceberg AWS bundle and the Hadoop client jars; every JVM gets AWS_REGION. Configuration is built by
 * the pure functions in ./config.ts.
 *
 * `flink-tls` (on demand, issue 19): a second such cluster whose REST endpoints (the JobManager's and the
 * SQL Gateway's) speak HTTPS only, with the harness's certificate (Flink's `security.ssl.rest.*`), on
 * the ports of `flink.tls`: what an operator's Flink with a company CA looks like to the program.
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
import { JAVA_TRUST_STORE_PASSWORD, certificateFiles, ensureJavaTrustStore, ensureServerKeyStore, javaTrustStoreFlags } from "../lib/tls";
import { sendRequest } from "../../components/dynamic/toolkit/http";
import {
    FlinkPaths,
    FlinkRestTls,
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

/** The plain cluster (`flink-*`) or the one whose REST endpoints speak HTTPS (`flink-tls-*`, on demand). */
export interface FlinkFlavour {
    /** Prefix of the three services' names and of the run directory. */
    prefix: "flink" | "flink-tls";
    tls: boolean;
}
export const PLAIN: FlinkFlavour = { prefix: "flink", tls: false };
export const TLS: FlinkFlavour = { prefix: "flink-tls", tls: true };

function settings(ctx: HarnessContext, flavour: FlinkFlavour = PLAIN): FlinkSettings {
    return flinkSettings(ctx.versions, flavour.tls);
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

export function flinkPaths(ctx: HarnessContext, flavour: FlinkFlavour = PLAIN): FlinkPaths {
    const base = path.join(ctx.runDir, flavour.prefix);
    return {
        confDir: path.join(base, "conf"),
        checkpointDir: path.join(base, "checkpoints"),
        savepointDir: path.join(base, "savepoints"),
        tmpDir: path.join(base, "tmp"),
        pluginsDir: path.join(base, "plugins"),
        haDir: path.join(base, "ha"),
    };
}

export function restUrl(ctx: HarnessContext, flavour: FlinkFlavour = PLAIN): string {
    return `${flavour.tls ? "https" : "http"}://127.0.0.1:${settings(ctx, flavour).restPort}`;
}

export function gatewayUrl(ctx: HarnessContext, flavour: FlinkFlavour = PLAIN): string {
    return `${flavour.tls ? "https" : "http"}://127.0.0.1:${settings(ctx, flavour).gatewayPort}`;
}

/** flink-tls's REST TLS: the harness's server certificate (PKCS12) and a trust store holding its CA. */
function restTls(ctx: HarnessContext, flavour: FlinkFlavour): FlinkRestTls | undefined {
    if (!flavour.tls) return undefined;
    return { keyStore: ensureServerKeyStore(ctx), trustStore: ensureJavaTrustStore(ctx, javaBin()), password: JAVA_TRUST_STORE_PASSWORD };
}

/** GET of one of the cluster's REST endpoints as JSON (over HTTPS trusting the harness's CA for flink-tls). */
async function restGetJson(ctx: HarnessContext, flavour: FlinkFlavour, url: string): Promise<unknown> {
    if (!flavour.tls) return httpGetJson(url, 3000);
    const caCert = fs.readFileSync(certificateFiles(ctx.runDir).caCert, "utf8");
    const answer = await sendRequest("Flink REST", "GET", url, { timeoutMs: 3000, caCert });
    if (!answer.ok) throw new Error(`GET ${url} answered ${answer.status}`);
    return JSON.parse(answer.text);
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
function writeConfig(ctx: HarnessContext, flavour: FlinkFlavour): void {
    const s = settings(ctx, flavour);
    const p = flinkPaths(ctx, flavour);
    for (const dir of [p.confDir, p.checkpointDir, p.savepointDir, p.tmpDir, p.pluginsDir, p.haDir]) fs.mkdirSync(dir, { recursive: true });
    for (const sub of ["web", "web-upload", "blob", "io"]) fs.mkdirSync(path.join(p.tmpDir, sub), { recursive: true });
    // Flink 1.20 prefers a legacy flink-conf.yaml over config.yaml when both exist: never leave one.
    fs.rmSync(path.join(p.confDir, "flink-conf.yaml"), { force: true });
    writeIfChanged(path.join(p.confDir, "config.yaml"), renderConfigYaml(flinkConfig(s, p, restTls(ctx, flavour))));
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

function startCommand(ctx: HarnessContext, flavour: FlinkFlavour, role: FlinkRole, name: string) {
    const s = settings(ctx, flavour);
    const p = flinkPaths(ctx, flavour);
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
function clusterEndpoints(ctx: HarnessContext, flavour: FlinkFlavour): Record<string, string> {
    const s = settings(ctx, flavour);
    const p = flinkPaths(ctx, flavour);
    return {
        restUrl: restUrl(ctx, flavour),
        gatewayUrl: gatewayUrl(ctx, flavour),
        jobManagerRpc: `127.0.0.1:${s.rpcPort}`,
        checkpointDir: `file://${p.checkpointDir}`,
        savepointDir: `file://${p.savepointDir}`,
        haStorageDir: `file://${p.haDir}`,
        haZookeeperQuorum: s.highAvailability.zookeeperQuorum,
        haClusterId: s.highAvailability.clusterId,
        awsRegion: s.awsRegion,
        version: s.version,
        // flink-tls: the CA that signed both REST endpoints' certificate.
        ...(flavour.tls ? { caFile: certificateFiles(ctx.runDir).caCert } : {}),
    };
}

/** The JobManager, TaskManager and SQL Gateway of one cluster. */
function clusterDefinitions(flavour: FlinkFlavour): ServiceDefinition[] {
    const v = flinkSettings(loadVersions(), flavour.tls);
    const scheme = flavour.tls ? "HTTPS" : "REST";
    const jm = `${flavour.prefix}-jobmanager`;
    const common = {
        startTimeoutMs: 180000,
        install: installFlink,
        async prepare(ctx: HarnessContext) {
            writeConfig(ctx, flavour);
        },
        endpoints: (ctx: HarnessContext) => clusterEndpoints(ctx, flavour),
        ...(flavour.tls ? { onDemand: true } : {}),
    };
    const jobmanager: ServiceDefinition = {
        ...common,
        name: jm,
        ports: { rest: v.restPort, rpc: v.rpcPort },
        // High availability: leader election and the job/checkpoint pointers live in ZooKeeper.
        dependsOn: ["zookeeper"],
        start: (ctx) => startCommand(ctx, flavour, "jobmanager", jm),
        health: {
            describe: `Flink JobManager ${scheme} on 127.0.0.1:${v.restPort} answers GET /overview`,
            async check(ctx) {
                const o = (await restGetJson(ctx, flavour, `${restUrl(ctx, flavour)}/overview`)) as Overview;
                return typeof o["flink-version"] === "string";
            },
        },
    };
    const taskmanager: ServiceDefinition = {
        ...common,
        name: `${flavour.prefix}-taskmanager`,
        ports: {},
        dependsOn: [jm],
        start: (ctx) => startCommand(ctx, flavour, "taskmanager", `${flavour.prefix}-taskmanager`),
        health: {
            describe: `TaskManager '${TASK_MANAGER_RESOURCE_ID}' registered at the JobManager (GET /taskmanagers on 127.0.0.1:${v.restPort}) with its ${v.taskSlots} slots`,
            async check(ctx) {
                const r = (await restGetJson(ctx, flavour, `${restUrl(ctx, flavour)}/taskmanagers`)) as { taskmanagers: TaskManagerInfo[] };
                const tm = r.taskmanagers.find((t) => t.id === TASK_MANAGER_RESOURCE_ID);
                if (!tm || tm.slotsNumber < 1) return false;
                // The JobManager lists a killed TaskManager until its heartbeat times out: the one this
                // harness started must have been heard from since it started.
                const record = readPidRecord(ctx, `${flavour.prefix}-taskmanager`);
                return !record || (tm.timeSinceLastHeartbeat ?? 0) >= Date.parse(record.startedAt);
            },
        },
    };
    const gateway: ServiceDefinition = {
        ...common,
        name: `${flavour.prefix}-sql-gateway`,
        ports: { rest: v.gatewayPort },
        dependsOn: [jm],
        start: (ctx) => startCommand(ctx, flavour, "sql-gateway", `${flavour.prefix}-sql-gateway`),
        health: {
            describe: `Flink SQL Gateway ${scheme} on 127.0.0.1:${v.gatewayPort} answers GET /v1/info`,
            async check(ctx) {
                const info = (await restGetJson(ctx, flavour, `${gatewayUrl(ctx, flavour)}/v1/info`)) as { productName?: string; version?: string };
                return typeof info.version === "string";
            },
        },
    };
    return [jobmanager, taskmanager, gateway];
}

export const definitions: ServiceDefinition[] = [...clusterDefinitions(PLAIN), ...clusterDefinitions(TLS)];
