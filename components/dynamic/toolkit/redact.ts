/**
 * Keeps secret values out of messages: errors, progress lines and diffs name a secret, never show it.
 *
 * Serialization-safe (see ./README.md).
 */

/** Replaces every secret value (4 characters or longer) in `message` by `[secret]`. */
export function redact(message: string, secrets: Iterable<string | undefined> | Record<string, string | undefined> | undefined): string {
    if (!secrets) return message;
    const values: Array<string | undefined> =
        Symbol.iterator in Object(secrets) ? [...(secrets as Iterable<string | undefined>)] : Object.values(secrets as Record<string, string | undefined>);
    let out = message;
    // Longest first, so a secret that contains another is replaced whole.
    for (const value of values.filter((v): v is string => typeof v === "string" && v.length >= 4).sort((a, b) => b.length - a.length)) {
        out = out.split(value).join("[secret]");
    }
    return out;
}
