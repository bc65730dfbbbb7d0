/**
 * Kafka Connect (distributed mode, one worker) on 127.0.0.1:8083 with the Debezium PostgreSQL
 * connector unpacked under its plugin.path (never on the worker classpath). Internal topics RF 1;
 * JsonConverter without schemas, which is what Flink's `debezium-json` format reads.
 * Config providers as the program sets them on workers it deploys (components/connect.ts): a connector
 * holds `${env:LAKEHOUSE_REPLICATION_PASSWORD}` as its password, which the worker resolves from its
 * environment (the local stack's dev replication password), so Connect stores only the reference.
 *
 * `connect-tls` (on demand, issue 19): a second worker group, on `kafka-tls` (SASL_SSL with SCRAM, the
 * harness's CA), set up as docs/security.md tells the operator of an existing Connect: the security
 * settings for the worker and, under their prefixes, its producers, consumers and admin clients; the
 * SCRAM password as `${env:LAKEHOUSE_KAFKA_PASSWORD}`, in the worker's environment only.
 */
import * as fs from "fs";
import * as path from "path";
import { HarnessContext, ServiceDefinition } from "../lib/types";
import { ensureInstalled } from "../lib/install";
import { mavenCopy, mavenCopyDependencies } from "../lib/maven";
import { javaBin, jvmFlags, log4jConsoleProperties, propertiesText } from "../lib/java";
import { runCheckedAsync } from "../lib/process";
import { loadVersions } from "../lib/context";
import { httpGetJson } from "../lib/http";
import { JAVA_TRUST_STORE_PASSWORD, certificateFiles, ensureServerKeyStore } from "../lib/tls";

/** The plain worker (`connect`) or the one on kafka-tls (`connect-tls`). */
interface Flavour {
    name: "connect" | "connect-tls";
    tls: boolean;
}
const PLAIN: Flavour = { name: "connect", tls: false };
const TLS: Flavour = { name: "connect-tls", tls: true };

function cfg(ctx: HarnessContext, flavour: Flavour = PLAIN) {
    const c = ctx.versions.connect;
    const d = ctx.versions.debezium;
    const t = c.tls as { port: number; httpsPort: number; groupId: string; kafkaPasswordEnv: string };
    return {
        kafkaVersion: ctx.versions.kafka.version as string,
        artifacts: c.artifacts as string[],
        port: flavour.tls ? t.port : (c.port as number),
        httpsPort: t.httpsPort,
        groupId: flavour.tls ? t.groupId : (c.groupId as string),
        kafkaPasswordEnv: t.kafkaPasswordEnv,
        heap: c.heap as string,
        debeziumVersion: d.version as string,
        debeziumPlugin: d.postgresPlugin as string,
        connectorClass: d.postgresConnectorClass as string,
        providers: c.configProviders as { name: string; class: string; replicationPasswordEnv: string; replicationPassword: string },
    };
}

/** What a connector on this worker sets as `database.password` to get the local stack's replication password. */
export function replicationPasswordReference(ctx: HarnessContext): string {
    const p = cfg(ctx).providers;
    return `\${${p.name}:${p.replicationPasswordEnv}}`;
}

export function connectLibDir(ctx: HarnessContext): string {
    return path.join(ctx.cacheDir, "connect", cfg(ctx).kafkaVersion, "libs");
}

/** The plugin.path directory: one sub-directory per plugin. */
export function pluginPath(ctx: HarnessContext): string {
    return path.join(ctx.cacheDir, "debezium", cfg(ctx).debeziumVersion, "plugins");
}

function dirs(ctx: HarnessContext, flavour: Flavour = PLAIN) {
    const base = path.join(ctx.runDir, flavour.name);
    return { base, config: path.join(base, "connect-distributed.properties"), log4j: path.join(base, "log4j.properties") };
}

/**
 * The security settings of a worker on kafka-tls, as an operator of an existing Connect sets them: for the
 * worker itself and under `producer.`, `consumer.` and `admin.` (Connect gives each client its own), the CA
 * as a PEM trust store file, the SCRAM login with the password by reference.
 */
