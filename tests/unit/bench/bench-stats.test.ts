import { assignVisibility, lagBounded, latencies, parseNessieTime, percentile, slope, summarize, visibilityPoints } from "../../../bench/lib/stats";
import { groupLag } from "../../../bench/lib/lag";

describe("bench percentiles", () => {
    it("uses the nearest rank", () => {
        const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
        expect(percentile(xs, 50)).toBe(50);
        expect(percentile(xs, 95)).toBe(95);
        expect(percentile(xs, 99)).toBe(99);
        expect(percentile(xs, 100)).toBe(100);
        expect(percentile([7], 1)).toBe(7);
        expect(percentile([1, 2, 3, 4], 50)).toBe(2);
        expect(percentile([], 50)).toBeUndefined();
    });

    it("refuses a percentile outside (0, 100]", () => {
        expect(() => percentile([1], 0)).toThrow("percentile must be in (0, 100]");
        expect(() => percentile([1], 101)).toThrow("percentile must be in (0, 100]");
    });

    it("summarizes without changing the input and refuses an empty run", () => {
        const xs = [3000, 1000, 2000];
        expect(summarize(xs)).toEqual({ count: 3, minMs: 1000, p50Ms: 2000, p95Ms: 3000, p99Ms: 3000, maxMs: 3000, meanMs: 2000 });
        expect(xs).toEqual([3000, 1000, 2000]);
        expect(() => summarize([])).toThrow("no latencies");
    });
});

describe("bench visibility assignment", () => {
    it("gives each change the time of the first commit whose cumulative count covers it", () => {
        const points = [
            { cumulative: 0, visibleAtMs: 500 }, // an empty commit
            { cumulative: 2, visibleAtMs: 1000 },
            { cumulative: 2, visibleAtMs: 2000 },
            { cumulative: 5, visibleAtMs: 3000 },
        ];
        expect(assignVisibility(5, points)).toEqual([1000, 1000, 3000, 3000, 3000]);
        // Order of the points does not matter.
        expect(assignVisibility(5, [...points].reverse())).toEqual([1000, 1000, 3000, 3000, 3000]);
    });

    it("leaves uncovered changes undefined, and latencies names the first one", () => {
        const v = assignVisibility(3, [{ cumulative: 1, visibleAtMs: 100 }]);
        expect(v).toEqual([100, undefined, undefined]);
        expect(() => latencies([10, 20, 30], v)).toThrow("change 2 of 3 never became visible");
        expect(latencies([10, 20], [110, 220])).toEqual([100, 200]);
        expect(() => latencies([1], [])).toThrow("1 commit times but 0 visibility times");
    });

    it("refuses a count that goes down (the changelog is append-only)", () => {
        expect(() =>
            assignVisibility(2, [
                { cumulative: 3, visibleAtMs: 1 },
                { cumulative: 2, visibleAtMs: 2 },
            ]),
        ).toThrow("count went down from 3 to 2");
    });

    it("turns Nessie commits and snapshots into points above the baseline", () => {
        const snapshots = [
            { "snapshot-id": 11, "timestamp-ms": 900, summary: { "total-records": "10" } },
            { "snapshot-id": 12, "timestamp-ms": 1990, summary: { "total-records": "13" } },
            { "snapshot-id": "13", "timestamp-ms": 2990, summary: { "total-records": "20" } },
        ];
        const commits = [
            { snapshotId: "11", commitTimeMs: 1000 }, // before the run: skipped
            { snapshotId: "-1", commitTimeMs: 1500 }, // schema change: no snapshot
            { snapshotId: "12", commitTimeMs: 2000 },
            { snapshotId: "12", commitTimeMs: 2500 }, // same snapshot again: earliest counts
            { snapshotId: "13", commitTimeMs: 3000 },
        ];
        expect(visibilityPoints(commits, snapshots, 10, 1200)).toEqual([
            { cumulative: 3, visibleAtMs: 2000 },
            { cumulative: 10, visibleAtMs: 3000 },
        ]);
        expect(() => visibilityPoints([{ snapshotId: "99", commitTimeMs: 5000 }], snapshots, 0, 0)).toThrow(
            "snapshot 99, which the table metadata does not list",
        );
        expect(() => visibilityPoints([{ snapshotId: "1", commitTimeMs: 5000 }], [{ "snapshot-id": 1, "timestamp-ms": 1 }], 0, 0)).toThrow("no total-records");
    });

    it("parses Nessie's nanosecond commit times", () => {
        expect(parseNessieTime("2026-11-24T20:46:29.723785181Z")).toBeCloseTo(Date.parse("2026-11-24T20:46:29.723Z") + 0.785181, 5);
        expect(parseNessieTime("2026-11-24T20:46:29Z")).toBe(Date.parse("2026-11-24T20:46:29Z"));
        expect(parseNessieTime("2026-11-24T20:46:29.5+01:00")).toBe(Date.parse("2026-11-24T19:46:29.500Z"));
        expect(() => parseNessieTime("yesterday")).toThrow("not an ISO timestamp");
    });
});

