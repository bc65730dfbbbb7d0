/**
 * One HTTP client for every provider that speaks JSON over REST (Kafka Connect, Flink REST and SQL
 * Gateway, Nessie, Dremio, the settle check): a per-request timeout, errors that carry the server's
 * own message and the status, and a bounded, jittered retry of the answers a server gives while it is
 * busy (a Connect rebalance, a 503 during a restart).
 *
 * HTTPS to a server whose certificate a company CA signed: `caCert` (PEM) is the CA to trust for that
 * request (issue 19); without it, the system's trusted CAs. A request given one goes through undici's
 * `fetch` with an `Agent` trusting exactly that CA (global `fetch` takes no CA).
 *
 * Serialization-safe (see ./README.md): only global `fetch`, `AbortSignal`, this folder's functions and
 * undici, required inside the function that uses it.
 */
import { BackoffOptions, backoffDelay, sleep } from "./backoff";
import { pemProblem } from "./pem";
import { redact } from "./redact";

/** A plain Error with the HTTP status, 0 when the server was not reached (Error subclasses do not survive closure serialization). */
export type HttpError = Error & { status: number; body?: unknown };

/** Builds an {@link HttpError}. */
export function httpError(status: number, message: string, body?: unknown): HttpError {
    return Object.assign(new Error(message), { status, ...(body === undefined ? {} : { body }) });
}

/** The status of an error thrown by {@link requestJson} (undefined for any other error). */
export function errorStatus(err: unknown): number | undefined {
    const status = (err as { status?: unknown } | undefined)?.status;
    return typeof status === "number" ? status : undefined;
}

/** True for a 404 from {@link requestJson}: the thing is gone. */
export function isNotFound(err: unknown): boolean {
    return errorStatus(err) === 404;
}

/** The request's result, or undefined when the server answered 404 (gone is an answer); any other error propagates. */
export async function unlessNotFound<T>(request: Promise<T>): Promise<T | undefined> {
    try {
        return await request;
    } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
    }
}

/**
 * Where a service's REST API is: its base URL, or the URL with the CA to trust for it (PEM) when its
 * https certificate is signed by a company CA. What a resource's `<service>Url` and `<service>CaCert`
 * inputs make ({@link httpTarget}).
 */
export type HttpTarget = string | { url: string; caCert?: string };

/** The target of a URL and an optional CA (a plain string without one, as before there were CAs). */
export function httpTarget(url: string, caCert?: unknown): HttpTarget {
    return typeof caCert === "string" && caCert !== "" ? { url, caCert } : url;
}

/** The URL of a target. */
export function targetUrl(target: HttpTarget): string {
    return typeof target === "string" ? target : target.url;
}

export interface RequestOptions {
    /** Who is called, as the user reads it in an error: `Kafka Connect`, `Flink SQL Gateway`. */
    service: string;
    /** The base URL, with the CA to trust when it has one. */
    baseUrl: HttpTarget;
    method?: string;
    /** Path (with query) after the base URL. */
    path: string;
    /** Sent as JSON; a `FormData` is sent as `multipart/form-data` (a file upload). */
    body?: unknown;
    headers?: Record<string, string>;
    /** Per attempt (default 60,000 ms). */
    timeoutMs?: number;
    /**
     * Which failed answers to retry (default: none). The retry is bounded by `retryForMs` and backs off
     * with jitter; the last answer's error is thrown when the bound is reached.
     */
    retryWhen?: (status: number, text: string) => boolean;
    /** Bound on retrying (default 90,000 ms). */
    retryForMs?: number;
    backoff?: BackoffOptions;
    /** The server's own message out of an error body (default: `message`, `errors`, or the text). */
    errorMessage?: (json: any, text: string) => string;
    /** Values never to show in an error. */
    secrets?: Array<string | undefined>;
    /** With an https URL: the CA certificate(s) to trust, PEM (default: the system's trusted CAs). */
    caCert?: string;
}

