/**
 * Property values as the Pulumi engine sends them to an analyzer (the wire form): a secret is
 * `{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value }`, an unknown
 * value (during preview) is one of the sentinel strings below. The rules read resources in this form,
 * so they can tell a secret from plain text; `secrets-hook.ts` makes @pulumi/policy hand them over
 * that way (it unwraps secrets before validations otherwise), and the tests feed the rules exactly
 * what the program registers under Pulumi's mocks, which is the same form.
 */

/** The key and signature Pulumi's wire format puts on a secret value. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Sentinels of values that are not known yet (preview), one per kind of value. */
export const UNKNOWN_VALUES = new Set([
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string (and untyped)
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** A resource as the rules see it: its type token, URN, name and properties in wire form. */
export interface ResourceView {
    type: string;
    name: string;
    /** `urn:pulumi:<stack>::<project>::<type path>::<name>`; the stack name is read from it. */
    urn?: string;
    /** Inputs (resource validation) or outputs (stack validation), secrets still marked. */
    props: Record<string, unknown>;
    /** The resource's `protect` option, where the engine tells it (resource validation). */
    protect?: boolean;
}

export function isSecretValue(value: unknown): value is { value: unknown } {
    return value !== null && typeof value === "object" && !Array.isArray(value) && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

export function isUnknownValue(value: unknown): boolean {
    return typeof value === "string" && UNKNOWN_VALUES.has(value);
}

/** The value with every secret marker removed, recursively. */
export function unwrap(value: unknown): any {
    if (isSecretValue(value)) return unwrap(value.value);
    if (Array.isArray(value)) return value.map(unwrap);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, unwrap(v)]));
    }
    return value;
}

/** A scalar inside a wire-form value. */
export interface Leaf {
    /** Keys and indexes from the resource's properties to this value. */
    path: (string | number)[];
    value: unknown;
    /** True when this value or one of its ancestors is a secret. */
    secret: boolean;
}

/** Every scalar leaf of a wire-form value, with whether a secret holds it. */
export function leaves(value: unknown, path: (string | number)[] = [], secret = false, out: Leaf[] = []): Leaf[] {
    if (isSecretValue(value)) return leaves(value.value, path, true, out);
    if (Array.isArray(value)) value.forEach((v, i) => leaves(v, [...path, i], secret, out));
    else if (value !== null && typeof value === "object")
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) leaves(v, [...path, k], secret, out);
    else out.push({ path, value, secret });
    return out;
}

/** A property path for messages: `spec.template.spec.containers[0].env[3]`, `config["database.password"]`. */
export function formatPath(path: (string | number)[]): string {
    let out = "";
    for (const p of path) {
        if (typeof p === "number") out += `[${p}]`;
        else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p)) out += out ? `.${p}` : p;
        else out += `[${JSON.stringify(p)}]`;
    }
    return out;
}

/** The stack name in a URN (`urn:pulumi:<stack>::<project>::...`), or undefined. */
export function stackOfUrn(urn: string | undefined): string | undefined {
    const m = /^urn:pulumi:([^:]+)::/.exec(urn ?? "");
    return m ? m[1] : undefined;
}

/** The project name in a URN, or undefined. */
export function projectOfUrn(urn: string | undefined): string | undefined {
    const m = /^urn:pulumi:[^:]+::([^:]+)::/.exec(urn ?? "");
    return m ? m[1] : undefined;
}

/**
 * The plain object under @pulumi/policy's unknown-checking proxy (which throws on reading an unknown
 * value), so that a rule can look at a resource during preview and skip what is not known yet
 * instead of giving up on the whole resource. Anything else is returned as it is.
 */
export function withoutProxy<T>(value: T): T {
    if (value !== null && typeof value === "object") {
        try {
            const target = (value as any)["__getSpecialProxyTarget"];
            if (target && typeof target === "object") return target as T;
        } catch {
            // not the SDK's proxy
        }
    }
    return value;
}
