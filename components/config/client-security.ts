/**
 * How the program's clients reach a secured Kafka and PostgreSQL (issue 19): `lakehouse:kafka.security`
 * (protocol, SASL mechanism and user, CA, client certificate), `lakehouse:source.tls` (sslmode, CA,
 * client certificate), and their secrets (`kafkaPassword`, `kafkaClientKey`, `postgresClientKey`); and
 * the bearer token of an external Nessie (`nessieToken`; its CA is `external.nessie.caCert`).
 * The rules are the providers' own (components/dynamic/toolkit/kafka-client.ts, postgres-client.ts), so
 * the stack config and a resource refuse the same input with the same reason, here before anything
 * is created. Secured connections are for external services only: the program's own brokers and
 * database listen in plaintext on the stack's private network.
 */
import { checkPostgresTls, PostgresTls } from "../dynamic/postgres-client";
import { checkKafkaClientSecurity, KafkaClientSecurity, kafkaProtocolParts } from "../dynamic/toolkit/kafka-client";
import { Reader } from "./reader";
import { CONFIG_NAMESPACE, ExternalServices, FlinkRestTls } from "./types";

/**
 * Secrets of secured connections, and the key of the REST certificate of a Flink the program runs: set by
 * the stack when its services need them, never generated.
 */
export const CLIENT_SECRET_KEYS = ["kafkaPassword", "kafkaClientKey", "postgresClientKey", "nessieToken", "flinkTlsKey"] as const;
/** One of CLIENT_SECRET_KEYS. */
export type ClientSecretKey = (typeof CLIENT_SECRET_KEYS)[number];

/** Keys of `lakehouse:kafka.security`. */
export const KAFKA_SECURITY_KEYS = ["protocol", "saslMechanism", "username", "caCert", "clientCert"] as const;
/** Keys of `lakehouse:source.tls`. */
export const SOURCE_TLS_KEYS = ["sslmode", "caCert", "clientCert"] as const;

/** How to set a certificate from a file, for the messages. */
function pemHint(key: string): string {
    return `set it from a file with \`pulumi config set --path '${CONFIG_NAMESPACE}:${key}' -- "$(cat ca.pem)"\``;
}

/** Copies the string fields of `given` named in `keys`; a non-string value is a problem. */
function stringFields<K extends string>(r: Reader, given: Record<string, unknown>, at: string, keys: readonly K[]): Partial<Record<K, string>> {
    const out: Partial<Record<K, string>> = {};
    for (const key of keys) {
        const value = given[key];
        if (value === undefined) continue;
        if (typeof value !== "string") r.problem(`${at}.${key}`, value, key.endsWith("Cert") ? `a PEM certificate: ${pemHint(`${at}.${key}`)}` : "a string");
        else out[key] = value;
    }
    return out;
}

/**
 * `lakehouse:kafka.security`: undefined when unset or PLAINTEXT. Checked by the topic resource's own
 * rules (`kafkaPassword` and `kafkaClientKey` stand for its credentials); anything but PLAINTEXT needs
 * `external.kafka`.
 */
export function parseKafkaSecurity(r: Reader, value: unknown, secrets: ClientSecretValues, external: ExternalServices): KafkaClientSecurity | undefined {
    if (value === undefined) return undefined;
    const given = r.record(value, "kafka.security", "an object: protocol, saslMechanism, username, caCert, clientCert");
    if (!given) return undefined;
    r.onlyKeys(given, "kafka.security", KAFKA_SECURITY_KEYS);
    const security: KafkaClientSecurity = stringFields(r, given, "kafka.security", KAFKA_SECURITY_KEYS);
    // The password and key are checked for presence and form only; their values never reach a message.
    const credentials = {
        ...(secrets.set.has("kafkaPassword") ? { password: secrets.values.kafkaPassword } : {}),
        ...(secrets.set.has("kafkaClientKey") ? { clientKey: secrets.values.kafkaClientKey } : {}),
    };
    const rename = (property: string) =>
        property === "credentials.password" ? "kafkaPassword" : property === "credentials.clientKey" ? "kafkaClientKey" : `kafka.${property}`;
    for (const f of checkKafkaClientSecurity(security, credentials)) {
        const key = rename(f.property);
        const secret = key === "kafkaPassword" || key === "kafkaClientKey";
        const fix = secret ? `; set it with \`pulumi config set --secret ${CONFIG_NAMESPACE}:${key} ...\`` : "";
        r.problem(key, secret ? "(a secret)" : given[key.slice("kafka.security.".length)], `${f.reason}${fix}`);
    }
    if ((security.protocol ?? "PLAINTEXT") === "PLAINTEXT") return undefined;
    if (!external.kafka)
        r.problem(
            "kafka.security.protocol",
            security.protocol,
            "PLAINTEXT while the program runs Kafka (its brokers listen in plaintext on the stack's network); for a secured Kafka set external.kafka.bootstrapServers",
        );
    return security;
}