export function tlsWorkerSecurity(ctx: HarnessContext): Record<string, string> {
    const t = ctx.versions.kafka.tls as { mechanism: string; client: { username: string } };
    const c = cfg(ctx, TLS);
    const client = {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": t.mechanism,
        "sasl.jaas.config": `org.apache.kafka.common.security.scram.ScramLoginModule required username="${t.client.username}" password="\${${c.providers.name}:${c.kafkaPasswordEnv}}";`,
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": certificateFiles(ctx.runDir).caCert,
    };
    const out: Record<string, string> = {};
    for (const prefix of ["", "producer.", "consumer.", "admin."]) for (const [k, v] of Object.entries(client)) out[`${prefix}${k}`] = v;
    return out;
}

export function workerProperties(ctx: HarnessContext, flavour: Flavour = PLAIN): Record<string, string | number> {
    const c = cfg(ctx, flavour);
    const allowed = flavour.tls ? `^(${c.providers.replicationPasswordEnv}|${c.kafkaPasswordEnv})$` : `^${c.providers.replicationPasswordEnv}$`;
    return {
        "bootstrap.servers": flavour.tls
            ? `127.0.0.1:${(ctx.versions.kafka.tls as { brokerPort: number }).brokerPort}`
            : `127.0.0.1:${ctx.versions.kafka.brokerPort}`,
        "group.id": c.groupId,
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable": "false",
        "value.converter.schemas.enable": "false",
        "config.storage.topic": `${c.groupId}-configs`,
        "offset.storage.topic": `${c.groupId}-offsets`,
        "status.storage.topic": `${c.groupId}-status`,
        "config.storage.replication.factor": 1,
        "offset.storage.replication.factor": 1,
        "status.storage.replication.factor": 1,
        "offset.storage.partitions": 5,
        "status.storage.partitions": 1,
        "offset.flush.interval.ms": 5000,
        // As the program sets it (components/connect.ts): tasks come back 30 s after a rebalance, not 5 min.
        "scheduled.rebalance.max.delay.ms": 30000,
        listeners: flavour.tls ? `http://127.0.0.1:${c.port},https://127.0.0.1:${c.httpsPort}` : `http://127.0.0.1:${c.port}`,
        "rest.advertised.host.name": "127.0.0.1",
        "rest.advertised.port": c.port,
        // connect-tls: its REST API over HTTPS too, with the harness's certificate (Jetty takes a PKCS12 key store).
        ...(flavour.tls
            ? {
                  "rest.advertised.listener": "http",
                  "listeners.https.ssl.keystore.location": ensureServerKeyStore(ctx),
                  "listeners.https.ssl.keystore.type": "PKCS12",
                  "listeners.https.ssl.keystore.password": JAVA_TRUST_STORE_PASSWORD,
                  "listeners.https.ssl.key.password": JAVA_TRUST_STORE_PASSWORD,
              }
            : {}),
        "plugin.path": pluginPath(ctx),
        "topic.creation.enable": "true",
        // Resolves `${env:<var>}` in connector configs (and, on connect-tls, in its own settings); only the variables the start command sets.
        "config.providers": c.providers.name,
        [`config.providers.${c.providers.name}.class`]: c.providers.class,
        [`config.providers.${c.providers.name}.param.allowlist.pattern`]: allowed,
        ...(flavour.tls ? tlsWorkerSecurity(ctx) : {}),
    };
}

export function connectUrl(ctx: HarnessContext, flavour: Flavour = PLAIN): string {
    return `http://127.0.0.1:${cfg(ctx, flavour).port}`;
}

