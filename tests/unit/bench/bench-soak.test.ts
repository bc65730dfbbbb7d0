/**
 * `npm run bench:soak` (issue 18): its options, and the report of the counts over time and the
 * with/without summary, from synthetic runs.
 */
import { BENCH_MAINTENANCE, benchMaintenance } from "../../../bench/lib/stack";
import { SOAK_USAGE, SoakRun, exactCell, parseSoakArgs, peak, samplesTable, soakFailed, summaryTable } from "../../../bench/soak";

const run = (maintenance: boolean, mirrorData: number[], queryEnd: number): SoakRun => ({
    maintenance,
    stack: maintenance ? "bench-soakm-x" : "bench-soak-x",
    checkpointIntervalMs: 1000,
    targetRate: 1000,
    written: 600_000,
    achievedRate: 998.6,
    samples: mirrorData.map((d, i) => ({
        atSeconds: (i + 1) * 60,
        written: (i + 1) * 60_000,
        mirror: { dataFiles: d, deleteFiles: maintenance ? 1 : d, snapshots: maintenance ? 300 : (i + 1) * 60 },
        changelog: { dataFiles: d, deleteFiles: 0, snapshots: maintenance ? 300 : (i + 1) * 60 },
    })),
    queryStartSeconds: 2,
    queryEndSeconds: queryEnd,
    ...(maintenance ? { verified: { changelogRows: 600_000, expected: 600_000, byOperation: {} } } : { verifyError: "the changelog has 1 row too few" }),
});

