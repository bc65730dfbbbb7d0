/**
 * The command lines: the shared parser of ops/args.ts (node:util parseArgs behind one option table per
 * entry point), and each entry point's table: a known flag, a bad flag's message, and `--help`.
 * Nothing here starts a service: `--help` and usage errors return before any work.
 */
import { FAULT_OPTIONS, FAULTS_USAGE, parseFaultOptions } from "../../../bench/faults";
import { DEFAULT_OPTIONS } from "../../../bench/faults/model";
import { BENCH_MAINTENANCE, LATENCY_USAGE, connectorConfigOption, parseLatencyArgs } from "../../../bench/latency";
import { LOAD_USAGE, parseLoadArgs } from "../../../bench/load";
import { PREVIEW_USAGE, parsePreviewArgs } from "../../../bench/preview";
import { main as harnessMain, parseHarnessArgs } from "../../../harness/cli";
import { pulumiCliArgs } from "../../../harness/pulumi/cli";
import { Printer, UsageError, asksForHelp, formatUsage, parseCommandLine, readCommandLine, splitOwnOptions } from "../../../ops/args";
import { CANARY_USAGE, parseCanaryArgs } from "../../../ops/canary";
import { DEFAULT_THRESHOLDS, HEALTH_USAGE, parseHealthArgs } from "../../../ops/health";
import { main as canaryMain } from "../../../scripts/canary";
import { parseDeployArgs } from "../../../scripts/deploy";
import { EDIT_MATRIX_DOC_USAGE, parseEditMatrixDocArgs } from "../../../scripts/edit-matrix-doc";
import { main as healthMain } from "../../../scripts/health";

const SPEC = {
    json: { type: "flag" },
    changes: { type: "number", default: 1000, min: 1, integer: true },
    rate: { type: "number", default: 50, min: 0 },
    rates: { type: "numbers", default: [100, 0], min: 0 },
    tunings: { type: "strings", default: ["a"], allowed: ["a", "b"] },
} as const;

/** A Printer that keeps what it was given. */
function capture(): Printer & { outs: string[]; errs: string[] } {
    const outs: string[] = [];
    const errs: string[] = [];
    return { outs, errs, out: (t) => void outs.push(t), err: (t) => void errs.push(t) };
}

/** What `readCommandLine` does with `argv` for an entry point: its exit code (undefined: parsed) and what it printed. */
function front<A>(argv: string[], usage: string, parse: (argv: readonly string[]) => A): { exitCode?: number; out: string; err: string } {
    const p = capture();
    const r = readCommandLine(argv, usage, parse, p);
    return { ...("exitCode" in r ? { exitCode: r.exitCode } : {}), out: p.outs.join("\n"), err: p.errs.join("\n") };
}

