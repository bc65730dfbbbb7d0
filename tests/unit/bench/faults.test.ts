import {
    accountChangelog,
    backoff,
    changeKey,
    changelogRowKey,
    countKeys,
    DEFAULT_OPTIONS,
    diffMirror,
    FAULT_EXPECTATIONS,
    FAULTS,
    inDoubtCommitted,
    jobCell,
    resultsTable,
    ScenarioResult,
    seconds,
    textTable,
    unexpectedRows,
    unmetExpectations,
} from "../../../bench/faults/model";
import { parseFaultOptions } from "../../../bench/faults";

const ins = { id: 1, name: "kafka-1", age: 30, city: "Oslo", op: "INSERT" as const };
const upd = { id: 1, name: "kafka-2", age: 31, city: "Lima", op: "UPDATE" as const };
const del = { id: 1, name: "kafka-2", age: 31, city: "Lima", op: "DELETE" as const };

describe("changelog accounting", () => {
    it("keys a changelog row (as the gateway returns it) like the change written", () => {
        expect(changelogRowKey([1, "kafka-1", 30, "Oslo", "INSERT"])).toBe(changeKey(ins));
        expect(changelogRowKey(["1", "kafka-1", "30", "Oslo", "INSERT"])).toBe(changeKey(ins));
        expect(changelogRowKey([2, "x", null, null, "DELETE"])).toBe(changeKey({ id: 2, name: "x", age: null, city: null, op: "DELETE" }));
        expect(changeKey(upd)).not.toBe(changeKey(del));
    });

    it("counts lost changes and extra copies separately", () => {
        const expected = [ins, upd, del].map(changeKey);
        const occ = countKeys([changeKey(ins), changeKey(ins), changeKey(ins), changeKey(del)]);
        const a = accountChangelog(expected, occ);
        expect(a).toEqual({ expected: 3, present: 2, lost: 1, duplicates: 2, duplicatedChanges: 1, lostExamples: [changeKey(upd)] });
    });

    it("exactly once is no loss and no duplicate", () => {
        const expected = [ins, upd, del].map(changeKey);
        expect(accountChangelog(expected, countKeys(expected))).toMatchObject({ present: 3, lost: 0, duplicates: 0 });
    });

    it("refuses an expected list with a change twice (it could not be counted)", () => {
        expect(() => accountChangelog([changeKey(ins), changeKey(ins)], new Map())).toThrow(/listed twice/);
    });

    it("keeps at most 5 lost examples", () => {
        const expected = Array.from({ length: 8 }, (_, i) => changeKey({ ...ins, id: i }));
        const a = accountChangelog(expected, new Map());
        expect(a.lost).toBe(8);
        expect(a.lostExamples).toHaveLength(5);
    });

    it("finds rows that are no written change, ignoring initial-snapshot rows", () => {
        const occ = countKeys([
            changeKey(ins),
            changeKey({ ...ins, name: "bogus" }),
            changeKey({ ...ins, name: "bogus" }),
            changeKey({ ...ins, op: "SNAPSHOT" } as any),
        ]);
        const u = unexpectedRows(occ, new Set([changeKey(ins)]));
        expect(u.rows).toBe(2);
        expect(u.examples).toEqual([changeKey({ ...ins, name: "bogus" })]);
    });
});

describe("mirror comparison", () => {
    const pg = [
        [1, "a", 30, "Oslo"],
        [2, "b", null, null],
    ];
    it("is equal for the same rows whatever the order and number types", () => {
        expect(
            diffMirror(pg, [
                ["2", "b", null, null],
                ["1", "a", "30", "Oslo"],
            ]).equal,
        ).toBe(true);
    });
    it("reports missing, extra, differing and doubled rows", () => {
        const d = diffMirror(pg, [
            [1, "a", 31, "Oslo"],
            [3, "c", 1, "x"],
        ]);
        expect(d).toMatchObject({ equal: false, missing: 1, extra: 1, differing: 1, sourceRows: 2, icebergRows: 2 });
        const twice = diffMirror(pg, [...pg, [2, "b", null, null]]);
        expect(twice).toMatchObject({ equal: false, differing: 1 });
    });
});

describe("a change in doubt after a lost connection", () => {
    it("an INSERT committed iff the row exists", () => {
        expect(inDoubtCommitted(ins, { name: "kafka-1" })).toBe(true);
        expect(inDoubtCommitted(ins, undefined)).toBe(false);
    });
    it("an UPDATE committed iff the row holds its unique name", () => {
        expect(inDoubtCommitted(upd, { name: "kafka-2" })).toBe(true);
        expect(inDoubtCommitted(upd, { name: "kafka-1" })).toBe(false);
        expect(inDoubtCommitted(upd, undefined)).toBe(false);
    });
    it("a DELETE committed iff the row is gone", () => {
        expect(inDoubtCommitted(del, undefined)).toBe(true);
        expect(inDoubtCommitted(del, { name: "kafka-2" })).toBe(false);
    });
});

