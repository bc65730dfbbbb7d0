/**
 * A small JSON-over-HTTP client for the services' REST APIs (Flink REST, the Flink SQL Gateway, Kafka
 * Connect, Nessie, Dremio), as the operational scripts use it: one request, bounded by a timeout,
 * with the server's own error message surfaced (each service puts it in a different field).
 *
 * The request itself is the providers' toolkit's (`sendRequest`, components/dynamic/toolkit/http.ts);
 * what differs here is what the operator's scripts want: the answer's text (64-bit ids), a 10 s default,
 * the request in every error, and Java traces cut to their deepest cause.
 */
import { sendRequest } from "../components/dynamic/toolkit/http";

/** An HTTP error answer (or no answer: `status` 0), with the server's message in `message`. */
export interface HttpError extends Error {
    /** HTTP status; 0 when the server did not answer (refused, timed out, DNS). */
    status: number;
    /** What was called, e.g. `Flink REST GET http://localhost:8081/overview`. */
    request: string;
}

/** True for an HttpError (optionally of one status). */
export function isHttpError(err: unknown, status?: number): err is HttpError {
    const e = err as Partial<HttpError> | undefined;
    return typeof e?.status === "number" && typeof e?.request === "string" && (status === undefined || e.status === status);
}

/**
 * The server's message in an error body. Flink: `{errors: [...]}` (Java traces: the deepest
 * `Caused by:` line is kept); Connect and Nessie: `{message}`; Dremio: `{errorMessage}`; else the text.
 */
export function serverMessage(body: string): string {
    let json: any;
    try {
        json = body ? JSON.parse(body) : undefined;
    } catch {
        json = undefined;
    }
    let message: string;
    if (Array.isArray(json?.errors)) message = json.errors.map(String).join("\n");
    else if (typeof json?.errorMessage === "string") message = json.errorMessage;
    else if (typeof json?.message === "string") message = json.message;
    else message = body;
    const lines = message
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
    const causes = lines.filter((l) => l.startsWith("Caused by: "));
    const line = causes.length ? causes[causes.length - 1].slice("Caused by: ".length) : (lines.find((l) => !/^<Exception on server side:$/.test(l)) ?? "");
    return line.replace(/^<Exception on server side:\s*/, "").slice(0, 500) || "(empty answer)";
}

/** Options of one request. */
export interface RequestOptions {
    /** JSON body (sent with Content-Type application/json). */
    body?: unknown;
    /** Extra headers, e.g. Dremio's `Authorization: _dremio<token>`. */
    headers?: Record<string, string>;
    /** Abort after this long; default 10 s. */
    timeoutMs?: number;
    /** With an https URL: the CA certificate(s) to trust, PEM (the stack's `external.<service>.caCert`). */
    caCert?: string;
}

/** What a secured service wants beyond its URL: the CA of its https URL, the headers of its login. */
export interface ServiceAccess {
    caCert?: string;
    headers?: Record<string, string>;
}

/** The access registered per base URL by {@link useServiceAccess}, for the scripts' process. */
const accessByBaseUrl = new Map<string, ServiceAccess>();

/**
 * Every later request to a URL under `baseUrl` trusts `access.caCert` and sends `access.headers` (a
 * request's own headers win). The scripts call it once they have read the stack outputs (e.g. Nessie's
 * CA and bearer token from `connectionSecurity.nessie` and `credentials.nessieToken`).
 */
export function useServiceAccess(baseUrl: string, access: ServiceAccess): void {
    if (access.caCert === undefined && access.headers === undefined) return;
    accessByBaseUrl.set(baseUrl.replace(/\/+$/, ""), access);
}

/** The access registered for the longest base URL `url` starts with. */
export function serviceAccessFor(url: string): ServiceAccess {
    let best: [string, ServiceAccess] | undefined;
    for (const entry of accessByBaseUrl) {
        if ((url === entry[0] || url.startsWith(`${entry[0]}/`)) && (!best || entry[0].length > best[0].length)) best = entry;
    }
    return best?.[1] ?? {};
}

/**
 * One JSON request to `<baseUrl><path>`. Resolves with the parsed body (`{}` when empty); rejects with
 * an HttpError naming the service, method and URL, and carrying the server's message.
 */
export async function requestJson(service: string, baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<any> {
    const { text, request, status } = await requestText(service, baseUrl, method, path, options);
    if (!text) return {};
    try {
        return JSON.parse(text);
    } catch {
        throw httpError(status, request, `${request}: answer is not JSON: ${text.slice(0, 200)}`);
    }
}

/**
 * Like requestJson, but resolves with the answer's text (for values JSON.parse would round, such as
 * Iceberg's 64-bit snapshot ids).
 */
export async function requestText(
    service: string,
    baseUrl: string,
    method: string,
    path: string,
    options: RequestOptions = {},
): Promise<{ text: string; status: number; request: string }> {
    const url = `${baseUrl.replace(/\/+$/, "")}${path}`;
    const request = `${service} ${method} ${url}`;
    const timeoutMs = options.timeoutMs ?? 10_000;
    let response: { status: number; ok: boolean; text: string };
    try {
        const access = serviceAccessFor(url);
        response = await sendRequest(service, method, url, {
            body: options.body,
            headers: { ...(access.headers ?? {}), ...(options.headers ?? {}) },
            timeoutMs,
            caCert: options.caCert ?? access.caCert,
        });
    } catch (err) {
        const e = err as { reason?: string; timedOut?: boolean; message: string };
        const reason = e.timedOut ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (e.reason ?? e.message);
        throw httpError(0, request, `${request}: ${reason}`);
    }
    const text = response.text;
    if (!response.ok) throw httpError(response.status, request, `${request}: ${response.status}: ${serverMessage(text)}`);
    return { text, status: response.status, request };
}

function httpError(status: number, request: string, message: string): HttpError {
    return Object.assign(new Error(message), { status, request });
}
