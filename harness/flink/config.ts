/**
 * Pure configuration for the harness's Flink session cluster: the settings read from
 * harness/versions.json, the Flink `config.yaml` (Flink 1.20's standard-YAML config file), the
 * log4j2 configuration, the JVM flags of each process and their environment. No I/O here, so all of
 * it is unit-testable; harness/flink/index.ts writes the files and starts the processes.
 */
import * as path from "path";

/** TaskManager memory components in MiB, all explicit (the values `BashJavaUtils GET_TM_RESOURCE_PARAMS` would derive). */
export interface TaskManagerMemoryMiB {
    frameworkHeap: number;
    taskHeap: number;
    frameworkOffHeap: number;
    taskOffHeap: number;
    network: number;
    managed: number;
    metaspace: number;
    overhead: number;
}

export interface FlinkSettings {
    version: string;
    /** Flink minor line, e.g. "1.20" (selects iceberg-flink-runtime-<minor>). */
    minor: string;
    kafkaConnectorVersion: string;
    log4jVersion: string;
    icebergVersion: string;
    hadoopVersion: string;
    restPort: number;
    rpcPort: number;
    gatewayPort: number;
    taskSlots: number;
    jobManagerHeap: string;
    gatewayHeap: string;
    taskManagerMemoryMiB: TaskManagerMemoryMiB;
    /** Checkpoint interval as Flink duration text, e.g. "10s". */
    checkpointInterval: string;
    awsRegion: string;
    /** flink-shaded-zookeeper-3 (the ZooKeeper client Flink's HA services use), e.g. "3.7.1-17.0" for Flink 1.20. */
    shadedZookeeperVersion: string;
    highAvailability: FlinkHaSettings;
}

/** JobManager high availability (ZooKeeper): leader election, job graphs and checkpoint pointers survive a JobManager loss. */
export interface FlinkHaSettings {
    /** `host:port` of the harness's ZooKeeper (harness/zookeeper). */
    zookeeperQuorum: string;
    /** Fixed per harness: the znode under /flink and the directory under the HA storage dir. */
    clusterId: string;
    /** ZooKeeper session timeout, Flink duration text: how long the old leader's latch outlives a killed JobManager. */
    sessionTimeout: string;
    connectionTimeout: string;
}

/** Where one run of the cluster keeps its files (all under the harness run dir). */
export interface FlinkPaths {
    /** Directory holding config.yaml and log4j2.properties (FLINK_CONF_DIR). */
    confDir: string;
    /** Checkpoints (file://, durable across restarts of the cluster, not across machines). */
    checkpointDir: string;
    savepointDir: string;
    /** Scratch space: io.tmp.dirs, web upload dir, blob storage. */
    tmpDir: string;
    /** An empty plugins directory (FLINK_PLUGINS_DIR), so Flink does not look for ./plugins. */
    pluginsDir: string;
    /**
     * High-availability storage (job graphs, completed-checkpoint metadata, blobs): a local directory,
     * like the checkpoints (this classpath carries no S3 filesystem plugin); ZooKeeper holds pointers into it.
     */
    haDir: string;
}

export const LOOPBACK = "127.0.0.1";

/** Stable resource id of the harness TaskManager, so its health check can find it in `/taskmanagers`. */
export const TASK_MANAGER_RESOURCE_ID = "harness-taskmanager-1";

function req<T>(value: T | undefined, what: string): T {
    if (value === undefined || value === null) throw new Error(`harness/versions.json: missing ${what}`);
    return value;
}

/**
 * The REST endpoints' TLS (Flink's `security.ssl.rest.*`, all or nothing for a cluster): the JobManager's
 * REST API and the SQL Gateway serve HTTPS with the key store's certificate, and their own REST clients
 * (the gateway submitting to the JobManager) trust the trust store. PKCS12 stores, one password.
 */
export interface FlinkRestTls {
    keyStore: string;
    trustStore: string;
    password: string;
}

/**
 * Reads the `flink`, `iceberg` and `zookeeper` sections of harness/versions.json; with `tls`, the
 * ports and HA cluster id of `flink.tls` (flink-tls, the cluster whose REST endpoints speak HTTPS).
 */
