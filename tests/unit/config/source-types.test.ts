/**
 * Declarations from the database: every row of the PostgreSQL -> Flink type mapping, the printed
 * entry (which must parse with parseCapturedTables), the comparison of a declaration with a live
 * table, and `npm run tables` arguments.
 */
import * as yaml from "js-yaml";
import { compareDeclaredColumns } from "../../../components/source-check";
import {
    DECIMAL_CAVEAT,
    INTERVAL_CAVEAT,
    LiveTable,
    PgColumnType,
    TIMETZ_CAVEAT,
    TIME_CAVEAT,
    declarationJson,
    declarationYaml,
    declareTable,
    mapPostgresType,
} from "../../../components/source-types";
import { parseCapturedTables } from "../../../components/tables";
import { UsageError } from "../../../ops/args";
import { parseTablesArgs } from "../../../ops/tables";

const base = (type: string): PgColumnType => ({ type, kind: "b" });
const array = (element: string, kind = "b", dimensions = 1): PgColumnType => ({
    type: `${element}[]`,
    kind: "b",
    element: { type: element, kind },
    dimensions,
});

describe("mapPostgresType", () => {
    test.each([
        ["smallint", "SMALLINT"],
        ["integer", "INT"],
        ["bigint", "BIGINT"],
        ["real", "FLOAT"],
        ["double precision", "DOUBLE"],
        ["boolean", "BOOLEAN"],
        ["numeric(12,2)", "DECIMAL(12, 2)"],
        ["numeric(38,0)", "DECIMAL(38, 0)"],
        ["text", "STRING"],
        ["character varying(20)", "STRING"],
        ["character varying", "STRING"],
        ["character(3)", "STRING"],
        ["citext", "STRING"],
        ["public.citext", "STRING"],
        ["xml", "STRING"],
        ["inet", "STRING"],
        ["cidr", "STRING"],
        ["macaddr", "STRING"],
        ["bytea", "BYTES"],
        ["uuid", "STRING"],
        ["json", "STRING"],
        ["jsonb", "STRING"],
        ["date", "DATE"],
        ["time(0) without time zone", "TIME(0)"],
        ["time(3) without time zone", "TIME(3)"],
        ["timestamp without time zone", "TIMESTAMP(6)"],
        ["timestamp(3) without time zone", "TIMESTAMP(3)"],
        ["timestamp(0) without time zone", "TIMESTAMP(0)"],
        ["timestamp with time zone", "TIMESTAMP_LTZ(6)"],
        ["timestamp(2) with time zone", "TIMESTAMP_LTZ(2)"],
    ])("%s is %s without a caveat", (type, flinkType) => {
        expect(mapPostgresType(base(type))).toEqual({ flinkType });
    });

    test.each([
        ["numeric(39,2)", "STRING", DECIMAL_CAVEAT],
        ["numeric", "STRING", DECIMAL_CAVEAT],
        ["numeric(5,-2)", "STRING", DECIMAL_CAVEAT],
        ["interval", "STRING", INTERVAL_CAVEAT],
        ["interval year to month", "STRING", INTERVAL_CAVEAT],
        ["time without time zone", "TIME(3)", TIME_CAVEAT],
        ["time(5) without time zone", "TIME(3)", TIME_CAVEAT],
        ["time with time zone", "STRING", TIMETZ_CAVEAT],
        ["time(2) with time zone", "STRING", TIMETZ_CAVEAT],
    ])("%s is %s with a caveat", (type, flinkType, caveat) => {
        expect(mapPostgresType(base(type))).toEqual({ flinkType, caveat });
    });

    test("an enum is STRING; a domain maps as its base type", () => {
        expect(mapPostgresType({ type: "mood", kind: "e" })).toEqual({ flinkType: "STRING" });
        expect(mapPostgresType({ type: "numeric(10,2)", kind: "b", domain: "price" })).toEqual({ flinkType: "DECIMAL(10, 2)" });
        const money = mapPostgresType({ type: "money", kind: "b", domain: "cash" });
        expect("unsupported" in money && money.unsupported).toMatch(/^money \(domain cash\) is not supported/);
    });

    test.each([
        ["boolean", "ARRAY<BOOLEAN>"],
        ["smallint", "ARRAY<SMALLINT>"],
        ["integer", "ARRAY<INT>"],
        ["bigint", "ARRAY<BIGINT>"],
        ["real", "ARRAY<FLOAT>"],
        ["double precision", "ARRAY<DOUBLE>"],
        ["numeric(8,3)", "ARRAY<DECIMAL(8, 3)>"],
        ["text", "ARRAY<STRING>"],
        ["character varying(5)", "ARRAY<STRING>"],
        ["character(2)", "ARRAY<STRING>"],
        ["uuid", "ARRAY<STRING>"],
    ])("a one-dimensional %s[] is %s", (element, flinkType) => {
        expect(mapPostgresType(array(element))).toEqual({ flinkType });
    });

    test.each([
        ["date", "b"],
        ["timestamp without time zone", "b"],
        ["json", "b"],
        ["jsonb", "b"],
        ["bytea", "b"],
        ["numeric", "b"],
        ["interval", "b"],
        ["mood", "e"],
        ["money", "b"],
    ])("an array of %s is unsupported", (element, kind) => {
        const m = mapPostgresType(array(element, kind));
        expect("unsupported" in m && m.unsupported).toMatch(/is not supported \(an array is read only of .*\): leave the column out of columns/);
    });

    test("a two-dimensional array is unsupported", () => {
        const m = mapPostgresType(array("integer", "b", 2));
        expect("unsupported" in m && m.unsupported).toMatch(/only one-dimensional arrays/);
    });

    test.each([
        ["money", "b"],
        ["bit(3)", "b"],
        ["bit varying", "b"],
        ["point", "b"],
        ["polygon", "b"],
        ["int4range", "r"],
        ["int4multirange", "m"],
        ["hstore", "b"],
        ["tsvector", "b"],
        ["macaddr8", "b"],
        ["address", "c"],
    ])("%s is unsupported, naming the type and the fix", (type, kind) => {
        const m = mapPostgresType({ type, kind });
        expect("unsupported" in m && m.unsupported).toMatch(
            new RegExp(`^${type.replace(/[()]/g, "\\$&")} is not supported .*leave the column out of columns.*a supported type`),
        );
    });
});

