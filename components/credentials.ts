import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ConfiguredCredentials, CredentialKey, CREDENTIAL_KEYS } from "./config";
import { MINIO_SECRETS } from "./minio";
import { POSTGRES_SECRETS } from "./postgres";
import { SecretRegistry } from "./platform";

export interface CredentialsArgs {
    /** Secrets the stack set itself; every other needed credential is generated. */
    configured: ConfiguredCredentials;
    /** Credentials the stack uses (e.g. no Dremio password when Dremio is disabled). */
    needed: CredentialKey[];
}

/** Name of each credential in the platforms' secret registry (what specs reference in `secretEnv`). */
export const SECRET_NAMES: Record<CredentialKey, string> = {
    postgresPassword: POSTGRES_SECRETS.admin,
    replicationPassword: POSTGRES_SECRETS.replication,
    minioRootPassword: MINIO_SECRETS.rootPassword,
    dremioAdminPassword: "dremio-admin-password",
};

/**
 * The stack's passwords: taken from secret config when set, otherwise generated once by
 * `@pulumi/random` and kept in state (encrypted). Every value is a secret Output.
 */
export class Credentials extends pulumi.ComponentResource {
    readonly values: Partial<Record<CredentialKey, pulumi.Output<string>>>;
    /** The same values under the names specs use. */
    readonly registry: SecretRegistry;

    constructor(name: string, args: CredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:credentials:Credentials", name, {}, opts);
        const values: Partial<Record<CredentialKey, pulumi.Output<string>>> = {};
        for (const key of CREDENTIAL_KEYS.filter((k) => args.needed.includes(k))) {
            const configured = args.configured[key];
            values[key] = pulumi.secret(
                configured ??
                    new random.RandomPassword(
                        `${name}-${key}`,
                        // Letters and digits only: these end up in JDBC URLs, env files and shell commands.
                        { length: 24, special: false, minLower: 2, minUpper: 2, minNumeric: 2 },
                        { parent: this },
                    ).result,
            );
        }
        this.values = values;
        this.registry = Object.fromEntries(Object.entries(values).map(([k, v]) => [SECRET_NAMES[k as CredentialKey], v!]));
        this.registerOutputs({});
    }
}
