/**
 * Lets the rules see which values are secrets.
 *
 * The engine sends an analyzer every property with its secrets marked (the CLI marshals with
 * `KeepSecrets: true`), but @pulumi/policy 1.21.0 unwraps them before any validation:
 * `server.js` calls `deserialize.deserializeProperties(req.getProperties(), false)` for
 * `validateResource` and `validateStack`, and only remediations get `Secret` wrappers. Neither
 * `ResourceValidationArgs` nor `PolicyResource` says what was secret, so "is this password a
 * secret?" cannot be asked through the public API.
 *
 * This hook replaces that module export for the validation path only (the remediation path,
 * `proxySecrets === true`, is untouched): secrets stay in Pulumi's wire form
 * (`{ "4dabf...": "1b470...", value }`, see wire.ts), everything else is deserialized by the SDK's
 * own function. It relies on @pulumi/policy internals, which is why the package is pinned to an exact
 * version and `tests/unit/policy/policy-pack.test.ts` drives the SDK's real analyze handlers through it:
 * an upgrade that changes them fails that test. When the hook cannot be installed the pack still
 * runs, with the secret rules limited to what needs no secret marks (see SecretRuleOptions).
 */
import { SECRET_SIG, SIG_KEY } from "./wire";

const MARK = "__lakehouseKeepsSecrets";

type Deserialize = ((struct: { toJavaScript(): Record<string, unknown> }, proxySecrets: boolean) => Record<string, unknown>) & { [MARK]?: boolean };

/** Installs the hook (idempotent). Returns true when validations will see secrets marked. */
export function installSecretKeepingDeserializer(): boolean {
    let mod: { deserializeProperties?: Deserialize };
    try {
        mod = require("@pulumi/policy/deserialize");
    } catch {
        return false;
    }
    const original = mod.deserializeProperties;
    if (typeof original !== "function") return false;
    if (original[MARK]) return true;

    /** The SDK's deserialization of one value that is not a secret (assets, archives, plain JSON). */
    const sdkValue = (value: unknown): unknown => original({ toJavaScript: () => ({ v: value }) as Record<string, unknown> }, false).v;

    const keep = (value: unknown): unknown => {
        if (value === null || typeof value !== "object") return value;
        if (Array.isArray(value)) return value.map(keep);
        const obj = value as Record<string, unknown>;
        const sig = obj[SIG_KEY];
        if (sig === SECRET_SIG) return { [SIG_KEY]: SECRET_SIG, value: keep(obj.value) };
        if (sig !== undefined) return sdkValue(obj);
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = keep(v);
        return out;
    };

    const patched: Deserialize = (struct, proxySecrets) => {
        if (proxySecrets) return original(struct, proxySecrets);
        const raw = struct.toJavaScript();
        const props: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(raw)) if (v !== undefined) props[k] = keep(v);
        return props;
    };
    patched[MARK] = true;
    try {
        mod.deserializeProperties = patched;
    } catch {
        return false;
    }
    return mod.deserializeProperties === patched;
}
