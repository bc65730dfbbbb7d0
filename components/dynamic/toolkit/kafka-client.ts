/**
 * How a Kafka client of a provider reaches the brokers (issue 19): the security protocol, the SASL
 * login and the TLS trust, as kafkajs takes them; the check of those inputs, naming each key; and the
 * likely fix for each way a connection fails (a wrong password, a certificate not trusted, TLS on a
 * plaintext port or the reverse). Serialization-safe (see ./README.md): functions and literals only.
 */
import { pemProblem } from "./pem";

/** What the resource is given about how to reach Kafka (nothing secret: that is {@link KafkaClientCredentials}). */
export interface KafkaClientSecurity {
    /** PLAINTEXT (the default), SSL, SASL_PLAINTEXT or SASL_SSL, as Kafka's own `security.protocol`. */
    protocol?: string;
    /** With SASL: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. */
    saslMechanism?: string;
    /** With SASL: the user. */
    username?: string;
    /** With TLS: the CA certificate(s) to trust, PEM; default the system's trusted CAs. */
    caCert?: string;
    /** With TLS, for mutual TLS: the client's certificate, PEM (its key is a credential). */
    clientCert?: string;
}

/** The secret half: the SASL password and the client certificate's key (PEM). */
export interface KafkaClientCredentials {
    password?: string;
    clientKey?: string;
}

/** One input the resource refuses: which key, and why. */
export interface KafkaSecurityFailure {
    property: string;
    reason: string;
}