describe("the shared parser (ops/args.ts)", () => {
    it("fills defaults and reads --name value, --name=value and flags", () => {
        expect(parseCommandLine([], SPEC).options).toEqual({ json: false, changes: 1000, rate: 50, rates: [100, 0], tunings: ["a"] });
        expect(parseCommandLine(["--json", "--changes", "2000", "--rate=12.5", "--rates", "1,2, 3", "--tunings=b,a"], SPEC).options).toEqual({
            json: true,
            changes: 2000,
            rate: 12.5,
            rates: [1, 2, 3],
            tunings: ["b", "a"],
        });
    });

    it("does not share the default arrays between parses", () => {
        const a = parseCommandLine([], SPEC).options;
        a.rates.push(7);
        expect(parseCommandLine([], SPEC).options.rates).toEqual([100, 0]);
    });

    it("names the option and what it expects", () => {
        expect(() => parseCommandLine(["--chanegs", "1"], SPEC)).toThrow("unknown flag --chanegs (did you mean --changes?); try --help");
        expect(() => parseCommandLine(["-x"], SPEC)).toThrow("unknown flag -x; try --help");
        expect(() => parseCommandLine(["--changes"], SPEC)).toThrow("--changes needs a value");
        expect(() => parseCommandLine(["--changes", "--json"], SPEC)).toThrow("--changes needs a value");
        expect(() => parseCommandLine(["--changes="], SPEC)).toThrow("--changes needs a value");
        expect(() => parseCommandLine(["--changes", "1.5"], SPEC)).toThrow('--changes must be an integer >= 1, got "1.5"');
        expect(() => parseCommandLine(["--changes", "0"], SPEC)).toThrow("--changes must be an integer >= 1");
        expect(() => parseCommandLine(["--rates", "1,,2"], SPEC)).toThrow("--rates must be a comma-separated list of numbers >= 0");
        expect(() => parseCommandLine(["--tunings", "c"], SPEC)).toThrow("--tunings: unknown value(s) c (allowed: a, b)");
        expect(() => parseCommandLine(["--json=yes"], SPEC)).toThrow("--json takes no value");
        expect(() => parseCommandLine(["fast"], SPEC)).toThrow('unexpected argument "fast"');
        expect(() => parseCommandLine(["fast"], SPEC)).toThrow(UsageError);
    });

    it("takes --flag=true and --flag=false, the last mention winning, and positionals only when asked", () => {
        expect(parseCommandLine(["--json=true"], SPEC).options.json).toBe(true);
        expect(parseCommandLine(["--json", "--json=false"], SPEC).options.json).toBe(false);
        expect(parseCommandLine(["--json=false", "--json"], SPEC).options.json).toBe(true);
        expect(parseCommandLine(["up", "--json", "kafka"], SPEC, { positionals: true })).toMatchObject({
            options: { json: true },
            positionals: ["up", "kafka"],
        });
    });

    it("sees --help / -h before a `--` only", () => {
        expect(asksForHelp(["--stack", "dev", "--help"])).toBe(true);
        expect(asksForHelp(["-h"])).toBe(true);
        expect(asksForHelp(["--", "--help"])).toBe(false);
        expect(asksForHelp(["--helpful"])).toBe(false);
    });

    it("prints usage on --help (exit 0) and a usage error with usage (exit 2); other errors propagate", () => {
        const parse = (argv: readonly string[]) => parseCommandLine(argv, SPEC).options;
        expect(front(["--help", "--bogus"], "USAGE", parse)).toEqual({ exitCode: 0, out: "USAGE", err: "" });
        expect(front(["--bogus"], "USAGE", parse)).toEqual({ exitCode: 2, out: "", err: "unknown flag --bogus; try --help\n\nUSAGE" });
        expect(readCommandLine(["--changes", "3"], "USAGE", parse, capture())).toEqual({ args: expect.objectContaining({ changes: 3 }) });
        expect(() =>
            readCommandLine([], "USAGE", () => {
                throw new Error("boom");
            }),
        ).toThrow("boom");
    });

    it("formats a usage text from the table: value names, descriptions, defaults and --help", () => {
        const text = formatUsage("usage: x", {
            rate: { type: "number", default: 50, description: "changes per second" },
            out: { type: "strings", default: [], value: "file" },
            json: { type: "flag" },
        });
        expect(text.split("\n")).toEqual([
            "usage: x",
            "",
            "  --rate <n>    changes per second (default 50)",
            "  --out <file>",
            "  --json",
            "  -h, --help    print this text",
        ]);
    });

    it("splits own options from the rest, which keeps its order, unknown flags and everything after `--`", () => {
        const table = { stack: { type: "string", short: "s", default: "dev" } } as const;
        expect(splitOwnOptions(["--yes", "-s", "prod", "--message", "m", "--", "--stack", "x"], table)).toEqual({
            options: { stack: "prod" },
            rest: ["--yes", "--message", "m", "--", "--stack", "x"],
        });
        expect(splitOwnOptions(["--stack=a", "--diff"], table)).toEqual({ options: { stack: "a" }, rest: ["--diff"] });
        expect(splitOwnOptions(["--diff"], table).options.stack).toBe("dev");
        expect(() => splitOwnOptions(["-ys", "p"], table)).toThrow('write -s on its own, not grouped in "-ys"');
        expect(() => splitOwnOptions(["--stack="], table)).toThrow("--stack needs a value");
    });
});

