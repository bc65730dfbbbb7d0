/**
 * The credential outputs, one per consumer, each a Pulumi secret: `credentials` (the platform team's:
 * every credential), `warehouseCredentials` (S3 access to the warehouse only) and `dremioCredentials`
 * (Dremio's login, when Dremio is enabled). A consuming team is given the output it needs, never the
 * PostgreSQL superuser's password.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ClientSecrets, CredentialKey, LakehouseConfig } from "../config";
import type { DremioCredentials, StackCredentials, WarehouseCredentials } from "./contract";

/** What the credential outputs are made of. */
export interface CredentialSources {
    /** The stack's passwords (components/credentials.ts), each a secret Output; absent when not needed. */
    passwords: Partial<Record<CredentialKey, pulumi.Output<string>>>;
    /** The S3 key the services use (the warehouse's object store). */
    s3: { accessKeyId: pulumi.Input<string>; secretAccessKey: pulumi.Output<string> };
    /** True on storage provider minio, where the S3 key is MinIO's root key (exported again as `credentials.minio`). */
    onMinio: boolean;
    /** Resolves once the external services passed their checks: no credential is exported before. */
    externalChecks: pulumi.Output<boolean>;
    /** The secrets for a secured Kafka or PostgreSQL the stack set (default none). */
    clientSecrets?: ClientSecrets;
}

/** The credential outputs (`dremioCredentials` only when Dremio is enabled). */
export interface CredentialOutputs {
    credentials: pulumi.Output<StackCredentials>;
    warehouseCredentials: pulumi.Output<WarehouseCredentials>;
    dremioCredentials?: pulumi.Output<DremioCredentials>;
}

/** Every credential output of the stack, each wrapped in `pulumi.secret`. */
export function credentialOutputs(cfg: LakehouseConfig, from: CredentialSources): CredentialOutputs {
    const dremio = dremioCredentials(cfg, from);
    return {
        credentials: stackCredentials(cfg, from),
        warehouseCredentials: warehouseCredentials(from),
        ...(dremio ? { dremioCredentials: dremio } : {}),
    };
}

/** Secret output `credentials`: every credential of the stack, for the platform team. */
export function stackCredentials(cfg: LakehouseConfig, from: CredentialSources): pulumi.Output<StackCredentials> {
    const p = from.passwords;
    const c = from.clientSecrets ?? {};
    return pulumi.secret(
        pulumi
            .all([
                p.postgresPassword!,
                p.replicationPassword!,
                from.s3.accessKeyId,
                from.s3.secretAccessKey,
                p.dremioAdminPassword ?? "",
                from.externalChecks,
                pulumi.all([c.kafkaPassword ?? "", c.kafkaClientKey ?? "", c.postgresClientKey ?? "", c.nessieToken ?? ""]),
            ])
            .apply(([pg, repl, s3Key, s3Secret, dremio, , [kafkaPassword, kafkaClientKey, postgresClientKey, nessieToken]]) => ({
                postgres: { username: cfg.source.adminUser, password: pg },
                replication: { username: cfg.source.replicationUser, password: repl },
                ...(from.onMinio ? { minio: { accessKeyId: s3Key, secretAccessKey: s3Secret } } : {}),
                s3: { accessKeyId: s3Key, secretAccessKey: s3Secret },
                ...(cfg.dremio.enabled ? { dremio: { username: cfg.dremio.adminUser, password: dremio } } : {}),
                ...(c.kafkaPassword ? { kafka: { username: cfg.kafka.security?.username ?? "", password: kafkaPassword } } : {}),
                ...(c.kafkaClientKey ? { kafkaClientKey } : {}),
                ...(c.postgresClientKey ? { postgresClientKey } : {}),
                ...(c.nessieToken ? { nessieToken } : {}),
            })),
    );
}

/**
 * Secret output `warehouseCredentials`: the S3 key the services use, and nothing else. On MinIO it is
 * the root key (a dedicated read-only key is future work: MinIO users are made through its admin API,
 * which the program does not drive yet); on AWS the program's IAM user's key, scoped to the bucket.
 */
export function warehouseCredentials(from: CredentialSources): pulumi.Output<WarehouseCredentials> {
    return pulumi.secret(
        pulumi
            .all([from.s3.accessKeyId, from.s3.secretAccessKey, from.externalChecks])
            .apply(([accessKeyId, secretAccessKey]) => ({ accessKeyId, secretAccessKey })),
    );
}

/** Secret output `dremioCredentials`: Dremio's first admin; undefined when Dremio is disabled. */
export function dremioCredentials(cfg: LakehouseConfig, from: CredentialSources): pulumi.Output<DremioCredentials> | undefined {
    const password = from.passwords.dremioAdminPassword;
    if (!cfg.dremio.enabled || !password) return undefined;
    return pulumi.secret(pulumi.all([password, from.externalChecks]).apply(([pw]) => ({ userName: cfg.dremio.adminUser, password: pw })));
}
