/**
 * Pure configuration of the harness's ZooKeeper: the settings read from harness/versions.json and
 * the server's `zoo.cfg`. No I/O here (unit-tested in tests/unit/harness/zookeeper-config.test.ts).
 */

export interface ZooKeeperSettings {
    version: string;
    /** Maven coordinates of the server and its logging binding. */
    artifacts: string[];
    /** Transitive artifacts left off the classpath (ZooKeeper's logback: the harness logs through reload4j). */
    excludeArtifactIds: string[];
    port: number;
    heap: string;
    /** ZooKeeper's time unit in ms: sessions may last 2 to 20 ticks. */
    tickTimeMs: number;
}

function req<T>(value: T | undefined, what: string): T {
    if (value === undefined || value === null) throw new Error(`harness/versions.json: missing ${what}`);
    return value;
}

/** Reads the `zookeeper` section of harness/versions.json. */
export function zookeeperSettings(versions: Record<string, any>): ZooKeeperSettings {
    const z = req(versions.zookeeper, 'section "zookeeper"');
    return {
        version: req(z.version, "zookeeper.version"),
        artifacts: req(z.artifacts, "zookeeper.artifacts"),
        excludeArtifactIds: z.excludeArtifactIds ?? [],
        port: req(z.port, "zookeeper.port"),
        heap: req(z.heap, "zookeeper.heap"),
        tickTimeMs: req(z.tickTimeMs, "zookeeper.tickTimeMs"),
    };
}

/**
 * `zoo.cfg` of one standalone server on loopback. The four-letter words the health check uses are
 * allowed; the admin server (an HTTP server on 8080 by default) is off; old snapshots are purged.
 */
export function zooCfg(s: ZooKeeperSettings, dataDir: string): Record<string, string | number> {
    return {
        tickTime: s.tickTimeMs,
        initLimit: 10,
        syncLimit: 5,
        dataDir,
        clientPort: s.port,
        clientPortAddress: "127.0.0.1",
        maxClientCnxns: 60,
        // Sessions between 2 and 20 ticks: Flink asks for its session timeout within these bounds.
        minSessionTimeout: 2 * s.tickTimeMs,
        maxSessionTimeout: 20 * s.tickTimeMs,
        "admin.enableServer": "false",
        "4lw.commands.whitelist": "ruok,srvr,stat",
        "autopurge.snapRetainCount": 3,
        "autopurge.purgeInterval": 1,
        standaloneEnabled: "true",
    };
}