describe("npm run health", () => {
    it("reads a known flag", () => {
        expect(parseHealthArgs(["--stack", "dev", "--timeout", "5s"])).toEqual({
            stack: "dev",
            json: false,
            thresholds: { ...DEFAULT_THRESHOLDS, timeoutSeconds: 5 },
        });
    });

    it("names a bad flag and prints the usage after it, exit 2", () => {
        expect(front(["--stack", "dev", "--max-lag", "5"], HEALTH_USAGE, parseHealthArgs)).toEqual({
            exitCode: 2,
            out: "",
            err: `unknown flag --max-lag; try --help\n\n${HEALTH_USAGE}`,
        });
    });

    it("prints its usage on --help through main, exit 0", async () => {
        const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
        try {
            expect(await healthMain(["--help"])).toBe(0);
            expect(log).toHaveBeenCalledWith(HEALTH_USAGE);
        } finally {
            log.mockRestore();
        }
        expect(HEALTH_USAGE).toMatch(/^usage: npm run health -- --stack <name>/);
    });
});

describe("npm run canary", () => {
    it("reads a known flag", () => {
        expect(parseCanaryArgs(["--outputs-file", "o.json", "--table", "orders"])).toEqual({
            outputsFile: "o.json",
            json: false,
            timeoutSeconds: 180,
            table: "orders",
        });
    });

    it("names a bad flag, exit 2", async () => {
        const error = jest.spyOn(console, "error").mockImplementation(() => undefined);
        try {
            expect(await canaryMain(["--stack", "dev", "--tabel", "orders"])).toBe(2);
            expect(error).toHaveBeenCalledWith(`unknown flag --tabel (did you mean --table?); try --help\n\n${CANARY_USAGE}`);
        } finally {
            error.mockRestore();
        }
    });

    it("prints its usage on --help through main, exit 0", async () => {
        const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
        try {
            expect(await canaryMain(["-h"])).toBe(0);
            expect(log).toHaveBeenCalledWith(CANARY_USAGE);
        } finally {
            log.mockRestore();
        }
    });
});

describe("npm run deploy", () => {
    it("reads --stack / -s anywhere and passes every other argument to pulumi up, in order", () => {
        expect(parseDeployArgs(["--yes", "-s", "staging", "--target", "urn:a", "--diff"])).toEqual({
            stack: "staging",
            upFlags: ["--yes", "--target", "urn:a", "--diff"],
        });
    });

    it("names a flag without its value", () => {
        expect(() => parseDeployArgs(["--yes", "--stack"])).toThrow(new UsageError("--stack needs a value"));
    });

    it("passes --help to pulumi up, as it always has", () => {
        expect(parseDeployArgs(["--help"])).toEqual({ upFlags: ["--help"] });
    });
});

describe("npm run pulumi", () => {
    it("has no options of its own: every argument reaches the Pulumi CLI unchanged, --help and -- included", () => {
        const argv = ["stack", "output", "--json", "-s", "dev", "--show-secrets", "--help", "--", "-x"];
        expect(pulumiCliArgs(argv)).toEqual(argv);
        expect(pulumiCliArgs([])).toEqual([]);
    });
});

