/**
 * Checks that services the stack says already exist are reachable and accept the stack's
 * credentials, before anything is created in them. Every check is bounded, retries with backoff,
 * and fails with an error that names the service and the endpoint (never a credential).
 */
import { PostgresTls, postgresConnectFix, postgresSsl } from "./dynamic/postgres-client";
import { backoffDelay, sleep } from "./dynamic/toolkit/backoff";
import { KafkaAdminTarget, kafkaConnectFix, withKafkaAdmin } from "./dynamic/toolkit/kafka-client";
import { httpsFix, sendRequest, serverMessage } from "./dynamic/toolkit/http";
import { s3ConnectionCause, s3TrustOptions } from "./dynamic/toolkit/s3-trust";
import { tcpConnectProblem } from "./dynamic/toolkit/tcp";

export class PreflightError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PreflightError";
    }
}

export interface RetryOptions {
    /** Give up after this long, in milliseconds. */
    timeoutMs: number;
    /** First pause between attempts; doubles up to `maxDelayMs`. */
    initialDelayMs?: number;
    maxDelayMs?: number;
}

/**
 * Runs `attempt` until it resolves or `timeoutMs` has passed, pausing with exponential backoff.
 * `fatal(err)` stops at once (e.g. wrong credentials: retrying will not help).
 */
export async function retryUntil<T>(
    what: string,
    attempt: () => Promise<T>,
    options: RetryOptions,
    fatal: (err: unknown) => boolean = () => false,
): Promise<T> {
    const deadline = Date.now() + options.timeoutMs;
    const backoff = { initialMs: options.initialDelayMs ?? 250, maxMs: options.maxDelayMs ?? 4000 };
    for (let attempts = 1; ; attempts++) {
        const delay = backoffDelay(attempts - 1, backoff);
        try {
            return await attempt();
        } catch (err) {
            const reason = err instanceof Error ? err.message : String(err);
            if (fatal(err)) throw new PreflightError(`${what}: ${reason}`);
            if (Date.now() + delay > deadline) {
                throw new PreflightError(
                    `${what}: ${reason} (gave up after ${attempts} attempt${attempts === 1 ? "" : "s"} in ${Math.round(options.timeoutMs / 1000)} s)`,
                );
            }
            await sleep(delay);
        }
    }
}

/** Resolves when something accepts a TCP connection at `host:port` within `timeoutMs`; rejects with the cause. */
export async function tcpConnect(address: string, timeoutMs: number): Promise<void> {
    const problem = await tcpConnectProblem(address, timeoutMs);
    if (problem) throw new Error(problem);
}

/** How an HTTP check reaches a secured service: the CA of its https URL, a bearer token, and the stack keys that hold them (for the fix). */
export interface HttpCheckAccess {
    caCert?: string;
    token?: string;
    /** e.g. `lakehouse:external.nessie.caCert`. */
    caCertKey?: string;
    /** e.g. `lakehouse:nessieToken`. */
    tokenKey?: string;
}

/**
 * Resolves when `url` answers with a status `ok` accepts within `timeoutMs` (through the providers'
 * HTTP toolkit: the CA, the token). A TLS failure (an untrusted certificate, TLS to a plain port or the
 * reverse) and a 401 or 403 are fatal, with the likely fix; no answer is retried by the caller.
 */
export async function httpGet(
    url: string,
    timeoutMs: number,
    ok: (status: number) => boolean = (s) => s >= 200 && s < 300,
    access: HttpCheckAccess = {},
): Promise<void> {
    let answer;
    try {
        answer = await sendRequest("", "GET", url, {
            timeoutMs,
            ...(access.caCert !== undefined ? { caCert: access.caCert } : {}),
            ...(access.caCertKey !== undefined ? { caCertKey: access.caCertKey } : {}),
            ...(access.token !== undefined ? { headers: { Authorization: `Bearer ${access.token}` } } : {}),
        });
    } catch (err) {
        const reason = (err as { reason?: string }).reason ?? (err as Error).message;
        if (tlsWillNotChange(reason, url)) throw new CredentialsRejected(reason);
        throw new Error(reason);
    }
    // A login refused: fatal for a service the stack gives a login to (its key named in the fix).
    if ((answer.status === 401 || answer.status === 403) && access.tokenKey !== undefined) {
        const fix = access.token
            ? `the server refused the token: set a valid one with \`pulumi config set --secret ${access.tokenKey} <token>\``
            : `the server wants a login: give its bearer token with \`pulumi config set --secret ${access.tokenKey} <token>\``;
        const said = serverMessage(tryJson(answer.text), answer.text).slice(0, 300).trim();
        throw new CredentialsRejected(`HTTP ${answer.status}${said ? `: ${said}` : ""}; ${fix}`);
    }
    if (!ok(answer.status)) throw new Error(`HTTP ${answer.status}`);
}

