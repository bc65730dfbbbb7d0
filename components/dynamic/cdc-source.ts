/**
 * What Debezium needs inside the source PostgreSQL, as a dynamic resource: the replication role
 * (LOGIN REPLICATION, CONNECT, schema USAGE, SELECT on the captured tables), the publication of
 * exactly the captured tables, and REPLICA IDENTITY FULL on each (Flink's debezium-json needs the
 * before-image of UPDATE and DELETE). Optionally the seed's `demographics` table.
 * - `signalTable` (optional): Debezium's signal table in `schema` (`id varchar(42) PRIMARY KEY, type
 *   varchar(32) NOT NULL, data varchar(2048)`), created if missing, in the publication, and writable
 *   by the replication role (Debezium writes its incremental-snapshot watermarks there). Signals
 *   inserted into it start incremental snapshots (./table-snapshot.ts).
 * - `addedTables` (output): each captured table that was added to the list by an update (not present
 *   when the resource was created), with when: a table added to a live pipeline, whose existing rows
 *   the connector's initial snapshot never read (./table-snapshot.ts signals a snapshot for it).
 *
 * - create/update: idempotent `ensure`; adopts a role or publication that already exists.
 * - read: reports a missing role or publication, a table missing from the publication or not
 *   REPLICA IDENTITY FULL, as `drift`; the diff shows it as a change of the input that drifted
 *   (`replicationUser`, `publication`, `tables`), never a replacement, so `up` repairs it.
 * - delete: drops the publication and the role only if this resource created them and they still
 *   carry its owner stamp (a comment): a replacement that adopted them stamps them as its own.
 * - The server address is how Pulumi reaches PostgreSQL, not identity: a new one is an update. So is
 *   `tls` (sslmode, CA, client certificate; its key in the secret `tlsClientKey`).
 * - Passwords are secret inputs, sent to PostgreSQL as escaped literals, never in a message.
 * Methods use only `require("pg")`, this file's functions, ./data-guard, ./postgres-client, ./toolkit
 * and ../config/patterns (they are serialized).
 */
import * as pulumi from "@pulumi/pulumi";
import { LakehouseResource } from "./lakehouse-resource";
import { POSTGRES_IDENTIFIER } from "../config/patterns";
import { newOwnerToken, ownsObject } from "./data-guard";
import { checkPostgresTls, withPostgres } from "./postgres-client";
import { InputDiff, engineDiff, inputDiff } from "./toolkit/diff";
import { redact } from "./toolkit/redact";
import { isKnown } from "./toolkit/unknown";

export const CDC_SOURCE_PROVIDER_VERSION = 2;

/** Prefix of the owner stamp in the comment of the role and the publication. */
export const OWNER_COMMENT_PREFIX = "lakehouse-owner ";

/** The signal table the program declares for a publication: `<publication>_signal` (in the source schema; the connector's `signal.data.collection`). */
export function signalTableName(publication: string): string {
    return `${publication}_signal`;
}

/**
 * The tables added by an update, with when: kept for tables still captured, the new ones stamped
 * `now`, removed ones dropped (a table removed and added again is added again). On create: none.
 */
export function nextAddedTables(previous: Record<string, any> | undefined, tables: string[], now: string): Record<string, string> {
    if (!previous) return {};
    const before = new Set<string>(previous.tables ?? []);
    const kept: Record<string, string> = previous.addedTables ?? {};
    const out: Record<string, string> = {};
    for (const t of [...tables].sort()) {
        if (!before.has(t)) out[t] = now;
        else if (kept[t] !== undefined) out[t] = kept[t];
    }
    return out;
}

