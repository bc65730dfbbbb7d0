/** Pure configuration of the harness's Flink session cluster (harness/flink/config.ts). */
import { loadVersions } from "../../../harness/lib/context";
import {
    FlinkPaths,
    JAVA17_MODULE_FLAGS,
    MAIN_CLASS,
    flinkConfig,
    flinkEnv,
    flinkSettings,
    javaArgs,
    pomProperties,
    renderConfigYaml,
    taskManagerJvmMemoryFlags,
    taskManagerProcessMiB,
} from "../../../harness/flink/config";

const settings = flinkSettings(loadVersions());
const paths: FlinkPaths = {
    confDir: "/run/flink/conf",
    checkpointDir: "/run/flink/checkpoints",
    savepointDir: "/run/flink/savepoints",
    tmpDir: "/run/flink/tmp",
    pluginsDir: "/run/flink/plugins",
    haDir: "/run/flink/ha",
};

test("harness/versions.json pins Flink 1.20 with the SQL Gateway off the Connect port", () => {
    expect(settings.version).toMatch(/^1\.20\.\d+$/);
    expect(settings.kafkaConnectorVersion).toMatch(/-1\.20$/);
    expect(settings.restPort).toBe(8081);
    expect(settings.gatewayPort).toBe(8084);
    expect(settings.taskSlots).toBeGreaterThanOrEqual(4);
    expect(settings.awsRegion).toBe("us-east-1");
});

test("flink-tls: its own ports and HA cluster id, and HTTPS on both REST endpoints with the harness's stores", () => {
    const tls = flinkSettings(loadVersions(), true);
    expect([tls.restPort, tls.rpcPort, tls.gatewayPort]).toEqual([18081, 16123, 18084]);
    expect(tls.highAvailability.clusterId).toBe("lakehouse-harness-tls");
    expect(tls.highAvailability.zookeeperQuorum).toBe(settings.highAvailability.zookeeperQuorum);
    expect(tls.taskManagerMemoryMiB).toEqual(settings.taskManagerMemoryMiB);
    const c = flinkConfig(tls, paths, { keyStore: "/tls/server.p12", trustStore: "/tls/trust.p12", password: "changeit" });
    expect(c["rest.port"]).toBe("18081");
    expect(c["sql-gateway.endpoint.rest.port"]).toBe("18084");
    expect(Object.fromEntries(Object.entries(c).filter(([k]) => k.startsWith("security.ssl")))).toEqual({
        "security.ssl.rest.enabled": "true",
        "security.ssl.rest.keystore": "/tls/server.p12",
        "security.ssl.rest.keystore-password": "changeit",
        "security.ssl.rest.key-password": "changeit",
        "security.ssl.rest.truststore": "/tls/trust.p12",
        "security.ssl.rest.truststore-password": "changeit",
    });
    expect(Object.keys(flinkConfig(settings, paths)).filter((k) => k.startsWith("security."))).toEqual([]);
});

test("the cluster listens on loopback, checkpoints, and keeps durable checkpoint/savepoint dirs", () => {
    const c = flinkConfig(settings, paths);
    expect(c["jobmanager.rpc.address"]).toBe("127.0.0.1");
    expect(c["rest.bind-address"]).toBe("127.0.0.1");
    expect(c["rest.port"]).toBe("8081");
    expect(c["sql-gateway.endpoint.rest.port"]).toBe("8084");
    expect(c["sql-gateway.endpoint.rest.address"]).toBe("127.0.0.1");
    expect(c["taskmanager.numberOfTaskSlots"]).toBe(String(settings.taskSlots));
    expect(c["execution.checkpointing.interval"]).toBe(settings.checkpointInterval);
    expect(c["execution.checkpointing.dir"]).toBe("file:///run/flink/checkpoints");
    expect(c["execution.checkpointing.savepoint-dir"]).toBe("file:///run/flink/savepoints");
    expect(c["state.backend.type"]).toBe("hashmap");
    expect(c["restart-strategy.type"]).toBe("fixed-delay");
    expect(c["env.java.opts.all"]).toContain("--add-opens=java.base/java.util=ALL-UNNAMED");
});

