/**
 * The Debezium connector settings the program derives itself, which `pipeline.connectorConfig` may
 * not override, and where each one is configured instead.
 */

/**
 * Debezium settings the program derives from other config (connection, slot, publication, topics,
 * captured tables): `pipeline.connectorConfig` may not set them.
 */
export const CONNECTOR_OWNED_KEYS: readonly (string | RegExp)[] = [
    "connector.class",
    "name",
    /^database\./,
    "slot.name",
    "topic.prefix",
    "table.include.list",
    "schema.include.list",
    /^publication\./,
    // The signal table the CDC source creates and the TableSnapshot resources write to.
    "signal.data.collection",
    "signal.enabled.channels",
    // The wire form of column values, which the Flink jobs convert to the declared types.
    "decimal.handling.mode",
    "time.precision.mode",
    "interval.handling.mode",
    "binary.handling.mode",
];

/** True when the program owns a Debezium setting (see CONNECTOR_OWNED_KEYS). */
export function isOwnedConnectorKey(key: string): boolean {
    return CONNECTOR_OWNED_KEYS.some((owned) => (typeof owned === "string" ? owned === key : owned.test(key)));
}

/** Where an owned Debezium setting comes from, for the error's fix. */
export function ownedConnectorKeyFix(key: string): string {
    if (key === "database.password") return "it is the secret `lakehouse:replicationPassword`";
    if (key === "database.user") return "set `lakehouse:source.replicationUser` instead";
    if (key === "database.dbname") return "set `lakehouse:source.database` instead";
    if (/^database\.ssl/.test(key)) return "set `lakehouse:source.tls` instead (sslmode and the CA; the program passes the CA inline)";
    if (key.startsWith("database.")) return "set `lakehouse:external.postgres.address` instead (or let the platform deploy PostgreSQL)";
    if (key === "signal.data.collection" || key === "signal.enabled.channels")
        return "the program creates the signal table `<publication>_signal` in `lakehouse:source.schema` and signals incremental snapshots there itself";
    if (key.startsWith("publication.")) return "set `lakehouse:source.publication` instead (the program creates the publication)";
    if (key === "topic.prefix") return "set `lakehouse:kafka.topicPrefix` instead";
    if (key === "table.include.list" || key === "schema.include.list") return "set `lakehouse:source.schema` and `lakehouse:source.tables` instead";
    if (/^(decimal|time|interval|binary)\.(handling|precision)\.mode$/.test(key))
        return "the Flink jobs convert the wire form it sets into the types declared in `lakehouse:source.tables` (see docs/column-types.md): declare the column's Flink type there instead";
    return "the program derives it from the project, stack and source config";
}
