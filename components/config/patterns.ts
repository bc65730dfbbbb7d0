/**
 * Named validation patterns shared by the stack-config parser (components/config/) and the dynamic
 * providers' `check` functions (components/dynamic/), so a value the config accepts is one the
 * provider accepts too.
 *
 * Serialization-safe for Pulumi dynamic providers: this module imports nothing and holds only
 * exported RegExp and string literals (no RegExp has a `g` or `y` flag, so `test` keeps no state).
 */

/**
 * A PostgreSQL identifier the program interpolates into DDL unquoted: lower-case letter or `_`, then
 * lower-case letters, digits or `_`, at most 63 characters (PostgreSQL's NAMEDATALEN - 1).
 * Database, schema, publication, roles, and the Iceberg catalog and namespace.
 */
export const POSTGRES_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** What POSTGRES_IDENTIFIER allows, in the words of the config's errors. */
export const POSTGRES_IDENTIFIER_RULE = "a lower-case SQL identifier (letters, digits, _; at most 63 characters)";

/** An S3 bucket name: 3-63 lower-case letters, digits, '.' or '-', starting and ending with a letter or digit. */
export const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** An AWS-style region such as `us-east-1`. */
export const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * A Kafka Connect name: connector names and worker group ids, and Debezium's `topic.prefix`
 * (letters, digits, '.', '_' or '-', at most 200 so `<prefix>.<schema>.<table>` stays a valid topic).
 */
export const KAFKA_CONNECT_NAME = /^[A-Za-z0-9._-]{1,200}$/;

/** A Kafka topic name: letters, digits, '.', '_' or '-', at most 249 characters (Kafka's limit). */
export const KAFKA_TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

/** A Nessie reference (branch or tag) name, e.g. `main` or `dev/cdc`: no `..`, no trailing '.' or '/'. */
export const NESSIE_REF_NAME = /^[A-Za-z](?:(?![.][.])[A-Za-z0-9./_-])*[A-Za-z0-9_-]$|^[A-Za-z]$/;

/**
 * A Dremio user name: a letter or `_`, then letters, digits, '_', '.' or '-', at most 63 characters.
 *
 * Dremio itself rejects only user names with a double quote or a colon (`UserName` in Dremio's
 * dac/backend, DX-8156), so both rules this project had are names Dremio accepts: this one (the
 * stack config's `dremio.adminUser`) and a wider one in the DremioAdmin provider that also allowed
 * '@' and 128 characters. This is the stricter of the two: it keeps the config's documented rule and
 * message unchanged (the provider only ever receives what the config accepted), and such a name
 * needs no escaping in the URL path `/api/v3/user/by-name/<name>`.
 */
export const DREMIO_USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,62}$/;

/**
 * A Dremio source name this program creates: a letter, then letters, digits, '_' or '-', at most 128
 * characters (it starts every table path in Dremio's SQL, so it is kept free of quoting).
 */
export const DREMIO_SOURCE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;

/** `host:port` without a scheme, e.g. `db.internal:5432` (host names and IPv4 addresses). */
export const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** A comma-separated list of `host:port` without spaces, e.g. Kafka's `broker-1:9092,broker-2:9092`. */
export const HOST_PORT_LIST = /^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/;

/**
 * An http(s) URL a user gives for a service: scheme, host name or IPv4 address, optional port and
 * path; no query, fragment or whitespace. What `lakehouse:external.*` URLs must be.
 */
export const HTTP_URL = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[^\s?#]*)?$/;

/** An http(s) base URL: scheme and host[:port], no path (Kafka Connect's REST URL, Dremio's base URL). */
export const HTTP_BASE_URL = /^https?:\/\/[^\s/]+$/;

/** An http(s) URL with a host and an optional path, no whitespace (an S3 endpoint, Flink REST and SQL Gateway URLs). */
export const HTTP_ENDPOINT_URL = /^https?:\/\/[^\s/]+(\/\S*)?$/;

/** Nessie's REST API v2 URL: an http(s) URL ending in `/api/v2`. */
export const NESSIE_API_V2_URL = /^https?:\/\/\S+\/api\/v2$/;