export function flinkSettings(versions: Record<string, any>, tls = false): FlinkSettings {
    const base = req(versions.flink, 'section "flink"');
    const f = tls ? { ...base, ...req(base.tls, "flink.tls"), highAvailability: { ...base.highAvailability, ...(base.tls?.highAvailability ?? {}) } } : base;
    const i = req(versions.iceberg, 'section "iceberg"');
    const z = req(versions.zookeeper, 'section "zookeeper"');
    const ha = req(f.highAvailability, "flink.highAvailability");
    return {
        version: req(f.version, "flink.version"),
        minor: req(f.minor, "flink.minor"),
        kafkaConnectorVersion: req(f.kafkaConnectorVersion, "flink.kafkaConnectorVersion"),
        log4jVersion: req(f.log4jVersion, "flink.log4jVersion"),
        icebergVersion: req(i.version, "iceberg.version"),
        hadoopVersion: req(i.hadoopVersion, "iceberg.hadoopVersion"),
        restPort: req(f.restPort, "flink.restPort"),
        rpcPort: req(f.rpcPort, "flink.rpcPort"),
        gatewayPort: req(f.gatewayPort, "flink.gatewayPort"),
        taskSlots: req(f.taskSlots, "flink.taskSlots"),
        jobManagerHeap: req(f.jobManagerHeap, "flink.jobManagerHeap"),
        gatewayHeap: req(f.gatewayHeap, "flink.gatewayHeap"),
        taskManagerMemoryMiB: req(f.taskManagerMemoryMiB, "flink.taskManagerMemoryMiB"),
        checkpointInterval: req(f.checkpointInterval, "flink.checkpointInterval"),
        awsRegion: req(f.awsRegion, "flink.awsRegion"),
        shadedZookeeperVersion: req(f.shadedZookeeperVersion, "flink.shadedZookeeperVersion"),
        highAvailability: {
            zookeeperQuorum: `${LOOPBACK}:${req(z.port, "zookeeper.port")}`,
            clusterId: req(ha.clusterId, "flink.highAvailability.clusterId"),
            sessionTimeout: req(ha.sessionTimeout, "flink.highAvailability.sessionTimeout"),
            connectionTimeout: req(ha.connectionTimeout, "flink.highAvailability.connectionTimeout"),
        },
    };
}

/** The `-D` properties the pom in harness/flink/pom.xml takes its versions from. */
export function pomProperties(s: FlinkSettings): Record<string, string> {
    return {
        "flink.version": s.version,
        "flink.minor": s.minor,
        "flink.kafka.connector.version": s.kafkaConnectorVersion,
        "iceberg.version": s.icebergVersion,
        "hadoop.version": s.hadoopVersion,
        "log4j.version": s.log4jVersion,
        "flink.shaded.zookeeper.version": s.shadedZookeeperVersion,
    };
}

export function fileUri(p: string): string {
    return "file://" + path.resolve(p);
}

/**
 * The module flags Flink's shipped config.yaml puts in `env.java.opts.all` for Java 17 (Flink's
 * scripts add them to every JVM; we start the JVMs ourselves, so we add them too).
 */
export const JAVA17_MODULE_FLAGS: readonly string[] = [
    "-XX:+IgnoreUnrecognizedVMOptions",
    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.text=ALL-UNNAMED",
    "--add-opens=java.base/java.time=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
];

/** Start-up friendly flags for 2 shared cores: serial GC, C1 only. */
export const FAST_START_FLAGS: readonly string[] = ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true"];

/**
 * The TaskManager JVM's memory flags, derived from the explicit components exactly as Flink's
 * `BashJavaUtils GET_TM_RESOURCE_PARAMS` does: heap = framework heap + task heap; direct = framework
 * off-heap + task off-heap + network; metaspace as configured.
 */
export function taskManagerJvmMemoryFlags(m: TaskManagerMemoryMiB): string[] {
    const heap = m.frameworkHeap + m.taskHeap;
    const direct = m.frameworkOffHeap + m.taskOffHeap + m.network;
    return [`-Xmx${heap}m`, `-Xms${heap}m`, `-XX:MaxDirectMemorySize=${direct}m`, `-XX:MaxMetaspaceSize=${m.metaspace}m`];
}

/** Total process size the explicit TaskManager components add up to (for the README and status). */
export function taskManagerProcessMiB(m: TaskManagerMemoryMiB): number {
    return m.frameworkHeap + m.taskHeap + m.frameworkOffHeap + m.taskOffHeap + m.network + m.managed + m.metaspace + m.overhead;
}

/**
 * The cluster's configuration (one file shared by JobManager, TaskManager and SQL Gateway).
 * Keys are Flink 1.20 option names; values are strings (Flink parses them).
 */
