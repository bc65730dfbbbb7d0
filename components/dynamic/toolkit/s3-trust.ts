/**
 * The S3 client's trust of a company CA (issue 19): an S3 endpoint over HTTPS whose certificate a
 * company CA signed is reached with an `https.Agent` trusting exactly that CA, as the AWS SDK takes it
 * (`requestHandler: { httpsAgent }`); nothing changes without one. Serialization-safe (see ./README.md):
 * `https` is required inside the function.
 */

/** The S3 client options that make it trust `caCert` (PEM); `{}` without one. */
export function s3TrustOptions(caCert: string | undefined): { requestHandler?: { httpsAgent: import("https").Agent } } {
    if (typeof caCert !== "string" || caCert === "") return {};
    const https = require("https") as typeof import("https");
    return { requestHandler: { httpsAgent: new https.Agent({ ca: caCert, keepAlive: true }) } };
}

/** The code of a failed S3 call at the connection or TLS layer (e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE), for the toolkit's `httpsFix`. */
export function s3ConnectionCause(err: unknown): string {
    const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
    // The SDK wraps a connection error as "AWS SDK error wrapper for Error: <Node's message>".
    return e.code ?? e.cause?.code ?? e.message?.replace(/^AWS SDK error wrapper for \w+: /, "") ?? e.name ?? String(err);
}