/**
 * True for a TLS failure retrying will not change: on an https URL, a certificate not trusted or a plain
 * HTTP port. On a plain http URL a closed connection may be a server still starting: retried (its
 * message still carries the fix).
 */
function tlsWillNotChange(cause: string, url: string): boolean {
    return /^https:/i.test(url) && httpsFix(cause, url) !== undefined;
}

function tryJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

/** Thrown for answers that retrying will not change (authentication). */
export class CredentialsRejected extends Error {}

/**
 * Logs in to PostgreSQL with `pg`, over TLS as `tls` says; a rejected password, an untrusted certificate
 * or a TLS mismatch is fatal (with the likely fix), a refused connection is retried.
 */
export async function postgresLogin(address: string, user: string, password: string, database: string, timeoutMs: number, tls?: PostgresTls): Promise<void> {
    const { Client } = require("pg") as typeof import("pg");
    const separator = address.lastIndexOf(":");
    const client = new Client({
        host: address.slice(0, separator),
        port: Number(address.slice(separator + 1)),
        user,
        password,
        database,
        connectionTimeoutMillis: timeoutMs,
        ssl: postgresSsl(tls),
    });
    // A server that drops the connection is reported by connect's rejection; the event must not crash the process.
    client.on("error", () => undefined);
    try {
        await client.connect();
        await client.query("SELECT 1");
    } catch (err) {
        const code = (err as { code?: string }).code;
        const message = (err as Error).message;
        const fix = postgresConnectFix(message, tls);
        // 28P01 invalid password, 28000 invalid authorization, 3D000 no such database; TLS answers do not change either.
        const stackFix = fix.replace(/\b(sslmode|caCert|clientCert)\b/g, "lakehouse:source.tls.$1").replace(/\bclientKey\b/g, "lakehouse:postgresClientKey");
        if (code === "28P01" || code === "28000" || code === "3D000" || fix) throw new CredentialsRejected(`${message}${stackFix ? `; ${stackFix}` : ""}`);
        throw new Error((err as NodeJS.ErrnoException).code ?? message);
    } finally {
        await client.end().catch(() => undefined);
    }
}

/** The provider inputs a Kafka connection error names, as the stack's keys (the checks run before any resource exists). */
export function asStackKafkaKeys(message: string): string {
    return message
        .replace(/\bcredentials\.password\b/g, "lakehouse:kafkaPassword")
        .replace(/\bcredentials\.clientKey\b/g, "lakehouse:kafkaClientKey")
        .replace(/(^|[^:.\w])security\.(protocol|saslMechanism|username|caCert|clientCert)\b/g, "$1lakehouse:kafka.security.$2")
        .replace(/(?<![.\w])protocol (SSL|SASL_SSL|SASL_PLAINTEXT|PLAINTEXT)\b/g, "lakehouse:kafka.security.protocol $1");
}

/**
 * Connects a Kafka admin with the stack's security and lists the topics; a refused login, an untrusted
 * certificate or a protocol mismatch is fatal (with the likely fix, naming the stack's keys), an
 * unreachable broker is retried.
 */
export async function kafkaLogin(target: KafkaAdminTarget, timeoutMs: number): Promise<void> {
    try {
        await withKafkaAdmin(target, (admin) => admin.listTopics(), { connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs, retries: 0 });
    } catch (err) {
        const message = asStackKafkaKeys((err as Error).message);
        if (kafkaConnectFix((err as Error).message, target.security)) throw new CredentialsRejected(message);
        throw new Error(message);
    }
}

