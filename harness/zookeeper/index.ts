/**
 * Apache ZooKeeper, one standalone server from the Maven artifacts, on 127.0.0.1:2181: the
 * coordination service of the Flink cluster's high availability (leader election of the JobManager,
 * and the pointers to the job graphs and completed checkpoints in Flink's HA storage directory).
 * Data under the run dir (kept across restarts: a restarted ZooKeeper must still know the jobs).
 * Configuration is built by the pure functions in ./config.ts.
 */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { HarnessContext, ServiceDefinition } from "../lib/types";
import { ensureInstalled } from "../lib/install";
import { mavenCopyDependencies } from "../lib/maven";
import { javaBin, jvmFlags, log4jConsoleProperties, propertiesText } from "../lib/java";
import { loadVersions } from "../lib/context";
import { ZooKeeperSettings, zooCfg, zookeeperSettings } from "./config";

function settings(ctx: HarnessContext): ZooKeeperSettings {
    return zookeeperSettings(ctx.versions);
}

export function zookeeperLibDir(ctx: HarnessContext): string {
    return path.join(ctx.cacheDir, "zookeeper", settings(ctx).version, "lib");
}

function dirs(ctx: HarnessContext) {
    const base = path.join(ctx.runDir, "zookeeper");
    return { base, data: path.join(base, "data"), config: path.join(base, "zoo.cfg"), log4j: path.join(base, "log4j.properties") };
}

/** `host:port` of the server (Flink's `high-availability.zookeeper.quorum`). */
export function quorum(ctx: HarnessContext): string {
    return `127.0.0.1:${settings(ctx).port}`;
}

/**
 * Sends a four-letter word and returns the answer (bounded: the socket times out, the answer is
 * capped). ZooKeeper closes the connection after answering.
 */
export function fourLetterWord(port: number, word: string, timeoutMs = 3000): Promise<string> {
    return new Promise((resolve, reject) => {
        const socket = net.connect({ host: "127.0.0.1", port });
        let answer = "";
        const done = (err?: Error) => {
            socket.destroy();
            if (err) reject(err);
            else resolve(answer);
        };
        socket.setTimeout(timeoutMs, () => done(new Error(`ZooKeeper on 127.0.0.1:${port} did not answer '${word}' within ${timeoutMs} ms`)));
        socket.once("connect", () => socket.write(word));
        socket.on("data", (chunk) => {
            answer += chunk.toString("utf8");
            if (answer.length > 65536) done();
        });
        socket.once("end", () => done());
        socket.once("error", (err) => done(err));
    });
}

const v = loadVersions().zookeeper;

const zookeeper: ServiceDefinition = {
    name: "zookeeper",
    ports: { client: v.port },
    dependsOn: [],
    startTimeoutMs: 120000,

    async install(ctx) {
        const s = settings(ctx);
        const dir = path.dirname(zookeeperLibDir(ctx));
        await ensureInstalled(ctx, `ZooKeeper ${s.version}`, dir, { artifacts: s.artifacts, exclude: s.excludeArtifactIds, layout: 1 }, async (scratch) => {
            await mavenCopyDependencies(ctx, `zookeeper-${s.version}`, s.artifacts, path.join(scratch, "lib"), { excludeArtifactIds: s.excludeArtifactIds });
            const jars = fs.readdirSync(path.join(scratch, "lib"));
            if (!jars.includes(`zookeeper-${s.version}.jar`))
                throw new Error(`ZooKeeper classpath lacks zookeeper-${s.version}.jar (found: ${jars.join(", ")})`);
        });
    },

    async prepare(ctx) {
        const d = dirs(ctx);
        fs.mkdirSync(d.data, { recursive: true });
        fs.writeFileSync(d.config, propertiesText(zooCfg(settings(ctx), d.data)));
        fs.writeFileSync(d.log4j, log4jConsoleProperties("INFO", ["org.apache.zookeeper.server.PrepRequestProcessor", "org.apache.zookeeper.audit"]));
    },

    start(ctx) {
        const d = dirs(ctx);
        return {
            command: javaBin(),
            args: [
                ...jvmFlags(settings(ctx).heap),
                "-Xms32m",
                `-Dlog4j.configuration=file:${d.log4j}`,
                // No JMX agent, no admin server (its default port 8080 clashes too easily).
                "-Dzookeeper.jmx.log4j.disable=true",
                "-cp",
                `${zookeeperLibDir(ctx)}/*`,
                "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                d.config,
            ],
            cwd: d.base,
        };
    },

    health: {
        describe: `ZooKeeper on 127.0.0.1:${v.port} answers 'ruok' with 'imok' and 'srvr' with Mode: standalone`,
        async check(ctx) {
            const port = settings(ctx).port;
            if ((await fourLetterWord(port, "ruok")) !== "imok") return false;
            return /Mode: standalone/.test(await fourLetterWord(port, "srvr"));
        },
    },

    endpoints(ctx) {
        return { quorum: quorum(ctx), dataDir: dirs(ctx).data, version: settings(ctx).version };
    },
};

export const definitions: ServiceDefinition[] = [zookeeper];