const orders: LiveTable = {
    schema: "public",
    table: "orders",
    primaryKey: ["id"],
    columns: [
        { name: "id", type: base("bigint"), notNull: true },
        { name: "total", type: base("numeric(12,2)"), notNull: true },
        { name: "note", type: base("text"), notNull: false },
        { name: "amount", type: base("numeric"), notNull: false },
        { name: "spot", type: base("point"), notNull: false },
        { name: "placed", type: base("timestamp with time zone"), notNull: true },
    ],
};

describe("declareTable", () => {
    test("the entry: key columns without NOT NULL, other NOT NULL columns with it, unsupported ones left out as comments", () => {
        const d = declareTable(orders, "upsert");
        expect(d.entry).toEqual({
            mode: "upsert",
            primaryKey: ["id"],
            columns: ["id BIGINT", "total DECIMAL(12, 2) NOT NULL", "note STRING", "amount STRING", "placed TIMESTAMP_LTZ(6) NOT NULL"],
        });
        expect(declarationYaml(d)).toBe(
            [
                "orders:",
                "  mode: upsert",
                "  primaryKey: [id]",
                "  columns:",
                '    - "id BIGINT"',
                '    - "total DECIMAL(12, 2) NOT NULL"',
                '    - "note STRING"',
                '    - "amount STRING"',
                '    - "placed TIMESTAMP_LTZ(6) NOT NULL"',
                `  # amount (numeric) is STRING: ${DECIMAL_CAVEAT}`,
                `  # spot left out: ${(mapPostgresType(base("point")) as { unsupported: string }).unsupported}`,
            ].join("\n"),
        );
    });

    test("the YAML and the JSON parse with parseCapturedTables into the same definition, without problems", () => {
        const d = declareTable(orders);
        const fromYaml = parseCapturedTables(yaml.load(declarationYaml(d)), []);
        const fromJson = parseCapturedTables(JSON.parse(declarationJson(d)), []);
        expect(fromYaml.problems).toEqual([]);
        expect(fromJson).toEqual(fromYaml);
        expect(fromYaml.tables.orders.mode).toBe("both");
        expect(fromYaml.tables.orders.columns.find((c) => c.name === "total")).toEqual({ name: "total", type: "DECIMAL(12, 2)", nullable: false });
    });

    test("a table without a primary key is append, without primaryKey, with a comment why", () => {
        const d = declareTable({ ...orders, primaryKey: [] }, "upsert");
        expect(d.entry.mode).toBe("append");
        expect(d.entry.primaryKey).toBeUndefined();
        expect(d.entry.columns[0]).toBe("id BIGINT NOT NULL");
        expect(d.notes[0]).toMatch(/^public\.orders has no primary key: mode append/);
        expect(parseCapturedTables(yaml.load(declarationYaml(d)), []).problems).toEqual([]);
    });

    test("a column whose name is not a lower-case identifier is left out; a YAML keyword as a name is quoted", () => {
        const d = declareTable({ ...orders, table: "on", columns: [...orders.columns, { name: "Mixed", type: base("text"), notNull: false }] });
        expect(d.entry.columns.some((c) => c.startsWith("Mixed"))).toBe(false);
        expect(d.notes.some((n) => n.startsWith("Mixed left out: the name is not a lower-case SQL identifier"))).toBe(true);
        const parsed = parseCapturedTables(yaml.load(declarationYaml(d)), []);
        expect(Object.keys(parsed.tables)).toEqual(["on"]);
    });
});

