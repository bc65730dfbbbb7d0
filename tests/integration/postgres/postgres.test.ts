/** PostgreSQL is the real thing: logical WAL, a pgoutput logical replication slot that really decodes changes. */
import { Client } from "pg";
import { endpoints } from "../../../harness/cli";

// `testTimeout` in a jest project entry is not applied (it is a global option): bound each test here;
// every wait inside is bounded on its own.
jest.setTimeout(300000);

const pg = endpoints().postgres;

function client(): Client {
    return new Client({
        host: pg.host,
        port: Number(pg.port),
        user: pg.user,
        password: pg.password,
        database: pg.database,
        connectionTimeoutMillis: 10000,
        query_timeout: 30000,
    });
}

describe("postgres (real PostgreSQL 15 from the harness)", () => {
    let db: Client;
    const suffix = `${Date.now()}_${process.pid}`;
    const slot = `harness_smoke_${suffix}`;
    const table = `harness_smoke_${suffix}`;
    const publication = `harness_smoke_pub_${suffix}`;

    beforeAll(async () => {
        db = client();
        await db.connect();
    });

    afterAll(async () => {
        await db.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [slot]);
        await db.query(`DROP PUBLICATION IF EXISTS ${publication}`);
        await db.query(`DROP TABLE IF EXISTS ${table}`);
        await db.end();
    });

    test("is PostgreSQL 15 with logical WAL and room for replication slots", async () => {
        const version = await db.query("SHOW server_version_num");
        expect(Math.floor(Number(version.rows[0].server_version_num) / 10000)).toBe(15);
        expect((await db.query("SHOW wal_level")).rows[0].wal_level).toBe("logical");
        expect(Number((await db.query("SHOW max_replication_slots")).rows[0].max_replication_slots)).toBeGreaterThanOrEqual(10);
        expect(Number((await db.query("SHOW max_wal_senders")).rows[0].max_wal_senders)).toBeGreaterThanOrEqual(10);
    });

    test("rejects a wrong password over TCP", async () => {
        const bad = new Client({
            host: pg.host,
            port: Number(pg.port),
            user: pg.user,
            password: "not-the-password",
            database: pg.database,
            connectionTimeoutMillis: 10000,
        });
        bad.on("error", () => undefined);
        await expect(bad.connect()).rejects.toThrow(/password authentication failed/);
        await bad.end().catch(() => undefined);
    });

    test("creates a pgoutput logical replication slot that decodes a change, and drops it", async () => {
        await db.query(`CREATE TABLE ${table} (id int PRIMARY KEY, name text)`);
        await db.query(`ALTER TABLE ${table} REPLICA IDENTITY FULL`);
        await db.query(`CREATE PUBLICATION ${publication} FOR TABLE ${table}`);

        const created = await db.query(`SELECT slot_name, lsn FROM pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
        expect(created.rows[0].slot_name).toBe(slot);

        const listed = await db.query(`SELECT plugin, slot_type, database FROM pg_replication_slots WHERE slot_name = $1`, [slot]);
        expect(listed.rows).toEqual([{ plugin: "pgoutput", slot_type: "logical", database: pg.database }]);

        await db.query(`INSERT INTO ${table} VALUES (1, 'decoded-by-pgoutput')`);
        const changes = await db.query(`SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)`, [
            slot,
            publication,
        ]);
        // pgoutput's binary protocol: B(egin), R(elation), I(nsert), C(ommit).
        const kinds = changes.rows.map((r: { data: Buffer }) => String.fromCharCode(r.data[0]));
        expect(kinds).toEqual(expect.arrayContaining(["B", "R", "I", "C"]));
        const insert = changes.rows.find((r: { data: Buffer }) => r.data[0] === "I".charCodeAt(0)) as { data: Buffer };
        expect(insert.data.toString("latin1")).toContain("decoded-by-pgoutput");

        await db.query(`SELECT pg_drop_replication_slot($1)`, [slot]);
        const after = await db.query(`SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name = $1`, [slot]);
        expect(after.rows[0].n).toBe(0);
    });
});
