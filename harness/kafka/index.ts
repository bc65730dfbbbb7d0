/**
 * Apache Kafka, one KRaft node (broker + controller) from the Maven artifacts, on 127.0.0.1:9092
 * (controller 9093). The log dir is formatted with a fresh cluster id the first time, and kept on restarts.
 *
 * `kafka-tls` (on demand, issue 19): a second node from the same artifacts whose only client listener is
 * SASL_SSL on 127.0.0.1:19092 (SCRAM-SHA-512 users made at format time, the harness's CA of
 * ../lib/tls.ts, client certificates accepted when given), controller on 19093: what a managed Kafka
 * looks like to its clients. Started by the tests that need it (`npm run harness -- up kafka-tls`).
 * When this host runs a Docker engine, a second SASL_SSL listener (`CONTAINERS`, on 19094) is
 * advertised at the engine's bridge address, so a Docker stack's containers (Connect, Flink) can use
 * kafka-tls as their external Kafka (tests/integration/docker/secured-services-stack.test.ts).
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
import { certificateFiles, containerHostAddress, ensureCertificates } from "../lib/tls";

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

function dirs(ctx: HarnessContext, service = "kafka") {
    const base = path.join(ctx.runDir, service);
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

/** Writes a node's config and log config, and formats its KRaft storage the first time (with `scram` users, `--add-scram` values). */
async function prepareNode(ctx: HarnessContext, service: string, props: Record<string, string | number>, scram: string[]): Promise<void> {
    const d = dirs(ctx, service);
    fs.mkdirSync(d.data, { recursive: true });
    fs.writeFileSync(d.config, propertiesText(props), { mode: 0o600 });
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
            ...scram.flatMap((user) => ["--add-scram", user]),
        ],
        { timeoutMs: 120000 },
    );
}

/** The command that runs a node of `service` from its config. */
function nodeCommand(ctx: HarnessContext, service: string) {
    const d = dirs(ctx, service);
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
}

/** What `kafka-tls` is run with: its ports and its SCRAM users (test passwords, as every harness password). */
function tlsCfg(ctx: HarnessContext) {
    const t = ctx.versions.kafka.tls;
    return {
        brokerPort: t.brokerPort as number,
        controllerPort: t.controllerPort as number,
        /** The port of the listener for containers, advertised at the Docker bridge's address. */
        containerPort: t.containerPort as number,
        mechanism: t.mechanism as string,
        /** The user the broker itself logs in as on its own listener (inter-broker traffic). */
        broker: t.broker as { username: string; password: string },
        /** The user the tests' clients log in as. */
        client: t.client as { username: string; password: string },
    };
}

/** A JAAS line of the SCRAM login module; the password quoted as JAAS reads it. */
export function scramJaas(username: string, password: string): string {
    const q = (v: string) => `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
    return `org.apache.kafka.common.security.scram.ScramLoginModule required username=${q(username)} password=${q(password)};`;
}

/**
 * The SASL_SSL node's config: one client listener, SASL_SSL with SCRAM over TLS (the harness's server
 * certificate, PEM key store), also the inter-broker listener; the controller listener stays
 * PLAINTEXT on loopback (a KRaft controller's own traffic, KAFKA-15513). Client certificates are
 * accepted when given (`ssl.client.auth=requested`), so mutual TLS can be tested on the same listener.
 */
export function tlsServerProperties(ctx: HarnessContext, bridgeAddress: string | undefined): Record<string, string | number> {
    const t = tlsCfg(ctx);
    const certs = certificateFiles(ctx.runDir);
    const plain = serverProperties(ctx);
    const jaas = scramJaas(t.broker.username, t.broker.password);
    // The listener for containers: bound on every address (the bridge's may come and go with the engine), advertised at the bridge's.
    const forContainers = bridgeAddress
        ? {
              listener: `,CONTAINERS://0.0.0.0:${t.containerPort}`,
              advertised: `,CONTAINERS://${bridgeAddress}:${t.containerPort}`,
              map: ",CONTAINERS:SASL_SSL",
              props: { [`listener.name.containers.${t.mechanism.toLowerCase()}.sasl.jaas.config`]: jaas },
          }
        : { listener: "", advertised: "", map: "", props: {} };
    return {
        ...plain,
        "controller.quorum.voters": `1@127.0.0.1:${t.controllerPort}`,
        listeners: `SASL_SSL://127.0.0.1:${t.brokerPort}${forContainers.listener},CONTROLLER://127.0.0.1:${t.controllerPort}`,
        "advertised.listeners": `SASL_SSL://127.0.0.1:${t.brokerPort}${forContainers.advertised}`,
        "inter.broker.listener.name": "SASL_SSL",
        "listener.security.protocol.map": `CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL${forContainers.map}`,
        "sasl.enabled.mechanisms": t.mechanism,
        "sasl.mechanism.inter.broker.protocol": t.mechanism,
        [`listener.name.sasl_ssl.${t.mechanism.toLowerCase()}.sasl.jaas.config`]: jaas,
        ...forContainers.props,
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": certs.serverKeyAndCert,
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": certs.caCert,
        "ssl.client.auth": "requested",
        "log.dirs": dirs(ctx, "kafka-tls").data,
    };
}

