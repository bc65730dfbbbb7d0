/** Pure configuration of the harness's ZooKeeper (harness/zookeeper/config.ts) and its place in the start order. */
import { loadVersions } from "../../../harness/lib/context";
import { zooCfg, zookeeperSettings } from "../../../harness/zookeeper/config";
import { withDependencies, withDependents } from "../../../harness/cli";

const settings = zookeeperSettings(loadVersions());

test("harness/versions.json pins ZooKeeper with its logback binding left off the reload4j classpath", () => {
    expect(settings.artifacts).toContain(`org.apache.zookeeper:zookeeper:${settings.version}`);
    expect(settings.artifacts.some((a) => a.startsWith("org.slf4j:slf4j-reload4j:"))).toBe(true);
    expect(settings.excludeArtifactIds).toEqual(["logback-classic", "logback-core"]);
    expect(settings.port).toBe(2181);
});

test("zoo.cfg: one standalone server on loopback, no admin server, the health check words allowed, sessions of 2..20 ticks", () => {
    const cfg = zooCfg(settings, "/run/zookeeper/data");
    expect(cfg).toMatchObject({
        clientPort: 2181,
        clientPortAddress: "127.0.0.1",
        dataDir: "/run/zookeeper/data",
        "admin.enableServer": "false",
        standaloneEnabled: "true",
    });
    expect(String(cfg["4lw.commands.whitelist"]).split(",")).toEqual(expect.arrayContaining(["ruok", "srvr"]));
    expect(cfg.minSessionTimeout).toBe(2 * settings.tickTimeMs);
    expect(cfg.maxSessionTimeout).toBe(20 * settings.tickTimeMs);
});

test("a missing section names the key to add", () => {
    expect(() => zookeeperSettings({})).toThrow(/harness\/versions.json: missing section "zookeeper"/);
    expect(() => zookeeperSettings({ zookeeper: { version: "3.8.4" } })).toThrow(/missing zookeeper.artifacts/);
});

test("the harness starts ZooKeeper before the JobManager, and stopping ZooKeeper stops the Flink cluster", () => {
    const up = withDependencies(["flink-jobmanager"]).map((d) => d.name);
    expect(up).toEqual(["zookeeper", "flink-jobmanager"]);
    expect(withDependencies(["flink-sql-gateway"]).map((d) => d.name)).toEqual(["zookeeper", "flink-jobmanager", "flink-sql-gateway"]);
    // Both clusters: the plain one and flink-tls (on demand, its REST endpoints over HTTPS).
    expect(withDependents(["zookeeper"]).map((d) => d.name)).toEqual([
        "zookeeper",
        "flink-jobmanager",
        "flink-taskmanager",
        "flink-sql-gateway",
        "flink-tls-jobmanager",
        "flink-tls-taskmanager",
        "flink-tls-sql-gateway",
    ]);
});
