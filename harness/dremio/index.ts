/**
 * "dremio" in the harness is NOT Dremio: Dremio cannot be obtained on this machine (no container
 * engine, not published on any reachable registry). This runs harness/dremio/standin/cli.ts, a local
 * stand-in of the slice of Dremio's REST API the project's client uses (first-admin bootstrap, login,
 * NESSIE sources in the catalog), on 127.0.0.1:9047 like Dremio's web port. See harness/dremio/README.md.
 *
 * It is a plain Node process (the stand-in is TypeScript run through ts-node's transpile-only
 * register hook, like the harness itself); install() has nothing to fetch. Users, tokens and the
 * catalog persist in runDir/dremio/standin.json across restarts, as they would in Dremio's KV store.
 * The first admin is NOT created by the harness: the client's bootstrap is what creates it, with the
 * credentials endpoints() gives.
 */
import * as fs from "fs";
import * as path from "path";
import { ensureCertificates } from "../lib/tls";
import { HarnessContext, ServiceDefinition } from "../lib/types";
import { loadVersions } from "../lib/context";
import { httpGet } from "../lib/http";

function cfg(ctx: HarnessContext) {
    const d = ctx.versions.dremio;
    return {
        port: d.port as number,
        httpsPort: d.httpsPort as number,
        adminUser: d.adminUser as string,
        adminPassword: d.adminPassword as string,
        adminFirstName: d.adminFirstName as string,
        adminLastName: d.adminLastName as string,
        adminEmail: d.adminEmail as string,
        follows: d.follows as string,
    };
}

export function dremioUrl(ctx: HarnessContext): string {
    return `http://127.0.0.1:${cfg(ctx).port}`;
}

function dataDir(ctx: HarnessContext): string {
    return path.join(ctx.runDir, "dremio");
}

export function standinDataFile(ctx: HarnessContext): string {
    return path.join(dataDir(ctx), "standin.json");
}

const dremio: ServiceDefinition = {
    name: "dremio",
    ports: { http: loadVersions().dremio.port, https: loadVersions().dremio.httpsPort },
    dependsOn: ["nessie"],
    startTimeoutMs: 60000,

    async install() {
        // Nothing to download: the stand-in is part of this repository and uses Node built-ins only.
    },

    async prepare(ctx) {
        fs.mkdirSync(dataDir(ctx), { recursive: true });
    },

    start(ctx) {
        return {
            command: process.execPath,
            args: [
                "-r",
                require.resolve("ts-node/register/transpile-only", { paths: [ctx.repoDir] }),
                path.join(ctx.repoDir, "harness", "dremio", "standin", "cli.ts"),
                "--host",
                "127.0.0.1",
                "--port",
                String(cfg(ctx).port),
                "--data-file",
                standinDataFile(ctx),
                // The same API over HTTPS with the harness's certificate, for the stacks that reach Dremio with a CA.
                "--https-port",
                String(cfg(ctx).httpsPort),
                "--tls-cert",
                ensureCertificates(ctx).serverCert,
                "--tls-key",
                ensureCertificates(ctx).serverKey,
            ],
            // It trusts the harness's CA, as an operator's Dremio trusts the company CA of the services its
            // sources reach over TLS (the TLS Nessie, nessie-tls).
            env: { TS_NODE_PROJECT: path.join(ctx.repoDir, "tsconfig.json"), NODE_EXTRA_CA_CERTS: ensureCertificates(ctx).caCert },
            cwd: ctx.repoDir,
        };
    },

    health: {
        describe: 'Dremio REST stand-in on 127.0.0.1:9047 answers GET /apiv2/server_status with "OK"',
        async check(ctx) {
            const { status, body } = await httpGet(`${dremioUrl(ctx)}/apiv2/server_status`, 5000);
            return status === 200 && JSON.parse(body) === "OK";
        },
    },

    endpoints(ctx) {
        const c = cfg(ctx);
        return {
            url: dremioUrl(ctx),
            apiV2: `${dremioUrl(ctx)}/apiv2`,
            apiV3: `${dremioUrl(ctx)}/api/v3`,
            userName: c.adminUser,
            password: c.adminPassword,
            firstName: c.adminFirstName,
            lastName: c.adminLastName,
            email: c.adminEmail,
            standIn: "true",
            standInOf: c.follows,
            dataFile: standinDataFile(ctx),
            httpsUrl: `https://127.0.0.1:${c.httpsPort}`,
            caFile: ensureCertificates(ctx).caCert,
        };
    },
};

export const definitions: ServiceDefinition[] = [dremio];