/** Kafka's security protocols and SASL mechanisms the providers speak. */
export function kafkaSecurityChoices(): { protocols: string[]; mechanisms: string[] } {
    return { protocols: ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"], mechanisms: ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] };
}

/** Whether the protocol speaks TLS / logs in with SASL. */
export function kafkaProtocolParts(protocol: string | undefined): { tls: boolean; sasl: boolean } {
    const p = protocol ?? "PLAINTEXT";
    return { tls: p === "SSL" || p === "SASL_SSL", sasl: p === "SASL_PLAINTEXT" || p === "SASL_SSL" };
}

/**
 * Checks the security inputs (`at` is their property name, e.g. `security`), naming each wrong key and
 * its fix. Values unknown during preview (anything not a string) are left alone.
 */
export function checkKafkaClientSecurity(
    security: KafkaClientSecurity | undefined,
    credentials: KafkaClientCredentials | undefined,
    at = "security",
    secretAt = "credentials",
): KafkaSecurityFailure[] {
    const failures: KafkaSecurityFailure[] = [];
    if (security === undefined || security === null) return failures;
    const { protocols, mechanisms } = kafkaSecurityChoices();
    const known = (v: unknown): v is string => typeof v === "string";
    if (known(security.protocol) && !protocols.includes(security.protocol))
        failures.push({ property: `${at}.protocol`, reason: `"${security.protocol}" must be one of ${protocols.join(", ")}` });
    const parts = kafkaProtocolParts(known(security.protocol) ? security.protocol : undefined);
    if (parts.sasl) {
        if (security.saslMechanism === undefined)
            failures.push({ property: `${at}.saslMechanism`, reason: `is required with ${security.protocol}: one of ${mechanisms.join(", ")}` });
        if (known(security.saslMechanism) && !mechanisms.includes(security.saslMechanism))
            failures.push({ property: `${at}.saslMechanism`, reason: `"${security.saslMechanism}" must be one of ${mechanisms.join(", ")}` });
        if (security.username === undefined || security.username === "")
            failures.push({ property: `${at}.username`, reason: `is required with ${security.protocol} (the SASL user)` });
        if (credentials?.password === undefined || credentials.password === "")
            failures.push({ property: `${secretAt}.password`, reason: `is required with ${security.protocol} (the SASL user's password, as a secret)` });
    } else if (known(security.protocol)) {
        for (const key of ["saslMechanism", "username"] as const)
            if (security[key] !== undefined)
                failures.push({
                    property: `${at}.${key}`,
                    reason: `is set but ${security.protocol} has no SASL login: use SASL_PLAINTEXT or SASL_SSL, or remove it`,
                });
    }
    if (known(security.protocol) && !parts.tls) {
        for (const key of ["caCert", "clientCert"] as const)
            if (security[key] !== undefined)
                failures.push({ property: `${at}.${key}`, reason: `is set but ${security.protocol} has no TLS: use SSL or SASL_SSL, or remove it` });
    }
    for (const key of ["caCert", "clientCert"] as const) {
        const problem = pemProblem(security[key], "certificate");
        if (problem) failures.push({ property: `${at}.${key}`, reason: problem });
    }
    if ((security.clientCert !== undefined) !== (credentials?.clientKey !== undefined))
        failures.push({
            property: security.clientCert !== undefined ? `${secretAt}.clientKey` : `${at}.clientCert`,
            reason: "mutual TLS needs both the client certificate and its key",
        });
    const keyProblem = pemProblem(credentials?.clientKey, "private key");
    if (keyProblem) failures.push({ property: `${secretAt}.clientKey`, reason: keyProblem });
    return failures;
}

/** The kafkajs options (`ssl`, `sasl`) of the security inputs; none for PLAINTEXT. */
export function kafkajsSecurity(security: KafkaClientSecurity | undefined, credentials: KafkaClientCredentials | undefined): Record<string, unknown> {
    if (!security) return {};
    const parts = kafkaProtocolParts(security.protocol);
    const out: Record<string, unknown> = {};
    if (parts.tls) {
        const tls: Record<string, unknown> = {};
        if (security.caCert) tls.ca = [security.caCert];
        if (security.clientCert && credentials?.clientKey) {
            tls.cert = security.clientCert;
            tls.key = credentials.clientKey;
        }
        out.ssl = Object.keys(tls).length ? tls : true;
    }
    if (parts.sasl)
        out.sasl = { mechanism: String(security.saslMechanism ?? "").toLowerCase(), username: security.username, password: credentials?.password ?? "" };
    return out;
}

/**
 * The likely fix for a failed connection, from the client's error and what it was configured with;
 * "" when the error says nothing more specific. Names the resource's inputs.
 */
export function kafkaConnectFix(message: string, security: KafkaClientSecurity | undefined, at = "security", secretAt = "credentials"): string {
    const protocol = security?.protocol ?? "PLAINTEXT";
    const parts = kafkaProtocolParts(protocol);
    if (/SASL .*authentication failed|Authentication failed/i.test(message))
        return `the broker refused the SASL login of "${security?.username ?? ""}" (${security?.saslMechanism ?? "?"}): check ${at}.username, ${secretAt}.password and that the mechanism is one the listener enables`;
    if (/unable to verify|self[- ]signed certificate|unable to get local issuer|certificate has expired|Hostname\/IP does not match/i.test(message))
        return `the broker's certificate is not trusted (${message.replace(/^.*?: /, "")}): give its CA in ${at}.caCert, and reach the broker by a name or address its certificate holds`;
    if (/before secure TLS connection was established|wrong version number|EPROTO/i.test(message))
        return parts.tls
            ? `the port does not speak TLS: it is a plaintext listener; use protocol ${parts.sasl ? "SASL_PLAINTEXT" : "PLAINTEXT"} or the broker's TLS listener`
            : "the TLS handshake failed";
    if (/Closed connection|Connection closed|ECONNRESET/i.test(message)) {
        if (!parts.tls)
            return `the broker closed the connection: the listener may want TLS (${at}.protocol SSL or SASL_SSL)${parts.sasl ? "" : " or a SASL login (SASL_PLAINTEXT, SASL_SSL)"}`;
        if (!parts.sasl) return `the broker closed the connection after TLS: the listener may want a SASL login (${at}.protocol SASL_SSL)`;
    }
    return "";
}

/** Where a Kafka admin connects: the brokers, and how (PLAINTEXT when `security` is unset). */
export interface KafkaAdminTarget {
    bootstrapServers: string;
    security?: KafkaClientSecurity;
    credentials?: KafkaClientCredentials;
}

/**
 * Runs `fn` with a connected kafkajs admin, bounded by `bounds`; a connection that fails names the
 * brokers, the protocol and the likely fix (never the password). `kafkajs` is required inside.
 */
export async function withKafkaAdmin<T>(
    target: KafkaAdminTarget,
    fn: (admin: any) => Promise<T>,
    bounds: { connectTimeoutMs: number; requestTimeoutMs: number; retries: number },
): Promise<T> {
    const { Kafka, logLevel } = require("kafkajs");
    const kafka = new Kafka({
        clientId: "lakehouse-pulumi",
        brokers: String(target.bootstrapServers).split(","),
        logLevel: logLevel.NOTHING,
        connectionTimeout: bounds.connectTimeoutMs,
        requestTimeout: bounds.requestTimeoutMs,
        retry: { retries: bounds.retries },
        ...kafkajsSecurity(target.security, target.credentials),
    });
    const admin = kafka.admin();
    await admin.connect().catch((err: Error) => {
        const protocol = target.security?.protocol ?? "PLAINTEXT";
        const fix = kafkaConnectFix(err.message, target.security);
        throw new Error(`Kafka at ${target.bootstrapServers} (${protocol}): cannot connect: ${err.message}${fix ? `; ${fix}` : ""}`);
    });
    try {
        return await fn(admin);
    } finally {
        await admin.disconnect().catch(() => undefined);
    }
}
