/**
 * A table added to a running pipeline, against the harness's real PostgreSQL, Kafka Connect (Debezium
 * 3.0) and Kafka: the CDC source records the addition and owns the signal table, the connector takes
 * the table, and the TableSnapshot resource signals Debezium's incremental snapshot and waits until it
 * finished, on the provider object (a table of 3,000 rows) and on its serialized form (20,000 rows,
 * with a wait cut short, the connector's replication connection killed mid-snapshot (a crash), and the
 * wait resumed by `update`).
 * Every existing row arrives in the table's topic exactly once as a snapshot read; a retried create
 * sends nothing twice; a table captured from the start is "covered by the initial snapshot".
 */
import { cdcSourceProvider } from "../../../components/dynamic/cdc-source";
import { CONNECTOR_PROVIDER_VERSION, connectRequest, connectorProvider } from "../../../components/dynamic/connector";
import { TABLE_SNAPSHOT_PROVIDER_VERSION, tableSnapshotProvider } from "../../../components/dynamic/table-snapshot";
import { endpoints } from "../../../harness/cli";
import { bothForms } from "../../support/dynamic";
import { testConnectorConfig } from "../../support/connector";
import { pgQuery as sql } from "../../support/e2e";
import { deleteTopics, readTopicToEnd } from "../../support/topic-records";

const pg = () => endpoints().postgres;
const connectUrl = () => endpoints().connect.url;