/** Validates inputs (identifiers are interpolated into DDL, so they must be plain lower-case identifiers). */
export function checkCdcSourceInputs(news: Record<string, any>): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    if (isKnown(news.address) && !/^[^\s:]+:\d{1,5}$/.test(String(news.address)))
        failures.push({ property: "address", reason: `"${news.address}" must be host:port` });
    if (news.signalTable !== undefined && isKnown(news.signalTable)) {
        if (!POSTGRES_IDENTIFIER.test(String(news.signalTable)) || String(news.signalTable).length > 63)
            failures.push({ property: "signalTable", reason: `"${news.signalTable}" must be a lower-case SQL identifier of at most 63 characters` });
        else if (isKnown(news.tables) && Array.isArray(news.tables) && news.tables.includes(news.signalTable))
            failures.push({ property: "signalTable", reason: `"${news.signalTable}" is a captured table: Debezium's signal table must be a table of its own` });
    }
    for (const key of ["database", "schema", "publication", "replicationUser", "adminUser"]) {
        if (news[key] === undefined) failures.push({ property: key, reason: "is required" });
        else if (isKnown(news[key]) && !POSTGRES_IDENTIFIER.test(String(news[key])))
            failures.push({ property: key, reason: `"${news[key]}" must be a lower-case SQL identifier (letters, digits, '_')` });
    }
    if (isKnown(news.tables)) {
        if (!Array.isArray(news.tables) || news.tables.length === 0) failures.push({ property: "tables", reason: "must be a non-empty list of table names" });
        else
            news.tables.forEach(
                (t: unknown, i: number) =>
                    isKnown(t) &&
                    !POSTGRES_IDENTIFIER.test(String(t)) &&
                    failures.push({ property: `tables[${i}]`, reason: `"${t}" must be a lower-case SQL identifier` }),
            );
    }
    for (const key of ["adminPassword", "replicationPassword"])
        if (news[key] === undefined || news[key] === "") failures.push({ property: key, reason: "is required" });
    if (news.tls !== undefined && isKnown(news.tls))
        failures.push(
            ...checkPostgresTls({ ...news.tls, ...(news.tlsClientKey !== undefined ? { clientKey: news.tlsClientKey } : {}) }).map((f) =>
                f.property === "tls.clientKey" ? { ...f, property: "tlsClientKey" } : f,
            ),
        );
    if (isKnown(news.replicationUser) && news.replicationUser === news.adminUser)
        failures.push({ property: "replicationUser", reason: "must differ from adminUser (the CDC role gets only what Debezium needs)" });
    return failures;
}

/**
 * The input a line of drift (found by `read`) is about: the role (`replicationUser`), the
 * publication, or a table (`tables`). Drift is shown as a change of that input: the stack says
 * what it should be, the server no longer matches it.
 */
export function driftedInputs(drift: string[] | undefined): string[] {
    const inputs = (drift ?? []).map((line) =>
        line.startsWith("role ")
            ? "replicationUser"
            : line.startsWith("publication ")
              ? "publication"
              : line.startsWith("signal table ")
                ? "signalTable"
                : "tables",
    );
    return [...new Set(inputs)];
}

/**
 * The pure diff: another database or CDC role replaces; drift found by `read` is a change of the
 * input that drifted, never a replacement (the same role and publication are repaired in place). The
 * address is how Pulumi reaches the server (`127.0.0.1` or `localhost`), never identity: an update.
 */
export function diffCdcSource(olds: Record<string, any>, news: Record<string, any>): InputDiff {
    const norm = (v: Record<string, any>, key: string) =>
        key === "tables"
            ? JSON.stringify([...(v.tables ?? [])].sort())
            : JSON.stringify(v[key] ?? (key === "createSeedTable" ? false : key === "version" ? 1 : undefined));
    const changed = [
        "address",
        "tls",
        "tlsClientKey",
        "database",
        "schema",
        "tables",
        "publication",
        "replicationUser",
        "replicationPassword",
        "adminUser",
        "adminPassword",
        "createSeedTable",
        "signalTable",
        "version",
    ].filter((key) => norm(olds, key) !== norm(news, key));
    const diff = inputDiff(changed, ["database", "replicationUser"]);
    const drifted = driftedInputs(olds.drift).filter((k) => !changed.includes(k));
    return drifted.length ? { ...diff, changes: true, changedKeys: [...changed, ...drifted] } : diff;
}

/** A connection to the source database as its admin. */
function withClient<T>(props: Record<string, any>, fn: (client: import("pg").Client) => Promise<T>): Promise<T> {
    const tls = props.tls ? { ...props.tls, ...(props.tlsClientKey ? { clientKey: props.tlsClientKey } : {}) } : undefined;
    return withPostgres(
        {
            address: props.address,
            user: props.adminUser,
            password: props.adminPassword,
            database: props.database,
            purpose: "CDC source",
            ...(tls ? { tls } : {}),
        },
        fn,
    );
}