/** kafkajs's options for the SASL_SSL node, as the tests' clients connect: the CA trusted, the client user. */
export function tlsClientOptions(ctx: HarnessContext) {
    const t = tlsCfg(ctx);
    return {
        brokers: [`127.0.0.1:${t.brokerPort}`],
        ssl: { ca: [fs.readFileSync(certificateFiles(ctx.runDir).caCert, "utf8")] },
        sasl: { mechanism: "scram-sha-512" as const, username: t.client.username, password: t.client.password },
    };
}

/** True when a kafkajs admin of these options connects and lists topics within a few seconds. */
async function answersMetadata(options: { brokers: string[] } & Record<string, unknown>): Promise<boolean> {
    const client = new Kafka({
        clientId: "harness-health",
        connectionTimeout: 2000,
        requestTimeout: 4000,
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
        ...options,
    });
    const admin = client.admin();
    try {
        await withTimeout(admin.connect(), 5000, "Kafka admin connect");
        await withTimeout(admin.listTopics(), 5000, "Kafka listTopics");
        return true;
    } finally {
        await withTimeout(admin.disconnect(), 3000, "Kafka admin disconnect").catch(() => undefined);
    }
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
        await prepareNode(ctx, "kafka", serverProperties(ctx), []);
    },

    start(ctx) {
        return nodeCommand(ctx, "kafka");
    },

    health: {
        describe: "Kafka broker on 127.0.0.1:9092 answers a metadata request (kafkajs admin lists topics)",
        check: (ctx) => answersMetadata({ brokers: [bootstrap(ctx)] }),
    },

    endpoints(ctx) {
        return { bootstrapServers: bootstrap(ctx), controller: `127.0.0.1:${cfg(ctx).controllerPort}` };
    },
};

const kafkaTls: ServiceDefinition = {
    name: "kafka-tls",
    ports: {
        broker: loadVersions().kafka.tls.brokerPort,
        controller: loadVersions().kafka.tls.controllerPort,
        containers: loadVersions().kafka.tls.containerPort,
    },
    dependsOn: [],
    onDemand: true,
    startTimeoutMs: 180000,

    install: (ctx) => kafka.install(ctx),

    async prepare(ctx) {
        ensureCertificates(ctx);
        const t = tlsCfg(ctx);
        const users = [t.broker, t.client].map((u) => `${t.mechanism}=[name=${u.username},password=${u.password}]`);
        await prepareNode(ctx, "kafka-tls", tlsServerProperties(ctx, containerHostAddress()), users);
    },

    start: (ctx) => nodeCommand(ctx, "kafka-tls"),

    health: {
        describe: "Kafka's SASL_SSL listener on 127.0.0.1:19092 answers a metadata request of a SCRAM user over TLS (kafkajs, the harness's CA)",
        check: (ctx) => answersMetadata(tlsClientOptions(ctx)),
    },

    endpoints(ctx) {
        const t = tlsCfg(ctx);
        const certs = certificateFiles(ctx.runDir);
        const bridge = containerHostAddress();
        return {
            bootstrapServers: `127.0.0.1:${t.brokerPort}`,
            ...(bridge ? { containerBootstrapServers: `${bridge}:${t.containerPort}` } : {}),
            securityProtocol: "SASL_SSL",
            saslMechanism: t.mechanism,
            username: t.client.username,
            password: t.client.password,
            caFile: certs.caCert,
            clientCertFile: certs.clientCert,
            clientKeyFile: certs.clientKey,
        };
    },
};

export const definitions: ServiceDefinition[] = [kafka, kafkaTls];
