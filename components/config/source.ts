/**
 * `lakehouse:source`: the captured PostgreSQL database, its tables and its roles.
 */
import { DEFAULTS } from "../defaults";
import { parseCapturedTables } from "../tables";
import { ClientSecretValues, parseSourceTls } from "./client-security";
import { POSTGRES_IDENTIFIER, POSTGRES_IDENTIFIER_RULE } from "./patterns";
import { Reader } from "./reader";
import { ExternalServices, SourceConfig } from "./types";

const WAL_SIZE = /^(-1|\d+(kB|MB|GB|TB))$/;

/** Reads `lakehouse:source`; the admin and CDC roles must differ, and the seed table must be captured; `tls` for an external PostgreSQL only. */
export function parseSource(r: Reader, values: Record<string, string>, external: ExternalServices, secrets: ClientSecretValues): SourceConfig {
    const s = r.object(values, "source");
    const d = DEFAULTS.source;
    const ident = POSTGRES_IDENTIFIER_RULE;
    const captured = parseCapturedTables(s.tables, d.tables);
    for (const p of captured.problems) r.problem(p.key ? `source.tables${p.key.startsWith("[") ? "" : "."}${p.key}` : "source.tables", p.found, p.expected);
    const source: SourceConfig = {
        database: r.string(s.database, "source.database", d.database, POSTGRES_IDENTIFIER, ident),
        schema: r.string(s.schema, "source.schema", d.schema, POSTGRES_IDENTIFIER, ident),
        tables: Object.keys(captured.tables),
        tableDefinitions: captured.tables,
        createSeedTable: r.boolean(s.createSeedTable, "source.createSeedTable", d.createSeedTable),
        publication: r.string(s.publication, "source.publication", d.publication, POSTGRES_IDENTIFIER, ident),
        adminUser: r.string(s.adminUser, "source.adminUser", d.adminUser, POSTGRES_IDENTIFIER, ident),
        replicationUser: r.string(s.replicationUser, "source.replicationUser", d.replicationUser, POSTGRES_IDENTIFIER, ident),
        maxSlotWalKeepSize: r.string(
            s.maxSlotWalKeepSize,
            "source.maxSlotWalKeepSize",
            d.maxSlotWalKeepSize,
            WAL_SIZE,
            'a PostgreSQL size such as "10GB", "512MB", or "-1" for unlimited',
        ),
        maxReplicationSlots: r.integer(s.maxReplicationSlots, "source.maxReplicationSlots", d.maxReplicationSlots, 4, 1000),
        maxWalSenders: r.integer(s.maxWalSenders, "source.maxWalSenders", d.maxWalSenders, 4, 1000),
    };
    const tls = parseSourceTls(r, s.tls, secrets, external);
    if (tls) source.tls = tls;
    if (source.adminUser === source.replicationUser) {
        r.problem(
            "source.replicationUser",
            source.replicationUser,
            `a role other than source.adminUser ("${source.adminUser}"): the CDC role gets only REPLICATION and SELECT`,
        );
    }
    if (source.createSeedTable && !source.tables.includes("demographics")) {
        r.problem("source.createSeedTable", true, 'false, or "demographics" in source.tables (the seed table is demographics)');
    }
    return source;
}
