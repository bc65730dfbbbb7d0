/**
 * TLS material given to a provider as PEM text (a CA or client certificate, a client key): why a value
 * is not that, for the check that names the input. Serialization-safe (see ./README.md).
 */

/** Why `value` is not PEM text of `kind`; undefined when it is, or when it is not a string (unknown during preview). */
export function pemProblem(value: unknown, kind: "certificate" | "private key"): string | undefined {
    if (typeof value !== "string") return undefined;
    if (kind === "certificate")
        return /-----BEGIN CERTIFICATE-----/.test(value) ? undefined : "must be PEM text (-----BEGIN CERTIFICATE----- ...), not a file name";
    return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value) ? undefined : "must be a PEM private key (-----BEGIN PRIVATE KEY----- ...)";
}