describe("options of npm run bench:faults", () => {
    it("defaults to every fault in order", () => {
        expect(parseFaultOptions([])).toEqual(DEFAULT_OPTIONS);
        expect(DEFAULT_OPTIONS.faults).toEqual([...FAULTS]);
        expect(FAULTS).toEqual(["connect", "flink-taskmanager", "flink-jobmanager", "zookeeper", "kafka", "nessie", "minio", "postgres"]);
    });
    it("parses --json, --faults (canonical order, each once) and numbers in both spellings", () => {
        const o = parseFaultOptions(["--json", "--faults", "postgres,kafka,kafka", "--rate=20", "--down-seconds", "3", "--checkpoint-interval-ms", "1000"]);
        expect(o).toMatchObject({ json: true, faults: ["kafka", "postgres"], rate: 20, downSeconds: 3, checkpointIntervalMs: 1000 });
    });
    it("refuses unknown options, faults and bad values, naming them", () => {
        expect(() => parseFaultOptions(["--nope"])).toThrow(/--nope/);
        expect(() => parseFaultOptions(["--faults", "etcd"])).toThrow(/unknown value\(s\) etcd/);
        expect(parseFaultOptions(["--faults", "zookeeper,flink-jobmanager"]).faults).toEqual(["flink-jobmanager", "zookeeper"]);
        expect(() => parseFaultOptions(["--rate"])).toThrow(/--rate needs a value/);
        expect(() => parseFaultOptions(["--rate", "fast"])).toThrow(/--rate must be a number/);
        expect(() => parseFaultOptions(["--checkpoint-interval-ms", "1.5"])).toThrow(/must be an integer/);
        expect(() => parseFaultOptions(["--auto-recovery-seconds", "1"])).toThrow(/>= 10/);
        expect(() => parseFaultOptions(["--json=yes"])).toThrow(/--json/);
        expect(() => parseFaultOptions(["kafka"])).toThrow(/unexpected argument/);
    });
});

describe("what each fault must show", () => {
    const ok: ScenarioResult = {
        fault: "flink-jobmanager",
        label: "Flink JobManager",
        recovered: "automatic",
        recoveryMs: 25_000,
        jobRunningAgainMs: 20_000,
        lagZeroMs: 40_000,
        restartMs: 9_000,
        changesWritten: 300,
        inDoubt: 0,
        lost: 0,
        duplicates: 0,
        unexpected: 0,
        mirror: { equal: true, sourceRows: 10, icebergRows: 10, missing: 0, extra: 0, differing: 0, examples: [] },
        restartedAfter: [],
        healthyAfter: true,
        notes: [],
        jobBefore: "j1",
        jobAfter: "j1",
        checkpointBeforeKill: 7,
        restored: { id: 8, path: "file:/run/flink/checkpoints/j1/chk-8", isSavepoint: false },
    };

    it("the JobManager (high availability) and ZooKeeper must recover without a person, under the same job id", () => {
        expect(FAULT_EXPECTATIONS["flink-jobmanager"]).toEqual({ automatic: true, sameJob: true, restoredFromLatestCheckpoint: true });
        expect(FAULT_EXPECTATIONS.zookeeper).toEqual({ automatic: true, sameJob: true, restoredFromLatestCheckpoint: true });
        expect(Object.keys(FAULT_EXPECTATIONS).sort()).toEqual([...FAULTS].sort());
    });

    it("passes a JobManager recovery that is automatic, same job, restored from the latest checkpoint, nothing lost", () => {
        expect(unmetExpectations(ok)).toEqual([]);
        // A checkpoint completed between the reading and the kill is newer still: fine.
        expect(unmetExpectations({ ...ok, checkpointBeforeKill: 8 })).toEqual([]);
    });

    it("fails a JobManager recovery that needed pulumi up, or a new job, or an older or no checkpoint", () => {
        expect(unmetExpectations({ ...ok, recovered: "pulumi up", pulumiUpMs: 30_000, jobAfter: "j2", restored: undefined })).toEqual([
            "recovery needed a person (pulumi up); this fault must recover by itself",
            "a pulumi command ran during the recovery",
            "the Flink job was not recovered under its id (before j1, after j2)",
            "the recovered job restored no checkpoint",
        ]);
        expect(unmetExpectations({ ...ok, restored: { id: 5, path: "file:/x/chk-5", isSavepoint: false } })).toEqual([
            "the recovered job restored checkpoint 5, older than 7 completed before the kill",
        ]);
        expect(unmetExpectations({ ...ok, restored: { id: 9, path: "file:/x/savepoint-1", isSavepoint: true } })).toEqual([
            "the recovered job restored savepoint file:/x/savepoint-1, not its latest checkpoint",
        ]);
        expect(unmetExpectations({ ...ok, jobAfter: undefined })).toEqual(["the Flink job was not recovered under its id (before j1, after none live)"]);
    });

    it("allows the user's step for the other faults, but never a loss, a differing mirror or an unhealthy end", () => {
        const kafka: ScenarioResult = {
            ...ok,
            fault: "kafka",
            label: "Kafka broker",
            recovered: "pulumi up",
            pulumiUpMs: 30_000,
            jobAfter: "j2",
            restored: undefined,
        };
        expect(unmetExpectations(kafka)).toEqual([]);
        expect(
            unmetExpectations({
                ...kafka,
                recovered: "no",
                recoveryMs: undefined,
                lagZeroMs: undefined,
                lost: 2,
                healthyAfter: false,
                mirror: { ...ok.mirror!, equal: false, missing: 1 },
            }),
        ).toEqual([
            "the pipeline did not recover",
            "no recovery time: nothing written after the kill became visible in Iceberg",
            "lag never drained to zero",
            "the Iceberg mirror differs from PostgreSQL (1 missing, 0 extra, 0 differ)",
            "2 committed change(s) missing from the changelog",
            "services not all healthy after the scenario",
        ]);
        expect(unmetExpectations({ ...kafka, error: "Error: boom\n    at x", changesWritten: 0 })).toEqual([
            "the scenario failed: Error: boom",
            "no change was written during the scenario",
        ]);
    });

    it("names the job after the fault: the same (and the checkpoint it restored) or a new one", () => {
        expect(jobCell({ jobBefore: "a", jobAfter: "a" })).toBe("same");
        expect(jobCell({ jobBefore: "a", jobAfter: "a", restored: { id: 3, path: "p", isSavepoint: false } })).toBe("same (from chk 3)");
        expect(jobCell({ jobBefore: "a", jobAfter: "b", restored: { id: 1, path: "p", isSavepoint: true } })).toBe("new (from savepoint 1)");
        expect(jobCell({ jobBefore: "a" })).toBe("-");
    });
});

