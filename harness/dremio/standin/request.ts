/**
 * Reading a request's body the way Dremio's Jersey stack does: a size bound, the 415 for a body that
 * is not JSON (resource matching, before the auth filter), bad JSON as RestApiJsonParseExceptionMapper's
 * text/plain 400, and a body that must be a JSON object.
 */
import * as http from "http";
import { genericError, genericErrorWithTrace, HttpError } from "./errors";

const MAX_BODY_BYTES = 4 * 1024 * 1024;

async function readBody(req: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) throw genericError(413, "HTTP 413 Request Entity Too Large");
        chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
}

/** @Consumes(APPLICATION_JSON): the whole body as text; Jersey's 415 comes from resource matching, before the auth filter runs. */
export async function jsonText(req: http.IncomingMessage): Promise<string> {
    const ct = String(req.headers["content-type"] ?? "").toLowerCase();
    const text = await readBody(req);
    if (!ct.startsWith("application/json")) throw genericError(415, "HTTP 415 Unsupported Media Type");
    return text;
}

/** The entity is read after the filters; an empty body is null, bad JSON is RestApiJsonParseExceptionMapper's text/plain 400. */
export function parseJson(text: string): unknown {
    if (text.trim() === "") return null;
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new HttpError(400, (e as Error).message, "text/plain");
    }
}

/** A body that must be a JSON object: Jackson's "Invalid value." 400 otherwise. */
export function objectBody(v: unknown): Record<string, unknown> {
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw genericErrorWithTrace(400, "Invalid value.");
    return v as Record<string, unknown>;
}
