/**
 * PostgreSQL types reach Iceberg as the right types with the exact values, end to end through the real
 * engine: a copy of the `local` stack capturing a type-matrix table (edge values: NULLs, minimum and
 * maximum, negative and large numerics, far past and far future timestamps, several time zones,
 * Unicode, empty and NULL arrays) and the issue's `orders` table (timestamptz declared TIMESTAMP_LTZ(6),
 * a two-column key), deployed with `pulumi up` on the harness's services; the type matrix is declared
 * with what `npm run tables -- describe` prints for it, as is. Rows exist before the deploy
 * (the snapshot) and are inserted, updated and deleted after it (the stream). The Iceberg mirror is read
 * back with a Flink batch SELECT and compared with PostgreSQL value for value, each side rendered as
 * text by its own database (never by the program's mapping code); the changelog holds every change.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_DIR } from "../../../harness/pulumi/cli";
import { main as describeMain } from "../../../ops/tables";
import { endpoints } from "../../../harness/cli";
import { localStackCopy, pgQuery, pulumiOn, writeStackFile } from "../../support/e2e";
import { icebergSession } from "../../support/iceberg-session";

const id = Date.now().toString(36);
const stack = `types-it-${id}`;
const schema = `types_it_${id}`;
const namespace = `types_it_${id}`;
const stackFile = path.join(REPO_DIR, `Pulumi.${stack}.yaml`);

let stateDir: string;
let deployed = false;
const pulumi = pulumiOn(() => stateDir);

/** Each column: its PostgreSQL type, its declaration, and how each side renders a value as comparable text. */
interface MatrixColumn {
    name: string;
    pg: string;
    declared: string;
    /** PostgreSQL expression rendering the value as text (NULL stays NULL). */
    pgText?: (c: string) => string;
    /** Flink SQL expression rendering the Iceberg value as text. */
    flinkText?: (c: string) => string;
    /** Compare as numbers (floats: PostgreSQL and Flink print them differently), or as ISO-8601 duration parts. */
    numeric?: "float32" | "float64" | "duration";
}