describe("npm run harness", () => {
    it("reads the command, service names and known flags", () => {
        expect(parseHarnessArgs(["logs", "kafka", "--lines", "20"])).toEqual({ cmd: "logs", names: ["kafka"], json: false, lines: 20 });
        expect(parseHarnessArgs(["status", "--json"])).toEqual({ cmd: "status", names: [], json: true, lines: 100 });
        expect(parseHarnessArgs([])).toEqual({ names: [], json: false, lines: 100 });
    });

    it("refuses a bad flag or --lines before doing anything, exit 2", async () => {
        const err = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
        try {
            expect(await harnessMain(["status", "--jsno"])).toBe(2);
            expect(String(err.mock.calls[0][0])).toMatch(/^unknown flag --jsno \(did you mean --json\?\); try --help\n\nusage: harness <command>/);
            expect(() => parseHarnessArgs(["logs", "kafka", "--lines", "0"])).toThrow("--lines must be an integer >= 1");
        } finally {
            err.mockRestore();
        }
    });

    it("prints its usage on --help (even after a command) and help, exit 0; with no command, exit 2", async () => {
        const out = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
        try {
            expect(await harnessMain(["--help"])).toBe(0);
            expect(await harnessMain(["up", "--help"])).toBe(0);
            expect(await harnessMain(["help"])).toBe(0);
            expect(await harnessMain([])).toBe(2);
            expect(out).toHaveBeenCalledTimes(4);
            for (const [text] of out.mock.calls) expect(String(text)).toMatch(/^usage: harness <command>\n {2}up \[name\.\.\.\]/);
        } finally {
            out.mockRestore();
        }
    });
});

describe("scripts/edit-matrix-doc.ts", () => {
    it("reads --results and --check", () => {
        expect(parseEditMatrixDocArgs(["--results", "r.json"])).toEqual({ check: false, resultsFile: "r.json" });
        expect(parseEditMatrixDocArgs(["--check"])).toEqual({ check: true });
    });

    it("names a bad flag and a missing file", () => {
        expect(front(["--chek"], EDIT_MATRIX_DOC_USAGE, parseEditMatrixDocArgs)).toMatchObject({
            exitCode: 2,
            err: expect.stringMatching(/^unknown flag --chek \(did you mean --check\?\); try --help\n\nusage: /),
        });
        expect(() => parseEditMatrixDocArgs(["--results"])).toThrow("--results needs a value");
    });

    it("prints its usage on --help", () => {
        expect(front(["--help"], EDIT_MATRIX_DOC_USAGE, parseEditMatrixDocArgs)).toEqual({ exitCode: 0, out: EDIT_MATRIX_DOC_USAGE, err: "" });
        expect(EDIT_MATRIX_DOC_USAGE).toContain("--results <file>");
    });
});

