/**
 * One PostgreSQL connection for the providers that talk to the source database (the CDC source's
 * role and publication, the connector's slot cleanup): `host:port` as the machine running Pulumi
 * reaches it, a bounded connect (`PROVIDER_DEFAULTS.connectTimeoutMs`), an error that names the
 * server, the database and the user but never the password, and the connection always closed.
 * Over TLS as `tls.sslmode` says (libpq's modes: disable, require, verify-ca, verify-full; issue 19),
 * with a CA and a client certificate; a refused connection names the likely fix.
 *
 * Serialization-safe (see ./toolkit/README.md): `pg` is `require`d inside the function.
 */
import { PROVIDER_DEFAULTS } from "../defaults";
import { pemProblem } from "./toolkit/pem";
import { redact } from "./toolkit/redact";

export interface PostgresTarget {
    /** `host:port` as the machine running Pulumi reaches the server. */
    address: string;
    user: string;
    password: string;
    database: string;
    /** What the connection is for, as the error starts: `CDC source`, `dropping replication slot "s"`. */
    purpose: string;
    /** TLS to the server; default none (sslmode disable). */
    tls?: PostgresTls;
}

/** TLS to PostgreSQL, in libpq's terms. Nothing here is secret but `clientKey`, which the resources keep as a secret input. */
export interface PostgresTls {
    /** disable (default), require (encrypted, server not verified), verify-ca (signed by `caCert`), verify-full (also its name). */
    sslmode?: string;
    /** The CA certificate(s) that signed the server's, PEM; default the system's trusted CAs. */
    caCert?: string;
    /** For a `cert` login: the client's certificate and key, PEM. */
    clientCert?: string;
    clientKey?: string;
}

/** The sslmodes the providers speak (libpq's, without allow and prefer: a connection either is TLS or is not). */
export function postgresSslModes(): string[] {
    return ["disable", "require", "verify-ca", "verify-full"];
}

/** node-postgres's `ssl` option of a TLS setting: false for disable. */
export function postgresSsl(tls: PostgresTls | undefined): false | Record<string, unknown> {
    const mode = tls?.sslmode ?? "disable";
    if (mode === "disable") return false;
    const ssl: Record<string, unknown> = { rejectUnauthorized: mode !== "require" };
    if (tls?.caCert) ssl.ca = tls.caCert;
    if (tls?.clientCert) ssl.cert = tls.clientCert;
    if (tls?.clientKey) ssl.key = tls.clientKey;
    // verify-ca: the chain is checked, the name is not (as libpq).
    if (mode === "verify-ca") ssl.checkServerIdentity = () => undefined;
    return ssl;
}

/** Refuses a TLS setting that cannot work, naming the key (`at`, e.g. `tls`) and the fix. */
export function checkPostgresTls(tls: PostgresTls | undefined, at = "tls"): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    if (!tls) return failures;
    const modes = postgresSslModes();
    if (typeof tls.sslmode === "string" && !modes.includes(tls.sslmode))
        failures.push({
            property: `${at}.sslmode`,
            reason: `"${tls.sslmode}" must be one of ${modes.join(", ")}${["allow", "prefer"].includes(tls.sslmode) ? " (allow and prefer may fall back to plaintext: say which one you want)" : ""}`,
        });
    for (const [key, kind] of [
        ["caCert", "certificate"],
        ["clientCert", "certificate"],
        ["clientKey", "private key"],
    ] as const) {
        const problem = pemProblem(tls[key], kind);
        if (problem) failures.push({ property: `${at}.${key}`, reason: problem });
    }
    if ((tls.clientCert !== undefined) !== (tls.clientKey !== undefined))
        failures.push({
            property: `${at}.${tls.clientCert !== undefined ? "clientKey" : "clientCert"}`,
            reason: "a client certificate login needs both the certificate and its key",
        });
    if ((tls.sslmode ?? "disable") === "disable")
        for (const key of ["caCert", "clientCert"] as const)
            if (tls[key] !== undefined)
                failures.push({ property: `${at}.${key}`, reason: "is set but sslmode is disable: use require, verify-ca or verify-full, or remove it" });
    return failures;
}