const MATRIX: MatrixColumn[] = [
    { name: "c_smallint", pg: "smallint", declared: "SMALLINT" },
    { name: "c_int", pg: "integer", declared: "INT" },
    { name: "c_bigint", pg: "bigint", declared: "BIGINT" },
    { name: "c_numeric", pg: "numeric(20,6)", declared: "DECIMAL(20, 6)" },
    { name: "c_numeric_free", pg: "numeric", declared: "STRING" },
    { name: "c_real", pg: "real", declared: "FLOAT", numeric: "float32" },
    { name: "c_double", pg: "double precision", declared: "DOUBLE", numeric: "float64" },
    { name: "c_bool", pg: "boolean", declared: "BOOLEAN", flinkText: (c) => `LOWER(CAST(${c} AS STRING))` },
    { name: "c_text", pg: "text", declared: "STRING" },
    { name: "c_varchar", pg: "varchar(20)", declared: "STRING" },
    // char(n) is blank-padded in PostgreSQL and arrives so; PostgreSQL's text cast drops the padding.
    { name: "c_char", pg: "char(5)", declared: "STRING", flinkText: (c) => `RTRIM(${c})` },
    { name: "c_bytea", pg: "bytea", declared: "BYTES", pgText: (c) => `replace(encode(${c}, 'base64'), E'\\n', '')`, flinkText: (c) => c },
    { name: "c_uuid", pg: "uuid", declared: "STRING" },
    { name: "c_json", pg: "json", declared: "STRING" },
    { name: "c_jsonb", pg: "jsonb", declared: "STRING" },
    { name: "c_date", pg: "date", declared: "DATE" },
    {
        name: "c_time",
        pg: "time",
        declared: "TIME(3)",
        // Flink's TIME holds milliseconds (docs/column-types.md): compared at that precision.
        pgText: (c) => `to_char(date_trunc('milliseconds', ${c}::interval), 'HH24:MI:SS.MS')`,
        flinkText: (c) => `CONCAT(CAST(${c} AS STRING), '.', LPAD(CAST(MOD(EXTRACT(MILLISECOND FROM ${c}), 1000) AS STRING), 3, '0'))`,
    },
    {
        name: "c_ts",
        pg: "timestamp",
        declared: "TIMESTAMP(6)",
        pgText: (c) => `to_char(${c}, 'YYYY-MM-DD HH24:MI:SS.US')`,
        flinkText: (c) => `DATE_FORMAT(${c}, 'yyyy-MM-dd HH:mm:ss.SSSSSS')`,
    },
    {
        name: "c_ts3",
        pg: "timestamp(3)",
        declared: "TIMESTAMP(3)",
        pgText: (c) => `to_char(${c}, 'YYYY-MM-DD HH24:MI:SS.MS')`,
        flinkText: (c) => `DATE_FORMAT(${c}, 'yyyy-MM-dd HH:mm:ss.SSS')`,
    },
    {
        name: "c_tstz",
        pg: "timestamptz",
        declared: "TIMESTAMP_LTZ(6)",
        // The instant, in UTC on both sides (the reading session runs in UTC).
        pgText: (c) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`,
        flinkText: (c) => `DATE_FORMAT(${c}, 'yyyy-MM-dd HH:mm:ss.SSSSSS')`,
    },
    // ISO-8601 durations, as PostgreSQL prints them with IntervalStyle iso_8601.
    // (Debezium writes every part, PostgreSQL leaves out the zero ones: compared part by part.)
    { name: "c_interval", pg: "interval", declared: "STRING", numeric: "duration" },
    { name: "c_enum", pg: "mood", declared: "STRING" },
    { name: "c_domain", pg: "positive_int", declared: "INT" },
    { name: "c_int_arr", pg: "integer[]", declared: "ARRAY<INT>", pgText: (c) => `to_json(${c})::text`, flinkText: (c) => c },
    { name: "c_text_arr", pg: "text[]", declared: "ARRAY<STRING>", pgText: (c) => `to_json(${c})::text`, flinkText: (c) => c },
];

/** Rows as SQL value lists in MATRIX order (after the id). */
const ROWS: Record<number, string> = {
    1: MATRIX.map(() => "NULL").join(", "),
    2: [
        "-32768",
        "-2147483648",
        "-9223372036854775808",
        "-99999999999999.999999",
        "'-123456789012345678901234567890.123456789'",
        "-3.4e38",
        "-1.7976931348623157e308",
        "false",
        "''",
        "''",
        "''",
        "'\\x'::bytea",
        "'00000000-0000-0000-0000-000000000000'",
        "'{}'",
        "'[]'",
        "'0001-01-01'",
        "'00:00:00'",
        // Far past: Debezium converts timestamps before the Gregorian calendar (1582-10-15) through the
        // Julian one (two days off at year 1): docs/column-types.md says so; dates are exact back to year 1.
        "'1600-01-01 00:00:00'",
        "'1900-01-01 00:00:00.001'",
        "'1600-01-01 00:00:00+00'",
        "'-1 years -2 mons'",
        "'sad'",
        "1",
        "'{}'",
        "'{}'",
    ].join(", "),
    3: [
        "32767",
        "2147483647",
        "9223372036854775807",
        "99999999999999.999999",
        "'0.000000000000000000001'",
        "3.4e38",
        "1.7976931348623157e308",
        "true",
        "'Zürich – 東京 🚀 \"quoted\" ''single'''",
        "'ünïcödé'",
        "'ab'",
        "'\\xdeadbeef00ff'::bytea",
        "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
        `'{"a": [1, 2.5, "x"], "b": null}'`,
        `'{"a": [1, 2.5, "x"], "b": null}'`,
        "'9999-12-31'",
        "'23:59:59.999999'",
        "'9999-12-31 23:59:59.999999'",
        "'2024-05-01 10:00:00.123'",
        "'2026-11-30 08:54:28.768699+01'",
        "'1 year 2 mons 3 days 04:05:06.000007'",
        "'happy'",
        "2147483647",
        "'{1,NULL,-3}'",
        `'{"a",NULL,"ü"}'`,
    ].join(", "),
    4: [
        "0",
        "0",
        "0",
        "0.000001",
        "'12345.678'",
        "1.5",
        "0.1",
        "true",
        "'line\\nbreak'",
        "'x'",
        "'abcde'",
        "'\\x00'::bytea",
        "'ffffffff-ffff-ffff-ffff-ffffffffffff'",
        "'\"just a string\"'",
        `'{"nested": {"deep": [true, false]}}'`,
        "'1969-12-31'",
        "'12:00:00.0005'",
        "'1969-12-31 23:59:59.999999'",
        "'1969-12-31 23:59:59.999'",
        "'1969-12-31 23:59:59.999999-08'",
        "'00:00:00.000001'",
        "'ok'",
        "42",
        "'{0}'",
        "'{\"\"}'",
    ].join(", "),
};

/** The `types` entry `npm run tables -- describe <schema>.types --json` printed, which the stack deploys. */
let described: unknown;
/** The stack's config, as written to its stack file. */
let stackConfig: any;

/** Runs the describe command (ops/tables.ts) on the harness's PostgreSQL; returns the table's entry. */
async function describeTable(qualified: string): Promise<unknown> {
    const p = endpoints().postgres;
    const out: string[] = [];
    const env = { PGHOST: p.host, PGPORT: String(p.port), PGUSER: p.user, PGPASSWORD: p.password, PGDATABASE: p.database };
    const code = await describeMain(["describe", qualified, "--json"], env, { out: (t) => void out.push(t), err: () => undefined });
    if (code !== 0) throw new Error(`npm run tables -- describe ${qualified} exited ${code}`);
    return JSON.parse(out.join("\n"))[qualified.split(".")[1]];
}

const ORDERS_COLUMNS = ["id BIGINT", "line INT", "amount DECIMAL(12, 2)", "placed_at TIMESTAMP_LTZ(6)", "note STRING"];

beforeAll(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-types-state-"));
    await pgQuery(`CREATE SCHEMA ${schema}`);
    await pgQuery(`CREATE TYPE ${schema}.mood AS ENUM ('sad', 'ok', 'happy')`);
    await pgQuery(`CREATE DOMAIN ${schema}.positive_int AS integer CHECK (VALUE > 0)`);
    const pgType = (t: string) => (["mood", "positive_int"].includes(t) ? `${schema}.${t}` : t);
    await pgQuery(`CREATE TABLE ${schema}.types (id bigint PRIMARY KEY, ${MATRIX.map((c) => `${c.name} ${pgType(c.pg)}`).join(", ")})`);
    await pgQuery(
        `CREATE TABLE ${schema}.orders (id bigint, line int, amount numeric(12,2), placed_at timestamptz NOT NULL, note text, PRIMARY KEY (id, line))`,
    );
    // Existing rows: they arrive through the connector's snapshot.
    for (const rowId of [1, 2, 3]) await pgQuery(`INSERT INTO ${schema}.types VALUES (${rowId}, ${ROWS[rowId]})`);
    await pgQuery(
        `INSERT INTO ${schema}.orders VALUES (1, 1, 12.50, '2026-11-30 07:54:28.768699+00', NULL), (1, 2, -0.01, '2026-11-30 07:54:28.768699-05', 'ü')`,
    );

    described = await describeTable(`${schema}.types`);
    stackConfig = localStackCopy({
        bucket: `types-it-${id}`,
        schema,
        tag: `ti_${id}`,
        config: {
            "lakehouse:source": {
                createSeedTable: false,
                tables: {
                    // What `npm run tables -- describe` prints for the table, deployed as is.
                    types: described,
                    orders: { mode: "upsert", primaryKey: ["id", "line"], columns: ORDERS_COLUMNS },
                },
            },
            "lakehouse:dremio": { enabled: false },
        },
    });
    writeStackFile(stack, stackConfig);
    await pulumi(["stack", "init", stack]);
    deployed = true;
    await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
});

afterAll(async () => {
    try {
        if (deployed) await pulumi(["destroy", "-s", stack, "--yes", "--skip-preview"], false);
        await pulumi(["stack", "rm", stack, "--yes", "--force"], false);
    } finally {
        fs.rmSync(stackFile, { force: true });
        fs.rmSync(stateDir, { recursive: true, force: true });
        await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    }
});

/** PostgreSQL's rows of `types` as comparable text, by id. */
async function pgTypesRows(): Promise<Record<string, unknown[]>> {
    const exprs = MATRIX.map((c) => (c.pgText ? c.pgText(c.name) : `${c.name}::text`));
    // Intervals as ISO-8601 durations, the form Debezium's interval.handling.mode=string sends.
    const rows = await pgQuery(
        `SELECT id::text AS id, ${exprs.map((e, i) => `${e} AS v${i}`).join(", ")} FROM ${schema}.types CROSS JOIN (SELECT set_config('intervalstyle', 'iso_8601', true)) s ORDER BY id`,
    );
    return Object.fromEntries(rows.map((r) => [r.id, MATRIX.map((_, i) => r[`v${i}`])]));
}

/** Rows of an Iceberg table, read with a Flink batch SELECT in a UTC session (a reader independent of the program). */
async function icebergSelect(table: string, exprs: string[]): Promise<unknown[][]> {
    const session = await icebergSession(`types-it-${id}`, { "table.local-time-zone": "UTC" });
    try {
        return await session.query(`SELECT ${exprs.join(", ")} FROM lake.${namespace}.${table}`);
    } finally {
        await session.close();
    }
}

const flinkExprs = () => MATRIX.map((c) => (c.flinkText ? c.flinkText(`\`${c.name}\``) : `CAST(\`${c.name}\` AS STRING)`));