describe("npm run bench:latency / bench:load / bench:faults / bench:preview", () => {
    it("read known flags", () => {
        expect(parseLatencyArgs(["--changes", "2000", "--intervals", "1000,5000", "--out", "r.json"])).toMatchObject({
            changes: 2000,
            intervals: [1000, 5000],
            out: ["r.json"],
            rate: 50,
            json: false,
        });
        expect(parseLoadArgs(["--tunings", "baseline,p2", "--batch=10"])).toMatchObject({
            tunings: ["baseline", "p2"],
            batch: 10,
            "step-seconds": 20,
            writers: 1,
            partitions: 1,
        });
        expect(parseLoadArgs(["--partitions", "4", "--writers=4", "--tunings", "baseline,p2,p4", "--checkpoint-ms", "5000"])).toMatchObject({
            tunings: ["baseline", "p2", "p4"],
            writers: 4,
            partitions: 4,
            "checkpoint-ms": 5000,
        });
        expect(parseLoadArgs([])["checkpoint-ms"]).toBeUndefined();
        // --secured: the local-tls copy (PostgreSQL over TLS, Kafka over SASL_SSL); off by default.
        expect(parseLoadArgs(["--secured", "--tunings", "baseline"])).toMatchObject({ secured: true, tunings: ["baseline"] });
        expect(parseLoadArgs([]).secured).toBe(false);
        expect(LOAD_USAGE).toContain("--secured");
        expect(parsePreviewArgs(["--runs", "3", "--json"])).toEqual({ runs: 3, json: true, once: false });
        expect(parseFaultOptions([])).toEqual(DEFAULT_OPTIONS);
        // The faults run in their canonical order, each once, whatever the order given.
        expect(parseFaultOptions(["--faults", "zookeeper,flink-jobmanager,zookeeper", "--rate=20"])).toEqual({
            ...DEFAULT_OPTIONS,
            faults: ["flink-jobmanager", "zookeeper"],
            rate: 20,
        });
    });

    it("bench:latency takes the table maintenance and Debezium settings of a freshness run (local platform only)", () => {
        const opts = parseLatencyArgs(["--intervals", "500,1000", "--maintenance", "--connector-config", "poll.interval.ms=100,max.batch.size=512"]);
        expect(opts).toMatchObject({ intervals: [500, 1000], maintenance: true, "connector-config": ["poll.interval.ms=100", "max.batch.size=512"] });
        expect(connectorConfigOption(opts["connector-config"])).toEqual({ "poll.interval.ms": "100", "max.batch.size": "512" });
        expect(BENCH_MAINTENANCE).toMatchObject({ enabled: true, rewriteDataFiles: { intervalSeconds: 60 } });
        expect(() => parseLatencyArgs(["--connector-config", "poll.interval.ms"])).toThrow(
            /--connector-config takes key=value, e.g. poll.interval.ms=100; got "poll.interval.ms"/,
        );
        expect(() => parseLatencyArgs(["--maintenance", "--platform", "docker", "--intervals", "1000"])).toThrow(/apply to the local platform/);
    });

    it("bench:latency runs on the secured local stack, or on both for the ratio secured/plaintext (local platform only)", () => {
        expect(parseLatencyArgs(["--secured"])).toMatchObject({ secured: true, "compare-secured": false });
        expect(parseLatencyArgs(["--compare-secured", "--intervals", "1000"])).toMatchObject({ secured: false, "compare-secured": true });
        expect(() => parseLatencyArgs(["--secured", "--platform", "docker", "--intervals", "1000"])).toThrow(/run on the local platform/);
        expect(() => parseLatencyArgs(["--compare-secured", "--compare", "--intervals", "1000"])).toThrow(/run on the local platform/);
        expect(() => parseLatencyArgs(["--compare-secured", "--secured"])).toThrow(/--compare-secured runs both stacks: leave out --secured/);
    });

    it("name a bad flag or value", () => {
        expect(front(["--chnages", "5"], LATENCY_USAGE, parseLatencyArgs)).toMatchObject({
            exitCode: 2,
            err: expect.stringMatching(/^unknown flag --chnages \(did you mean --changes\?\); try --help/),
        });
        expect(() => parseLoadArgs(["--tunings", "turbo"])).toThrow(/--tunings: unknown value\(s\) turbo \(allowed: baseline, /);
        expect(() => parsePreviewArgs(["--runs", "0"])).toThrow('--runs must be an integer >= 1, got "0"');
        expect(() => parseFaultOptions(["--faults", "etcd"])).toThrow(/--faults: unknown value\(s\) etcd/);
        expect(() => parseFaultOptions(["--auto-recovery-seconds", "1"])).toThrow(/>= 10/);
        expect(() => parseFaultOptions(["kafka"])).toThrow(/unexpected argument "kafka"/);
    });

    it("print their usage, every option with its default, on --help", () => {
        for (const [usage, parse, command] of [
            [LATENCY_USAGE, parseLatencyArgs, "bench:latency"],
            [LOAD_USAGE, parseLoadArgs, "bench:load"],
            [FAULTS_USAGE, parseFaultOptions, "bench:faults"],
            [PREVIEW_USAGE, parsePreviewArgs, "bench:preview"],
        ] as const) {
            expect(front(["--help"], usage, parse as (argv: readonly string[]) => unknown)).toEqual({ exitCode: 0, out: usage, err: "" });
            expect(usage).toMatch(new RegExp(`^usage: npm run ${command} -- `));
        }
        expect(LATENCY_USAGE).toContain("--intervals <n,...>");
        expect(LATENCY_USAGE).toContain("(default 1000,10000)");
        expect(FAULTS_USAGE).toContain(`--faults <a,...>`);
        expect(Object.keys(FAULT_OPTIONS).every((name) => FAULTS_USAGE.includes(`--${name}`))).toBe(true);
    });
});