/** The worker's service definition: `connect` on the harness's Kafka, or `connect-tls` (on demand) on kafka-tls. */
function connectService(flavour: Flavour): ServiceDefinition {
    const versions = loadVersions();
    return {
        name: flavour.name,
        ports: flavour.tls ? { http: versions.connect.tls.port, https: versions.connect.tls.httpsPort } : { http: versions.connect.port },
        dependsOn: [flavour.tls ? "kafka-tls" : "kafka"],
        startTimeoutMs: 300000,
        ...(flavour.tls ? { onDemand: true } : {}),

        async install(ctx) {
            const c = cfg(ctx);
            await ensureInstalled(
                ctx,
                `Kafka Connect ${c.kafkaVersion}`,
                path.dirname(connectLibDir(ctx)),
                { artifacts: c.artifacts, layout: 1 },
                async (scratch) => {
                    await mavenCopyDependencies(ctx, `connect-${c.kafkaVersion}`, c.artifacts, path.join(scratch, "libs"));
                },
            );
            await ensureInstalled(
                ctx,
                `Debezium PostgreSQL connector ${c.debeziumVersion}`,
                path.dirname(pluginPath(ctx)),
                { plugin: c.debeziumPlugin, layout: 1 },
                async (scratch) => {
                    const [archive] = await mavenCopy(ctx, [c.debeziumPlugin], path.join(scratch, "download"));
                    const plugins = path.join(scratch, "plugins");
                    fs.mkdirSync(plugins, { recursive: true });
                    await runCheckedAsync("tar", ["-xzf", archive, "-C", plugins]);
                    fs.rmSync(path.join(scratch, "download"), { recursive: true, force: true });
                    const entries = fs.readdirSync(plugins);
                    if (!entries.some((e) => e.startsWith("debezium-connector-postgres"))) {
                        throw new Error(`unexpected layout of ${archive}: ${entries.join(", ")}`);
                    }
                },
            );
        },

        async prepare(ctx) {
            const d = dirs(ctx, flavour);
            fs.mkdirSync(d.base, { recursive: true });
            fs.writeFileSync(d.config, propertiesText(workerProperties(ctx, flavour)));
            fs.writeFileSync(
                d.log4j,
                log4jConsoleProperties("INFO", [
                    "org.reflections",
                    "org.apache.kafka.clients",
                    "org.apache.kafka.common.utils.AppInfoParser",
                    "org.eclipse.jetty",
                ]),
            );
        },

        start(ctx) {
            const d = dirs(ctx, flavour);
            const c = cfg(ctx, flavour);
            const kafkaPassword = (ctx.versions.kafka.tls as { client: { password: string } }).client.password;
            return {
                command: javaBin(),
                args: [
                    ...jvmFlags(cfg(ctx).heap),
                    "-Xms128m",
                    `-Dlog4j.configuration=file:${d.log4j}`,
                    `-Dkafka.logs.dir=${d.base}`,
                    "-cp",
                    `${connectLibDir(ctx)}/*`,
                    "org.apache.kafka.connect.cli.ConnectDistributed",
                    d.config,
                ],
                // In the worker's environment only (not in a file): what `${env:...}` references resolve to.
                env: {
                    [c.providers.replicationPasswordEnv]: c.providers.replicationPassword,
                    ...(flavour.tls ? { [c.kafkaPasswordEnv]: kafkaPassword } : {}),
                },
                cwd: d.base,
            };
        },

        health: {
            describe: `Kafka Connect REST on 127.0.0.1:${flavour.tls ? versions.connect.tls.port : versions.connect.port} lists the Debezium PostgreSQL connector plugin`,
            async check(ctx) {
                const plugins = (await httpGetJson(`${connectUrl(ctx, flavour)}/connector-plugins`, 5000)) as Array<{ class: string }>;
                return Array.isArray(plugins) && plugins.some((p) => p.class === cfg(ctx).connectorClass);
            },
        },

        endpoints(ctx) {
            return {
                url: connectUrl(ctx, flavour),
                debeziumPostgresConnectorClass: cfg(ctx).connectorClass,
                // A connector whose `database.password` is this reference logs in with `replicationPassword` (a dev value).
                replicationPasswordReference: replicationPasswordReference(ctx),
                replicationPassword: cfg(ctx).providers.replicationPassword,
                // connect-tls: the same REST API over HTTPS, and the CA that signed its certificate.
                ...(flavour.tls ? { httpsUrl: `https://127.0.0.1:${cfg(ctx, flavour).httpsPort}`, caFile: certificateFiles(ctx.runDir).caCert } : {}),
            };
        },
    };
}

export const definitions: ServiceDefinition[] = [connectService(PLAIN), connectService(TLS)];
