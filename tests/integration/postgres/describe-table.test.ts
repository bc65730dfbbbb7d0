/**
 * `npm run tables -- describe` against the harness's real PostgreSQL: a throwaway schema with a table
 * of every mapped type (a domain, an enum, arrays, unsupported columns, a dropped column), the exact
 * printed entry, that it parses with parseCapturedTables, and the comparison with the live table
 * before and after the declaration is altered.
 */
import * as yaml from "js-yaml";
import { Client } from "pg";
import { compareDeclaredColumns, compareWithDatabase, readLiveTable } from "../../../components/source-check";
import { DECIMAL_CAVEAT, INTERVAL_CAVEAT, PgColumnType, TIMETZ_CAVEAT, TIME_CAVEAT, mapPostgresType } from "../../../components/source-types";
import { parseCapturedTables } from "../../../components/tables";
import { endpoints } from "../../../harness/cli";
import { main } from "../../../ops/tables";

const pg = () => endpoints().postgres;
const schema = `describe_${Date.now().toString(36)}`;

async function sql(query: string): Promise<void> {
    const p = pg();
    const client = new Client({ host: p.host, port: Number(p.port), user: p.user, password: p.password, database: p.database });
    await client.connect();
    try {
        await client.query(query);
    } finally {
        await client.end();
    }
}

/** Runs the command's main with the harness's connection in PG* variables, capturing what it prints. */
async function describe_(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const p = pg();
    const out: string[] = [];
    const err: string[] = [];
    const env = { PGHOST: p.host, PGPORT: String(p.port), PGUSER: p.user, PGPASSWORD: p.password, PGDATABASE: p.database };
    const code = await main(argv, env, { out: (t) => void out.push(t), err: (t) => void err.push(t) });
    return { code, out: out.join("\n"), err: err.join("\n") };
}

const COLUMNS = [
    ["id", "bigint", "BIGINT"],
    ["tenant", "integer", "INT"],
    ["small", "smallint NOT NULL", "SMALLINT NOT NULL"],
    ["flag", "boolean", "BOOLEAN"],
    ["ratio", "real", "FLOAT"],
    ["score", "double precision", "DOUBLE"],
    ["price", "numeric(12,2) NOT NULL", "DECIMAL(12, 2) NOT NULL"],
    ["huge", "numeric(40,2)", "STRING"],
    ["amount", "numeric", "STRING"],
    ["body", "text", "STRING"],
    ["code", "varchar(10)", "STRING"],
    ["initials", "char(3)", "STRING"],
    ["email", "ci", "STRING"],
    ["doc", "xml", "STRING"],
    ["ip", "inet", "STRING"],
    ["net", "cidr", "STRING"],
    ["mac", "macaddr", "STRING"],
    ["blob", "bytea", "BYTES"],
    ["uid", "uuid", "STRING"],
    ["j", "json", "STRING"],
    ["jb", "jsonb", "STRING"],
    ["mood", "mood", "STRING"],
    ["span", "interval", "STRING"],
    ["day", "date", "DATE"],
    ["at_time", "time", "TIME(3)"],
    ["at_time1", "time(1)", "TIME(1)"],
    ["at_timetz", "timetz", "STRING"],
    ["ts", "timestamp", "TIMESTAMP(6)"],
    ["ts3", "timestamp(3)", "TIMESTAMP(3)"],
    ["tstz", "timestamptz NOT NULL", "TIMESTAMP_LTZ(6) NOT NULL"],
    ["tstz0", "timestamptz(0)", "TIMESTAMP_LTZ(0)"],
    ["cost", "price", "DECIMAL(10, 2) NOT NULL"],
    ["ints", "integer[]", "ARRAY<INT>"],
    ["tags", "text[]", "ARRAY<STRING>"],
    ["uids", "uuid[]", "ARRAY<STRING>"],
    ["amounts", "numeric(8,3)[]", "ARRAY<DECIMAL(8, 3)>"],
    ["bools", "boolean[]", "ARRAY<BOOLEAN>"],
    ["cash", "money", undefined],
    ["days", "date[]", undefined],
    ["spot", "point", undefined],
] as const;

beforeAll(async () => {
    // citext lives in the throwaway schema when the database does not have it yet (dropped with it).
    await sql(`CREATE SCHEMA ${schema}`);
    await sql(`CREATE EXTENSION IF NOT EXISTS citext SCHEMA ${schema}`);
    await sql(
        `SET search_path = ${schema}, public;
         CREATE DOMAIN ci AS citext;
         CREATE DOMAIN price AS numeric(10,2) NOT NULL;
         CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
         CREATE TABLE orders (gone int, ${COLUMNS.map(([name, type]) => `${name} ${type}`).join(", ")}, PRIMARY KEY (tenant, id));
         ALTER TABLE orders DROP COLUMN gone;
         CREATE TABLE events (at timestamptz NOT NULL, what text);`,
    );
});

afterAll(async () => {
    await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
});

const expectedColumns = COLUMNS.filter(([, , flink]) => flink !== undefined).map(
    ([name, , flink]) =>
        // Key columns are printed without NOT NULL.
        `${name} ${flink}`,
);