export function flinkConfig(s: FlinkSettings, p: FlinkPaths, tls?: FlinkRestTls): Record<string, string> {
    const m = s.taskManagerMemoryMiB;
    const mb = (n: number) => `${n}m`;
    return {
        // JobManager RPC and REST, loopback only.
        "jobmanager.rpc.address": LOOPBACK,
        "jobmanager.rpc.port": String(s.rpcPort),
        "jobmanager.bind-host": LOOPBACK,
        "rest.address": LOOPBACK,
        "rest.bind-address": LOOPBACK,
        "rest.port": String(s.restPort),
        // Jar runs through REST: the table maintenance job (components/maintenance.ts) is uploaded and run.
        "web.submit.enable": "true",
        "web.cancel.enable": "true",
        "web.tmpdir": path.join(p.tmpDir, "web"),
        "web.upload.dir": path.join(p.tmpDir, "web-upload"),
        "blob.storage.directory": path.join(p.tmpDir, "blob"),
        "io.tmp.dirs": path.join(p.tmpDir, "io"),
        // TaskManager: loopback, fixed id, slots, every memory component explicit (the entry point
        // class refuses to guess them when started without Flink's scripts).
        "taskmanager.host": LOOPBACK,
        "taskmanager.bind-host": LOOPBACK,
        "taskmanager.resource-id": TASK_MANAGER_RESOURCE_ID,
        "taskmanager.numberOfTaskSlots": String(s.taskSlots),
        // BashJavaUtils sets this to the slot count; TaskManagerRunner requires it explicitly.
        "taskmanager.cpu.cores": String(s.taskSlots),
        "taskmanager.memory.framework.heap.size": mb(m.frameworkHeap),
        "taskmanager.memory.task.heap.size": mb(m.taskHeap),
        "taskmanager.memory.framework.off-heap.size": mb(m.frameworkOffHeap),
        "taskmanager.memory.task.off-heap.size": mb(m.taskOffHeap),
        "taskmanager.memory.network.min": mb(m.network),
        "taskmanager.memory.network.max": mb(m.network),
        "taskmanager.memory.managed.size": mb(m.managed),
        "taskmanager.memory.jvm-metaspace.size": mb(m.metaspace),
        "taskmanager.memory.jvm-overhead.min": mb(m.overhead),
        "taskmanager.memory.jvm-overhead.max": mb(m.overhead),
        "parallelism.default": "1",
        // Checkpointing ON: the Iceberg sink commits only on checkpoints.
        "execution.checkpointing.interval": s.checkpointInterval,
        "execution.checkpointing.mode": "EXACTLY_ONCE",
        "execution.checkpointing.min-pause": "2s",
        "execution.checkpointing.timeout": "5min",
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
        "execution.checkpointing.dir": fileUri(p.checkpointDir),
        // 1.20.3 logs 'state.savepoints.dir' as deprecated in favour of this key.
        "execution.checkpointing.savepoint-dir": fileUri(p.savepointDir),
        "state.checkpoints.num-retained": "3",
        "state.backend.type": "hashmap",
        // JobManager high availability through ZooKeeper: a restarted JobManager wins the leader
        // election, finds the job graphs and the latest completed checkpoints (ZooKeeper points into
        // haDir) and resumes every job under its old id. The RPC port stays fixed (in ZooKeeper mode
        // Flink takes it from high-availability.jobmanager.port, random by default).
        "high-availability.type": "zookeeper",
        "high-availability.zookeeper.quorum": s.highAvailability.zookeeperQuorum,
        "high-availability.zookeeper.path.root": "/flink",
        "high-availability.cluster-id": s.highAvailability.clusterId,
        "high-availability.storageDir": fileUri(p.haDir),
        "high-availability.jobmanager.port": String(s.rpcPort),
        "high-availability.zookeeper.client.session-timeout": s.highAvailability.sessionTimeout,
        "high-availability.zookeeper.client.connection-timeout": s.highAvailability.connectionTimeout,
        // Fail visibly instead of restarting forever.
        "restart-strategy.type": "fixed-delay",
        "restart-strategy.fixed-delay.attempts": "3",
        "restart-strategy.fixed-delay.delay": "5s",
        // SQL Gateway REST endpoint (Connect owns 8083), submitting to this cluster.
        "sql-gateway.endpoint.type": "rest",
        "sql-gateway.endpoint.rest.address": LOOPBACK,
        "sql-gateway.endpoint.rest.bind-address": LOOPBACK,
        "sql-gateway.endpoint.rest.port": String(s.gatewayPort),
        "sql-gateway.session.idle-timeout": "30min",
        "execution.target": "remote",
        // For the record (Flink's scripts read it; our start commands add the same flags directly).
        "env.java.opts.all": JAVA17_MODULE_FLAGS.join(" "),
        ...(tls ? restTlsConfig(tls) : {}),
    };
}

