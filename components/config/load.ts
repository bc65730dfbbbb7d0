/**
 * `loadLakehouseConfig`: the one reader of `pulumi.Config`. It hands the stack's `lakehouse:*`
 * values to the pure `parseLakehouseConfig` and reads the credentials the stack sets as secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import { CLIENT_SECRET_KEYS, ClientSecretKey } from "./client-security";
import { parseLakehouseConfig } from "./parse";
import { ConfigValidationError } from "./reader";
import { CONFIG_NAMESPACE, CREDENTIAL_KEYS, CredentialKey, LakehouseConfig } from "./types";

/** The secret config values a stack set; undefined for those the program generates. */
export type ConfiguredCredentials = Partial<Record<CredentialKey, pulumi.Output<string>>>;
/** The secrets for secured services the stack set (`kafkaPassword`, `kafkaClientKey`, `postgresClientKey`). */
export type ClientSecrets = Partial<Record<ClientSecretKey, pulumi.Output<string>>>;

/**
 * Reads and validates the current stack's configuration. Throws a `pulumi.RunError` (printed without
 * a stack trace) before any resource is registered when anything is wrong.
 */
export function loadLakehouseConfig(): {
    config: LakehouseConfig;
    credentials: ConfiguredCredentials;
    credentialValues: Partial<Record<CredentialKey, string>>;
    clientSecrets: ClientSecrets;
    clientSecretValues: Partial<Record<ClientSecretKey, string>>;
} {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const all = pulumi.runtime.allConfig();
    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    // `isConfigSecret` is how the SDK itself tells secret config apart; it is not in the public typings.
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (key: string) => boolean };
    for (const [fullKey, value] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        values[key] = value;
        if (runtimeConfig.isConfigSecret?.(fullKey)) secretKeys.add(key);
    }
    let config: LakehouseConfig;
    try {
        config = parseLakehouseConfig(values, secretKeys, { project: pulumi.getProject(), stack: pulumi.getStack() });
    } catch (err) {
        if (err instanceof ConfigValidationError) throw new pulumi.RunError(err.message);
        throw err;
    }
    const reader = new pulumi.Config(CONFIG_NAMESPACE);
    const credentials: ConfiguredCredentials = {};
    // Plain values only for checks that run before any resource exists (never logged or exported).
    const credentialValues: Partial<Record<CredentialKey, string>> = {};
    for (const key of CREDENTIAL_KEYS) {
        if (!config.credentialsSet[key]) continue;
        credentials[key] = reader.requireSecret(key);
        credentialValues[key] = values[key];
    }
    const clientSecrets: ClientSecrets = {};
    const clientSecretValues: Partial<Record<ClientSecretKey, string>> = {};
    for (const key of CLIENT_SECRET_KEYS) {
        if (!config.clientSecretsSet[key]) continue;
        clientSecrets[key] = reader.requireSecret(key);
        clientSecretValues[key] = values[key];
    }
    return { config, credentials, credentialValues, clientSecrets, clientSecretValues };
}