/** What is not as declared: a missing role/publication, a table missing from it or without REPLICA IDENTITY FULL. */
async function findDrift(client: import("pg").Client, props: Record<string, any>): Promise<string[]> {
    const drift: string[] = [];
    const role = await client.query("SELECT rolreplication, rolcanlogin FROM pg_roles WHERE rolname = $1", [props.replicationUser]);
    if (role.rowCount === 0) drift.push(`role ${props.replicationUser} is missing`);
    else if (!role.rows[0].rolreplication || !role.rows[0].rolcanlogin) drift.push(`role ${props.replicationUser} lacks LOGIN or REPLICATION`);
    const publication = await client.query("SELECT 1 FROM pg_publication WHERE pubname = $1", [props.publication]);
    if (publication.rowCount === 0) drift.push(`publication ${props.publication} is missing`);
    const members = await client.query("SELECT tablename FROM pg_publication_tables WHERE pubname = $1 AND schemaname = $2", [props.publication, props.schema]);
    const inPublication = new Set(members.rows.map((r: any) => r.tablename));
    if (props.signalTable) {
        const found = (await client.query("SELECT to_regclass($1) AS oid", [`${props.schema}.${props.signalTable}`])).rows[0].oid !== null;
        if (!found) drift.push(`signal table ${props.schema}.${props.signalTable} is missing`);
        else if (publication.rowCount !== 0 && !inPublication.has(props.signalTable))
            drift.push(`signal table ${props.schema}.${props.signalTable} is not in publication ${props.publication}`);
        inPublication.delete(props.signalTable);
    }
    for (const table of props.tables ?? []) {
        const identity = await client.query(
            "SELECT c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
            [props.schema, table],
        );
        if (identity.rowCount === 0) {
            drift.push(`table ${props.schema}.${table} is missing`);
            continue;
        }
        if (identity.rows[0].relreplident !== "f") drift.push(`table ${props.schema}.${table} is not REPLICA IDENTITY FULL`);
        if (publication.rowCount !== 0 && !inPublication.has(table)) drift.push(`table ${props.schema}.${table} is not in publication ${props.publication}`);
    }
    for (const extra of [...inPublication].filter((t) => !(props.tables ?? []).includes(t)).sort())
        drift.push(`table ${props.schema}.${extra} is in publication ${props.publication} but not captured`);
    return drift;
}

/** The owner token in an object's comment, if it carries one. */
export function ownerFromComment(comment: string | null | undefined): string | undefined {
    return comment && comment.startsWith(OWNER_COMMENT_PREFIX) ? comment.slice(OWNER_COMMENT_PREFIX.length).trim() : undefined;
}

/** The owner stamps on the role and the publication (undefined where an object or its stamp is missing). */
async function ownerStamps(client: import("pg").Client, role: string, publication: string): Promise<{ role?: string; publication?: string }> {
    const r = await client.query("SELECT shobj_description(oid, 'pg_authid') AS c FROM pg_roles WHERE rolname = $1", [role]);
    const p = await client.query("SELECT obj_description(oid, 'pg_publication') AS c FROM pg_publication WHERE pubname = $1", [publication]);
    return { role: ownerFromComment(r.rows[0]?.c), publication: ownerFromComment(p.rows[0]?.c) };
}

/**
 * Brings role, grants, tables and publication to the declared state; returns what it created.
 * `claim`: stamp role and publication as this resource's (a create: the newest owner wins), otherwise
 * stamp only what carries no stamp yet.
 */