/**
 * `lakehouse:source.tls`: undefined when unset or sslmode disable. Checked by the CDC source's own rules;
 * anything but disable needs `external.postgres`.
 */
export function parseSourceTls(r: Reader, value: unknown, secrets: ClientSecretValues, external: ExternalServices): PostgresTls | undefined {
    if (value === undefined) return undefined;
    const given = r.record(value, "source.tls", "an object: sslmode, caCert, clientCert");
    if (!given) return undefined;
    r.onlyKeys(given, "source.tls", SOURCE_TLS_KEYS);
    const tls: PostgresTls = stringFields(r, given, "source.tls", SOURCE_TLS_KEYS);
    const clientKey = secrets.set.has("postgresClientKey") ? secrets.values.postgresClientKey : undefined;
    for (const f of checkPostgresTls({ ...tls, ...(clientKey !== undefined ? { clientKey } : {}) })) {
        const secret = f.property === "tls.clientKey";
        r.problem(
            secret ? "postgresClientKey" : `source.${f.property}`,
            secret ? "(a secret)" : given[f.property.slice("tls.".length)],
            `${f.reason}${secret ? `; set it with \`pulumi config set --secret ${CONFIG_NAMESPACE}:postgresClientKey -- "$(cat client.key)"\`` : ""}`,
        );
    }
    if ((tls.sslmode ?? "disable") === "disable") return undefined;
    if (!external.postgres)
        r.problem(
            "source.tls.sslmode",
            tls.sslmode,
            "disable while the program runs PostgreSQL (it listens in plaintext on the stack's network); for a TLS server set external.postgres.address",
        );
    return tls;
}

/** The client secrets the stack sets, for the section parsers (their values only checked, never shown). */
export interface ClientSecretValues {
    set: ReadonlySet<string>;
    values: Record<string, string>;
}

/** The client secrets present in the stack's values. */
export function clientSecretValues(values: Record<string, string>): ClientSecretValues {
    return { set: new Set(CLIENT_SECRET_KEYS.filter((k) => values[k] !== undefined)), values };
}

/** Each client secret the stack sets must be a secret; one set without the setting that uses it is a problem too. */
export function checkClientSecrets(
    r: Reader,
    values: Record<string, string>,
    secretKeys: ReadonlySet<string>,
    uses: { kafka?: KafkaClientSecurity; source?: PostgresTls; external?: ExternalServices; flinkTls?: FlinkRestTls },
): Record<ClientSecretKey, boolean> {
    const set = {} as Record<ClientSecretKey, boolean>;
    const usedBy: Record<ClientSecretKey, string | undefined> = {
        kafkaPassword: kafkaProtocolParts(uses.kafka?.protocol).sasl ? undefined : "kafka.security with a SASL protocol",
        kafkaClientKey: uses.kafka?.clientCert !== undefined ? undefined : "kafka.security.clientCert",
        postgresClientKey: uses.source?.clientCert !== undefined ? undefined : "source.tls.clientCert",
        nessieToken: uses.external?.nessie !== undefined ? undefined : "external.nessie (a Nessie the program does not run)",
        flinkTlsKey: uses.flinkTls !== undefined ? undefined : "flink.tls (the certificate of a Flink the program runs)",
    };
    for (const key of CLIENT_SECRET_KEYS) {
        set[key] = values[key] !== undefined;
        if (!set[key]) continue;
        if (!secretKeys.has(key)) r.problem(key, "a plain-text value", `a secret: run \`pulumi config set --secret ${CONFIG_NAMESPACE}:${key} <value>\``);
        else if (usedBy[key] !== undefined) r.problem(key, "(a secret)", `is used only with ${usedBy[key]}: set that, or remove ${key}`);
    }
    return set;
}
