/**
 * `lakehouse:external`: services that already exist, and the rules that tie them to the platform,
 * the storage provider and the credentials.
 */
import { SERVICE_NAMES, ServiceName } from "../defaults";
import { EXTERNAL_KEYS } from "./keys";
import { HOST_PORT, HTTP_URL } from "./patterns";
import { caCertProblem } from "../dynamic/toolkit/http";
import { Reader } from "./reader";
import { CONFIG_NAMESPACE, CredentialKey, ExternalServices, PlatformKind, StorageConfig } from "./types";

/** Which credentials an external service needs from the stack (it cannot be given a generated one). */
const EXTERNAL_CREDENTIALS: Partial<Record<ServiceName, CredentialKey[]>> = {
    postgres: ["postgresPassword", "replicationPassword"],
    minio: ["minioRootPassword"],
    dremio: ["dremioAdminPassword"],
};

/** Reads `external.<service>` settings: addresses with a scheme and port where one is needed. */
export function parseExternal(r: Reader, values: Record<string, string>): ExternalServices {
    const raw = r.object(values, "external");
    const external: ExternalServices = {};
    const url = "an http(s) URL such as http://10.0.0.5:8083 (scheme and host; no query)";
    for (const service of SERVICE_NAMES) {
        if (raw[service] === undefined) continue;
        const g = r.record(raw[service], `external.${service}`, `an object with ${EXTERNAL_KEYS[service].join(", ")}`);
        if (!g) continue;
        r.onlyKeys(g, `external.${service}`, EXTERNAL_KEYS[service]);
        const need = (key: string, pattern: RegExp, expected: string): string | undefined => {
            const v = g[key];
            if (typeof v !== "string" || !pattern.test(v)) {
                r.problem(`external.${service}.${key}`, v, expected);
                return undefined;
            }
            return v.replace(/\/+$/, "");
        };
        switch (service) {
            case "postgres": {
                const address = need("address", HOST_PORT, "host:port of the PostgreSQL server, e.g. db.internal:5432 (no scheme)");
                if (address) external.postgres = { address };
                break;
            }
            case "kafka": {
                const v = g.bootstrapServers;
                if (typeof v !== "string" || !v.split(",").every((hp) => HOST_PORT.test(hp.trim()))) {
                    r.problem("external.kafka.bootstrapServers", v, "host:port[,host:port...] of the brokers (no scheme), e.g. broker-1:9092,broker-2:9092");
                } else {
                    external.kafka = {
                        bootstrapServers: v
                            .split(",")
                            .map((hp) => hp.trim())
                            .join(","),
                    };
                }
                break;
            }
            case "connect": {
                const u = need("url", HTTP_URL, url);
                if (u) external.connect = { url: u, ...caCertOf(r, g, "connect", u) };
                break;
            }
            case "minio": {
                const u = need("endpoint", HTTP_URL, url);
                if (u) external.minio = { endpoint: u, ...caCertOf(r, g, "minio", u) };
                break;
            }
            case "nessie": {
                const u = need("url", HTTP_URL, `${url}; the program adds /api/v2`);
                if (u && /\/api\/v[12]$/.test(u))
                    r.problem("external.nessie.url", g.url, "the server's base URL without /api/v1 or /api/v2 (the program uses API v2)");
                else if (u) external.nessie = { url: u, ...caCertOf(r, g, "nessie", u) };
                break;
            }
            case "flink": {
                const rest = need("restUrl", HTTP_URL, url);
                const gateway = need("sqlGatewayUrl", HTTP_URL, url);
                if (rest && gateway) external.flink = { restUrl: rest, sqlGatewayUrl: gateway, ...caCertOf(r, g, "flink", rest, gateway) };
                break;
            }
            case "dremio": {
                const u = need("url", HTTP_URL, url);
                if (u) external.dremio = { url: u, ...caCertOf(r, g, "dremio", u) };
                break;
            }
        }
    }
    return external;
}

/**
 * A CA given for an external Nessie or S3 store is trusted by the program's own clients and must be by
 * the JVMs that reach them too: the Flink cluster (the jobs' Iceberg catalog and S3FileIO, its
 * checkpoints) and Dremio (its Nessie source and the tables' files). The program puts the CA into a
 * Flink it runs (the image's `EXTRA_CA_CERTS`, components/flink.ts); an existing Flink's operator
 * installs it (docs/security.md). It does not put one into a Dremio it runs: with such a CA, Dremio
 * must be an existing service whose operator installs it, or off.
 */