test("JobManager high availability: ZooKeeper from harness/zookeeper, a fixed cluster id, HA storage under the run dir, a fixed RPC port", () => {
    const c = flinkConfig(settings, paths);
    const zk = loadVersions().zookeeper;
    expect(c["high-availability.type"]).toBe("zookeeper");
    expect(c["high-availability.zookeeper.quorum"]).toBe(`127.0.0.1:${zk.port}`);
    expect(c["high-availability.cluster-id"]).toBe("lakehouse-harness");
    expect(c["high-availability.storageDir"]).toBe("file:///run/flink/ha");
    // In ZooKeeper mode the JobManager takes its RPC port from here (random by default): keep the harness's fixed port.
    expect(c["high-availability.jobmanager.port"]).toBe(c["jobmanager.rpc.port"]);
    // The session timeout bounds how long a killed JobManager's leader latch blocks its successor;
    // ZooKeeper only grants sessions of 2..20 ticks.
    const sessionMs = Number(/^(\d+) s$/.exec(c["high-availability.zookeeper.client.session-timeout"])![1]) * 1000;
    expect(sessionMs).toBeGreaterThanOrEqual(2 * zk.tickTimeMs);
    expect(sessionMs).toBeLessThanOrEqual(20 * zk.tickTimeMs);
    // Curator warns when the connection timeout exceeds the session timeout.
    const connectionMs = Number(/^(\d+) s$/.exec(c["high-availability.zookeeper.client.connection-timeout"])![1]) * 1000;
    expect(connectionMs).toBeLessThan(sessionMs);
    expect(settings.shadedZookeeperVersion).toMatch(/^3\.\d+\.\d+-\d+\.0$/);
    expect(pomProperties(settings)["flink.shaded.zookeeper.version"]).toBe(settings.shadedZookeeperVersion);
});

test("every TaskManager memory component is explicit and the JVM flags add up like BashJavaUtils", () => {
    const c = flinkConfig(settings, paths);
    for (const key of [
        "taskmanager.cpu.cores",
        "taskmanager.memory.task.heap.size",
        "taskmanager.memory.task.off-heap.size",
        "taskmanager.memory.network.min",
        "taskmanager.memory.network.max",
        "taskmanager.memory.managed.size",
    ]) {
        expect(c[key]).toBeDefined();
    }
    const m = { frameworkHeap: 128, taskHeap: 512, frameworkOffHeap: 128, taskOffHeap: 0, network: 64, managed: 256, metaspace: 256, overhead: 192 };
    expect(taskManagerJvmMemoryFlags(m)).toEqual(["-Xmx640m", "-Xms640m", "-XX:MaxDirectMemorySize=192m", "-XX:MaxMetaspaceSize=256m"]);
    expect(taskManagerProcessMiB(m)).toBe(1536);
});

test("config.yaml is sorted, one quoted value per key", () => {
    const yaml = renderConfigYaml({ "b.key": 'x "y"', "a.key": "10s" });
    expect(yaml.split("\n").slice(1, 3)).toEqual(['a.key: "10s"', 'b.key: "x \\"y\\""']);
});

test("each role gets the module flags, fast-start flags, AWS region and its entry point", () => {
    for (const role of ["jobmanager", "taskmanager", "sql-gateway"] as const) {
        const args = javaArgs(role, settings, paths, "/cache/flink/lib", "/run/logs/x.log");
        expect(args).toEqual(expect.arrayContaining([...JAVA17_MODULE_FLAGS, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "/cache/flink/lib/*"]));
        expect(args).toContain(MAIN_CLASS[role]);
        if (role === "sql-gateway") expect(args).not.toContain("--configDir");
        else expect(args.slice(-2)).toEqual(["--configDir", "/run/flink/conf"]);
    }
    expect(flinkEnv(settings, paths)).toEqual({
        FLINK_CONF_DIR: "/run/flink/conf",
        FLINK_PLUGINS_DIR: "/run/flink/plugins",
        AWS_REGION: "us-east-1",
        AWS_DEFAULT_REGION: "us-east-1",
    });
    expect(pomProperties(settings)["flink.version"]).toBe(settings.version);
});
