/**
 * The declared column types and their conversion from Debezium's wire form: what is accepted, the
 * wire type each is read as, and the Flink SQL that converts it. The values the SQL produces are
 * checked against PostgreSQL on real services (tests/integration/stack/column-types.test.ts).
 */
import { columnTypeProblem, fromWire, icebergStoredType, isConverted, normalizeColumnType, readsUtcText, wireType } from "../../../components/column-types";
import { parseCapturedTables, tableSqlFragments } from "../../../components/tables";

describe("declared column types", () => {
    test.each([
        ["integer", "INT"],
        ["timestamp", "TIMESTAMP(6)"],
        ["timestamp_ltz", "TIMESTAMP_LTZ(6)"],
        ["time", "TIME(0)"],
        ["decimal(12,2)", "DECIMAL(12, 2)"],
        ["array< decimal(12,2) >", "ARRAY<DECIMAL(12, 2)>"],
        ["Timestamp_LTZ(3)", "TIMESTAMP_LTZ(3)"],
    ])("%s is written %s", (text, normalized) => {
        expect(normalizeColumnType(text)).toBe(normalized);
        expect(columnTypeProblem(normalized)).toBeUndefined();
    });

    test.each([
        ["INTERVAL", /a Flink SQL type/],
        ["TIME(6)", /TIME\(p\) \(p up to 3\)/],
        ["TIMESTAMP(9)", /p up to 6/],
        ["DECIMAL(40, 2)", /p up to 38|1 <= p <= 38/],
        ["DECIMAL(5, 7)", /s <= p/],
        ["ARRAY<DATE>", /ARRAY<DATE> is not supported/],
        ["ARRAY<ARRAY<INT>>", /is not supported/],
        ["MAP<STRING, INT>", /a Flink SQL type/],
    ])("%s is refused with the fix", (type, reason) => {
        expect(columnTypeProblem(type)).toMatch(reason);
    });

    test("each declared type is read in its wire form and converted only where the two differ", () => {
        expect(["DATE", "TIME(3)", "TIMESTAMP(3)", "TIMESTAMP(6)", "TIMESTAMP_LTZ(6)"].map(wireType)).toEqual(["INT", "BIGINT", "BIGINT", "BIGINT", "STRING"]);
        for (const t of ["INT", "DECIMAL(12, 2)", "STRING", "BYTES", "ARRAY<STRING>", "BOOLEAN"]) {
            expect(wireType(t)).toBe(t);
            expect(isConverted(t)).toBe(false);
            expect(fromWire("`x`", t)).toBe("`x`");
        }
        expect(readsUtcText("TIMESTAMP_LTZ(6)")).toBe(true);
        expect(readsUtcText("TIMESTAMP(6)")).toBe(false);
    });

    test("timestamp(0-3) arrive in milliseconds, timestamp(4-6) and time in microseconds (floor division before 1970)", () => {
        expect(fromWire("`t`", "TIMESTAMP(3)")).toContain("MOD(MOD(CAST(`t` AS BIGINT), 86400000) + 86400000, 86400000)");
        expect(fromWire("`t`", "TIMESTAMP(3)")).toMatch(/AS TIMESTAMP\(3\)\)$/);
        expect(fromWire("`t`", "TIMESTAMP(6)")).toContain("MOD(MOD(CAST(`t` AS BIGINT), 86400000000) + 86400000000, 86400000000)");
        expect(fromWire("`t`", "TIME(3)")).toContain("MOD(CAST(`t` AS BIGINT) / 1000, 1000)");
        expect(fromWire("`d`", "DATE")).toBe("CAST(TIMESTAMPADD(DAY, `d`, DATE '1970-01-01') AS DATE)");
        expect(fromWire("`z`", "TIMESTAMP_LTZ(6)")).toBe("CAST(CAST(REPLACE(REPLACE(`z`, 'T', ' '), 'Z', '') AS TIMESTAMP(6)) AS TIMESTAMP_LTZ(6))");
    });

    test("Iceberg stores every timestamp precision as 6 and one string type", () => {
        expect(icebergStoredType("TIMESTAMP(3)")).toBe(icebergStoredType("TIMESTAMP(6) NOT NULL"));
        expect(icebergStoredType("TIMESTAMP_LTZ(3)")).toBe("TIMESTAMP_LTZ(6)");
        expect(icebergStoredType("TIMESTAMP(6)")).not.toBe(icebergStoredType("TIMESTAMP_LTZ(6)"));
        expect(icebergStoredType("ARRAY<VARCHAR(3)>")).toBe("ARRAY<STRING>");
        expect(icebergStoredType("TIME(0)")).toBe(icebergStoredType("TIME(3)"));
        expect(icebergStoredType("BIGINT")).not.toBe(icebergStoredType("TIMESTAMP(6)"));
    });

    test("a table's job reads the wire form and writes the declared types", () => {
        const { tables, problems } = parseCapturedTables(
            { orders: { primaryKey: ["id"], columns: ["id BIGINT", "born DATE", "placed_at TIMESTAMP_LTZ(6)", "tags ARRAY<STRING>"] } },
            [],
        );
        expect(problems).toEqual([]);
        const f = tableSqlFragments(tables.orders);
        expect(f.columnDefinitions).toBe("`id` BIGINT NOT NULL, `born` DATE, `placed_at` TIMESTAMP_LTZ(6), `tags` ARRAY<STRING>");
        expect(f.wireColumnDefinitions).toBe("`id` BIGINT NOT NULL, `born` INT, `placed_at` STRING, `tags` ARRAY<STRING>");
        expect(f.changeRowType).toBe("ROW<`id` BIGINT, `born` INT, `placed_at` STRING, `tags` ARRAY<STRING>>");
        expect(f.convertedColumns).toBe(
            "`id`, CAST(TIMESTAMPADD(DAY, `born`, DATE '1970-01-01') AS DATE) AS `born`, " +
                "CAST(CAST(REPLACE(REPLACE(`placed_at`, 'T', ' '), 'Z', '') AS TIMESTAMP(6)) AS TIMESTAMP_LTZ(6)) AS `placed_at`, `tags`",
        );
        expect(f.changeProjection).toContain(
            "CASE WHEN op = 'd' THEN CAST(TIMESTAMPADD(DAY, `before`.`born`, DATE '1970-01-01') AS DATE) ELSE CAST(TIMESTAMPADD(DAY, `after`.`born`, DATE '1970-01-01') AS DATE) END",
        );
    });
});