/** pgjdbc's socket factory that trusts the CA given inline (`sslfactoryarg`, PEM: its first certificate), so Debezium's workers need no file. */
export const PGJDBC_INLINE_CA_FACTORY = "org.postgresql.ssl.SingleCertValidatingFactory";
/**
 * pgjdbc's socket factory that trusts the JVM's CAs: without it, verify-ca and verify-full with no CA
 * given look for `~/.postgresql/root.crt` on the worker (libpq's convention), not the system's CAs.
 */
export const PGJDBC_SYSTEM_CA_FACTORY = "org.postgresql.ssl.DefaultJavaSSLFactory";

/**
 * The TLS of a Debezium connector's own config (`database.sslmode`, and the CA inline through
 * {@link PGJDBC_INLINE_CA_FACTORY}), for the program's connection that drops its slot; undefined for plaintext.
 */
export function connectorConfigTls(config: Record<string, unknown>): PostgresTls | undefined {
    const sslmode = config["database.sslmode"];
    if (typeof sslmode !== "string" || sslmode === "disable") return undefined;
    const inlineCa = config["database.sslfactory"] === PGJDBC_INLINE_CA_FACTORY ? config["database.sslfactoryarg"] : undefined;
    return { sslmode, ...(typeof inlineCa === "string" ? { caCert: inlineCa } : {}) };
}

/** The likely fix of a refused connection, from the server's or the TLS layer's message; "" when nothing more specific. */
export function postgresConnectFix(message: string, tls: PostgresTls | undefined): string {
    const mode = tls?.sslmode ?? "disable";
    if (/no encryption|SSL off|requires SSL/i.test(message)) return "the server takes only TLS connections: set sslmode to verify-full (or require)";
    if (/does not support SSL/i.test(message)) return `the server has no TLS (sslmode ${mode}): set sslmode disable, or turn ssl on in the server`;
    if (/self[- ]signed certificate|unable to verify|unable to get local issuer|certificate has expired/i.test(message))
        return "the server's certificate is not trusted: give the CA that signed it (caCert), or sslmode require to encrypt without verifying";
    if (/Hostname\/IP does not match/i.test(message))
        return "the server's certificate does not name the address used: reach it by a name its certificate holds, or sslmode verify-ca";
    if (/valid client certificate|certificate authentication failed/i.test(message))
        return "the server wants a client certificate for this user: give clientCert and clientKey (its CN must be the user)";
    if (/password authentication failed/i.test(message)) return "check the user and its password";
    return "";
}

/** Connects, runs `fn` with the client, and closes the connection whatever happens. */
export async function withPostgres<T>(target: PostgresTarget, fn: (client: import("pg").Client) => Promise<T>): Promise<T> {
    const { Client } = require("pg") as typeof import("pg");
    const address = String(target.address);
    const separator = address.lastIndexOf(":");
    const client = new Client({
        host: address.slice(0, separator),
        port: Number(address.slice(separator + 1)),
        user: target.user,
        password: target.password,
        database: target.database,
        connectionTimeoutMillis: PROVIDER_DEFAULTS.connectTimeoutMs,
        ssl: postgresSsl(target.tls),
    });
    // A server that drops the connection is reported by connect's rejection; the event must not crash the process.
    client.on("error", () => undefined);
    await client.connect().catch((err: Error) => {
        const fix = postgresConnectFix(err.message, target.tls);
        throw new Error(
            redact(
                `${target.purpose}: cannot connect to PostgreSQL at ${address} (database ${target.database}, sslmode ${target.tls?.sslmode ?? "disable"}) as ${target.user}: ${err.message}${fix ? `; ${fix}` : ""}`,
                [target.password, ...(target.tls?.clientKey ? [target.tls.clientKey] : [])],
            ),
        );
    });
    try {
        return await fn(client);
    } finally {
        await client.end().catch(() => undefined);
    }
}
