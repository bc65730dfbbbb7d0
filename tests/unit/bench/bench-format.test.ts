import { fmtNumber, secs, table } from "../../../bench/lib/format";
import { parseStat, parseStatusMemory } from "../../../bench/lib/procs";
import { OpPlanner } from "../../../bench/lib/writer";
import { drainBoundMs, growthAllowanceMs } from "../../../bench/load";

describe("bench tables", () => {
    it("pads columns, right-aligns numeric ones and formats numbers", () => {
        const out = table(
            ["run", "n", "p50 s"],
            [
                ["a", 1000, "1.20"],
                ["longer", 5, "12.00"],
            ],
        );
        expect(out.split("\n")).toEqual(["run        n  p50 s", "------  ----  -----", "a       1000   1.20", "longer     5  12.00"]);
    });

    it("refuses a row of the wrong width", () => {
        expect(() => table(["a", "b"], [["x"]])).toThrow("row has 1 cells, header 2");
    });

    it("formats numbers and seconds", () => {
        expect(fmtNumber(3)).toBe("3");
        expect(fmtNumber(3.14159)).toBe("3.14");
        expect(fmtNumber(1521.44)).toBe("1521.4");
        expect(secs(1234)).toBe("1.23");
        expect(secs(undefined)).toBe("-");
    });
});

describe("bench /proc parsing", () => {
    it("reads ppid, group, CPU ticks and RSS pages from /proc/<pid>/stat, commands with spaces included", () => {
        const stat = "16644 (postgres: bg writer) S 1 16640 16644 0 -1 4194560 4189 11917 0 52 120 30 5 9 20 0 1 0 589230 223211520 7452 18446744073709551615";
        expect(parseStat(stat)).toEqual({ ppid: 1, pgrp: 16640, utime: 120, stime: 30, cutime: 5, cstime: 9, rssPages: 7452 });
    });

    it("reads VmRSS and VmHWM from /proc/<pid>/status", () => {
        expect(parseStatusMemory("Name:\tjava\nVmHWM:\t  29944 kB\nVmRSS:\t   28000 kB\n")).toEqual({ rssKiB: 28000, hwmKiB: 29944 });
    });
});

describe("bench writer plan", () => {
    it("mixes inserts, updates and deletes of live rows, distinct ids within a batch", () => {
        const p = new OpPlanner(1000, 7);
        const live = new Set<number>();
        const counts = { INSERT: 0, UPDATE: 0, DELETE: 0 };
        for (let b = 0; b < 100; b++) {
            const batch = p.batch(10);
            expect(new Set(batch.map((c) => c.id)).size).toBe(10);
            for (const c of batch) {
                counts[c.op]++;
                if (c.op === "INSERT") {
                    expect(live.has(c.id)).toBe(false);
                    live.add(c.id);
                } else {
                    expect(live.has(c.id)).toBe(true);
                    if (c.op === "DELETE") live.delete(c.id);
                }
            }
        }
        expect(counts.INSERT + counts.UPDATE + counts.DELETE).toBe(1000);
        expect(counts.INSERT).toBeGreaterThan(400);
        expect(counts.UPDATE).toBeGreaterThan(200);
        expect(counts.DELETE).toBeGreaterThan(100);
    });

    it("bounds the drain by three checkpoint cycles plus 10 s and the latency growth by two (at least the 2 s min-pause)", () => {
        expect(drainBoundMs(1000)).toBe(16_000);
        expect(drainBoundMs(10_000)).toBe(40_000);
        expect(growthAllowanceMs(1000)).toBe(4000);
        expect(growthAllowanceMs(10_000)).toBe(20_000);
    });
});