describe("compareDeclaredColumns", () => {
    const declared = (columns: string[], primaryKey = ["id"], mode = "both") => {
        const r = parseCapturedTables({ orders: { mode, primaryKey, columns } }, []);
        expect(r.problems).toEqual([]);
        return r.tables.orders;
    };
    const exact = declareTable(orders).entry.columns;
    const col = (i: number) => `lakehouse:source.tables.orders.columns[${i}]`;
    const bySeverity = (problems: ReturnType<typeof compareDeclaredColumns>) => problems.map((p) => [p.severity, p.key]);

    test("the printed declaration agrees with the table except for the column left out (a note)", () => {
        const problems = compareDeclaredColumns(declared(exact), orders);
        expect(bySeverity(problems)).toEqual([["info", "lakehouse:source.tables.orders.columns"]]);
        expect(problems[0].message).toMatch(/public\.orders\.spot is not captured \(point is not supported/);
    });

    test("a declared column missing in the database is a warning (a key column: an error)", () => {
        expect(bySeverity(compareDeclaredColumns(declared([...exact, "email STRING"]), orders))).toContainEqual(["warning", col(5)]);
        const gone = { ...orders, columns: orders.columns.filter((c) => c.name !== "id") };
        const problems = compareDeclaredColumns(declared(exact), gone);
        expect(problems.find((p) => p.key === col(0))).toMatchObject({ severity: "error", message: expect.stringMatching(/has no column id.*key column/) });
    });

    test("a database column not declared is a note with the entry to add", () => {
        const problems = compareDeclaredColumns(declared(exact.filter((c) => !c.startsWith("note"))), orders);
        expect(problems.find((p) => p.message.includes(".note"))).toMatchObject({
            severity: "info",
            message: expect.stringContaining('add "note STRING" to columns'),
        });
    });

    test.each([
        ["id INT", 0, "error", /overflow/],
        ["note VARCHAR(10)", 2, "warning", /Iceberg keeps one string type/],
        ["note INT", 2, "error", /arrives as text/],
        ["note DATE", 2, "error", /arrives as text/],
        ["total DECIMAL(14, 2) NOT NULL", 1, "warning", /wider decimal/],
        ["total DECIMAL(10, 2) NOT NULL", 1, "error", /may not fit/],
        ["total STRING NOT NULL", 1, "warning", /exact decimal text/],
        ["amount DECIMAL(38, 10)", 3, "error", /unbounded numeric/],
        ["placed BIGINT NOT NULL", 4, "error", /ISO-8601 text in UTC/],
        ["placed TIMESTAMP_LTZ(3) NOT NULL", 4, "warning", /another precision/],
    ])("declared %s: %s", (entry, i, severity, why) => {
        const columns = [...exact];
        columns[i as number] = entry as string;
        const problems = compareDeclaredColumns(declared(columns), orders).filter((p) => p.key === col(i as number));
        expect(problems).toHaveLength(1);
        expect(problems[0].severity).toBe(severity);
        expect(problems[0].message).toMatch(why as RegExp);
        expect(problems[0].message).toContain("declare ");
    });

    test("an INT column declared BIGINT is a warning; a timestamp declared BIGINT or at another wire unit is an error", () => {
        const live: LiveTable = {
            schema: "s",
            table: "t",
            primaryKey: ["id"],
            columns: [
                { name: "id", type: base("integer"), notNull: true },
                { name: "at", type: base("timestamp without time zone"), notNull: false },
                { name: "at3", type: base("timestamp(3) without time zone"), notNull: false },
                { name: "d", type: base("date"), notNull: false },
            ],
        };
        const def = parseCapturedTables({ t: { primaryKey: ["id"], columns: ["id BIGINT", "at BIGINT", "at3 TIMESTAMP(6)", "d INT"] } }, []).tables.t;
        const problems = compareDeclaredColumns(def, live);
        expect(problems.map((p) => [p.severity, p.key.replace("lakehouse:source.tables.t.", "")])).toEqual([
            ["warning", "columns[0]"],
            ["error", "columns[1]"],
            ["error", "columns[2]"],
            ["error", "columns[3]"],
        ]);
        expect(problems[2].message).toMatch(/1000x/);
    });

    test("an unsupported database type declared anyway is an error", () => {
        const problems = compareDeclaredColumns(declared([...exact, "spot STRING"]), orders);
        expect(problems.find((p) => p.key === col(5))).toMatchObject({ severity: "error", message: expect.stringMatching(/spot is point is not supported/) });
    });

    test("NOT NULL declared on a nullable column is a warning", () => {
        const columns = exact.map((c) => (c === "note STRING" ? "note STRING NOT NULL" : c));
        expect(compareDeclaredColumns(declared(columns), orders).find((p) => p.key === col(2))).toMatchObject({
            severity: "warning",
            message: expect.stringMatching(/may be NULL/),
        });
    });

    test("another primary key is an error for a mirror, a warning for a changelog", () => {
        const key = "lakehouse:source.tables.orders.primaryKey";
        expect(compareDeclaredColumns(declared(exact, ["note"]), orders).find((p) => p.key === key)?.severity).toBe("error");
        expect(compareDeclaredColumns(declared(exact, ["note"], "append"), orders).find((p) => p.key === key)?.severity).toBe("warning");
        const keyless = compareDeclaredColumns(declared(exact), { ...orders, primaryKey: [] }).find((p) => p.key === key);
        expect(keyless?.message).toMatch(/declare primaryKey: none and mode append/);
    });
});

describe("npm run tables arguments", () => {
    test("describe <schema>.<table> with the connection from PG* variables, flags first", () => {
        expect(
            parseTablesArgs(["describe", "public.orders", "--json", "--mode", "append"], { PGHOST: "db", PGPORT: "6543", PGUSER: "u", PGDATABASE: "d" }),
        ).toEqual({
            schema: "public",
            table: "orders",
            json: true,
            mode: "append",
            host: "db",
            port: 6543,
            user: "u",
            database: "d",
        });
        expect(parseTablesArgs(["describe", "s.t", "--host", "h", "--port", "1", "--user", "x", "--database", "y"], { PGHOST: "db" })).toMatchObject({
            host: "h",
            port: 1,
            user: "x",
            database: "y",
            mode: "both",
            json: false,
        });
    });

    test.each([
        [[], /a command is required/],
        [["show", "a.b"], /unknown command "show"/],
        [["describe"], /needs <schema>\.<table>/],
        [["describe", "orders"], /is not <schema>\.<table>/],
        [["describe", "a.b", "--mode", "mirror"], /--mode must be one of upsert, append, both/],
        [["describe", "a.b", "--password", "x"], /unknown flag --password/],
    ])("%j is a usage error", (argv, message) => {
        expect(() => parseTablesArgs(argv as string[], {})).toThrow(UsageError);
        expect(() => parseTablesArgs(argv as string[], {})).toThrow(message as RegExp);
    });
});
