/**
 * Apache Kafka, one KRaft node (broker + controller) from the Maven artifacts, on 127.0.0.1:9092
 * (controller 9093). The log dir is formatted with a fresh cluster id the first time, and kept on restarts.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Kafka, logLevel } from "kafkajs";
import { HarnessContext, ServiceDefinition } from "../lib/types";
import { ensureInstalled } from "../lib/install";
import { mavenCopyDependencies } from "../lib/maven";
import { javaBin, jvmFlags, log4jConsoleProperties, propertiesText } from "../lib/java";
import { runCheckedAsync } from "../lib/process";
import { loadVersions } from "../lib/context";
import { withTimeout } from "../lib/wait";

function cfg(ctx: HarnessContext) {
    const v = ctx.versions.kafka;
    return {
        version: v.version as string,
        artifacts: v.artifacts as string[],
        brokerPort: v.brokerPort as number,
        controllerPort: v.controllerPort as number,
        heap: v.heap as string,
    };
}

export function kafkaLibDir(ctx: HarnessContext): string {
    return path.join(ctx.cacheDir, "kafka", cfg(ctx).version, "libs");
}

function dirs(ctx: HarnessContext) {
    const base = path.join(ctx.runDir, "kafka");
    return {
        base,
        data: path.join(base, "data"),
        config: path.join(base, "server.properties"),
        log4j: path.join(base, "log4j.properties"),
    };
}

/** Kafka's Uuid text form: 16 random bytes, URL-safe base64 without padding. */
export function newClusterId(): string {
    return crypto.randomBytes(16).toString("base64url");
}

export function serverProperties(ctx: HarnessContext): Record<string, string | number> {
    const c = cfg(ctx);
    return {
        "process.roles": "broker,controller",
        "node.id": 1,
        "controller.quorum.voters": `1@127.0.0.1:${c.controllerPort}`,
        listeners: `PLAINTEXT://127.0.0.1:${c.brokerPort},CONTROLLER://127.0.0.1:${c.controllerPort}`,
        "advertised.listeners": `PLAINTEXT://127.0.0.1:${c.brokerPort}`,
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": dirs(ctx).data,
        "num.partitions": 1,
        "default.replication.factor": 1,
        "offsets.topic.replication.factor": 1,
        "offsets.topic.num.partitions": 5,
        "transaction.state.log.replication.factor": 1,
        "transaction.state.log.min.isr": 1,
        "transaction.state.log.num.partitions": 5,
        "min.insync.replicas": 1,
        "group.initial.rebalance.delay.ms": 0,
        "auto.create.topics.enable": "true",
        "delete.topic.enable": "true",
        "log.retention.hours": 24,
        "log.segment.bytes": 64 * 1024 * 1024,
        "num.network.threads": 2,
        "num.io.threads": 2,
        "background.threads": 2,
        "num.recovery.threads.per.data.dir": 1,
    };
}

export function bootstrap(ctx: HarnessContext): string {
    return `127.0.0.1:${cfg(ctx).brokerPort}`;
}

const kafka: ServiceDefinition = {
    name: "kafka",
    ports: { broker: loadVersions().kafka.brokerPort, controller: loadVersions().kafka.controllerPort },
    dependsOn: [],
    startTimeoutMs: 180000,

    async install(ctx) {
        const c = cfg(ctx);
        const dir = path.dirname(kafkaLibDir(ctx));
        await ensureInstalled(ctx, `Kafka ${c.version}`, dir, { artifacts: c.artifacts, layout: 1 }, async (scratch) => {
            await mavenCopyDependencies(ctx, `kafka-${c.version}`, c.artifacts, path.join(scratch, "libs"));
        });
    },

    async prepare(ctx) {
        const d = dirs(ctx);
        fs.mkdirSync(d.data, { recursive: true });
        fs.writeFileSync(d.config, propertiesText(serverProperties(ctx)));
        fs.writeFileSync(
            d.log4j,
            log4jConsoleProperties("INFO", ["kafka.request.logger", "state.change.logger", "org.apache.kafka.storage", "kafka.log.LogCleaner"]),
        );
        // A broker restarted after a crash keeps its topics (as a supervisor's restart would): the log
        // dir is formatted only the first time. Wiping it would take every topic, Connect's included.
        if (fs.existsSync(path.join(d.data, "meta.properties"))) {
            ctx.log(`reusing the KRaft storage in ${d.data}`);
            return;
        }
        const clusterId = newClusterId();
        ctx.log(`formatting KRaft storage in ${d.data} (cluster id ${clusterId})`);
        await runCheckedAsync(
            javaBin(),
            [
                ...jvmFlags("256m"),
                `-Dlog4j.configuration=file:${d.log4j}`,
                "-cp",
                `${kafkaLibDir(ctx)}/*`,
                "kafka.tools.StorageTool",
                "format",
                // One word: a base64url id can start with "-" (1 in 64), which as a word of its own is read
                // as an option ("usage: kafka-storage format ..."); a run directory's first start failed so.
                `--cluster-id=${clusterId}`,
                "-c",
                d.config,
            ],
            { timeoutMs: 120000 },
        );
    },

    start(ctx) {
        const d = dirs(ctx);
        return {
            command: javaBin(),
            args: [
                ...jvmFlags(cfg(ctx).heap),
                `-Xms128m`,
                `-Dlog4j.configuration=file:${d.log4j}`,
                `-Dkafka.logs.dir=${d.base}`,
                "-cp",
                `${kafkaLibDir(ctx)}/*`,
                "kafka.Kafka",
                d.config,
            ],
            cwd: d.base,
        };
    },

    health: {
        describe: "Kafka broker on 127.0.0.1:9092 answers a metadata request (kafkajs admin lists topics)",
        async check(ctx) {
            const client = new Kafka({
                clientId: "harness-health",
                brokers: [bootstrap(ctx)],
                connectionTimeout: 2000,
                requestTimeout: 4000,
                retry: { retries: 0 },
                logLevel: logLevel.NOTHING,
            });
            const admin = client.admin();
            try {
                await withTimeout(admin.connect(), 5000, "Kafka admin connect");
                await withTimeout(admin.listTopics(), 5000, "Kafka listTopics");
                return true;
            } finally {
                await withTimeout(admin.disconnect(), 3000, "Kafka admin disconnect").catch(() => undefined);
            }
        },
    },

    endpoints(ctx) {
        return { bootstrapServers: bootstrap(ctx), controller: `127.0.0.1:${cfg(ctx).controllerPort}` };
    },
};

export const definitions: ServiceDefinition[] = [kafka];