/** Flink's options for HTTPS on the REST endpoints (no client certificates: `authentication-enabled` stays off). */
export function restTlsConfig(tls: FlinkRestTls): Record<string, string> {
    return {
        "security.ssl.rest.enabled": "true",
        "security.ssl.rest.keystore": tls.keyStore,
        "security.ssl.rest.keystore-password": tls.password,
        "security.ssl.rest.key-password": tls.password,
        "security.ssl.rest.truststore": tls.trustStore,
        "security.ssl.rest.truststore-password": tls.password,
    };
}

/** Flink 1.20 `config.yaml`: flat keys, sorted, every value a double-quoted YAML (= JSON) string. */
export function renderConfigYaml(config: Record<string, string>): string {
    const lines = Object.keys(config)
        .sort()
        .map((k) => `${k}: ${JSON.stringify(config[k])}`);
    return ["# Generated by harness/flink (cdc-lakehouse harness). Do not edit: rewritten on every start.", ...lines, ""].join("\n");
}

/** log4j2 configuration: everything to stdout (the harness redirects it to the service's log file). */
export function log4j2Properties(level = "INFO"): string {
    return [
        "monitorInterval = 0",
        `rootLogger.level = ${level}`,
        "rootLogger.appenderRef.console.ref = ConsoleAppender",
        "appender.console.name = ConsoleAppender",
        "appender.console.type = CONSOLE",
        "appender.console.layout.type = PatternLayout",
        "appender.console.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
        // Noisy at INFO and irrelevant here.
        "logger.kafka.name = org.apache.kafka",
        "logger.kafka.level = WARN",
        "logger.hadoop.name = org.apache.hadoop",
        "logger.hadoop.level = WARN",
        "logger.zookeeper.name = org.apache.zookeeper",
        "logger.zookeeper.level = WARN",
        "logger.netty.name = org.jboss.netty.channel.DefaultChannelPipeline",
        "logger.netty.level = OFF",
        "",
    ].join("\n");
}

/** Environment of every Flink JVM: the config dir, and the AWS region S3 clients insist on. */
export function flinkEnv(s: FlinkSettings, p: FlinkPaths): Record<string, string> {
    return {
        FLINK_CONF_DIR: p.confDir,
        FLINK_PLUGINS_DIR: p.pluginsDir,
        AWS_REGION: s.awsRegion,
        AWS_DEFAULT_REGION: s.awsRegion,
    };
}

export type FlinkRole = "jobmanager" | "taskmanager" | "sql-gateway";

export const MAIN_CLASS: Record<FlinkRole, string> = {
    jobmanager: "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
    taskmanager: "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
    "sql-gateway": "org.apache.flink.table.gateway.SqlGateway",
};

/** The java command line (after the java executable) for one role. */
export function javaArgs(role: FlinkRole, s: FlinkSettings, p: FlinkPaths, libDir: string, logFile: string, extraFlags: string[] = []): string[] {
    const memory =
        role === "taskmanager"
            ? taskManagerJvmMemoryFlags(s.taskManagerMemoryMiB)
            : [`-Xmx${role === "jobmanager" ? s.jobManagerHeap : s.gatewayHeap}`, "-Xms64m"];
    const common = [
        ...memory,
        ...FAST_START_FLAGS,
        ...JAVA17_MODULE_FLAGS,
        ...extraFlags,
        `-Dlog4j.configurationFile=${fileUri(path.join(p.confDir, "log4j2.properties"))}`,
        // The web UI's log viewer reads this; it is the file the harness redirects output to.
        `-Dlog.file=${logFile}`,
        "-classpath",
        `${libDir}/*`,
        MAIN_CLASS[role],
    ];
    // JobManager and TaskManager take --configDir; the SQL Gateway reads FLINK_CONF_DIR.
    return role === "sql-gateway" ? common : [...common, "--configDir", p.confDir];
}
