/**
 * What every client of a secured Kafka or PostgreSQL is given (issue 19), from the stack's
 * `kafka.security`, `source.tls` and their secrets: the provider inputs (topics, CDC source, table
 * snapshots, the external checks), the Debezium connector's TLS to PostgreSQL, the Kafka properties of
 * the Flink jobs' sources, and the Connect workers the program runs. Pure: config in, settings out;
 * secrets stay Outputs, or `{{secret.*}}` placeholders the job resource fills when it sends the SQL.
 */
import * as pulumi from "@pulumi/pulumi";
import { ClientSecretKey, ClientSecrets, LakehouseConfig } from "./config";
import { DEFAULTS } from "./defaults";
import { PGJDBC_INLINE_CA_FACTORY, PGJDBC_SYSTEM_CA_FACTORY, PostgresTls } from "./dynamic/postgres-client";
import { KafkaClientCredentials, KafkaClientSecurity, kafkaProtocolParts } from "./dynamic/toolkit/kafka-client";

/** Kafka's JAAS login module of each SASL mechanism. */
export function saslLoginModule(mechanism: string): string {
    return mechanism === "PLAIN" ? "org.apache.kafka.common.security.plain.PlainLoginModule" : "org.apache.kafka.common.security.scram.ScramLoginModule";
}

