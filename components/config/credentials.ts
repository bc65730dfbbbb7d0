/**
 * The credential keys (`lakehouse:postgresPassword`, ...): which ones the stack sets, each as a
 * secret of at least 8 characters. Their values never leave this check.
 */
import { Reader } from "./reader";
import { CONFIG_NAMESPACE, CREDENTIAL_KEYS, CredentialKey } from "./types";

/** Which credentials the stack sets; a set one must be a secret of at least 8 characters. */
export function parseCredentialsSet(r: Reader, values: Record<string, string>, secretKeys: ReadonlySet<string>): Record<CredentialKey, boolean> {
    const credentialsSet = {} as Record<CredentialKey, boolean>;
    for (const key of CREDENTIAL_KEYS) {
        credentialsSet[key] = values[key] !== undefined;
        if (values[key] === undefined) continue;
        // The value itself never goes into a message.
        if (!secretKeys.has(key)) {
            r.problem(
                key,
                "a plain-text value",
                `a secret: run \`pulumi config set --secret ${CONFIG_NAMESPACE}:${key} <value>\` (or remove it and let the program generate one)`,
            );
        } else if (values[key].length < 8) {
            r.problem(key, `a secret of ${values[key].length} characters`, "at least 8 characters (MinIO and Dremio reject shorter ones)");
        }
    }
    return credentialsSet;
}
