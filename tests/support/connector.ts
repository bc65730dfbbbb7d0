/** The Debezium connector config the connector tests declare against the harness's PostgreSQL. */
import { endpoints } from "../../harness/cli";

/** What differs between the connector tests' connectors. */
export interface TestConnectorNames {
    /** The PostgreSQL role Debezium logs in as. */
    user: string;
    publication: string;
    slot: string;
    /** `schema.table` captured. */
    table: string;
    topicPrefix: string;
}

/**
 * A PostgreSQL connector's config on the harness's database: `pgoutput`, a `filtered` publication that
 * Debezium creates, one task; `extra` overrides or adds keys.
 */
export function testConnectorConfig(names: TestConnectorNames, extra: Record<string, string> = {}): Record<string, string> {
    const pg = endpoints().postgres;
    return {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "database.dbname": pg.database,
        "database.hostname": pg.host,
        "database.port": pg.port,
        "database.user": names.user,
        "plugin.name": "pgoutput",
        "publication.autocreate.mode": "filtered",
        "publication.name": names.publication,
        "slot.name": names.slot,
        "table.include.list": names.table,
        "tasks.max": "1",
        "topic.prefix": names.topicPrefix,
        ...extra,
    };
}