/** The message a server put in an error body, for the usual shapes; the raw text otherwise. */
export function serverMessage(json: any, text: string): string {
    if (json && typeof json === "object") {
        if (typeof json.errorMessage === "string") return json.errorMessage;
        if (typeof json.message === "string") return json.message;
        if (Array.isArray(json.errors)) return json.errors.map(String).join("\n");
    }
    return text.slice(0, 2000);
}

/** Why fetch failed, in a word a user recognises: ECONNREFUSED, ENOTFOUND, a timeout. */
export function fetchFailureCause(err: unknown): string {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e?.name === "TimeoutError") return "no answer in time (timeout)";
    return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/**
 * The likely fix when a request to `url` failed with `cause` (a code from {@link fetchFailureCause}) at
 * the TLS layer: a certificate not trusted, a name it does not hold, HTTPS to a plain-HTTP port or the
 * reverse; undefined for anything else. `caCertKey` names where the stack gives the CA.
 */
export function httpsFix(cause: string, url: string, caCertKey = "the service's caCert"): string | undefined {
    // Node's codes (UNABLE_TO_VERIFY_LEAF_SIGNATURE) or, from clients that keep only the message, OpenSSL's words.
    const https = /^https:/i.test(url);
    // A certificate check on a plain-http URL: the server redirected the request to https (Flink's REST
    // endpoints answer plain HTTP on their TLS port so).
    if (!https && /ALTNAME|CERT|SELF_SIGNED|SELF-SIGNED|UNABLE_TO_VERIFY|UNABLE TO VERIFY|UNABLE_TO_GET_ISSUER|UNABLE TO GET (LOCAL )?ISSUER/i.test(cause))
        return `the server sent the request on to https: use https:// in the URL, with the CA that signed its certificate (PEM) in ${caCertKey}`;
    if (/ALTNAME/i.test(cause)) return "the server's certificate does not name the host in the URL: use a host name the certificate was issued for";
    if (/CERT|SELF_SIGNED|SELF-SIGNED|UNABLE_TO_VERIFY|UNABLE TO VERIFY|UNABLE_TO_GET_ISSUER|UNABLE TO GET (LOCAL )?ISSUER/i.test(cause))
        return `the server's certificate is not signed by a CA this client trusts: give the CA's certificate (PEM) in ${caCertKey}`;
    if (https && /PACKET_LENGTH_TOO_LONG|PACKET LENGTH TOO LONG|WRONG_VERSION_NUMBER|WRONG VERSION NUMBER|EPROTO/i.test(cause))
        return "the URL says https but the server speaks plain HTTP on that port: use http://, or the server's TLS port";
    // A TLS port answers plain HTTP by closing the connection, or with bytes that are not HTTP.
    if (!https && /UND_ERR_SOCKET|ECONNRESET|HPE_INVALID/.test(cause))
        return "the server closed the connection or did not answer HTTP: if it speaks HTTPS on that port, use https://";
    return undefined;
}

/**
 * Why a CA given for `urls` cannot be used: not a PEM certificate, or none of the URLs is https (a CA is
 * for TLS); undefined when it can, or when a value is unknown during preview (not a string).
 */
export function caCertProblem(caCert: unknown, urls: unknown[]): string | undefined {
    if (caCert === undefined) return undefined;
    const pem = pemProblem(caCert, "certificate");
    if (pem) return pem;
    if (typeof caCert !== "string" || urls.some((u) => typeof u !== "string")) return undefined;
    return urls.some((u) => /^https:/i.test(u as string)) ? undefined : "is for an https URL: the URL is plain http (use https://, or remove the CA)";
}

/** One HTTP exchange: the answer's status and text. */
export interface HttpAnswer {
    status: number;
    ok: boolean;
    text: string;
}

/**
 * Sends one request (JSON body or a `FormData` form, `Accept: application/json`, aborted after `timeoutMs`) and reads the
 * answer's text, whatever its status. Only a server that does not answer throws: an {@link HttpError}
 * with status 0 `<service> <METHOD> <url>: <cause>`, passed through `clean` (redaction), the cause
 * alone in `reason`, and `timedOut` when no answer came within `timeoutMs`.
 */
