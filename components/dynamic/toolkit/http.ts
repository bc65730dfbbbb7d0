/**
 * One HTTP client for every provider that speaks JSON over REST (Kafka Connect, Flink REST and SQL
 * Gateway, Nessie, Dremio, the settle check): a per-request timeout, errors that carry the server's
 * own message and the status, and a bounded, jittered retry of the answers a server gives while it is
 * busy (a Connect rebalance, a 503 during a restart).
 *
 * Serialization-safe (see ./README.md): only global `fetch`, `AbortSignal` and this folder's functions.
 */
import { BackoffOptions, backoffDelay, sleep } from "./backoff";
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

export interface RequestOptions {
    /** Who is called, as the user reads it in an error: `Kafka Connect`, `Flink SQL Gateway`. */
    service: string;
    baseUrl: string;
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
    options: { body?: unknown; headers?: Record<string, string>; timeoutMs: number },
    clean: (message: string) => string = (m) => m,
): Promise<HttpAnswer> {
    let response: Response;
    // A form (a file upload) goes as multipart, fetch setting its boundary; anything else as JSON.
    const form = typeof FormData !== "undefined" && options.body instanceof FormData;
    try {
        response = await fetch(url, {
            method,
            headers: {
                Accept: "application/json",
                ...(options.body === undefined || form ? {} : { "Content-Type": "application/json" }),
                ...(options.headers ?? {}),
            },
            body: options.body === undefined ? undefined : form ? (options.body as FormData) : JSON.stringify(options.body),
            signal: AbortSignal.timeout(options.timeoutMs),
        });
    } catch (err) {
        const reason = fetchFailureCause(err);
        const timedOut = (err as { name?: string })?.name === "TimeoutError";
        throw Object.assign(httpError(0, clean(`${service} ${method} ${url}: ${reason}`)), { reason: clean(reason), timedOut });
    }
    return { status: response.status, ok: response.ok, text: await response.text() };
}

/**
 * Calls the API and returns the parsed JSON body (`{}` when empty). A non-2xx answer throws an
 * {@link HttpError} `<service> <METHOD> <path>: <status>: <the server's message>`; an unreachable
 * server throws one with status 0 naming the URL and the cause.
 */
export async function requestJson(options: RequestOptions): Promise<any> {
    const method = options.method ?? "GET";
    const url = `${options.baseUrl.replace(/\/+$/, "")}${options.path}`;
    const retryUntil = Date.now() + (options.retryForMs ?? 90_000);
    const clean = (message: string) => redact(message, options.secrets);
    for (let attempt = 0; ; attempt++) {
        const response = await sendRequest(
            options.service,
            method,
            url,
            { body: options.body, headers: options.headers, timeoutMs: options.timeoutMs ?? 60_000 },
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
