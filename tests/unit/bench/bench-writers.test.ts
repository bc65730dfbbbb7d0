/** Several writer connections side by side (bench/lib/writer.ts) and the mirror's checksum (bench/lib/run.ts): the pure parts. */
import { mirrorChecksumSql } from "../../../bench/lib/run";
import { OpPlanner, WRITER_ID_SPACING, WriteResult, mergeWrites, splitEvenly } from "../../../bench/lib/writer";

test("a run's changes are split between writers in whole shares that differ by at most one", () => {
    expect(splitEvenly(10, 4)).toEqual([3, 3, 2, 2]);
    expect(splitEvenly(8, 4)).toEqual([2, 2, 2, 2]);
    expect(splitEvenly(2, 4)).toEqual([1, 1, 0, 0]);
    expect(splitEvenly(7, 1)).toEqual([7]);
});

test("writers side by side merge into one result: commit times in time order, counts summed, the whole window", () => {
    const a: WriteResult = {
        commitAtMs: [10, 30, 50],
        ops: { INSERT: 2, UPDATE: 1, DELETE: 0 },
        transactions: 3,
        startedAtMs: 5,
        endedAtMs: 55,
        endLsn: "0/1",
    };
    const b: WriteResult = { commitAtMs: [20, 40], ops: { INSERT: 1, UPDATE: 0, DELETE: 1 }, transactions: 2, startedAtMs: 4, endedAtMs: 60, endLsn: "0/2" };
    expect(mergeWrites([a, b], "0/9")).toEqual({
        commitAtMs: [10, 20, 30, 40, 50],
        ops: { INSERT: 3, UPDATE: 1, DELETE: 1 },
        transactions: 5,
        startedAtMs: 4,
        endedAtMs: 60,
        endLsn: "0/9",
    });
});

test("writers never touch each other's rows: each planner's ids start WRITER_ID_SPACING apart and stay in their range", () => {
    const ids = (first: number) => {
        const planner = new OpPlanner(first, 7);
        return new Set(Array.from({ length: 5000 }, () => planner.next().id));
    };
    const first = ids(1_000_000);
    const second = ids(1_000_000 + WRITER_ID_SPACING);
    expect([...first].every((id) => id >= 1_000_000 && id < 1_000_000 + WRITER_ID_SPACING)).toBe(true);
    expect([...second].filter((id) => first.has(id))).toEqual([]);
});

test("the steady mix loads the table to its size, then keeps it there: half UPDATE, a quarter each INSERT and DELETE", () => {
    const planner = new OpPlanner(1_000_000, 7);
    planner.steady(1000);
    const load = planner.batch(1000);
    expect(load.every((c) => c.op === "INSERT")).toBe(true);
    expect(planner.liveRows).toBe(1000);
    const counts = { INSERT: 0, UPDATE: 0, DELETE: 0 };
    let lowest = Infinity;
    let highest = 0;
    for (let i = 0; i < 100_000; i++) {
        counts[planner.next().op]++;
        lowest = Math.min(lowest, planner.liveRows);
        highest = Math.max(highest, planner.liveRows);
    }
    expect(counts.UPDATE / 100_000).toBeCloseTo(0.5, 1);
    expect(counts.INSERT / 100_000).toBeCloseTo(0.25, 1);
    expect(counts.DELETE / 100_000).toBeCloseTo(0.25, 1);
    // A random walk around the size: INSERTs and DELETEs balance, so the table neither grows nor drains.
    expect(planner.liveRows).toBe(1000 + counts.INSERT - counts.DELETE);
    expect(lowest).toBeGreaterThan(500);
    expect(highest).toBeLessThan(1500);
    expect(() => planner.steady(0)).toThrow(/a steady table needs a whole number of rows above 0, got 0/);
});

test("the growing mix, without steady: half INSERT, so the table grows with the changes written", () => {
    const planner = new OpPlanner(1_000_000, 7);
    const counts = { INSERT: 0, UPDATE: 0, DELETE: 0 };
    for (let i = 0; i < 10_000; i++) counts[planner.next().op]++;
    expect(counts.INSERT / 10_000).toBeCloseTo(0.5, 1);
    expect(counts.UPDATE / 10_000).toBeCloseTo(0.3, 1);
    expect(planner.liveRows).toBe(counts.INSERT - counts.DELETE);
});

test("the mirror's checksum is one query in both dialects, summed as BIGINT, each column named", () => {
    expect(mirrorChecksumSql("lake.ns.demographics", "CHAR_LENGTH")).toBe(
        "SELECT COUNT(*) AS row_count, COALESCE(SUM(CAST(MOD(id, 1000) * age AS BIGINT)), 0) AS age_sum, " +
            "COALESCE(SUM(CAST(MOD(id, 997) * CHAR_LENGTH(city) AS BIGINT)), 0) AS city_sum FROM lake.ns.demographics",
    );
    expect(mirrorChecksumSql("s.demographics", "LENGTH")).toContain("SUM(CAST(MOD(id, 997) * LENGTH(city) AS BIGINT))");
});