/** Lists buckets with the S3 client (trusting `caCert` when given); rejected keys and TLS failures are fatal. */
export async function s3Login(
    endpoint: string,
    region: string,
    accessKeyId: string,
    secretAccessKey: string,
    timeoutMs: number,
    caCert?: string,
    caCertKey = "lakehouse:external.minio.caCert",
): Promise<void> {
    const { S3Client, ListBucketsCommand } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    const client = new S3Client({
        endpoint,
        region,
        forcePathStyle: true,
        credentials: { accessKeyId, secretAccessKey },
        maxAttempts: 1,
        ...s3TrustOptions(caCert),
    });
    try {
        await client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
        const name = (err as Error).name;
        if (name === "InvalidAccessKeyId" || name === "SignatureDoesNotMatch" || name === "AccessDenied")
            throw new CredentialsRejected(`${name}: the S3 store refused the access key`);
        const cause = s3ConnectionCause(err);
        const fix = httpsFix(cause, endpoint, caCertKey);
        if (fix && tlsWillNotChange(cause, endpoint)) throw new CredentialsRejected(`${cause}: ${fix}`);
        throw new Error(fix ? `${cause}: ${fix}` : cause);
    } finally {
        client.destroy();
    }
}

/** What to check of one existing service. */
export type PreflightCheck =
    | { service: string; kind: "tcp"; address: string }
    | { service: string; kind: "http"; url: string; access?: HttpCheckAccess }
    | { service: string; kind: "postgres"; address: string; user: string; password: string; database: string; tls?: PostgresTls }
    | { service: string; kind: "kafka"; target: KafkaAdminTarget }
    | { service: string; kind: "s3"; endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; caCert?: string };

/** Where a check points, for messages. */
export function describeCheck(check: PreflightCheck): string {
    switch (check.kind) {
        case "tcp":
        case "postgres":
            return check.address;
        case "http":
            return check.url;
        case "s3":
            return check.endpoint;
        case "kafka":
            return check.target.bootstrapServers;
    }
}

/** Runs all checks concurrently; rejects with every failure listed, each naming service and endpoint. */
export async function runPreflight(checks: PreflightCheck[], timeoutMs: number): Promise<void> {
    const perAttempt = Math.min(5000, timeoutMs);
    const results = await Promise.allSettled(
        checks.map((c) => {
            const what = `existing ${c.service} at ${describeCheck(c)}`;
            const fatal = (err: unknown) => err instanceof CredentialsRejected;
            switch (c.kind) {
                case "tcp":
                    return retryUntil(`${what} is unreachable`, () => tcpConnect(c.address, perAttempt), { timeoutMs });
                case "http":
                    return retryUntil(
                        `${what} ${c.access ? "refused the client or does not answer" : "does not answer"}`,
                        () => httpGet(c.url, perAttempt, undefined, c.access),
                        { timeoutMs },
                        fatal,
                    );
                case "postgres":
                    return retryUntil(
                        `${what} refused user "${c.user}" or is unreachable`,
                        () => postgresLogin(c.address, c.user, c.password, c.database, perAttempt, c.tls),
                        { timeoutMs },
                        fatal,
                    );
                case "kafka":
                    return retryUntil(
                        `${what} (${c.target.security?.protocol ?? "PLAINTEXT"}) refused the client or is unreachable`,
                        () => kafkaLogin(c.target, perAttempt),
                        { timeoutMs },
                        fatal,
                    );
                case "s3":
                    return retryUntil(
                        `${what} refused the access key "${c.accessKeyId}" or is unreachable`,
                        () => s3Login(c.endpoint, c.region, c.accessKeyId, c.secretAccessKey, perAttempt, c.caCert),
                        { timeoutMs },
                        fatal,
                    );
            }
        }),
    );
    const failures = results.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error).message] : []));
    if (failures.length) throw new PreflightError(`Existing services failed their checks:\n  - ${failures.join("\n  - ")}`);
}
