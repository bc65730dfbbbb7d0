/**
 * Nessie (Quarkus runner jar from Maven) on 127.0.0.1:19120, management port 19121 (the default
 * 9000 is MinIO's). Version store: RocksDB under the run dir, so the catalog survives restarts
 * and Nessie needs no other service.
 *
 * `nessie-tls` (on demand, issue 19): the same server on 127.0.0.1:19443 serving HTTPS only (Quarkus
 * TLS with the harness's CA and server certificate; no plaintext port) and requiring a bearer token,
 * a JWT it verifies locally with the harness's public key (Nessie's authentication with Quarkus OIDC's
 * `public-key`: no OIDC server). Its RocksDB store is its own. When this host runs a Docker engine it
 * listens on every address, so a Docker stack's containers reach it at the Docker bridge's address
 * (`containerUrl`; the server certificate names that address, ../lib/tls.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { HarnessContext, ServiceDefinition } from "../lib/types";
import { ensureInstalled } from "../lib/install";
import { artifactFileName, mavenCopy, parseCoordinate } from "../lib/maven";
import { ensureJava21, java21Bin, jvmFlags } from "../lib/java";
import { loadVersions } from "../lib/context";
import { httpGetJson } from "../lib/http";
import { sendRequest } from "../../components/dynamic/toolkit/http";
import { bearerToken, containerHostAddress, ensureCertificates, tokenPublicKeyBase64 } from "../lib/tls";

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

/** The plain Nessie, or the TLS one. */
interface Flavour {
    name: "nessie" | "nessie-tls";
    tls: boolean;
}

const PLAIN: Flavour = { name: "nessie", tls: false };
const TLS: Flavour = { name: "nessie-tls", tls: true };

function ports(ctx: HarnessContext, flavour: Flavour): { port: number; managementPort: number } {
    const c = cfg(ctx);
    const t = ctx.versions.nessie.tls as { port: number; managementPort: number };
    return flavour.tls ? t : { port: c.port, managementPort: c.managementPort };
}

function dirs(ctx: HarnessContext, flavour: Flavour = PLAIN) {
    const base = path.join(ctx.runDir, flavour.name);
    return { base, rocks: path.join(base, "rocksdb"), tmp: path.join(base, "tmp") };
}

export function nessieUrl(ctx: HarnessContext, flavour: Flavour = PLAIN): string {
    return `${flavour.tls ? "https" : "http"}://127.0.0.1:${ports(ctx, flavour).port}`;
}

/** What nessie-tls's clients need: its CA (PEM text) and a valid bearer token. */
export function nessieTlsAccess(ctx: HarnessContext): { caCert: string; token: string } {
    return { caCert: fs.readFileSync(ensureCertificates(ctx).caCert, "utf8"), token: bearerToken(ctx) };
}

/** The Quarkus and Nessie flags of the TLS flavour: HTTPS only with the harness's certificate, bearer tokens verified with its key. */
function tlsFlags(ctx: HarnessContext, port: number): string[] {
    const certs = ensureCertificates(ctx);
    return [
        `-Dquarkus.http.ssl-port=${port}`,
        "-Dquarkus.http.insecure-requests=disabled",
        `-Dquarkus.http.ssl.certificate.files=${certs.serverCert}`,
        `-Dquarkus.http.ssl.certificate.key-files=${certs.serverKey}`,
        "-Dnessie.server.authentication.enabled=true",
        `-Dquarkus.oidc.public-key=${tokenPublicKeyBase64(ctx)}`,
        "-Dquarkus.oidc.token.issuer=cdc-lakehouse-harness",
    ];
}

function nessieService(flavour: Flavour): ServiceDefinition {
    const versions = loadVersions().nessie;
    const p = flavour.tls ? versions.tls : versions;
    return {
        name: flavour.name,
        ports: { http: p.port, management: p.managementPort },
        dependsOn: [],
        ...(flavour.tls ? { onDemand: true } : {}),
        startTimeoutMs: 240000,

        async install(ctx) {
            const c = cfg(ctx);
            await ensureInstalled(ctx, `Nessie ${c.version}`, installDir(ctx), { runner: c.runner, layout: 1 }, async (scratch) => {
                await mavenCopy(ctx, [c.runner], scratch);
            });
            await ensureJava21(ctx);
        },

        async prepare(ctx) {
            const d = dirs(ctx, flavour);
            fs.mkdirSync(d.rocks, { recursive: true });
            fs.mkdirSync(d.tmp, { recursive: true });
        },

        start(ctx) {
            const c = cfg(ctx);
            const d = dirs(ctx, flavour);
            const { port, managementPort } = ports(ctx, flavour);
            return {
                command: java21Bin(ctx),
                args: [
                    ...jvmFlags(c.heap),
                    `-Djava.io.tmpdir=${d.tmp}`,
                    // nessie-tls on every address when there is a Docker engine, for a Docker stack's containers (its only port is HTTPS).
                    `-Dquarkus.http.host=${flavour.tls && containerHostAddress() ? "0.0.0.0" : "127.0.0.1"}`,
                    // With TLS the plaintext port is disabled (insecure-requests); it still needs one of its own.
                    `-Dquarkus.http.port=${flavour.tls ? port - 1 : port}`,
                    ...(flavour.tls ? tlsFlags(ctx, port) : []),
                    "-Dquarkus.management.host=127.0.0.1",
                    `-Dquarkus.management.port=${managementPort}`,
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
            describe: flavour.tls
                ? `Nessie REST over HTTPS on 127.0.0.1:${p.port} answers GET /api/v2/config to a bearer token (and refuses a request without one)`
                : `Nessie REST on 127.0.0.1:${p.port} answers GET /api/v2/config`,
            async check(ctx) {
                if (!flavour.tls) {
                    const config = (await httpGetJson(`${nessieUrl(ctx)}/api/v2/config`, 5000)) as { defaultBranch?: string };
                    return typeof config.defaultBranch === "string";
                }
                const { caCert, token } = nessieTlsAccess(ctx);
                const url = `${nessieUrl(ctx, flavour)}/api/v2/config`;
                const withToken = await sendRequest("Nessie", "GET", url, { timeoutMs: 5000, caCert, headers: { Authorization: `Bearer ${token}` } });
                const without = await sendRequest("Nessie", "GET", url, { timeoutMs: 5000, caCert });
                return withToken.status === 200 && without.status === 401;
            },
        },

        endpoints(ctx) {
            const url = nessieUrl(ctx, flavour);
            const bridge = flavour.tls ? containerHostAddress() : undefined;
            return {
                url,
                // Where a Docker stack's containers reach nessie-tls (the Docker bridge's address, in its certificate).
                ...(bridge ? { containerUrl: `https://${bridge}:${ports(ctx, flavour).port}` } : {}),
                apiV2: `${url}/api/v2`,
                icebergRest: `${url}/iceberg`,
                management: `http://127.0.0.1:${ports(ctx, flavour).managementPort}`,
                defaultBranch: "main",
                // A valid bearer token (a test credential, like every harness password) and the CA to trust.
                ...(flavour.tls ? { caCertFile: ensureCertificates(ctx).caCert, token: bearerToken(ctx) } : {}),
            };
        },
    };
}

export const definitions: ServiceDefinition[] = [nessieService(PLAIN), nessieService(TLS)];