const id = `ts${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const schema = `snap_${id}`;
const role = `dbz_${id}`;
const publication = `pub_${id}`;
const signalTable = `${publication}_signal`;
const password = `replication-secret-${id}`;
const connector = `lakehouse-snap-${id}`;
const slot = `slot_${id}`;
const prefix = `snap_${id}`;
const ROWS: Record<string, number> = { first: 50, added_obj: 3000, added_ser: 20000 };
const topicOf = (table: string) => `${prefix}.${schema}.${table}`;

const cdcInputs = (tables: string[]) => ({
    address: `${pg().host}:${pg().port}`,
    database: pg().database,
    schema,
    tables,
    publication,
    adminUser: pg().user,
    adminPassword: pg().password,
    replicationUser: role,
    replicationPassword: password,
    createSeedTable: false,
    signalTable,
    version: 2,
});

const connectorInputs = (tables: string[]) => ({
    connectUrl: connectUrl(),
    name: connector,
    config: testConnectorConfig(
        { user: role, publication, slot, table: tables.map((t) => `${schema}.${t}`).join(","), topicPrefix: prefix },
        {
            "publication.autocreate.mode": "disabled",
            "snapshot.mode": "initial",
            "heartbeat.interval.ms": "1000",
            "signal.enabled.channels": "source",
            "signal.data.collection": `${schema}.${signalTable}`,
        },
    ),
    databasePassword: password,
    state: "RUNNING",
    dropSlotOnDelete: true,
    waitTimeoutSeconds: 120,
    version: CONNECTOR_PROVIDER_VERSION,
});

const snapshotInputs = (table: string, addedAt: string | undefined, extra: Record<string, unknown> = {}) => ({
    address: `${pg().host}:${pg().port}`,
    database: pg().database,
    schema,
    table,
    signalTable,
    adminUser: pg().user,
    adminPassword: pg().password,
    connectUrl: connectUrl(),
    connectorName: connector,
    addedAt,
    waitTimeoutSeconds: 300,
    version: TABLE_SNAPSHOT_PROVIDER_VERSION,
    ...extra,
});

/** Snapshot reads ("r") of a topic, by id: every id once is what a complete, unduplicated snapshot gives. */
async function snapshotReads(table: string): Promise<{ reads: number; distinct: number }> {
    const records = (await readTopicToEnd(topicOf(table))).filter((r) => r?.op === "r");
    return { reads: records.length, distinct: new Set(records.map((r) => r.after.id)).size };
}

/** The PID of the walsender holding the test's slot (undefined when none holds it). */
async function slotHolder(): Promise<number | undefined> {
    const [row] = await sql("SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1", [slot]);
    return row?.active_pid ?? undefined;
}

/**
 * A crash of the connector mid-snapshot: its replication connection is killed (as when its worker dies).
 * Then, bounded and backed off, until a new connection holds the slot: Debezium restarts its task on the
 * retriable error by itself; a task that ends FAILED is restarted through Connect.
 */
async function crashConnector(timeoutMs: number): Promise<void> {
    const crashed = await slotHolder();
    expect(crashed).toBeDefined();
    await sql("SELECT pg_terminate_backend($1)", [crashed]);
    const deadline = Date.now() + timeoutMs;
    let delay = 1000;
    for (;;) {
        const status = await connectRequest(connectUrl(), "GET", `/connectors/${connector}/status`);
        if ((status.tasks ?? []).some((t: any) => t.state === "FAILED"))
            await connectRequest(connectUrl(), "POST", `/connectors/${connector}/restart?includeTasks=true&onlyFailed=true`);
        const holder = await slotHolder();
        if (holder !== undefined && holder !== crashed) return;
        if (Date.now() + delay > deadline) throw new Error(`connector ${connector} did not reconnect to its slot within ${timeoutMs / 1000} s`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
    }
}

/** Bounded, backed-off wait until the connector has committed an offset (its initial snapshot is then done). */
async function waitForCommittedOffset(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = 500;
    for (;;) {
        const answer = await connectRequest(connectUrl(), "GET", `/connectors/${connector}/offsets`);
        if ((answer.offsets ?? []).length) return;
        if (Date.now() + delay > deadline) throw new Error(`connector ${connector} committed no offset within ${timeoutMs / 1000} s`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 3000);
    }
}

let cdcSource: any;
let connectorOuts: any;
let cdcOuts: any;
let forms: Record<string, any>;

beforeAll(async () => {
    forms = Object.fromEntries(await bothForms(tableSnapshotProvider));
    await sql(`CREATE SCHEMA ${schema}`);
    for (const [table, rows] of Object.entries(ROWS)) {
        await sql(`CREATE TABLE ${schema}.${table} (id INT PRIMARY KEY, name TEXT NOT NULL)`);
        await sql(`INSERT INTO ${schema}.${table} SELECT g, 'row ' || g FROM generate_series(1, ${rows}) g`);
    }
    cdcSource = Object.fromEntries(await bothForms(cdcSourceProvider))["provider object"];
    cdcOuts = (await cdcSource.create(cdcInputs(["first"]))).outs;
    connectorOuts = (await connectorProvider.create!(connectorInputs(["first"]))).outs;
    await waitForCommittedOffset(120_000);
});

afterAll(async () => {
    // A walsender left behind by a task that did not stop would keep the slot: end it, so the slot is dropped.
    const holder = await slotHolder().catch(() => undefined);
    if (holder !== undefined) await connectRequest(connectUrl(), "PUT", `/connectors/${connector}/stop`).catch(() => undefined);
    await connectorProvider.delete!(connector, connectorOuts ?? connectorInputs(["first"])).catch(() => undefined);
    if (cdcOuts) await cdcSource.delete(`${pg().database}/${publication}`, cdcOuts).catch(() => undefined);
    const left = await slotHolder().catch(() => undefined);
    if (left !== undefined) await sql("SELECT pg_terminate_backend($1)", [left]);
    await sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active", [slot]);
    await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await sql(`DROP PUBLICATION IF EXISTS ${publication}`);
    await sql(
        `DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN EXECUTE 'DROP OWNED BY ${role}'; EXECUTE 'DROP ROLE ${role}'; END IF; END $$`,
    );
    await deleteTopics(Object.keys(ROWS).map(topicOf));
});

it("creates the signal table in the publication, writable by the replication role, and records no addition on create", async () => {
    expect(cdcOuts.addedTables).toEqual({});
    expect(cdcOuts.createdSignalTable).toBe(true);
    const members = (await sql("SELECT tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1", [publication])).map((r) => r.tablename);
    expect(members).toEqual(["first", signalTable]);
    const grants = await sql("SELECT privilege_type FROM information_schema.role_table_grants WHERE grantee = $1 AND table_name = $2 ORDER BY 1", [
        role,
        signalTable,
    ]);
    expect(grants.map((g) => g.privilege_type)).toEqual(expect.arrayContaining(["INSERT", "SELECT"]));
    const drift = await cdcSource.read(`${pg().database}/${publication}`, cdcOuts);
    expect(drift.props.drift).toEqual([]);
});

it.each([["provider object"], ["serialized provider"]])("a table captured from the start is covered by the initial snapshot (%s)", async (form) => {
    const created = await forms[form].create(snapshotInputs("first", undefined));
    expect(created.outs).toMatchObject({ outcome: "covered by the initial snapshot", signalId: null });
    expect((await sql(`SELECT count(*)::int AS n FROM ${schema}.${signalTable} WHERE type = 'execute-snapshot'`))[0].n).toBe(0);
    const reads = await snapshotReads("first");
    expect(reads).toEqual({ reads: ROWS.first, distinct: ROWS.first });
});

it("adds two tables to the live source: the CDC source stamps them, the connector takes them", async () => {
    const updated = await cdcSource.update(`${pg().database}/${publication}`, cdcOuts, cdcInputs(["first", "added_obj", "added_ser"]));
    cdcOuts = updated.outs;
    expect(Object.keys(cdcOuts.addedTables).sort()).toEqual(["added_obj", "added_ser"]);
    connectorOuts = (await connectorProvider.update!(connector, connectorOuts, connectorInputs(["first", "added_obj", "added_ser"]))).outs;
    expect(connectorOuts.connectorState).toBe("RUNNING");
    // The initial snapshot does not run again: the added tables' existing rows are not in their topics yet.
    await sql(`INSERT INTO ${schema}.added_obj VALUES (${ROWS.added_obj + 1}, 'streamed')`);
    await sql(`DELETE FROM ${schema}.added_obj WHERE id = ${ROWS.added_obj + 1}`);
});

it("provider object: signals the incremental snapshot, waits until it finished, and a retried create sends nothing twice", async () => {
    const provider = forms["provider object"];
    const inputs = snapshotInputs("added_obj", cdcOuts.addedTables.added_obj);
    const created = await provider.create(inputs);
    expect(created.outs).toMatchObject({ outcome: "snapshotted", signalId: created.id });
    expect(created.id).toMatch(/^lh-snap-/);
    expect(await snapshotReads("added_obj")).toEqual({ reads: ROWS.added_obj, distinct: ROWS.added_obj });

    // A create run again (e.g. after Pulumi died before recording it): the same signal id, found, not sent again.
    const again = await provider.create(inputs);
    expect(again.id).toBe(created.id);
    expect((await sql(`SELECT count(*)::int AS n FROM ${schema}.${signalTable} WHERE type = 'execute-snapshot'`))[0].n).toBe(1);
    expect(await snapshotReads("added_obj")).toEqual({ reads: ROWS.added_obj, distinct: ROWS.added_obj });

    // An unchanged update touches nothing; delete removes its signal rows only.
    expect((await provider.diff(created.id, created.outs, inputs)).changes).toBe(false);
    await provider.delete(created.id, created.outs);
    expect((await sql(`SELECT count(*)::int AS n FROM ${schema}.${signalTable} WHERE id LIKE $1`, [`${created.id}%`]))[0].n).toBe(0);
    expect((await sql(`SELECT count(*)::int AS n FROM ${schema}.added_obj`))[0].n).toBe(ROWS.added_obj);
});

it("serialized provider: a wait cut short records the snapshot in progress; after the connector crashed, update resumes it to the end", async () => {
    const provider = forms["serialized provider"];
    const inputs = snapshotInputs("added_ser", cdcOuts.addedTables.added_ser, { waitTimeoutSeconds: 2 });
    const partial: any = await provider.create(inputs).then(
        () => undefined,
        (e: any) => e,
    );
    expect(partial).toBeDefined();
    expect(partial.message).toMatch(/timed out after 2 s waiting for the incremental snapshot of .*added_ser/);
    expect(partial.properties).toMatchObject({ outcome: "in progress", signalId: partial.id });
    // The connector crashes mid-snapshot: Debezium resumes from its committed offset.
    await crashConnector(180_000);
    const olds = partial.properties;
    const diff = await provider.diff(partial.id, olds, { ...inputs, waitTimeoutSeconds: 300 });
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const resumed = await provider.update(partial.id, olds, { ...inputs, waitTimeoutSeconds: 300 });
    expect(resumed.outs).toMatchObject({ outcome: "snapshotted", signalId: partial.id });
    const reads = await snapshotReads("added_ser");
    // Every row arrived; a crash may re-send what was sent after the last committed offset (at least once), never skip one.
    expect(reads.distinct).toBe(ROWS.added_ser);
    expect(reads.reads).toBeGreaterThanOrEqual(ROWS.added_ser);
    expect(reads.reads).toBeLessThan(2 * ROWS.added_ser);
    expect((await sql(`SELECT count(*)::int AS n FROM ${schema}.${signalTable} WHERE type = 'execute-snapshot'`))[0].n).toBe(1); // added_obj's went with its delete
});