export async function sendRequest(
    service: string,
    method: string,
    url: string,
    options: { body?: unknown; headers?: Record<string, string>; timeoutMs: number; caCert?: string; caCertKey?: string },
    clean: (message: string) => string = (m) => m,
): Promise<HttpAnswer> {
    // A form (a file upload) goes as multipart, fetch setting its boundary; anything else as JSON.
    const form = typeof FormData !== "undefined" && options.body instanceof FormData;
    const trusted = options.caCert && /^https:/i.test(url) ? trustingFetch(options.caCert) : undefined;
    try {
        const body = options.body === undefined ? undefined : form ? (options.body as FormData) : JSON.stringify(options.body);
        const response = await (trusted?.fetch ?? fetch)(url, {
            method,
            headers: {
                Accept: "application/json",
                ...(options.body === undefined || form ? {} : { "Content-Type": "application/json" }),
                ...(options.headers ?? {}),
            },
            body: trusted && form ? (trusted.form(body as FormData) as FormData) : body,
            signal: AbortSignal.timeout(options.timeoutMs),
        });
        return { status: response.status, ok: response.ok, text: await response.text() };
    } catch (err) {
        const cause = fetchFailureCause(err);
        const fix = httpsFix(cause, url, options.caCertKey);
        const reason = fix ? `${cause}: ${fix}` : cause;
        const timedOut = (err as { name?: string })?.name === "TimeoutError";
        throw Object.assign(httpError(0, clean(`${service} ${method} ${url}: ${reason}`)), { reason: clean(reason), timedOut });
    } finally {
        trusted?.close();
    }
}

/**
 * A fetch that trusts exactly `caCert` (undici's own, with an `Agent` whose TLS connections take that
 * CA), the form converter its multipart bodies need (a global `FormData` is another undici's class),
 * and the agent's close.
 */
function trustingFetch(caCert: string): { fetch: typeof fetch; form: (f: FormData) => unknown; close: () => void } {
    const undici = require("undici") as typeof import("undici");
    const dispatcher = new undici.Agent({ connect: { ca: caCert } });
    return {
        fetch: ((input: string, init: RequestInit) => undici.fetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch,
        form: (f: FormData) => {
            const converted = new undici.FormData();
            for (const [name, value] of f.entries()) {
                if (typeof value === "string") converted.append(name, value);
                else converted.append(name, value as Blob, (value as File).name);
            }
            return converted;
        },
        close: () => void dispatcher.close().catch(() => undefined),
    };
}

/**
 * Calls the API and returns the parsed JSON body (`{}` when empty). A non-2xx answer throws an
 * {@link HttpError} `<service> <METHOD> <path>: <status>: <the server's message>`; an unreachable
 * server throws one with status 0 naming the URL and the cause.
 */
export async function requestJson(options: RequestOptions): Promise<any> {
    const method = options.method ?? "GET";
    const url = `${targetUrl(options.baseUrl).replace(/\/+$/, "")}${options.path}`;
    const caCert = options.caCert ?? (typeof options.baseUrl === "string" ? undefined : options.baseUrl.caCert);
    const retryUntil = Date.now() + (options.retryForMs ?? 90_000);
    const clean = (message: string) => redact(message, options.secrets);
    for (let attempt = 0; ; attempt++) {
        const response = await sendRequest(
            options.service,
            method,
            url,
            { body: options.body, headers: options.headers, timeoutMs: options.timeoutMs ?? 60_000, caCert },
            clean,
        );
        const text = response.text;
        if (!response.ok && options.retryWhen?.(response.status, text)) {
            const delay = backoffDelay(attempt, options.backoff);
            if (Date.now() + delay < retryUntil) {
                await sleep(delay);
                continue;
            }
        }
        let json: any;
        try {
            json = text ? JSON.parse(text) : {};
        } catch {
            json = undefined;
        }
        if (!response.ok) {
            const message = (options.errorMessage ?? serverMessage)(json, text);
            throw httpError(response.status, clean(`${options.service} ${method} ${options.path}: ${response.status}: ${message}`), json);
        }
        return json ?? { text };
    }
}
