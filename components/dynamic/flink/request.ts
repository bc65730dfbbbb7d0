/**
 * One call to a Flink REST API (the JobManager's or the SQL Gateway's) on the toolkit's `requestJson`:
 * a per-request timeout, and Flink's own reason in every error. Flink answers an error with
 * `{ errors: [...] }` holding a Java trace; the message keeps its telling line (the deepest
 * `Caused by:`, see ../job-failures' `flinkRootCause`), so a failed statement reads
 * `Flink SQL Gateway GET /v2/...: 500: org.apache.calcite...: Object 'nope' not found`.
 *
 * Serialization-safe (see ../toolkit/README.md): functions and literals only.
 */
import { PROVIDER_DEFAULTS } from "../../defaults";
import { flinkRootCause } from "../job-failures";
import { HttpTarget, httpTarget, requestJson, serverMessage } from "../toolkit/http";

/**
 * How a Flink resource reaches the JobManager's REST API: its `restUrl`, with `flinkCaCert` when the
 * cluster's REST endpoints (Flink's `security.ssl.rest.*`) have a company CA's certificate.
 */
export function flinkRestTarget(props: { restUrl?: unknown; flinkCaCert?: unknown }): HttpTarget {
    return httpTarget(String(props.restUrl ?? ""), props.flinkCaCert);
}

/** How a Flink SQL job reaches the SQL Gateway: its `gatewayUrl`, with the cluster's `flinkCaCert`. */
export function flinkGatewayTarget(props: { gatewayUrl?: unknown; flinkCaCert?: unknown }): HttpTarget {
    return httpTarget(String(props.gatewayUrl ?? ""), props.flinkCaCert);
}

/** Per-call options of {@link flinkRequest}. */
export interface FlinkRequestOptions {
    /** Per request (default `PROVIDER_DEFAULTS.requestTimeoutMs`). */
    requestTimeoutMs?: number;
    /** Values never to show in an error (a statement with a filled-in secret can be echoed by Flink). */
    secrets?: Array<string | undefined>;
}

/** Flink's reason in an error body: the telling line of its Java trace. */
export function flinkErrorMessage(json: any, text: string): string {
    return flinkRootCause(serverMessage(json, text));
}

/**
 * Calls a Flink REST API and returns the parsed JSON. A non-2xx answer throws the toolkit's
 * `HttpError` (`status`, Flink's root cause in the message); an unreachable server one with status 0.
 * `service` names who is called in errors (`Flink REST`, `Flink SQL Gateway`).
 */
export async function flinkRequest(
    service: string,
    baseUrl: HttpTarget,
    method: string,
    path: string,
    body?: unknown,
    options: FlinkRequestOptions = {},
): Promise<any> {
    return requestJson({
        service,
        baseUrl,
        method,
        path,
        body,
        timeoutMs: options.requestTimeoutMs ?? PROVIDER_DEFAULTS.requestTimeoutMs,
        errorMessage: flinkErrorMessage,
        secrets: options.secrets,
    });
}