test("describe prints the exact entry, with a comment per caveat and per column left out, and it parses", async () => {
    const r = await describe_(["describe", `${schema}.orders`, "--mode", "upsert"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const leftOut = (name: string, type: PgColumnType) => `  # ${name} left out: ${(mapPostgresType(type) as { unsupported: string }).unsupported}`;
    expect(r.out).toBe(
        [
            `# ${schema}.orders: paste under lakehouse:source: -> tables: (npm run tables -- describe ${schema}.orders)`,
            "orders:",
            "  mode: upsert",
            "  primaryKey: [tenant, id]",
            "  columns:",
            ...expectedColumns.map((c) => `    - ${JSON.stringify(c)}`),
            `  # huge (numeric(40,2)) is STRING: ${DECIMAL_CAVEAT}`,
            `  # amount (numeric) is STRING: ${DECIMAL_CAVEAT}`,
            `  # span (interval) is STRING: ${INTERVAL_CAVEAT}`,
            `  # at_time (time without time zone) is TIME(3): ${TIME_CAVEAT}`,
            `  # at_timetz (time with time zone) is STRING: ${TIMETZ_CAVEAT}`,
            leftOut("cash", { type: "money", kind: "b" }),
            leftOut("days", { type: "date[]", kind: "b", element: { type: "date", kind: "b" }, dimensions: 1 }),
            leftOut("spot", { type: "point", kind: "b" }),
        ].join("\n"),
    );
    const parsed = parseCapturedTables(yaml.load(r.out), []);
    expect(parsed.problems).toEqual([]);
    expect(parsed.tables.orders.primaryKey).toEqual(["tenant", "id"]);
    expect(parsed.tables.orders.columns.map((c) => c.name)).toEqual(expectedColumns.map((c) => c.split(" ")[0]));

    const json = await describe_(["describe", `${schema}.orders`, "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual({ orders: { mode: "both", primaryKey: ["tenant", "id"], columns: expectedColumns } });
    expect(json.err.split("\n")).toHaveLength(8);
});

test("a table without a primary key is printed as append, and a missing table exits 1", async () => {
    const r = await describe_(["describe", `${schema}.events`]);
    expect(r.code).toBe(0);
    expect(r.out.split("\n").slice(1)).toEqual([
        "events:",
        "  mode: append",
        "  columns:",
        '    - "at TIMESTAMP_LTZ(6) NOT NULL"',
        '    - "what STRING"',
        `  # ${schema}.events has no primary key: mode append (every change is a row of events_changes); add a primary key in PostgreSQL to mirror it`,
    ]);
    expect(parseCapturedTables(yaml.load(r.out), []).problems).toEqual([]);
    const missing = await describe_(["describe", `${schema}.nope`]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`${schema}.nope is not a table`);
});

test("a wrong password is refused without printing it", async () => {
    const p = pg();
    const err: string[] = [];
    const env = { PGHOST: p.host, PGPORT: String(p.port), PGUSER: p.user, PGPASSWORD: "not-the-password-42", PGDATABASE: p.database };
    const code = await main(["describe", `${schema}.orders`], env, { out: () => undefined, err: (t) => void err.push(t) });
    expect(code).toBe(2);
    expect(err.join("\n")).toMatch(/password authentication failed/);
    expect(err.join("\n")).not.toContain("not-the-password-42");
});

test("the comparison finds nothing for the printed declaration, and the expected problems after altering it", async () => {
    const r = await describe_(["describe", `${schema}.orders`]);
    const declared = parseCapturedTables(yaml.load(r.out), []).tables.orders;
    const p = pg();
    const client = new Client({ host: p.host, port: Number(p.port), user: p.user, password: p.password, database: p.database });
    await client.connect();
    let live;
    try {
        live = (await readLiveTable(client, schema, "orders"))!;
    } finally {
        await client.end();
    }
    // Only the unsupported columns are reported, as notes.
    expect(compareDeclaredColumns(declared, live).map((x) => [x.severity, x.message.replace(/ \(.*/, "")])).toEqual([
        ["info", `${schema}.orders.cash is not captured`],
        ["info", `${schema}.orders.days is not captured`],
        ["info", `${schema}.orders.spot is not captured`],
    ]);

    const columns = [...expectedColumns];
    const at = (name: string) => columns.findIndex((c) => c.startsWith(`${name} `));
    columns[at("ts")] = "ts BIGINT";
    columns[at("code")] = "code VARCHAR(10)";
    columns[at("tenant")] = "tenant BIGINT";
    columns[at("body")] = "body INT";
    columns.push("nothing STRING", "cash STRING");
    const altered = parseCapturedTables({ orders: { primaryKey: ["tenant", "id"], columns } }, []);
    expect(altered.problems).toEqual([]);
    const result = await compareWithDatabase(
        { source: { schema, tableDefinitions: altered.tables } as never },
        { address: `${p.host}:${p.port}`, user: p.user, password: p.password, database: p.database },
    );
    expect("problems" in result).toBe(true);
    const problems = "problems" in result ? result.problems.filter((x) => x.severity !== "info") : [];
    const key = (name: string) => `lakehouse:source.tables.orders.columns[${columns.findIndex((c) => c.startsWith(`${name} `))}]`;
    expect(problems.map((x) => [x.severity, x.key])).toEqual([
        ["warning", key("tenant")],
        ["error", key("body")],
        ["warning", key("code")],
        ["error", key("ts")],
        ["warning", key("nothing")],
        ["error", key("cash")],
    ]);
    expect(problems.find((x) => x.key === key("ts"))?.message).toMatch(/arrives as microseconds since the epoch: BIGINT would hold that number/);
});

test("the comparison is skipped, not failed, when PostgreSQL does not answer", async () => {
    const result = await compareWithDatabase(
        { source: { schema, tableDefinitions: {} } as never },
        { address: "127.0.0.1:1", user: "u", password: "secret-pw-1", database: "d" },
        2000,
    );
    expect(result).toEqual({ skipped: expect.stringMatching(/^PostgreSQL at 127\.0\.0\.1:1 \(database d, user u\) was not reachable: ECONNREFUSED/) });
});
