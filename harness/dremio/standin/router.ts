/**
 * Request dispatch and response writing: the first route whose pattern matches the path, its handler
 * for the method (HEAD falls back to GET), Jersey's 404/405 otherwise; an HttpError becomes its status
 * and body, anything else a 500. Every answer carries the X-Dremio-Standin header.
 */
import * as http from "http";
import { genericError, HttpError } from "./errors";

/** What a handler answers on success: a status and a body to JSON-encode (none when undefined). */
export interface RouteResult {
    status: number;
    body?: unknown;
}

/** Handles one method of a route; `params` are the pattern's capture groups, undecoded. */
export type RouteHandler = (req: http.IncomingMessage, params: string[], query: URLSearchParams) => Promise<RouteResult>;

/** The header that marks every answer as the stand-in's. */
export const STANDIN_HEADER_VALUE = "true (harness/dremio/standin: not Dremio)";

/** An ordered list of routes, and the request handler that dispatches to them. */
export class Router {
    private readonly routes: { pattern: RegExp; methods: Record<string, RouteHandler> }[] = [];

    constructor(private readonly log: (line: string) => void) {}

    /** Adds a route: a path pattern and a handler per HTTP method. */
    route(pattern: RegExp, methods: Record<string, RouteHandler>): void {
        this.routes.push({ pattern, methods });
    }

    /** Answers one request (never rejects for a handler's error: that becomes the answer). */
    async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const url = new URL(req.url ?? "/", "http://localhost");
        const method = req.method ?? "GET";
        let status: number;
        let payload: string | undefined;
        let contentType = "application/json";
        try {
            const r = this.routes.find((x) => x.pattern.test(url.pathname));
            if (!r) throw genericError(404, "HTTP 404 Not Found");
            const handler = r.methods[method] ?? (method === "HEAD" ? r.methods.GET : undefined);
            if (!handler) throw genericError(405, "HTTP 405 Method Not Allowed");
            const params = (url.pathname.match(r.pattern) ?? []).slice(1);
            const out = await handler(req, params, url.searchParams);
            status = out.status;
            payload = out.body === undefined ? undefined : JSON.stringify(out.body);
        } catch (e) {
            if (e instanceof HttpError) {
                status = e.status;
                contentType = e.contentType;
                payload = e.body === undefined ? undefined : typeof e.body === "string" && contentType === "text/plain" ? e.body : JSON.stringify(e.body);
            } else {
                this.log(`unexpected error on ${method} ${url.pathname}: ${(e as Error).stack ?? e}`);
                status = 500;
                payload = JSON.stringify({ errorMessage: (e as Error).message || "Something went wrong.", moreInfo: "" });
            }
        }
        // Drain an unread body so keep-alive connections stay usable.
        req.resume();
        const headers: Record<string, string> = { "X-Dremio-Standin": STANDIN_HEADER_VALUE };
        if (payload !== undefined) {
            headers["Content-Type"] = contentType;
            headers["Content-Length"] = String(Buffer.byteLength(payload));
        } else if (status !== 204) {
            headers["Content-Length"] = "0";
        }
        res.writeHead(status, headers);
        res.end(method === "HEAD" ? undefined : payload);
        this.log(`${method} ${url.pathname}${url.search} -> ${status}`);
    }
}