describe("formatting", () => {
    it("backs off exponentially up to a cap", () => {
        expect([0, 1, 2, 3, 4, 5].map((a) => backoff(a))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
    });
    it("prints seconds with one decimal or a dash", () => {
        expect(seconds(12345)).toBe("12.3");
        expect(seconds(undefined)).toBe("-");
    });
    it("pads text columns and right-aligns numeric ones", () => {
        expect(
            textTable(
                ["a", "n"],
                [
                    ["x", "1"],
                    ["yyy", "10.5"],
                ],
            ).split("\n"),
        ).toEqual(["a       n", "---  ----", "x       1", "yyy  10.5"]);
        expect(() => textTable(["a"], [["x", "y"]])).toThrow(/2 cells/);
    });
    it("renders one row per scenario with how it recovered", () => {
        const base: ScenarioResult = {
            fault: "kafka",
            label: "Kafka broker",
            recovered: "automatic",
            recoveryMs: 12_300,
            lagZeroMs: 30_000,
            restartMs: 4_000,
            changesWritten: 250,
            inDoubt: 0,
            lost: 0,
            duplicates: 3,
            unexpected: 0,
            mirror: { equal: true, sourceRows: 10, icebergRows: 10, missing: 0, extra: 0, differing: 0, examples: [] },
            restartedAfter: [],
            healthyAfter: true,
            notes: [],
        };
        const text = resultsTable([
            { ...base, jobBefore: "j1", jobAfter: "j1" },
            {
                ...base,
                fault: "flink-jobmanager",
                label: "Flink JobManager",
                jobRunningAgainMs: 21_400,
                jobBefore: "j1",
                jobAfter: "j1",
                restored: { id: 12, path: "file:/run/flink/checkpoints/j1/chk-12", isSavepoint: false },
                restartedAfter: ["flink-taskmanager"],
            },
            { ...base, fault: "connect", label: "Kafka Connect worker", recovered: "pulumi up", duplicates: 900, jobBefore: "j1", jobAfter: "j2" },
            { ...base, label: "Nessie", recovered: "no", recoveryMs: undefined, mirror: undefined, healthyAfter: false },
        ]);
        const lines = text.split("\n");
        expect(lines[0]).toMatch(
            /^fault\s+recovered\s+recovery s\s+job RUNNING s\s+lag 0 s\s+restart s\s+job\s+changes\s+rows lost\s+duplicates\s+mirror = source\s+healthy after$/,
        );
        expect(lines[2]).toMatch(/^Kafka broker\s+yes \(automatic\)\s+12\.3\s+-\s+30\.0\s+4\.0\s+same\s+250\s+0\s+3\s+yes\s+yes$/);
        expect(lines[3]).toMatch(
            /^Flink JobManager\s+yes \(automatic\)\s+12\.3\s+21\.4\s+30\.0\s+4\.0\s+same \(from chk 12\)\s+250.*yes \(up restarted flink-taskmanager\)$/,
        );
        expect(lines[4]).toMatch(/yes \(pulumi up\).*new.*900.*yes$/);
        expect(lines[5]).toMatch(/^Nessie\s+no\s+-\s.*-\s+no$/);
    });
});