export function checkExternalTrust(r: Reader, external: ExternalServices, dremioEnabled: boolean): void {
    for (const service of ["nessie", "minio"] as const) checkJvmTrust(r, service, external, dremioEnabled);
}

function checkJvmTrust(r: Reader, service: "nessie" | "minio", external: ExternalServices, dremioEnabled: boolean): void {
    if (external[service]?.caCert === undefined || !dremioEnabled || external.dremio) return;
    const what = service === "nessie" ? "Nessie" : "the S3 store";
    r.problem(
        `external.${service}.caCert`,
        "(a certificate)",
        `usable only when the JVMs that reach ${what} trust the CA, and the program does not install a CA into the Dremio it runs: ` +
            `set external.dremio to a Dremio whose JVM trusts it (docs/security.md), or dremio.enabled: false, or give ${what} a certificate from a CA the JVM trusts by default and remove caCert`,
    );
}

/**
 * `external.<service>.caCert`: the CA of the service's https URL(s), PEM (`{}` when not given). Not PEM, or
 * given for a plain http URL, is a problem naming the key and how to set it from a file.
 */
function caCertOf(r: Reader, g: Record<string, unknown>, service: string, ...urls: string[]): { caCert?: string } {
    const caCert = g.caCert;
    if (caCert === undefined) return {};
    const problem = typeof caCert !== "string" ? "must be PEM text" : caCertProblem(caCert, urls);
    if (problem) {
        r.problem(
            `external.${service}.caCert`,
            typeof caCert === "string" ? "(a certificate)" : caCert,
            `${problem}; set it from a file with \`pulumi config set --path '${CONFIG_NAMESPACE}:external.${service}.caCert' -- "$(cat ca.pem)"\``,
        );
    }
    return typeof caCert === "string" ? { caCert } : {};
}

/** With `storage.provider: aws` the program creates the bucket: an external MinIO has no place. */
export function checkExternalStorage(r: Reader, storage: StorageConfig, external: ExternalServices): void {
    if (storage.provider === "aws" && external.minio) {
        r.problem(
            "external.minio",
            external.minio.endpoint,
            'nothing with storage.provider "aws" (the warehouse is an S3 bucket the program creates); remove it, or use storage.provider "minio"',
        );
    }
}

/**
 * On `platform: external` every enabled service must be given; an external service's credentials
 * must come from the stack; containers cannot reach another machine's loopback.
 */
export function checkExternalCoverage(
    r: Reader,
    platform: PlatformKind,
    external: ExternalServices,
    enabled: { dremio: boolean; minio: boolean },
    credentialsSet: Record<CredentialKey, boolean>,
): void {
    const wanted = SERVICE_NAMES.filter((s) => (s !== "dremio" || enabled.dremio) && (s !== "minio" || enabled.minio));
    if (platform === "external") {
        const missing = wanted.filter((s) => external[s] === undefined);
        if (missing.length) {
            r.problem(
                "external",
                Object.keys(external),
                `an entry for every service on platform "external"; missing: ${missing.join(", ")} (or set dremio.enabled: false)`,
            );
        }
    }
    for (const service of wanted) {
        if (external[service] === undefined) continue;
        for (const key of EXTERNAL_CREDENTIALS[service] ?? []) {
            if (!credentialsSet[key]) {
                r.problem(
                    key,
                    "nothing",
                    `a secret with the password of the existing ${service} (\`pulumi config set --secret ${CONFIG_NAMESPACE}:${key} <value>\`): the program cannot generate a password for a service it does not run`,
                );
            }
        }
    }
    if (platform !== "external") {
        for (const service of wanted) {
            const ext = external[service];
            if (!ext) continue;
            const address = Object.entries(ext)
                .filter(([key]) => key !== "caCert")
                .map(([, value]) => value)
                .join(",");
            if (/(^|[/,@])(localhost|127\.\d+\.\d+\.\d+)([:/,]|$)/.test(address)) {
                r.problem(
                    `external.${service}`,
                    address,
                    `an address the ${platform} containers can reach: localhost inside a container is the container itself (use the host's name or address)`,
                );
            }
        }
    }
}
