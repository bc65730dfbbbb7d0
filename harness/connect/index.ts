/**
 * Kafka Connect (distributed mode, one worker) on 127.0.0.1:8083 with the Debezium PostgreSQL
 * connector unpacked under its plugin.path (never on the worker classpath). Internal topics RF 1;
 * JsonConverter without schemas, which is what Flink's `debezium-json` format reads.
 * Config providers as the program sets them on workers it deploys (components/connect.ts): a connector
 * holds `${env:LAKEHOUSE_REPLICATION_PASSWORD}` as its password, which the worker resolves from its
 * environment (the local stack's dev replication password), so Connect stores only the reference.
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

function cfg(ctx: HarnessContext) {
    const c = ctx.versions.connect;
    const d = ctx.versions.debezium;
    return {
        kafkaVersion: ctx.versions.kafka.version as string,
        artifacts: c.artifacts as string[],
        port: c.port as number,
        groupId: c.groupId as string,
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

function dirs(ctx: HarnessContext) {
    const base = path.join(ctx.runDir, "connect");
    return { base, config: path.join(base, "connect-distributed.properties"), log4j: path.join(base, "log4j.properties") };
}

export function workerProperties(ctx: HarnessContext): Record<string, string | number> {
    const c = cfg(ctx);
    return {
        "bootstrap.servers": `127.0.0.1:${ctx.versions.kafka.brokerPort}`,
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
        listeners: `http://127.0.0.1:${c.port}`,
        "rest.advertised.host.name": "127.0.0.1",
        "rest.advertised.port": c.port,
        "plugin.path": pluginPath(ctx),
        "topic.creation.enable": "true",
        // Resolves `${env:<var>}` in connector configs; only the one variable the start command sets.
        "config.providers": c.providers.name,
        [`config.providers.${c.providers.name}.class`]: c.providers.class,
        [`config.providers.${c.providers.name}.param.allowlist.pattern`]: `^${c.providers.replicationPasswordEnv}$`,
    };
}

export function connectUrl(ctx: HarnessContext): string {
    return `http://127.0.0.1:${cfg(ctx).port}`;
}

const connect: ServiceDefinition = {
    name: "connect",
    ports: { http: loadVersions().connect.port },
    dependsOn: ["kafka"],
    startTimeoutMs: 300000,

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
        const d = dirs(ctx);
        fs.mkdirSync(d.base, { recursive: true });
        fs.writeFileSync(d.config, propertiesText(workerProperties(ctx)));
        fs.writeFileSync(
            d.log4j,
            log4jConsoleProperties("INFO", ["org.reflections", "org.apache.kafka.clients", "org.apache.kafka.common.utils.AppInfoParser", "org.eclipse.jetty"]),
        );
    },

    start(ctx) {
        const d = dirs(ctx);
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
            env: { [cfg(ctx).providers.replicationPasswordEnv]: cfg(ctx).providers.replicationPassword },
            cwd: d.base,
        };
    },

    health: {
        describe: "Kafka Connect REST on 127.0.0.1:8083 lists the Debezium PostgreSQL connector plugin",
        async check(ctx) {
            const plugins = (await httpGetJson(`${connectUrl(ctx)}/connector-plugins`, 5000)) as Array<{ class: string }>;
            return Array.isArray(plugins) && plugins.some((p) => p.class === cfg(ctx).connectorClass);
        },
    },

    endpoints(ctx) {
        return {
            url: connectUrl(ctx),
            debeziumPostgresConnectorClass: cfg(ctx).connectorClass,
            // A connector whose `database.password` is this reference logs in with `replicationPassword` (a dev value).
            replicationPasswordReference: replicationPasswordReference(ctx),
            replicationPassword: cfg(ctx).providers.replicationPassword,
        };
    },
};

export const definitions: ServiceDefinition[] = [connect];
