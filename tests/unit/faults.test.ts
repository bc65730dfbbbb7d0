import {
    accountChangelog,
    backoff,
    changeKey,
    changelogRowKey,
    countKeys,
    DEFAULT_OPTIONS,
    diffMirror,
    FAULTS,
    inDoubtCommitted,
    parseFaultArgs,
    resultsTable,
    ScenarioResult,
    seconds,
    textTable,
    unexpectedRows,
} from "../../bench/faults/model";

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
        const occ = countKeys([changeKey(ins), changeKey({ ...ins, name: "bogus" }), changeKey({ ...ins, name: "bogus" }), changeKey({ ...ins, op: "SNAPSHOT" } as any)]);
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
        expect(diffMirror(pg, [["2", "b", null, null], ["1", "a", "30", "Oslo"]]).equal).toBe(true);
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
        expect(parseFaultArgs([])).toEqual(DEFAULT_OPTIONS);
        expect(DEFAULT_OPTIONS.faults).toEqual([...FAULTS]);
        expect(FAULTS).toEqual(["connect", "flink-taskmanager", "flink-jobmanager", "kafka", "nessie", "minio", "postgres"]);
    });
    it("parses --json, --faults (canonical order, each once) and numbers in both spellings", () => {
        const o = parseFaultArgs(["--json", "--faults", "postgres,kafka,kafka", "--rate=20", "--down-seconds", "3", "--checkpoint-interval-ms", "1000"]);
        expect(o).toMatchObject({ json: true, faults: ["kafka", "postgres"], rate: 20, downSeconds: 3, checkpointIntervalMs: 1000 });
    });
    it("refuses unknown options, faults and bad values, naming them", () => {
        expect(() => parseFaultArgs(["--nope"])).toThrow(/unknown option --nope/);
        expect(() => parseFaultArgs(["--faults", "zookeeper"])).toThrow(/unknown fault\(s\) zookeeper/);
        expect(() => parseFaultArgs(["--rate"])).toThrow(/--rate needs a value/);
        expect(() => parseFaultArgs(["--rate", "fast"])).toThrow(/--rate must be a number/);
        expect(() => parseFaultArgs(["--checkpoint-interval-ms", "1.5"])).toThrow(/must be an integer/);
        expect(() => parseFaultArgs(["--auto-recovery-seconds", "1"])).toThrow(/>= 10/);
        expect(() => parseFaultArgs(["--json=yes"])).toThrow(/takes no value/);
        expect(() => parseFaultArgs(["kafka"])).toThrow(/unexpected argument/);
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
        expect(textTable(["a", "n"], [["x", "1"], ["yyy", "10.5"]]).split("\n")).toEqual(["a       n", "---  ----", "x       1", "yyy  10.5"]);
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
        const text = resultsTable([base, { ...base, fault: "flink-jobmanager", label: "Flink JobManager", recovered: "pulumi up", duplicates: 900, restartedAfter: ["flink-taskmanager"] }, { ...base, label: "Nessie", recovered: "no", recoveryMs: undefined, mirror: undefined, healthyAfter: false }]);
        const lines = text.split("\n");
        expect(lines[0]).toMatch(/^fault\s+recovered\s+recovery s\s+lag 0 s\s+restart s\s+changes\s+rows lost\s+duplicates\s+mirror = source\s+healthy after$/);
        expect(lines[2]).toMatch(/^Kafka broker\s+yes \(automatic\)\s+12\.3\s+30\.0\s+4\.0\s+250\s+0\s+3\s+yes\s+yes$/);
        expect(lines[3]).toMatch(/yes \(pulumi up\).*900.*yes \(up restarted flink-taskmanager\)$/);
        expect(lines[4]).toMatch(/^Nessie\s+no\s+-\s.*-\s+no$/);
    });
});
