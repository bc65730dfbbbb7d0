/** The Debezium connector config the connector tests declare against the harness's PostgreSQL. */
import { endpoints } from "../../harness/cli";
import { pgQuery } from "./e2e";

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

/**
 * A CDC role and table as the program sets them up for a connector test, idempotently: the role LOGIN
 * REPLICATION with `password`, a `(id SERIAL PRIMARY KEY, name TEXT NOT NULL)` table with REPLICA
 * IDENTITY FULL, owned by the role, with CREATE on the database (Debezium's `filtered` publication mode
 * creates the publication: it needs CREATE and table ownership).
 */
export async function prepareCdcTable(cdc: { role: string; password: string; table: string }): Promise<void> {
    await pgQuery(`DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${cdc.role}') THEN
            CREATE ROLE ${cdc.role} WITH LOGIN REPLICATION PASSWORD '${cdc.password}';
        END IF;
    END $$;`);
    await pgQuery(`CREATE TABLE IF NOT EXISTS ${cdc.table} (id SERIAL PRIMARY KEY, name TEXT NOT NULL)`);
    await pgQuery(`ALTER TABLE ${cdc.table} REPLICA IDENTITY FULL`);
    await pgQuery(`GRANT SELECT ON ${cdc.table} TO ${cdc.role}`);
    await pgQuery(`GRANT CREATE ON DATABASE ${endpoints().postgres.database} TO ${cdc.role}`);
    await pgQuery(`ALTER TABLE ${cdc.table} OWNER TO ${cdc.role}`);
}