describe("npm run bench:soak", () => {
    test("takes the issue's defaults and its options", () => {
        expect(parseSoakArgs([])).toMatchObject({
            minutes: 30,
            rate: 1000,
            "checkpoint-ms": 1000,
            "sample-seconds": 60,
            rows: 500_000,
            runs: ["without", "with"],
            json: false,
            secured: false,
        });
        // --secured: the local-tls copy (PostgreSQL over TLS, Kafka over SASL_SSL), as bench:load --secured.
        expect(parseSoakArgs(["--secured"]).secured).toBe(true);
        expect(SOAK_USAGE).toContain("--secured");
        // --rows 0: the growing mix from an empty table, as the soaks before the steady table.
        expect(parseSoakArgs(["--rows", "0"]).rows).toBe(0);
        expect(() => parseSoakArgs(["--rows", "1.5"])).toThrow(/--rows must be an integer >= 0, got "1\.5"/);
        expect(() => parseSoakArgs(["--rows=-1"])).toThrow(/--rows must be an integer >= 0, got "-1"/);
        expect(parseSoakArgs(["--minutes", "5", "--runs", "with", "--sample-seconds=30"])).toMatchObject({ minutes: 5, runs: ["with"], "sample-seconds": 30 });
        expect(() => parseSoakArgs(["--runs", "maybe"])).toThrow(/--runs: unknown value\(s\) maybe/);
        expect(() => parseSoakArgs(["--minutes", "1", "--sample-seconds", "90"])).toThrow(/--sample-seconds must be at most the run's length/);
        expect(SOAK_USAGE).toContain("--minutes");
    });

    test("--maintenance sets lakehouse:maintenance keys over the bench's, dotted for nested ones", () => {
        expect(parseSoakArgs(["--maintenance", "lockCheckDelaySeconds=5,rewriteDataFiles.commitCount=5"]).maintenance).toEqual([
            "lockCheckDelaySeconds=5",
            "rewriteDataFiles.commitCount=5",
        ]);
        expect(benchMaintenance([])).toEqual(BENCH_MAINTENANCE);
        const tuned = benchMaintenance(["lockCheckDelaySeconds=5", "rewriteDataFiles.commitCount=5", "deleteOrphanFiles.intervalSeconds=600", "enabled=false"]);
        expect(tuned).toEqual({
            ...BENCH_MAINTENANCE,
            enabled: false,
            lockCheckDelaySeconds: 5,
            rewriteDataFiles: { ...BENCH_MAINTENANCE.rewriteDataFiles, commitCount: 5 },
            deleteOrphanFiles: { intervalSeconds: 600 },
        });
        // The bench's own settings are a copy: a run's overrides never leak into the next.
        expect(BENCH_MAINTENANCE.rewriteDataFiles.commitCount).toBe(10);
        expect(benchMaintenance(["expireSnapshots.mode=fast"])).toMatchObject({ expireSnapshots: { mode: "fast" } });
        expect(() => parseSoakArgs(["--maintenance", "commitCount"])).toThrow(
            /--maintenance: a maintenance setting is key=value, e\.g\. rewriteDataFiles\.commitCount=5; got "commitCount"/,
        );
    });

    test("reports the counts over time, the peaks, the query ratio end / start and exactness", () => {
        const without = run(false, [60, 120, 180], 6);
        const withMaintenance = run(true, [40, 3, 2], 1.9);
        expect(peak(without.samples, "mirror", "dataFiles")).toBe(180);
        expect(peak(withMaintenance.samples, "mirror", "snapshots")).toBe(300);
        const samples = samplesTable(without).split("\n");
        expect(samples[0]).toMatch(/^\s*at\s+written\s+mirror data\s+mirror deletes\s+mirror snapshots\s+changelog data\s+changelog snapshots\s+query s$/);
        expect(samples).toHaveLength(2 + 3);
        expect(samples[4]).toMatch(/^\s*3\.0 min\s+180000\s+180\s+180\s+180\s+180\s+180/);
        const summary = summaryTable([without, withMaintenance]).split("\n");
        expect(summary[2]).toMatch(
            /^\s*without\s+600000\s+999\s+180 \/ 180\s+180 \/ 180\s+180 \/ 180\s+2\.00\s+6\.00\s+3\.00\s+-\s+-\s+-\s+-\s+NO: the changelog has 1 row too few/,
        );
        expect(summary[3]).toMatch(/^\s*with maintenance\s+600000\s+999\s+40 \/ 2\s+1 \/ 1\s+300 \/ 300\s+2\.00\s+1\.90\s+0\.95\s+-\s+-\s+-\s+-\s+yes/);
        // With the same rows compacted timed too: the end over it, the files' share apart from the table's growth.
        const compared = summaryTable([{ ...withMaintenance, queryEndSeconds: 3.6, queryCompactedSeconds: 3.0 }]).split("\n")[2];
        expect(compared).toMatch(/\s+2\.00\s+3\.60\s+1\.80\s+3\.00\s+1\.20\s+-\s+-\s+yes$/);
        // And the mirror again after the copy: its time over the copy's, apart from what ran at the end.
        const again = summaryTable([{ ...withMaintenance, queryEndSeconds: 3.6, queryCompactedSeconds: 3.0, queryEndAgainSeconds: 3.3 }]).split("\n")[2];
        expect(again).toMatch(/\s+3\.60\s+1\.80\s+3\.00\s+1\.20\s+3\.30\s+1\.10\s+yes$/);
    });

    test("a scan timed while the stream ran is shown on its reading; one that did not finish as a lower bound", () => {
        const r = run(false, [60, 120, 180], 6);
        r.samples[1] = { ...r.samples[1], querySeconds: 2.5, queryFinished: true };
        r.samples[2] = { ...r.samples[2], querySeconds: 600, queryFinished: false };
        const rows = samplesTable(r).split("\n");
        expect(rows[2]).toMatch(/\s+60\s+60$/);
        expect(rows[3]).toMatch(/\s+120\s+2\.50$/);
        expect(rows[4]).toMatch(/\s+180\s+> 600\.00$/);
        expect(parseSoakArgs([])["query-minutes"]).toBe(5);
        expect(parseSoakArgs(["--query-minutes", "0"])["query-minutes"]).toBe(0);
    });

    test("an end query that did not finish is a lower bound; the changelog is still checked, and only a run with maintenance fails for it", () => {
        const changelogOnly = { changelogRows: 1_800_000, expected: 1_800_000, byOperation: { INSERT: 450_000, UPDATE: 900_000, DELETE: 450_000 } };
        const unread: SoakRun = {
            ...run(false, [900, 1800], 600),
            queryEndFinished: false,
            verifyError: undefined,
            verified: changelogOnly,
            mirrorUnchecked: "the mirror could not be read within 600 s",
        };
        const row = summaryTable([unread]).split("\n")[2];
        expect(row).toMatch(/\s+2\.00\s+> 600\.00\s+> 300\.00\s+-\s+-\s+-\s+-\s+changelog yes; mirror not checked: the mirror could not be read within 600 s$/);
        expect(exactCell(unread)).toBe("changelog yes; mirror not checked: the mirror could not be read within 600 s");
        // Without maintenance an unreadable mirror is the finding; with it, a failure.
        const withMaintenance = run(true, [40, 3], 1.9);
        expect(soakFailed([unread, withMaintenance])).toBe(false);
        expect(soakFailed([unread, { ...withMaintenance, queryEndFinished: false, mirrorUnchecked: "the mirror could not be read within 600 s" }])).toBe(true);
        // A changelog that does not match fails either run.
        expect(soakFailed([{ ...unread, verified: undefined, verifyError: "INSERT: 1 changelog rows, 2 written" }])).toBe(true);
        expect(exactCell({ ...unread, verified: undefined, verifyError: "INSERT: 1 changelog rows, 2 written" })).toBe(
            "NO: INSERT: 1 changelog rows, 2 written",
        );
    });
});