/** Each value as the test compares it: arrays as JSON, floats as numbers of their width, the rest as text. */
function comparable(row: unknown[] | undefined): unknown[] | undefined {
    return row?.map((v, i) => {
        if (v === null || v === undefined) return null;
        const c = MATRIX[i];
        if (c.numeric === "float32") return Math.fround(Number(v));
        if (c.numeric === "float64") return Number(v);
        if (c.numeric === "duration") return durationParts(String(v));
        if (c.declared.startsWith("ARRAY<")) return typeof v === "string" ? JSON.parse(v) : v;
        return String(v);
    });
}

/** An ISO-8601 duration as its [years, months, days, hours, minutes, seconds], absent parts 0. */
function durationParts(text: string): number[] {
    const m = /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?[\d.]+)S)?)?$/.exec(text);
    if (!m) throw new Error(`not an ISO-8601 duration: ${text}`);
    return m.slice(1).map((part) => Number(part ?? 0));
}

/** Polls until the Iceberg mirror equals PostgreSQL row for row (bounded; says what differs). */
async function expectMirrorEqual(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = 1000;
    for (;;) {
        const pg = await pgTypesRows();
        const ice = Object.fromEntries((await icebergSelect("types", ["CAST(id AS STRING)", ...flinkExprs()])).map((r) => [String(r[0]), r.slice(1)]));
        const ids = [...new Set([...Object.keys(pg), ...Object.keys(ice)])].sort();
        const differences = ids.flatMap((rowId) => {
            const a = comparable(pg[rowId]);
            const b = comparable(ice[rowId]);
            if (!a || !b) return [`row ${rowId}: ${a ? "missing in Iceberg" : "not in PostgreSQL"}`];
            return MATRIX.flatMap((c, i) =>
                JSON.stringify(a[i]) === JSON.stringify(b[i])
                    ? []
                    : [`row ${rowId} ${c.name}: PostgreSQL ${JSON.stringify(a[i])}, Iceberg ${JSON.stringify(b[i])}`],
            );
        });
        if (!differences.length) return;
        if (Date.now() + delay > deadline) throw new Error(`the Iceberg mirror of ${schema}.types differs from PostgreSQL:\n${differences.join("\n")}`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
    }
}

test("`npm run tables -- describe` printed the declaration this stack deployed: each column with the documented Flink type", () => {
    expect(described).toEqual({ mode: "both", primaryKey: ["id"], columns: ["id BIGINT", ...MATRIX.map((c) => `${c.name} ${c.declared}`)] });
});

test("every type of the matrix reaches the Iceberg mirror with PostgreSQL's exact value (snapshot, then inserts, updates and deletes)", async () => {
    await expectMirrorEqual(180_000);
    // The stream: updates to other edge values (and to and from all NULL), a delete, inserts, a change of time zone.
    const set = (rowId: number, values: string) =>
        pgQuery(`UPDATE ${schema}.types SET (${MATRIX.map((c) => c.name).join(", ")}) = (${values}) WHERE id = ${rowId}`);
    await set(3, ROWS[4]);
    await pgQuery(`DELETE FROM ${schema}.types WHERE id = 2`);
    await pgQuery(`INSERT INTO ${schema}.types VALUES (5, ${ROWS[3]})`);
    await pgQuery(`UPDATE ${schema}.types SET c_tstz = '2024-03-31 02:30:00.5+02', c_ts = '2024-03-31 02:30:00.5' WHERE id = 5`);
    await set(1, ROWS[3]);
    await pgQuery(`INSERT INTO ${schema}.types VALUES (4, ${ROWS[4]})`);
    await set(4, ROWS[1]);
    await expectMirrorEqual(180_000);

    // The changelog holds every change: 3 snapshot rows, then 7 changes.
    const ops = (await icebergSelect("types_changes", ["CONCAT(CAST(id AS STRING), ':', operation_type)"])).map((r) => String(r[0])).sort();
    expect(ops).toEqual(["1:SNAPSHOT", "1:UPDATE", "2:DELETE", "2:SNAPSHOT", "3:SNAPSHOT", "3:UPDATE", "4:INSERT", "4:UPDATE", "5:INSERT", "5:UPDATE"]);
}, 600_000);

test("the issue's orders table: timestamptz declared TIMESTAMP_LTZ(6) keeps the instant and its microseconds", async () => {
    await pgQuery(`INSERT INTO ${schema}.orders VALUES (2, 1, 99999999.99, '1999-12-31 23:59:59.999999+14', 'late')`);
    await pgQuery(`UPDATE ${schema}.orders SET amount = amount * 2, placed_at = placed_at + interval '1 microsecond' WHERE id = 1 AND line = 2`);
    const expected = async () =>
        Object.fromEntries(
            (
                await pgQuery(
                    `SELECT id || '/' || line AS k, amount::text AS amount, to_char(placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS placed, note FROM ${schema}.orders`,
                )
            ).map((r) => [r.k, [r.amount, r.placed, r.note]]),
        );
    const deadline = Date.now() + 120_000;
    let found: Record<string, unknown[]> = {};
    const want = await expected();
    while (Date.now() < deadline) {
        const rows = await icebergSelect("orders", [
            "CONCAT(CAST(id AS STRING), '/', CAST(line AS STRING))",
            "CAST(amount AS STRING)",
            "DATE_FORMAT(placed_at, 'yyyy-MM-dd HH:mm:ss.SSSSSS')",
            "note",
        ]);
        found = Object.fromEntries(rows.map((r) => [String(r[0]), r.slice(1)]));
        if (JSON.stringify(found) === JSON.stringify(want)) break;
        await new Promise((r) => setTimeout(r, 2000));
    }
    expect(found).toEqual(want);
    expect(want["1/2"][1]).toBe("2026-11-30 12:54:28.768700");
}, 300_000);

test("a preview compares the declarations with the database: a timestamp declared BIGINT fails it naming the key, a narrower text type warns", async () => {
    const edited = structuredClone(stackConfig);
    const columns: string[] = edited.config["lakehouse:source"].tables.types.columns;
    columns[columns.indexOf("c_ts TIMESTAMP(6)")] = "c_ts BIGINT";
    columns[columns.indexOf("c_text STRING")] = "c_text VARCHAR(10)";
    writeStackFile(stack, edited);
    let preview: Awaited<ReturnType<typeof pulumi>>;
    try {
        preview = await pulumi(["preview", "-s", stack], false);
    } finally {
        writeStackFile(stack, stackConfig);
    }
    const text = preview.stdout + preview.stderr;
    expect(preview.code).not.toBe(0);
    expect(text).toMatch(/lakehouse:source\.tables\.types\.columns\[18\]: .*c_ts.*timestamp/);
    expect(text).toMatch(/warning: .*lakehouse:source\.tables\.types\.columns\[9\]: .*c_text/);
}, 300_000);