async function ensureCdcSource(
    props: Record<string, any>,
    previous: Record<string, any> | undefined,
    ownerToken: string,
    claim: boolean,
): Promise<Record<string, any>> {
    return withClient(props, async (client) => {
        const s = props.schema;
        const role = props.replicationUser;
        const qualified = (t: string) => `${s}.${t}`;
        const roleExists = (await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount !== 0;
        const password = client.escapeLiteral(String(props.replicationPassword));
        await client.query("BEGIN");
        try {
            await client.query(`${roleExists ? "ALTER" : "CREATE"} ROLE ${role} WITH LOGIN REPLICATION PASSWORD ${password}`);
            await client.query(`GRANT CONNECT ON DATABASE ${props.database} TO ${role}`);
            await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
            await client.query(`GRANT USAGE ON SCHEMA ${s} TO ${role}`);
            if (props.createSeedTable) {
                await client.query(
                    `CREATE TABLE IF NOT EXISTS ${qualified("demographics")} (id SERIAL PRIMARY KEY, name TEXT NOT NULL, age INTEGER, city TEXT)`,
                );
            }
            const missing: string[] = [];
            for (const table of props.tables) {
                if ((await client.query("SELECT to_regclass($1) AS oid", [qualified(table)])).rows[0].oid === null) missing.push(qualified(table));
            }
            if (missing.length)
                throw new Error(
                    `CDC source: ${missing.join(", ")} ${missing.length === 1 ? "does" : "do"} not exist in database ${props.database}; create ${missing.length === 1 ? "it" : "them"} first, or remove ${missing.length === 1 ? "it" : "them"} from lakehouse:source.tables`,
                );
            for (const table of props.tables) {
                await client.query(`ALTER TABLE ${qualified(table)} REPLICA IDENTITY FULL`);
                await client.query(`GRANT SELECT ON ${qualified(table)} TO ${role}`);
            }
            let signalTableExists = true;
            if (props.signalTable) {
                // Debezium's signal table: the program inserts signals, Debezium writes its incremental-snapshot watermarks.
                signalTableExists = (await client.query("SELECT to_regclass($1) AS oid", [qualified(props.signalTable)])).rows[0].oid !== null;
                await client.query(
                    `CREATE TABLE IF NOT EXISTS ${qualified(props.signalTable)} (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))`,
                );
                await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${qualified(props.signalTable)} TO ${role}`);
            }
            const publicationExists = (await client.query("SELECT 1 FROM pg_publication WHERE pubname = $1", [props.publication])).rowCount !== 0;
            const list = [...props.tables, ...(props.signalTable ? [props.signalTable] : [])].map(qualified).join(", ");
            await client.query(
                publicationExists ? `ALTER PUBLICATION ${props.publication} SET TABLE ${list}` : `CREATE PUBLICATION ${props.publication} FOR TABLE ${list}`,
            );
            const stamps = await ownerStamps(client, role, props.publication);
            const stamp = client.escapeLiteral(`${OWNER_COMMENT_PREFIX}${ownerToken}`);
            if (claim || !stamps.role) await client.query(`COMMENT ON ROLE ${role} IS ${stamp}`);
            if (claim || !stamps.publication) await client.query(`COMMENT ON PUBLICATION ${props.publication} IS ${stamp}`);
            await client.query("COMMIT");
            return {
                ...props,
                ownerToken,
                // Once created here, always owned here (an update never forgets it).
                createdRole: (previous?.replicationUser === role && previous?.createdRole === true) || !roleExists,
                createdPublication: (previous?.publication === props.publication && previous?.createdPublication === true) || !publicationExists,
                createdSignalTable: props.signalTable
                    ? (previous?.signalTable === props.signalTable && previous?.createdSignalTable === true) || !signalTableExists
                    : false,
                addedTables: nextAddedTables(previous, props.tables, new Date().toISOString()),
                drift: [],
            };
        } catch (err) {
            await client.query("ROLLBACK").catch(() => undefined);
            const message = redact(String((err as Error).message), [password, props.replicationPassword, props.adminPassword]);
            throw new Error(message.startsWith("CDC source:") ? message : `CDC source in ${props.database} at ${props.address}: ${message}`);
        }
    });
}

export const cdcSourceProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        return { inputs: news, failures: checkCdcSourceInputs(news) };
    },
    async diff(_id: string, olds: any, news: any) {
        return engineDiff(diffCdcSource(olds, news), olds, news);
    },
    async create(inputs: any) {
        // The id names the objects (database and publication), not the address they are reached at.
        return { id: `${inputs.database}/${inputs.publication}`, outs: await ensureCdcSource(inputs, undefined, newOwnerToken(), true) };
    },
    async update(_id: string, olds: any, news: any) {
        const outs = await ensureCdcSource(news, olds, olds.ownerToken ?? newOwnerToken(), false);
        // A publication renamed in place: the old one, if this resource created it, goes.
        if (olds.publication !== news.publication && olds.createdPublication)
            await withClient(news, (c) => c.query(`DROP PUBLICATION IF EXISTS ${olds.publication}`));
        return { outs };
    },
    async read(id: string, props: any) {
        const drift = await withClient(props, (client) => findDrift(client, props));
        return { id, props: { ...props, drift } };
    },
    async delete(_id: string, props: any) {
        await withClient(props, async (client) => {
            // What another resource adopted since (a replacement of this one) carries its stamp: kept.
            const stamps = await ownerStamps(client, props.replicationUser, props.publication);
            if (props.createdPublication && ownsObject(stamps.publication, props.ownerToken)) {
                await client.query(`DROP PUBLICATION IF EXISTS ${props.publication}`);
                // The signal table holds only signals and watermarks, never captured data: it goes with the publication it served.
                if (props.signalTable && props.createdSignalTable) await client.query(`DROP TABLE IF EXISTS ${props.schema}.${props.signalTable}`);
            }
            if (
                props.createdRole &&
                ownsObject(stamps.role, props.ownerToken) &&
                (await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [props.replicationUser])).rowCount !== 0
            ) {
                // Its grants go first; a slot still held by the role's walsender keeps the role (the connector drops its slot before this runs).
                await client.query(`DROP OWNED BY ${props.replicationUser}`);
                await client.query(`DROP ROLE ${props.replicationUser}`);
            }
        });
    },
};

export interface CdcSourceArgs {
    /** `host:port` of PostgreSQL as the machine running Pulumi reaches it. */
    address: pulumi.Input<string>;
    /** TLS to the server: sslmode (disable, the default; require; verify-ca; verify-full), the CA and a client certificate, PEM. */
    tls?: pulumi.Input<{ sslmode?: string; caCert?: string; clientCert?: string }>;
    /** The client certificate's key, PEM: kept secret in state. */
    tlsClientKey?: pulumi.Input<string>;
    database: pulumi.Input<string>;
    schema: pulumi.Input<string>;
    /** Captured tables (unqualified, in `schema`); they must exist unless `createSeedTable` makes `demographics`. */
    tables: pulumi.Input<pulumi.Input<string>[]>;
    publication: pulumi.Input<string>;
    /** A role with the rights to create roles and publications. */
    adminUser: pulumi.Input<string>;
    adminPassword: pulumi.Input<string>;
    /** The role Debezium logs in as (created if missing). */
    replicationUser: pulumi.Input<string>;
    replicationPassword: pulumi.Input<string>;
    /** Create the seed's `demographics` table if missing. */
    createSeedTable?: pulumi.Input<boolean>;
    /** Debezium's signal table (unqualified, in `schema`): created if missing and put in the publication. Default: none. */
    signalTable?: pulumi.Input<string>;
}

/** The replication role, publication and replica identity Debezium needs in the source database. */
export class CdcSource extends LakehouseResource {
    declare readonly createdRole: pulumi.Output<boolean>;
    declare readonly createdPublication: pulumi.Output<boolean>;
    declare readonly drift: pulumi.Output<string[]>;
    /** Captured tables added by an update (table -> ISO time): the ones the initial snapshot did not read. */
    declare readonly addedTables: pulumi.Output<Record<string, string>>;
    declare readonly createdSignalTable: pulumi.Output<boolean>;

    constructor(name: string, args: CdcSourceArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            cdcSourceProvider,
            name,
            {
                ...args,
                adminPassword: pulumi.secret(args.adminPassword),
                replicationPassword: pulumi.secret(args.replicationPassword),
                ...(args.tlsClientKey !== undefined ? { tlsClientKey: pulumi.secret(args.tlsClientKey) } : {}),
                createSeedTable: args.createSeedTable ?? false,
                version: CDC_SOURCE_PROVIDER_VERSION,
                createdRole: undefined,
                createdPublication: undefined,
                drift: undefined,
                ownerToken: undefined,
                addedTables: undefined,
                createdSignalTable: undefined,
            },
            { ...opts, additionalSecretOutputs: ["adminPassword", "replicationPassword", "tlsClientKey"] },
            "lakehouse",
            "CdcSource",
        );
    }
}
