/**
 * The CDC source (replication role, publication, REPLICA IDENTITY FULL) against the harness's real
 * PostgreSQL, on the provider object and on its serialized form.
 */
import { Client } from "pg";
import { cdcSourceProvider, diffCdcSource } from "../../../components/dynamic/cdc-source";
import { endpoints } from "../../../harness/cli";
import { bothForms } from "../../support/dynamic";

const pg = () => endpoints().postgres;

async function sql(query: string, params: unknown[] = [], as?: { user: string; password: string; replication?: boolean }): Promise<any[]> {
    const p = pg();
    const client = new Client({
        host: p.host,
        port: Number(p.port),
        user: as?.user ?? p.user,
        password: as?.password ?? p.password,
        database: p.database,
        ...(as?.replication ? { replication: "database" } : {}),
    } as any);
    await client.connect();
    try {
        return (await client.query(query, params)).rows;
    } finally {
        await client.end();
    }
}

describe.each([["provider object"], ["serialized provider"]])("CDC source on real PostgreSQL (%s)", (form) => {
    let provider: any;
    const id = `${form.startsWith("s") ? "ser" : "obj"}${Date.now().toString(36)}`;
    const schema = `cdc_${id}`;
    const role = `dbz_${id}`;
    const publication = `pub_${id}`;
    const password = `replication-secret-${id}`;
    const inputs = (extra: Record<string, unknown> = {}) => ({
        address: `${pg().host}:${pg().port}`,
        database: pg().database,
        schema,
        tables: ["demographics"],
        publication,
        adminUser: pg().user,
        adminPassword: pg().password,
        replicationUser: role,
        replicationPassword: password,
        createSeedTable: true,
        version: 1,
        ...extra,
    });

    beforeAll(async () => {
        provider = Object.fromEntries(await bothForms(cdcSourceProvider))[form];
    });

    afterAll(async () => {
        await sql(`DROP PUBLICATION IF EXISTS ${publication}`);
        await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await sql(
            `DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN EXECUTE 'DROP OWNED BY ${role}'; EXECUTE 'DROP ROLE ${role}'; END IF; END $$`,
        );
    });

    test("creates, reports drift, repairs, adds a table, and drops only what it created", async () => {
        const created = await provider.create(inputs());
        const outs = created.outs;
        expect(outs.createdRole).toBe(true);
        expect(outs.createdPublication).toBe(true);
        // The role logs in for replication and reads the table; the publication holds exactly the table.
        const ident = await sql("IDENTIFY_SYSTEM", [], { user: role, password, replication: true });
        expect(ident[0].dbname).toBe(pg().database);
        await sql(`INSERT INTO ${schema}.demographics (name, age, city) VALUES ('ada', 36, 'London')`);
        expect(await sql(`SELECT name FROM ${schema}.demographics`, [], { user: role, password })).toEqual([{ name: "ada" }]);
        expect(await sql("SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1", [publication])).toEqual([
            { schemaname: schema, tablename: "demographics" },
        ]);
        expect(await sql(`SELECT relreplident FROM pg_class WHERE oid = '${schema}.demographics'::regclass`)).toEqual([{ relreplident: "f" }]);

        // Unchanged: no diff, and read finds no drift (inputs come back as they were).
        const clean = await provider.read(created.id, outs);
        expect(clean.props.drift).toEqual([]);
        expect(diffCdcSource(clean.props, inputs()).changes).toBe(false);

        // Out of band: replica identity reset and the table dropped from the publication.
        await sql(`ALTER TABLE ${schema}.demographics REPLICA IDENTITY DEFAULT`);
        await sql(`ALTER PUBLICATION ${publication} DROP TABLE ${schema}.demographics`);
        const drifted = await provider.read(created.id, outs);
        expect(drifted.props.drift).toEqual([
            `table ${schema}.demographics is not REPLICA IDENTITY FULL`,
            `table ${schema}.demographics is not in publication ${publication}`,
        ]);
        // Drift is a change of the input that drifted (the tables), never a replacement.
        expect(diffCdcSource(drifted.props, inputs())).toMatchObject({ changes: true, replaces: [], changedKeys: ["tables"] });
        expect((await provider.diff(created.id, drifted.props, inputs())).detailedDiff).toEqual({ tables: { kind: "update", inputDiff: true } });
        const repaired = (await provider.update(created.id, drifted.props, inputs())).outs;
        expect(repaired.createdRole).toBe(true);
        expect((await provider.read(created.id, repaired)).props.drift).toEqual([]);

        // A second table: exactly `tables` changes, and the publication follows.
        await sql(`CREATE TABLE ${schema}.orders (id INT PRIMARY KEY, total NUMERIC)`);
        expect(diffCdcSource(repaired, inputs({ tables: ["demographics", "orders"] })).changedKeys).toEqual(["tables"]);
        const widened = (await provider.update(created.id, repaired, inputs({ tables: ["demographics", "orders"] }))).outs;
        expect((await sql("SELECT tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1", [publication])).map((r) => r.tablename)).toEqual([
            "demographics",
            "orders",
        ]);

        // A table that does not exist: a clear error, nothing changed, no password in it.
        const error = await provider.update(created.id, widened, inputs({ tables: ["demographics", "orders", "missing_table"] })).catch((e: Error) => e);
        expect(error.message).toBe(
            `CDC source: ${schema}.missing_table does not exist in database ${pg().database}; create it first, or remove it from lakehouse:source.tables`,
        );
        expect((await sql("SELECT count(*)::int AS n FROM pg_publication_tables WHERE pubname = $1", [publication]))[0].n).toBe(2);

        // Delete drops the publication and the role it created; delete again is a no-op.
        await provider.delete(created.id, widened);
        expect(await sql("SELECT 1 FROM pg_publication WHERE pubname = $1", [publication])).toEqual([]);
        expect(await sql("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).toEqual([]);
        await provider.delete(created.id, widened);
        const gone = (await provider.read(created.id, widened)).props;
        expect(gone.drift).toContain(`role ${role} is missing`);
        // A missing role and publication are changes of those inputs, which `up` makes again: not a replacement.
        expect(diffCdcSource(gone, widened)).toMatchObject({
            changes: true,
            replaces: [],
            changedKeys: expect.arrayContaining(["replicationUser", "publication"]),
        });
    });

    test("a new address is an update; a replacement that adopted role and publication keeps them when the original is deleted", async () => {
        const original = await provider.create(inputs());
        expect(original.id).toBe(`${pg().database}/${publication}`);
        expect([original.outs.createdRole, original.outs.createdPublication]).toEqual([true, true]);
        // Another spelling of the server's address: an update that leaves role and publication as they are.
        const moved = inputs({ address: `localhost:${pg().port}` });
        expect(diffCdcSource(original.outs, moved)).toMatchObject({ changes: true, replaces: [], changedKeys: ["address"] });
        const updated = (await provider.update(original.id, original.outs, moved)).outs;
        expect(updated.ownerToken).toBe(original.outs.ownerToken);
        expect(diffCdcSource(updated, inputs({ replicationUser: `${role}_2` })).replaces).toEqual(["replicationUser"]);

        // The replacement (made before the original is deleted) adopts both and stamps them.
        const replacement = await provider.create(moved);
        expect([replacement.outs.createdRole, replacement.outs.createdPublication]).toEqual([false, false]);
        expect(replacement.outs.ownerToken).not.toBe(original.outs.ownerToken);
        expect(await sql("SELECT shobj_description(oid, 'pg_authid') AS c FROM pg_roles WHERE rolname = $1", [role])).toEqual([
            { c: `lakehouse-owner ${replacement.outs.ownerToken}` },
        ]);
        await provider.delete(original.id, updated);
        expect(await sql("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).toHaveLength(1);
        expect(await sql("SELECT 1 FROM pg_publication WHERE pubname = $1", [publication])).toHaveLength(1);
        // The role still logs in for replication: the connector using it is unaffected.
        expect((await sql("IDENTIFY_SYSTEM", [], { user: role, password, replication: true }))[0].dbname).toBe(pg().database);
        await sql(`DROP PUBLICATION IF EXISTS ${publication}`);
        await sql(`DROP OWNED BY ${role}`);
        await sql(`DROP ROLE ${role}`);
    });

    test("an existing role and publication are adopted and kept on delete", async () => {
        await sql(`CREATE ROLE ${role} LOGIN`);
        await sql(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await sql(`CREATE TABLE IF NOT EXISTS ${schema}.demographics (id SERIAL PRIMARY KEY, name TEXT NOT NULL, age INT, city TEXT)`);
        await sql(`CREATE PUBLICATION ${publication} FOR TABLE ${schema}.demographics`);
        const { id: rid, outs } = await provider.create(inputs());
        expect([outs.createdRole, outs.createdPublication]).toEqual([false, false]);
        expect(await sql("SELECT rolreplication FROM pg_roles WHERE rolname = $1", [role])).toEqual([{ rolreplication: true }]);
        await provider.delete(rid, outs);
        expect(await sql("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).toHaveLength(1);
        expect(await sql("SELECT 1 FROM pg_publication WHERE pubname = $1", [publication])).toHaveLength(1);
    });
});