describe("bench lag boundedness", () => {
    const sawtooth = (n: number, growthPerS: number) =>
        Array.from({ length: n }, (_, i) => ({ atMs: i * 1000, consumerLag: (i % 3) * 100 + growthPerS * i, slotLagBytes: 1000 + i }));

    it("computes a least-squares slope", () => {
        expect(
            slope([
                { x: 0, y: 1 },
                { x: 1, y: 3 },
                { x: 2, y: 5 },
            ]),
        ).toBeCloseTo(2);
        expect(slope([{ x: 1, y: 1 }])).toBe(0);
        expect(
            slope([
                { x: 1, y: 1 },
                { x: 1, y: 5 },
            ]),
        ).toBe(0);
    });

    const flat = { firstQuarterP50Ms: 1500, lastQuarterP50Ms: 1700 };

    it("calls a pipeline that drains in time with a flat latency bounded, whatever the sawtooth's slope", () => {
        const v = lagBounded(sawtooth(20, 0), 3000, 16_000, flat, 4000);
        expect(v).toMatchObject({ bounded: true, maxConsumerLag: 200, maxSlotLagBytes: 1019, latencyGrowthMs: 200, reason: "ok" });
        expect(lagBounded(sawtooth(20, 200), 3000, 16_000, flat, 4000).bounded).toBe(true);
        expect(lagBounded(sawtooth(20, 200), 3000, 16_000, flat, 4000).lagGrowthPerS).toBeGreaterThan(150);
    });

    it("calls a growing latency, a slow drain or no drain unbounded, saying why", () => {
        expect(lagBounded(sawtooth(20, 0), 3000, 16_000, { firstQuarterP50Ms: 1500, lastQuarterP50Ms: 9000 }, 4000)).toMatchObject({
            bounded: false,
            reason: "latency grew 7.5 s over the run (> 4.0 s)",
        });
        expect(lagBounded(sawtooth(20, 0), 30_000, 16_000, flat, 4000)).toMatchObject({ bounded: false, reason: "drain took 30.0 s > 16 s" });
        expect(lagBounded(sawtooth(20, 0), undefined, 16_000, flat, 4000)).toMatchObject({ bounded: false, reason: "backlog did not drain" });
    });
});

describe("groupLag", () => {
    it("sums high watermark minus committed offset per partition, from the low watermark where nothing is committed", () => {
        const high = [
            { partition: 0, low: "0", high: "10" },
            { partition: 1, low: "5", high: "8" },
            { partition: 2, low: "0", high: "4" },
        ];
        expect(
            groupLag(high, [
                {
                    partitions: [
                        { partition: 0, offset: "7" },
                        { partition: 1, offset: "-1" },
                    ],
                },
            ]),
        ).toBe(3 + 3 + 4);
        expect(groupLag(high, [])).toBe(10 + 3 + 4);
    });
});