/** A value inside a JAAS option's double quotes (Kafka's parser reads `\` escapes there). */
function jaasQuoted(value: string): string {
    return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Kafka's `sasl.jaas.config` for a SASL login; `password` may be a config-provider reference. */
export function kafkaJaasConfig(security: KafkaClientSecurity, password: string): string {
    return `${saslLoginModule(security.saslMechanism ?? "")} required username=${jaasQuoted(security.username ?? "")} password=${jaasQuoted(password)};`;
}

/** The KafkaTopic inputs for the stack's Kafka: none for PLAINTEXT. */
export function kafkaTopicSecurity(
    cfg: LakehouseConfig,
    secrets: ClientSecrets,
): { security?: KafkaClientSecurity; credentials?: pulumi.Output<KafkaClientCredentials> } {
    const security = cfg.kafka.security;
    if (!security) return {};
    const credentials: Record<string, pulumi.Output<string>> = {};
    if (secrets.kafkaPassword) credentials.password = secrets.kafkaPassword;
    if (secrets.kafkaClientKey) credentials.clientKey = secrets.kafkaClientKey;
    return { security, ...(Object.keys(credentials).length ? { credentials: pulumi.secret(pulumi.output(credentials)) } : {}) };
}

/** The CDC source's and table snapshots' `tls` inputs for the stack's PostgreSQL: none for sslmode disable. */
export function sourceTlsInputs(cfg: LakehouseConfig, secrets: ClientSecrets): { tls?: Omit<PostgresTls, "clientKey">; tlsClientKey?: pulumi.Output<string> } {
    const tls = cfg.source.tls;
    if (!tls) return {};
    return { tls, ...(secrets.postgresClientKey ? { tlsClientKey: secrets.postgresClientKey } : {}) };
}

/**
 * Debezium's TLS to PostgreSQL (`database.*` settings the program owns): pgjdbc's sslmode, and the CA
 * inline through pgjdbc's `PGJDBC_INLINE_CA_FACTORY` (its first certificate: the CA that signed the
 * server's), so the workers need no file; verify-ca or verify-full without a CA trust the JVM's CAs
 * (`PGJDBC_SYSTEM_CA_FACTORY`; pgjdbc would otherwise want `~/.postgresql/root.crt` on every worker).
 * The connector's slot cleanup reads the sslmode and CA back (`connectorConfigTls` in
 * components/dynamic/postgres-client.ts). Debezium logs in with the replication password; the client
 * certificate (`source.tls.clientCert`) is for the program's own connections only (pgjdbc would need
 * its key as a file on every worker).
 */
export function debeziumTlsSettings(cfg: LakehouseConfig): Record<string, string> {
    const tls = cfg.source.tls;
    if (!tls) return {};
    const sslmode = tls.sslmode ?? "disable";
    if (tls.caCert) return { "database.sslmode": sslmode, "database.sslfactory": PGJDBC_INLINE_CA_FACTORY, "database.sslfactoryarg": tls.caCert };
    return { "database.sslmode": sslmode, ...(sslmode.startsWith("verify-") ? { "database.sslfactory": PGJDBC_SYSTEM_CA_FACTORY } : {}) };
}

/**
 * Kafka client properties (without a prefix) of the stack's security, for a Java client: the protocol,
 * the SASL login with `password` (a value, a `{{secret.*}}` placeholder or a config-provider reference),
 * and the CA and client certificate inline as PEM (Kafka >= 2.7, KIP-651). `clientKey` likewise. Empty for PLAINTEXT.
 */
export function kafkaJavaClientProperties(security: KafkaClientSecurity | undefined, secret: { password: string; clientKey: string }): Record<string, string> {
    if (!security) return {};
    const parts = kafkaProtocolParts(security.protocol);
    const props: Record<string, string> = { "security.protocol": security.protocol ?? "PLAINTEXT" };
    if (parts.sasl) {
        props["sasl.mechanism"] = security.saslMechanism ?? "";
        props["sasl.jaas.config"] = kafkaJaasConfig(security, secret.password);
    }
    if (parts.tls && security.caCert) {
        props["ssl.truststore.type"] = "PEM";
        props["ssl.truststore.certificates"] = security.caCert;
    }
    if (parts.tls && security.clientCert) {
        props["ssl.keystore.type"] = "PEM";
        props["ssl.keystore.certificate.chain"] = security.clientCert;
        props["ssl.keystore.key"] = secret.clientKey;
    }
    return props;
}

/** The job secrets a secured Kafka adds (`{{secret.*}}` names, see components/jobs.ts JOB_SECRETS). */
export const KAFKA_JOB_SECRETS = { jaasConfig: "kafkaJaasConfig", clientKey: "kafkaClientKey" } as const;

/**
 * The Flink Kafka source options of the stack's security, as SQL `WITH` entries (`'properties.<key>' = '<value>',`
 * one per line, each with its comma), for the job templates' `{{kafkaSecurityOptions}}`. The JAAS line
 * (it holds the password) and the client key are `{{secret.*}}` placeholders. Empty for PLAINTEXT.
 */
export function flinkKafkaSecurityOptions(security: KafkaClientSecurity | undefined): string {
    const props = kafkaJavaClientProperties(security, { password: "", clientKey: `{{secret.${KAFKA_JOB_SECRETS.clientKey}}}` });
    if (props["sasl.jaas.config"] !== undefined) props["sasl.jaas.config"] = `{{secret.${KAFKA_JOB_SECRETS.jaasConfig}}}`;
    return Object.entries(props)
        .map(([key, value]) => `'properties.${key}' = '${value.startsWith("{{secret.") ? value : value.replace(/'/g, "''")}',`)
        .join("\n    ");
}

/** The values of the jobs' Kafka secrets: the JAAS line with the password, and the client key; none for PLAINTEXT. */
export function kafkaJobSecrets(cfg: LakehouseConfig, secrets: ClientSecrets): Record<string, pulumi.Output<string>> {
    const security = cfg.kafka.security;
    if (!security) return {};
    const out: Record<string, pulumi.Output<string>> = {};
    if (kafkaProtocolParts(security.protocol).sasl && secrets.kafkaPassword)
        out[KAFKA_JOB_SECRETS.jaasConfig] = pulumi.secret(secrets.kafkaPassword.apply((password) => kafkaJaasConfig(security, password)));
    if (security.clientCert && secrets.kafkaClientKey) out[KAFKA_JOB_SECRETS.clientKey] = pulumi.secret(secrets.kafkaClientKey);
    return out;
}

/**
 * The Iceberg catalog's Nessie login, for jobs/catalog.sql's `{{nessieAuthOptions}}`: a bearer token
 * (Nessie's client reads `authentication.type` and `authentication.token` from the catalog's
 * properties), the token as `{{secret.nessieToken}}`, filled in only when the job is submitted; empty
 * without one.
 */
export function nessieCatalogAuthOptions(hasToken: boolean): string {
    return hasToken ? "'authentication.type' = 'BEARER',\n    'authentication.token' = '{{secret.nessieToken}}'," : "";
}

/** The same login as the maintenance job's `--catalog.<property>` arguments. */
export function nessieCatalogAuthArgs(hasToken: boolean): string[] {
    return hasToken ? ["--catalog.authentication.type=BEARER", "--catalog.authentication.token={{secret.nessieToken}}"] : [];
}

/** The jobs' Nessie secret: the token, when the stack sets one. */
export function nessieJobSecrets(secrets: ClientSecrets): Record<string, pulumi.Output<string>> {
    return secrets.nessieToken ? { nessieToken: pulumi.secret(secrets.nessieToken) } : {};
}

/** Each client secret's name in the platforms' secret registry (what workload specs reference in `secretEnv`). */
export const CLIENT_SECRET_NAMES: Record<ClientSecretKey, string> = {
    kafkaPassword: "kafka-password",
    kafkaClientKey: "kafka-client-key",
    postgresClientKey: "postgres-client-key",
    nessieToken: "nessie-token",
    flinkTlsKey: "flink-tls-key",
};

/** The stack's client secrets under their registry names. */
export function clientSecretRegistry(secrets: ClientSecrets): Record<string, pulumi.Output<string>> {
    return Object.fromEntries(Object.entries(secrets).map(([key, value]) => [CLIENT_SECRET_NAMES[key as ClientSecretKey], value!]));
}

/**
 * The Connect worker settings of a secured Kafka, for the workers the program runs: the client
 * properties for the worker itself and for its producers (the connector's), consumers and admin clients
 * (Connect gives each its own prefix), as `CONNECT_<KEY>` env entries (the image's convention). The
 * password and client key are `${env:...}` references the workers' config provider resolves from their
 * secret env (`secretEnv`), so neither is in the worker's properties or the container's plain env.
 */
export function connectWorkerKafkaSecurity(security: KafkaClientSecurity | undefined): {
    env: Record<string, string>;
    secretEnv: Record<string, { secret: string }>;
    /** The env variables the worker's config provider may read. */
    providerVariables: string[];
} {
    if (!security) return { env: {}, secretEnv: {}, providerVariables: [] };
    const provider = DEFAULTS.connect.passwordConfigProvider;
    const { kafkaPasswordEnv, kafkaClientKeyEnv } = DEFAULTS.connect;
    const parts = kafkaProtocolParts(security.protocol);
    const props = kafkaJavaClientProperties(security, { password: `\${${provider}:${kafkaPasswordEnv}}`, clientKey: `\${${provider}:${kafkaClientKeyEnv}}` });
    const env: Record<string, string> = {};
    for (const prefix of ["", "producer.", "consumer.", "admin."])
        for (const [key, value] of Object.entries(props)) env[`CONNECT_${`${prefix}${key}`.toUpperCase().replace(/\./g, "_")}`] = value;
    const secretEnv: Record<string, { secret: string }> = {};
    if (parts.sasl) secretEnv[kafkaPasswordEnv] = { secret: CLIENT_SECRET_NAMES.kafkaPassword };
    if (parts.tls && security.clientCert) secretEnv[kafkaClientKeyEnv] = { secret: CLIENT_SECRET_NAMES.kafkaClientKey };
    return { env, secretEnv, providerVariables: Object.keys(secretEnv) };
}
