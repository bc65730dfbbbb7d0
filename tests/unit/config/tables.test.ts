import { columnDefinitionsSql, icebergTableNames, modeWrites, parseCapturedTables, quoteIdentifier, tableSqlFragments } from "../../../components/tables";

describe("captured tables", () => {
    test("each mode names the Iceberg tables it writes", () => {
        expect(icebergTableNames("orders", "upsert")).toEqual({ upsert: "orders" });
        expect(icebergTableNames("orders", "append")).toEqual({ changelog: "orders_changes" });
        expect(icebergTableNames("orders", "both")).toEqual({ upsert: "orders", changelog: "orders_changes" });
        expect(modeWrites("append")).toEqual({ upsert: false, append: true });
    });

    test("identifiers are quoted (reserved words such as `value` and `before` stay columns)", () => {
        expect(quoteIdentifier("value")).toBe("`value`");
        expect(
            columnDefinitionsSql([
                { name: "value", type: "STRING", nullable: true },
                { name: "id", type: "BIGINT", nullable: false },
            ]),
        ).toBe("`value` STRING, `id` BIGINT NOT NULL");
    });

    test("a composite key: every key column is NOT NULL, and a change needs all of them", () => {
        const { tables, problems } = parseCapturedTables(
            { lines: { primaryKey: ["order_id", "line"], columns: ["order_id BIGINT", "line INT", "sku STRING"] } },
            [],
        );
        expect(problems).toEqual([]);
        const f = tableSqlFragments(tables.lines);
        expect(f.columnDefinitions).toBe("`order_id` BIGINT NOT NULL, `line` INT NOT NULL, `sku` STRING");
        expect(f.primaryKeyConstraint).toBe(", PRIMARY KEY (`order_id`, `line`) NOT ENFORCED");
        expect(f.changeRowType).toBe("ROW<`order_id` BIGINT, `line` INT, `sku` STRING>");
        expect(f.changeKeyPresent).toBe(
            "CASE WHEN op = 'd' THEN `before`.`order_id` ELSE `after`.`order_id` END IS NOT NULL AND CASE WHEN op = 'd' THEN `before`.`line` ELSE `after`.`line` END IS NOT NULL",
        );
    });

    test("every problem is reported with its key, and a bad table yields no definition", () => {
        const { tables, problems } = parseCapturedTables({ a: { mode: "upsert", columns: ["id INTERVAL"] }, b: "oops" }, []);
        expect(tables).toEqual({});
        expect(problems.map((p) => p.key)).toEqual(["a.columns[0]", "a.primaryKey", "b"]);
    });
});
