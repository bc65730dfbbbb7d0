/**
 * The NESSIE source config: its fields, the defaults the server fills in, which fields are secrets,
 * and how secrets are answered and kept. Follows (github.com/dremio/dremio-oss):
 *     plugins/dataplane/src/main/java/com/dremio/plugins/dataplane/store/{NessiePluginConfig,AbstractDataplanePluginConfig}.java,
 *     sabot/kernel/src/main/java/com/dremio/exec/catalog/conf/{AWSAuthenticationType,NessieAuthType,Property,DefaultCtasFormatSelection}.java,
 *     sabot/kernel/src/main/java/com/dremio/exec/catalog/conf/{ConnectionConf,SecretRef,SecretRefSerializer}.java
 * Every @Secret field is answered as "$DREMIO_EXISTING_VALUE$" ("" stays "", null is omitted); on PUT
 * that placeholder keeps the stored value.
 */
import { genericErrorWithTrace } from "./errors";

/** What Dremio answers in place of a set secret, and what a client sends back to keep it. */
export const USE_EXISTING_SECRET_VALUE = "$DREMIO_EXISTING_VALUE$";

type FieldKind = "string" | "secret" | "boolean" | "int" | "properties" | { enum: string[] };

const NESSIE_FIELDS: Record<string, FieldKind> = {
    nessieEndpoint: "string",
    nessieAccessToken: "secret",
    awsAccessKey: "string",
    awsAccessSecret: "secret",
    awsRootPath: "string",
    propertyList: "properties",
    assumedRoleARN: "string",
    credentialType: { enum: ["ACCESS_KEY", "EC2_METADATA", "NONE", "AWS_PROFILE"] },
    asyncEnabled: "boolean",
    isCachingEnabled: "boolean",
    maxCacheSpacePct: "int",
    defaultCtasFormat: { enum: ["ICEBERG", "PARQUET"] },
    nessieAuthType: { enum: ["NONE", "BEARER", "OAUTH2"] },
    awsProfile: "string",
    secure: "boolean",
    storageProvider: { enum: ["AWS", "AZURE", "GOOGLE"] },
    azureStorageAccount: "string",
    azureRootPath: "string",
    azureAuthenticationType: { enum: ["ACCESS_KEY", "AZURE_ACTIVE_DIRECTORY"] },
    azureAccessKey: "secret",
    azureApplicationId: "string",
    azureClientSecret: "secret",
    azureOAuthTokenEndpoint: "string",
    googleProjectId: "string",
    googleRootPath: "string",
    googleAuthenticationType: { enum: ["SERVICE_ACCOUNT_KEYS", "AUTO"] },
    googlePrivateKeyId: "string",
    googlePrivateKey: "secret",
    googleClientEmail: "string",
    googleClientId: "string",
    oauth2ClientId: "string",
    oauth2ClientSecret: "secret",
    oauth2TokenEndpointURI: "string",
};

/** Field initialisers of the Java classes: what the server fills in when a client leaves a field out. */
const NESSIE_DEFAULTS: Record<string, unknown> = {
    propertyList: [],
    asyncEnabled: true,
    isCachingEnabled: true,
    maxCacheSpacePct: 100,
    defaultCtasFormat: "ICEBERG",
    nessieAuthType: "BEARER",
    secure: true,
};

const NESSIE_SECRET_FIELDS = Object.keys(NESSIE_FIELDS).filter((k) => NESSIE_FIELDS[k] === "secret");

/** Jackson reading the config into NessiePluginConfig (FAIL_ON_UNKNOWN_PROPERTIES is on): the defaults, then what was sent. */
export function parseNessieConfig(raw: unknown): Record<string, unknown> {
    if (raw === undefined || raw === null) return { ...structuredClone(NESSIE_DEFAULTS) };
    if (typeof raw !== "object" || Array.isArray(raw)) throw genericErrorWithTrace(400, "Invalid value found at: config");
    const out: Record<string, unknown> = structuredClone(NESSIE_DEFAULTS);
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
        const kind = NESSIE_FIELDS[key];
        const bad = () => genericErrorWithTrace(400, `Invalid value found at: config.${key}`);
        if (!kind) throw bad();
        if (value === null) {
            // Jackson sets an explicit null (primitives keep their default).
            if (kind === "boolean" || kind === "int") continue;
            out[key] = null;
            continue;
        }
        if (kind === "string" || kind === "secret") {
            if (typeof value === "object") throw bad();
            out[key] = String(value);
        } else if (kind === "boolean") {
            if (typeof value === "boolean") out[key] = value;
            else if (value === "true" || value === "false") out[key] = value === "true";
            else throw bad();
        } else if (kind === "int") {
            const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : NaN;
            if (!Number.isInteger(n)) throw bad();
            out[key] = n;
        } else if (kind === "properties") {
            if (!Array.isArray(value)) throw bad();
            out[key] = value.map((p, i) => {
                if (!p || typeof p !== "object" || Array.isArray(p)) throw genericErrorWithTrace(400, `Invalid value found at: config.${key}[${i}]`);
                const prop: Record<string, string> = {};
                for (const [pk, pv] of Object.entries(p as Record<string, unknown>)) {
                    if (pk !== "name" && pk !== "value") throw genericErrorWithTrace(400, `Invalid value found at: config.${key}[${i}].${pk}`);
                    if (pv !== null && pv !== undefined) prop[pk] = String(pv);
                }
                return prop;
            });
        } else {
            if (typeof value !== "string" || !kind.enum.includes(value)) throw bad();
            out[key] = value;
        }
    }
    return out;
}

/** ConnectionConf.clearSecrets + SecretRefSerializer: a set secret is answered as the placeholder. */
export function redactConfig(config: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) {
        if (v === null || v === undefined) continue; // NON_NULL
        if (NESSIE_SECRET_FIELDS.includes(k)) out[k] = v === "" ? "" : USE_EXISTING_SECRET_VALUE;
        else out[k] = structuredClone(v);
    }
    return out;
}

/** ConnectionConf.applySecretsFrom: the placeholder in a secret field takes the stored value. */
export function applySecretsFrom(config: Record<string, unknown>, existing: Record<string, unknown>): void {
    for (const k of NESSIE_SECRET_FIELDS) {
        if (config[k] === USE_EXISTING_SECRET_VALUE) config[k] = existing[k] ?? null;
    }
}

/** Absent, null or "": a value Dremio's checks treat as not given. */
export function isBlank(v: unknown): boolean {
    return v === undefined || v === null || v === "";
}
