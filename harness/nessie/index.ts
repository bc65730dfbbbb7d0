/**
 * Nessie (Quarkus runner jar from Maven) on 127.0.0.1:19120, management port 19121 (the default
 * 9000 is MinIO's). Version store: RocksDB under the run dir, so the catalog survives restarts
 * and Nessie needs no other service.
 */
import * as fs from "fs";
import * as path from "path";
import { HarnessContext, ServiceDefinition } from "../lib/types";
import { ensureInstalled } from "../lib/install";
import { artifactFileName, mavenCopy, parseCoordinate } from "../lib/maven";
import { ensureJava21, java21Bin, jvmFlags } from "../lib/java";
import { loadVersions } from "../lib/context";
import { httpGetJson } from "../lib/http";

function cfg(ctx: HarnessContext) {
    const n = ctx.versions.nessie;
    return {
        version: n.version as string,
        runner: n.runner as string,
        port: n.port as number,
        managementPort: n.managementPort as number,
        versionStore: n.versionStore as string,
        heap: n.heap as string,
    };
}

function installDir(ctx: HarnessContext): string {
    return path.join(ctx.cacheDir, "nessie", cfg(ctx).version);
}

export function runnerJar(ctx: HarnessContext): string {
    return path.join(installDir(ctx), artifactFileName(parseCoordinate(cfg(ctx).runner)));
}

function dirs(ctx: HarnessContext) {
    const base = path.join(ctx.runDir, "nessie");
    return { base, rocks: path.join(base, "rocksdb"), tmp: path.join(base, "tmp") };
}

export function nessieUrl(ctx: HarnessContext): string {
    return `http://127.0.0.1:${cfg(ctx).port}`;
}

const nessie: ServiceDefinition = {
    name: "nessie",
    ports: { http: loadVersions().nessie.port, management: loadVersions().nessie.managementPort },
    dependsOn: [],
    startTimeoutMs: 240000,

    async install(ctx) {
        const c = cfg(ctx);
        await ensureInstalled(ctx, `Nessie ${c.version}`, installDir(ctx), { runner: c.runner, layout: 1 }, async (scratch) => {
            await mavenCopy(ctx, [c.runner], scratch);
        });
        await ensureJava21(ctx);
    },

    async prepare(ctx) {
        const d = dirs(ctx);
        fs.mkdirSync(d.rocks, { recursive: true });
        fs.mkdirSync(d.tmp, { recursive: true });
    },

    start(ctx) {
        const c = cfg(ctx);
        const d = dirs(ctx);
        return {
            command: java21Bin(ctx),
            args: [
                ...jvmFlags(c.heap),
                `-Djava.io.tmpdir=${d.tmp}`,
                "-Dquarkus.http.host=127.0.0.1",
                `-Dquarkus.http.port=${c.port}`,
                "-Dquarkus.management.host=127.0.0.1",
                `-Dquarkus.management.port=${c.managementPort}`,
                `-Dnessie.version.store.type=${c.versionStore}`,
                `-Dnessie.version.store.persist.rocks.database-path=${d.rocks}`,
                "-Dquarkus.otel.sdk.disabled=true",
                "-jar",
                runnerJar(ctx),
            ],
            cwd: d.base,
        };
    },

    health: {
        describe: "Nessie REST on 127.0.0.1:19120 answers GET /api/v2/config",
        async check(ctx) {
            const config = (await httpGetJson(`${nessieUrl(ctx)}/api/v2/config`, 5000)) as { defaultBranch?: string };
            return typeof config.defaultBranch === "string";
        },
    },

    endpoints(ctx) {
        return {
            url: nessieUrl(ctx),
            apiV2: `${nessieUrl(ctx)}/api/v2`,
            icebergRest: `${nessieUrl(ctx)}/iceberg`,
            management: `http://127.0.0.1:${cfg(ctx).managementPort}`,
            defaultBranch: "main",
        };
    },
};

export const definitions: ServiceDefinition[] = [nessie];
