/**
 * The Flink SQL job: splitting, normalising, hashing, check, diff (and the engine's detailed diff), the
 * job templates, the provider's serialized form, and the SQL Gateway client and the wait for RUNNING
 * against scripted stand-ins of Flink's REST APIs.
 */
import * as path from "path";
import {
    checkFlinkJobInputs,
    diffFlinkJob,
    flinkJobProvider,
    flinkRootCause,
    icebergStoredType,
    needsResubmit,
    normalizeSqlStatement,
    readFromEarliest,
    recreationOf,
    secretPlaceholders,
    splitSqlStatements,
    sqlHash,
} from "../../../components/dynamic/flink-job";
import * as http from "http";
import { AddressInfo } from "net";
import { classifyJobFailure, deterministicFailureFix, deterministicJobFailure, waitForJobRunning } from "../../../components/dynamic/flink-job";
import { isResultTimeout, runStatement, withSession } from "../../../components/dynamic/flink/gateway";
import { typeChangeRefusal } from "../../../components/dynamic/flink/schema";
import { errorStatus } from "../../../components/dynamic/toolkit/http";
import { loadSerializedProvider } from "../../support/dynamic";
import { FLINK_TRACES } from "./flink-traces";
import { JobTemplateValues, jobName, readJobTemplates, renderSqlTemplate, renderTableJob } from "../../../components/jobs";
import { TableMode, parseCapturedTables } from "../../../components/tables";

const REPO = path.resolve(__dirname, "../../..");

describe("splitSqlStatements", () => {
    test("splits on ; outside literals, identifiers and comments", () => {
        const text = "CREATE TABLE a (x STRING) WITH ('k' = 'v;w'); -- a comment; with a semicolon\nINSERT INTO `odd;name` SELECT ';' /* ; */ FROM b;\n\n";
        expect(splitSqlStatements(text)).toEqual([
            "CREATE TABLE a (x STRING) WITH ('k' = 'v;w')",
            "-- a comment; with a semicolon\nINSERT INTO `odd;name` SELECT ';' /* ; */ FROM b",
        ]);
    });

    test("keeps EXECUTE STATEMENT SET ... END as one statement", () => {
        const text = "CREATE TABLE t (x INT);\nEXECUTE STATEMENT SET\nBEGIN\n  INSERT INTO a SELECT 1;\n  INSERT INTO b SELECT 'end;';\nEND;\n";
        const statements = splitSqlStatements(text);
        expect(statements).toHaveLength(2);
        expect(statements[1]).toBe("EXECUTE STATEMENT SET\nBEGIN\n  INSERT INTO a SELECT 1;\n  INSERT INTO b SELECT 'end;';\nEND");
    });

    test("handles doubled quotes and drops comment-only pieces", () => {
        expect(splitSqlStatements("SELECT 'it''s; fine';\n-- only a comment\n")).toEqual(["SELECT 'it''s; fine'"]);
    });
});

describe("normalizeSqlStatement and sqlHash", () => {
    test("formatting and comments do not change the hash; literals and code do", () => {
        const a = ["CREATE TABLE t (x INT) WITH ('a' = 'b  c')", "INSERT INTO t SELECT 1"];
        const b = ["-- header\nCREATE   TABLE t\n(x INT)\nWITH ('a' = 'b  c');", "  INSERT INTO t /* why */ SELECT 1  "];
        expect(b.map(normalizeSqlStatement)).toEqual(["CREATE TABLE t (x INT) WITH ('a' = 'b  c')", "INSERT INTO t SELECT 1"]);
        expect(sqlHash(a)).toBe(sqlHash(b));
        expect(sqlHash(a)).not.toBe(sqlHash(["CREATE TABLE t (x INT) WITH ('a' = 'b c')", "INSERT INTO t SELECT 1"]));
        expect(sqlHash(a)).not.toBe(sqlHash([a[1], a[0]]));
        expect(sqlHash(a)).toMatch(/^[0-9a-f]{64}$/);
    });

    test("secretPlaceholders lists each name once, sorted", () => {
        expect(secretPlaceholders(["'{{secret.b}}' '{{ secret.a }}'", "{{secret.b}}"])).toEqual(["a", "b"]);
    });
});

const base = {
    gatewayUrl: "http://gw:8084",
    restUrl: "http://jm:8081",
    name: "lh-dev-demographics-to-iceberg",
    statements: ["CREATE TABLE x (a INT)", "INSERT INTO y SELECT a FROM x"],
    settings: { "parallelism.default": "1" },
    secrets: {},
    state: "RUNNING",
    deleteMode: "savepoint",
    allowNonRestoredState: false,
    waitTimeoutSeconds: 300,
    version: 1,
};

describe("checkFlinkJobInputs", () => {
    test("valid inputs pass", () => {
        expect(checkFlinkJobInputs(base)).toEqual([]);
    });

    test.each([
        ["gatewayUrl", { gatewayUrl: "gw:8084" }, '"gw:8084" must be an http(s) URL'],
        ["restUrl", { restUrl: undefined }, "is required (the Flink JobManager REST URL)"],
        ["name", { name: "-x" }, "must start with a letter or digit"],
        ["state", { state: "PAUSED" }, '"PAUSED" must be RUNNING or STOPPED'],
        ["deleteMode", { deleteMode: "drain" }, 'must be "savepoint" or "cancel"'],
        ["waitTimeoutSeconds", { waitTimeoutSeconds: 5 }, "must be a whole number of seconds from 10 to 3600"],
        ["statements", { statements: [] }, "must be a non-empty list"],
        ["statements[1]", { statements: ["CREATE TABLE x (a INT)", "SELECT 1"] }, "the last statement must submit the job"],
        ["statements[0]", { statements: ["CREATE TABLE {{nope}} (a INT)", "INSERT INTO y SELECT 1"] }, "holds the unrendered placeholder {{nope}}"],
        ["secrets", { statements: ["CREATE TABLE x WITH ('k' = '{{secret.key}}')", "INSERT INTO y SELECT 1"] }, "has no value for {{secret.key}}"],
        ['settings["pipeline.name"]', { settings: { "pipeline.name": "other" } }, "is set by the resource"],
    ])("%s", (property, patch, reason) => {
        const failures = checkFlinkJobInputs({ ...base, ...patch });
        expect(failures.map((f) => f.property)).toEqual([property]);
        expect(failures[0].reason).toContain(reason);
    });

    test("unknown values during preview are not validated", () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        expect(checkFlinkJobInputs({ ...base, gatewayUrl: unknown, name: unknown, statements: unknown, settings: unknown })).toEqual([]);
    });
});

describe("diffFlinkJob", () => {
    test("no change, formatting-only change, and state written without later defaults: no diff", () => {
        expect(diffFlinkJob(base, base).changes).toBe(false);
        expect(diffFlinkJob(base, { ...base, statements: ["CREATE  TABLE x (a INT);", "-- c\nINSERT INTO y SELECT a FROM x"] }).changes).toBe(false);
        const { deleteMode, allowNonRestoredState, ...olderState } = base;
        expect(diffFlinkJob(olderState, base).changes).toBe(false);
        expect([deleteMode, allowNonRestoredState]).toEqual(["savepoint", false]);
    });

    test("exactly the changed keys; a new URL for the cluster is an update that leaves the job running", () => {
        expect(diffFlinkJob(base, { ...base, settings: { "parallelism.default": "2" } }).changedKeys).toEqual(['settings["parallelism.default"]']);
        expect(diffFlinkJob(base, { ...base, statements: ["CREATE TABLE x (a BIGINT)", base.statements[1]] }).changedKeys).toEqual(["statements"]);
        expect(diffFlinkJob({ ...base, secrets: { k: "a" } }, { ...base, secrets: { k: "b" } }).changedKeys).toEqual(["secrets"]);
        expect(diffFlinkJob({ ...base, state: "FAILED" }, base).changedKeys).toEqual(["state"]);
        const moved = diffFlinkJob(base, { ...base, restUrl: "http://localhost:8081", gatewayUrl: "http://localhost:8084" });
        expect(moved).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false, changedKeys: ["gatewayUrl", "restUrl"] });
        expect(needsResubmit(moved.changedKeys)).toBe(false);
    });

    test("only SQL, settings, secrets, name, state and version resubmit the job", () => {
        expect(needsResubmit(["waitTimeoutSeconds", "deleteMode", "savepointDirectory"])).toBe(false);
        expect(needsResubmit(["statements"])).toBe(true);
        expect(needsResubmit(['settings["parallelism.default"]'])).toBe(true);
        expect(needsResubmit(["state"])).toBe(true);
    });

    test("the provider hands the engine each changed path, so `pulumi preview --diff` names the setting", async () => {
        const news = { ...base, settings: { "parallelism.default": "1", "execution.checkpointing.interval": "10 s" }, waitTimeoutSeconds: 600 };
        expect(await flinkJobProvider.diff!("job", base, news)).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
            detailedDiff: {
                waitTimeoutSeconds: { kind: "update", inputDiff: true },
                'settings["execution.checkpointing.interval"]': { kind: "add", inputDiff: true },
            },
        });
        expect(await flinkJobProvider.diff!("job", base, base)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false, detailedDiff: {} });
    });

    test("values unknown during preview count as changed instead of breaking the diff", () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        expect(diffFlinkJob(base, { ...base, statements: unknown, settings: unknown, secrets: unknown }).changedKeys).toEqual([
            "statements",
            "settings",
            "secrets",
        ]);
    });
});

test("flinkRootCause picks the deepest cause of a server-side exception", () => {
    const text =
        "<Exception on server side:\norg.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.\n\tat x\nCaused by: org.apache.flink.table.api.ValidationException: SQL validation failed.\nCaused by: org.apache.calcite.sql.validate.SqlValidatorException: Object 'nope' not found\n\tat y";
    expect(flinkRootCause(text)).toBe("org.apache.calcite.sql.validate.SqlValidatorException: Object 'nope' not found");
    expect(flinkRootCause("just one line")).toBe("just one line");
});

describe("job templates", () => {
    const values: JobTemplateValues = {
        catalog: "lakehouse",
        namespace: "cdc",
        table: "demographics",
        sourceSchema: "public",
        nessieUri: "http://nessie:19120/api/v2",
        nessieBranch: "main",
        warehouse: "s3://lakehouse/warehouse",
        s3Endpoint: "http://minio:9000",
        s3PathStyle: "true",
        s3AccessKeyId: "o'brien",
        awsRegion: "us-east-1",
        topic: "demographics_server.public.demographics",
        bootstrapServers: "kafka-0:19092",
        consumerGroup: "lh-dev-demographics-to-iceberg",
    };

    const seed = (mode: TableMode) => {
        const parsed = parseCapturedTables({ demographics: { mode } }, []);
        expect(parsed.problems).toEqual([]);
        return parsed.tables.demographics;
    };
    const heads = (statements: string[]) => statements.map((s) => normalizeSqlStatement(s).split(" ").slice(0, 3).join(" "));
    /** How every table job starts (by `heads`): the catalog, its database, a Kafka source table and its Iceberg table. */
    const CATALOG_SOURCE_AND_TABLE = ["CREATE CATALOG lakehouse", "CREATE DATABASE IF", "CREATE TEMPORARY TABLE", "CREATE TABLE IF"];

    test("mode both renders the catalog, both modes' tables and one statement set with both INSERTs", () => {
        const statements = renderTableJob(readJobTemplates(REPO), values, seed("both"));
        expect(heads(statements)).toEqual([...CATALOG_SOURCE_AND_TABLE, "CREATE TEMPORARY TABLE", "CREATE TABLE IF", "EXECUTE STATEMENT SET"]);
        const all = statements.join("\n");
        expect(all).toContain("'uri' = 'http://nessie:19120/api/v2'");
        expect(all).toContain("'client.region' = 'us-east-1'");
        expect(all).toContain("'s3.access-key-id' = 'o''brien'");
        expect(all).toContain("'s3.secret-access-key' = '{{secret.s3SecretAccessKey}}'");
        expect(all).toContain("'topic' = 'demographics_server.public.demographics'");
        expect(normalizeSqlStatement(statements[3])).toBe(
            "CREATE TABLE IF NOT EXISTS lakehouse.cdc.demographics ( `id` INT NOT NULL, `name` STRING, `age` INT, `city` STRING, PRIMARY KEY (`id`) NOT ENFORCED ) WITH ('format-version' = '2', 'write.upsert.enabled' = 'true')",
        );
        const job = normalizeSqlStatement(statements[6]);
        expect(job).toContain("INSERT INTO lakehouse.cdc.demographics (`id`, `name`, `age`, `city`) SELECT `id`, `name`, `age`, `city` FROM demographics_cdc;");
        expect(job).toContain(
            "INSERT INTO lakehouse.cdc.demographics_changes (`id`, `name`, `age`, `city`, operation_type, event_time, processing_time) SELECT CASE WHEN op = 'd' THEN `before`.`id` ELSE `after`.`id` END,",
        );
        expect(job).toContain("WHERE op IN ('c', 'u', 'd', 'r') AND CASE WHEN op = 'd' THEN `before`.`id` ELSE `after`.`id` END IS NOT NULL;");
        expect(job.endsWith("END")).toBe(true);
        expect(all).not.toMatch(/\{\{(?!secret\.)/);
        expect(checkFlinkJobInputs({ ...base, statements, secrets: { s3SecretAccessKey: "x" } })).toEqual([]);
    });

    test.each([
        { mode: "upsert", table: "lakehouse.cdc.demographics", leavesOut: "demographics_changes", groupSuffix: "current" },
        { mode: "append", table: "lakehouse.cdc.demographics_changes", leavesOut: "'debezium-json'", groupSuffix: "changes" },
    ] as const)("mode $mode writes only $table, as a single INSERT", ({ mode, table, leavesOut, groupSuffix }) => {
        const statements = renderTableJob(readJobTemplates(REPO), values, seed(mode));
        expect(heads(statements)).toEqual([...CATALOG_SOURCE_AND_TABLE, `INSERT INTO ${table}`]);
        expect(statements.join("\n")).not.toContain(leavesOut);
        expect(statements.join("\n")).toContain(`'properties.group.id' = 'lh-dev-demographics-to-iceberg-${groupSuffix}'`);
        expect(checkFlinkJobInputs({ ...base, statements, secrets: { s3SecretAccessKey: "x" } })).toEqual([]);
    });

    test("an append table without a key keeps every change (no key filter, no primary key)", () => {
        const parsed = parseCapturedTables({ events: { mode: "append", columns: ["kind STRING", "payload STRING"] } }, []);
        expect(parsed.problems).toEqual([]);
        const job = renderTableJob(readJobTemplates(REPO), { ...values, table: "events" }, parsed.tables.events).map(normalizeSqlStatement);
        expect(job[3]).toBe(
            "CREATE TABLE IF NOT EXISTS lakehouse.cdc.events_changes ( `kind` STRING, `payload` STRING, operation_type STRING NOT NULL, event_time TIMESTAMP_LTZ(6), processing_time TIMESTAMP_LTZ(6) ) WITH ('format-version' = '2')",
        );
        expect(job[4]).toMatch(/WHERE op IN \('c', 'u', 'd', 'r'\) AND TRUE$/);
    });

    test("an unknown placeholder or secret names the file and what is known", () => {
        expect(() => renderSqlTemplate("SELECT '{{tpoic}}'", { topic: "t" }, "jobs/x.sql")).toThrow(
            "jobs/x.sql: {{tpoic}} is not a known value (known: topic)",
        );
        expect(() => renderSqlTemplate("SELECT '{{secret.password}}'", {}, "jobs/x.sql")).toThrow(
            "{{secret.password}} is not a known secret (known: secret.s3SecretAccessKey, secret.kafkaJaasConfig, secret.kafkaClientKey, secret.nessieToken)",
        );
    });

    test("fragments are inserted as SQL, values as escaped literals", () => {
        expect(renderSqlTemplate("SELECT '{{v}}' WHERE {{f}}", { v: "it's" }, "jobs/x.sql", { f: "op = 'd'" })).toBe("SELECT 'it''s' WHERE op = 'd'");
    });

    test("job names are stable per stack and table", () => {
        expect(jobName("cdc-lakehouse-dev", "demographics")).toBe("cdc-lakehouse-dev-demographics-to-iceberg");
    });
});

describe("sink tables (schema evolution)", () => {
    const base = { gatewayUrl: "http://gw:8083", restUrl: "http://jm:8081", name: "job", statements: ["INSERT INTO t SELECT 1"] };

    test("a declared column is compared with the type Iceberg stores", () => {
        expect(icebergStoredType("VARCHAR(20)")).toBe("STRING");
        expect(icebergStoredType("SMALLINT")).toBe("INT");
        expect(icebergStoredType("INT NOT NULL")).toBe("INT");
        expect(icebergStoredType("DECIMAL(10,2)")).toBe("DECIMAL(10, 2)");
        expect(icebergStoredType("BIGINT")).not.toBe(icebergStoredType("INT"));
    });

    test("a change of the sink tables resubmits the job; the same tables are no change", () => {
        const tables = [{ identifier: "c.ns.t", columns: [{ name: "id", type: "INT" }] }];
        const more = [
            {
                identifier: "c.ns.t",
                columns: [
                    { name: "id", type: "INT" },
                    { name: "email", type: "STRING" },
                ],
            },
        ];
        expect(diffFlinkJob({ ...base, sinkTables: tables }, { ...base, sinkTables: tables }).changes).toBe(false);
        const d = diffFlinkJob({ ...base, sinkTables: tables }, { ...base, sinkTables: more });
        expect(d.changedKeys).toEqual(["sinkTables"]);
        expect(d.replaces).toEqual([]);
        expect(needsResubmit(d.changedKeys)).toBe(true);
    });

    test("malformed sink tables are refused naming the entry", () => {
        expect(checkFlinkJobInputs({ ...base, sinkTables: [{ identifier: "t", columns: [] }] })).toEqual([
            { property: "sinkTables[0].identifier", reason: "must be <catalog>.<database>.<table>" },
        ]);
        expect(checkFlinkJobInputs({ ...base, sinkTables: [{ identifier: "c.ns.t", columns: [{ name: "x", type: "INT; DROP" }] }] })).toEqual([
            { property: "sinkTables[0].columns", reason: "must be a list of { name, type } with Flink SQL types" },
        ]);
    });
});

describe("classifyJobFailure (what fails fast, what is waited for)", () => {
    test.each(Object.entries(FLINK_TRACES))("%s", (_name, trace) => {
        const verdict = classifyJobFailure(trace.text);
        expect(verdict.kind).toBe(trace.kind);
        if (trace.strong !== undefined) expect(verdict.strong).toBe(trace.strong);
    });

    test("names the telling exception class and Flink's deepest cause", () => {
        expect(classifyJobFailure(FLINK_TRACES.numberFormat.text)).toEqual({
            kind: "deterministic",
            strong: true,
            exception: "java.lang.NumberFormatException",
            message: 'java.lang.NumberFormatException: For input string: "2024-05-01T10:00:00Z"',
        });
        expect(classifyJobFailure(FLINK_TRACES.noSuchBucket.text).exception).toBe("software.amazon.awssdk.services.s3.model.NoSuchBucketException");
    });
});

describe("deterministicJobFailure (the exception history, newest first)", () => {
    const entry = (name: keyof typeof FLINK_TRACES, timestamp: number) => ({
        stacktrace: FLINK_TRACES[name].text,
        timestamp,
        taskName: "Source: orders_cdc[1] -> Calc[2] (1/1)#1",
    });

    test("a strong class fails on one attempt", () => {
        expect(deterministicJobFailure([entry("numberFormat", 10)])).toMatchObject({ exception: "java.lang.NumberFormatException", attempts: 1 });
    });

    test("a weak class (a message the format could not read) needs two consecutive attempts", () => {
        expect(deterministicJobFailure([entry("corruptJson", 10)])).toBeUndefined();
        expect(deterministicJobFailure([entry("corruptJson", 20), entry("corruptJson", 10)])).toMatchObject({ attempts: 2 });
        // Not consecutive: a transient failure in between.
        expect(deterministicJobFailure([entry("corruptJson", 30), entry("connectionRefused", 20), entry("corruptJson", 10)])).toBeUndefined();
    });

    test("the JSON parser's field error (the changelog side, as recorded on the harness) is weak: two attempts", () => {
        expect(deterministicJobFailure([entry("jsonParserField", 10)])).toBeUndefined();
        expect(deterministicJobFailure([entry("jsonParserField", 20), entry("jsonParserField", 10)])).toMatchObject({
            exception: "org.apache.flink.formats.json.JsonParseException",
            attempts: 2,
        });
    });

    test("transient and unknown failures are never deterministic, however often", () => {
        expect(deterministicJobFailure([entry("noSuchBucket", 30), entry("noSuchBucket", 20), entry("noSuchBucket", 10)])).toBeUndefined();
        expect(deterministicJobFailure([entry("taskManagerLost", 20), entry("numberFormat", 10)])).toBeUndefined();
        expect(deterministicJobFailure([entry("unknown", 20), entry("unknown", 10)])).toBeUndefined();
        expect(deterministicJobFailure([])).toBeUndefined();
    });

    test("entries before `sinceMs` do not count", () => {
        expect(deterministicJobFailure([entry("numberFormat", 10)], 11)).toBeUndefined();
    });

    test("the fix names the failing table's columns key (from the source task, else the job name)", () => {
        expect(deterministicFailureFix("lh-dev-orders-to-iceberg", "Source: orders_cdc[1] -> Calc[2] (1/1)#1")).toContain(
            "lakehouse:source.tables.orders.columns",
        );
        expect(deterministicFailureFix("lh-dev-demographics-to-iceberg", "")).toContain("lakehouse:source.tables.demographics.columns");
        expect(deterministicFailureFix("some-job", undefined)).toContain("lakehouse:source.tables.<table>.columns");
    });
});

/** A scripted Flink REST API: the job's state and its exception history, by probe. */
async function scriptedFlink(jobId: string, probes: { state: string; tasks?: string; history: (keyof typeof FLINK_TRACES)[] }[]) {
    let n = 0;
    let probe = probes[0];
    const server = http.createServer((req, res) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        if (req.url === `/jobs/${jobId}`) {
            probe = probes[Math.min(n++, probes.length - 1)];
            return res.end(
                JSON.stringify({
                    jid: jobId,
                    name: "lh-dev-orders-to-iceberg",
                    state: probe.state,
                    vertices: [{ name: "Source: orders_cdc", status: probe.tasks ?? (probe.state === "RUNNING" ? "DEPLOYING" : "CANCELED") }],
                }),
            );
        }
        const entries = probe.history.map((name, i) => ({
            stacktrace: FLINK_TRACES[name].text,
            timestamp: 1000 - i,
            taskName: "Source: orders_cdc[1] -> Calc[2] (1/1)#1",
        }));
        return res.end(JSON.stringify({ "root-exception": entries[0]?.stacktrace ?? null, exceptionHistory: { entries } }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        /** How many times the job was probed (`GET /jobs/<id>`). */
        probes: () => n,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

describe("waitForJobRunning on a scripted Flink REST API", () => {
    const jobId = "aaaabbbbccccddddaaaabbbbccccdddd";

    test("a deterministic failure fails within seconds, naming Flink's exception and the config key", async () => {
        const flink = await scriptedFlink(jobId, [
            { state: "RUNNING", history: [] },
            { state: "RESTARTING", history: ["numberFormat"] },
        ]);
        const started = Date.now();
        try {
            await expect(waitForJobRunning(flink.url, jobId, 300_000)).rejects.toThrow(
                /is RESTARTING and fails deterministically \(java.lang.NumberFormatException, 1 attempt in Source: orders_cdc.*\): java.lang.NumberFormatException: For input string: "2024-05-01T10:00:00Z"; .*lakehouse:source.tables.orders.columns/,
            );
            expect(Date.now() - started).toBeLessThan(5_000);
        } finally {
            await flink.close();
        }
    });

    test("every task RUNNING for a moment between restarts is not up: the failure that follows is reported", async () => {
        // The race CI met: a probe lands after the tasks deployed and before the first record failed them.
        const flink = await scriptedFlink(jobId, [
            { state: "RUNNING", tasks: "RUNNING", history: [] },
            { state: "RUNNING", tasks: "RUNNING", history: [] },
            { state: "RESTARTING", history: ["numberFormat"] },
        ]);
        try {
            await expect(waitForJobRunning(flink.url, jobId, 30_000, { steadyMs: 2_000, initialMs: 50, maxMs: 200 })).rejects.toThrow(
                /is RESTARTING and fails deterministically \(java.lang.NumberFormatException/,
            );
        } finally {
            await flink.close();
        }
    });

    test("a job is up once every task has stayed RUNNING for the steady time, and a new failure starts that time again", async () => {
        // RUNNING, a transient failure (a TaskManager lost) recorded while running, then RUNNING for good.
        const flink = await scriptedFlink(jobId, [
            { state: "RUNNING", tasks: "RUNNING", history: [] },
            { state: "RUNNING", tasks: "RUNNING", history: ["taskManagerLost"] },
            { state: "RUNNING", tasks: "RUNNING", history: ["taskManagerLost"] },
        ]);
        const lines: string[] = [];
        try {
            // A clock that moves 600 ms per probe of the job: probe 1 starts the steady time (600), probe 2's
            // new failure starts it again (1,200), probe 4 (2,400) is the first 1 s after that. Without
            // the restart, probe 3 (1,800) would have counted as up.
            await waitForJobRunning(flink.url, jobId, 60_000, {
                steadyMs: 1_000,
                now: () => flink.probes() * 600,
                initialMs: 10,
                maxMs: 20,
                progress: (l) => lines.push(l),
                progressEveryMs: 0,
            });
            expect(flink.probes()).toBe(4);
        } finally {
            await flink.close();
        }
        expect(lines.some((l) => /job RUNNING, every task RUNNING: up once that holds 1 s without a new failure/.test(l))).toBe(true);
    });

    test("a transient failure is waited for until the bound, and the timeout names the last exception", async () => {
        const flink = await scriptedFlink(jobId, [{ state: "RESTARTING", history: ["noSuchBucket", "noSuchBucket", "noSuchBucket"] }]);
        const lines: string[] = [];
        try {
            await expect(
                waitForJobRunning(flink.url, jobId, 2_000, { progress: (l) => lines.push(l), progressEveryMs: 500, initialMs: 50, maxMs: 200 }),
            ).rejects.toThrow(/timed out after 2 s waiting for Flink job .* \(last seen: job RESTARTING.*last exception: .*NoSuchBucketException/);
            // The wait said what it waited for while it waited (`pulumi up` shows these lines).
            expect(lines.length).toBeGreaterThan(0);
            expect(lines[0]).toMatch(new RegExp(`^waiting for Flink job ${jobId} and all its tasks to be RUNNING \\([\\d.]+ s of 2 s\\): job RESTARTING`));
        } finally {
            await flink.close();
        }
    });
});

describe("the provider's serialized form", () => {
    test("survives Pulumi's closure serializer (everything it reaches is serialization-safe) and runs", async () => {
        const { provider, text } = await loadSerializedProvider(flinkJobProvider);
        expect(text).not.toMatch(/class \w+ extends Error/);
        expect(await provider.check!({}, { ...base, name: "-x" })).toMatchObject({ failures: [{ property: "name" }] });
        expect(await provider.diff!("job", base, { ...base, settings: { "parallelism.default": "2" } })).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
            detailedDiff: { 'settings["parallelism.default"]': { kind: "update", inputDiff: true } },
        });
    });
});

/**
 * A scripted SQL Gateway: each operation answers its result requests from a queue of pages (the last
 * repeats); what was requested (tokens, closes, sessions) is recorded.
 */
async function scriptedGateway(pagesFor: (statement: string) => { status: number; body: unknown }[]) {
    const requested: string[] = [];
    const queues = new Map<string, { status: number; body: unknown }[]>();
    let ops = 0;
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            const send = (status: number, json: unknown) => res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(json));
            const url = req.url ?? "";
            requested.push(`${req.method} ${url.replace(/\?.*$/, "")}`);
            if (req.method === "POST" && url === "/v1/sessions") return send(200, { sessionHandle: "s1" });
            if (req.method === "POST" && url.endsWith("/statements")) {
                const handle = `op${ops++}`;
                queues.set(handle, pagesFor(JSON.parse(body).statement));
                return send(200, { operationHandle: handle });
            }
            const m = /operations\/(op\d+)\/result\/\d+/.exec(url);
            if (req.method === "GET" && m) {
                const queue = queues.get(m[1])!;
                const page = queue.length > 1 ? queue.shift()! : queue[0];
                return send(page.status, page.body);
            }
            return send(200, {});
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requested,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

describe("the SQL Gateway client on a scripted gateway", () => {
    const ok = (body: unknown) => ({ status: 200, body });
    const rows = (...values: number[]) => values.map((v) => ({ kind: "INSERT", fields: [v] }));
    const columns = [{ name: "n", logicalType: { type: "INTEGER", nullable: false } }];
    const trace =
        "<Exception on server side:\norg.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.\nCaused by: org.apache.calcite.sql.validate.SqlValidatorException: Object 'nope' not found\n>";
    const script = (statement: string) => {
        if (statement.startsWith("SELECT n")) {
            return [
                ok({ resultType: "NOT_READY" }),
                ok({ resultType: "PAYLOAD", resultKind: "SUCCESS_WITH_CONTENT", jobID: "aaaa", results: { columns, data: rows(1, 2) } }),
                ok({ resultType: "PAYLOAD", results: { data: [] } }),
                ok({ resultType: "PAYLOAD", results: { data: rows(3) } }),
                ok({ resultType: "EOS" }),
            ];
        }
        if (statement.startsWith("INSERT"))
            return [
                ok({ resultType: "NOT_READY" }),
                ok({ resultType: "PAYLOAD", jobID: "bbbb", results: { data: [{ kind: "INSERT", fields: ["bbbb"] }] } }),
                ok({ resultType: "NOT_READY" }),
            ];
        if (statement.startsWith("SELECT * FROM nope")) return [{ status: 500, body: { errors: ["Internal server error.", trace] } }];
        return [ok({ resultType: "NOT_READY" })];
    };

    test("follows every result page (waiting while the gateway has nothing), closes the operation and the session", async () => {
        const gw = await scriptedGateway(script);
        const lines: string[] = [];
        try {
            const result = await withSession(gw.url, { name: "t", properties: { "execution.runtime-mode": "batch" } }, (session) =>
                runStatement(gw.url, session, "SELECT n FROM t", { timeoutMs: 10_000, progress: (l) => lines.push(l) }),
            );
            expect(result).toEqual({ operationHandle: "op0", columns, rows: rows(1, 2, 3), jobId: "aaaa", resultKind: "SUCCESS_WITH_CONTENT", complete: true });
            // NOT_READY asks for the same token again; each PAYLOAD moves to the next.
            expect(gw.requested.filter((r) => r.startsWith("GET")).map((r) => Number(r.split("/").pop()))).toEqual([0, 0, 1, 2, 3]);
            expect(gw.requested.slice(-2)).toEqual(["DELETE /v1/sessions/s1/operations/op0/close", "DELETE /v1/sessions/s1"]);
            expect(lines).toEqual([
                expect.stringMatching(/^waiting for the SQL Gateway to finish SELECT n FROM t \([\d.]+ s of 10 s\): result PAYLOAD, 2 rows so far, job aaaa$/),
            ]);
        } finally {
            await gw.close();
        }
    });

    test("a streaming INSERT returns once the gateway names its job", async () => {
        const gw = await scriptedGateway(script);
        try {
            const result = await runStatement(gw.url, "s1", "INSERT INTO t SELECT 1", {
                timeoutMs: 10_000,
                untilJobId: true,
                executionConfig: { "execution.savepoint.path": "file:/sp" },
            });
            expect(result.jobId).toBe("bbbb");
            expect(result.complete).toBe(false);
            expect(gw.requested.filter((r) => r.startsWith("GET"))).toHaveLength(2);
        } finally {
            await gw.close();
        }
    });

    test("a failed statement rejects with Flink's root cause; a wait that reaches its bound says so and is marked", async () => {
        const gw = await scriptedGateway(script);
        try {
            const failed = await runStatement(gw.url, "s1", "SELECT * FROM nope", { timeoutMs: 10_000 }).catch((e) => e);
            expect(failed.message).toBe(
                "Flink SQL Gateway GET /v2/sessions/s1/operations/op0/result/0?rowFormat=JSON: 500: org.apache.calcite.sql.validate.SqlValidatorException: Object 'nope' not found",
            );
            expect(errorStatus(failed)).toBe(500);
            expect(isResultTimeout(failed)).toBe(false);
            const slow = await runStatement(gw.url, "s1", "SELECT 'the-secret-value'", {
                timeoutMs: 300,
                secrets: ["the-secret-value"],
                progress: () => undefined,
            }).catch((e) => e);
            expect(slow.message).toMatch(/^timed out after 0 s waiting for the SQL Gateway to finish SELECT '\[secret\]' \(last seen: result NOT_READY\)$/);
            expect(isResultTimeout(slow)).toBe(true);
        } finally {
            await gw.close();
        }
    });
});

describe("recreating sink tables for a changed column type", () => {
    const sinks = [
        { identifier: "lake.ns.orders", columns: [{ name: "placed", type: "TIMESTAMP_LTZ(6)" }] },
        { identifier: "lake.ns.orders_changes", columns: [{ name: "placed", type: "TIMESTAMP_LTZ(6)" }] },
    ];
    const mismatch = (identifier: string, rows: number) => ({
        identifier,
        rows,
        mismatches: [`column placed is BIGINT in ${identifier} but declared TIMESTAMP_LTZ(6)`],
    });

    test("empty tables are recreated alone and the job resumes where it was", () => {
        const r = recreationOf([mismatch("lake.ns.orders", 0)], sinks);
        expect(r).toMatchObject({ tables: ["lake.ns.orders"], replay: false });
        expect(r.reason).toBe("lake.ns.orders: column placed is BIGINT in lake.ns.orders but declared TIMESTAMP_LTZ(6) (0 row(s))");
    });

    test("a table with rows recreates every table of the job, which reads its topic from the start", () => {
        const r = recreationOf([mismatch("lake.ns.orders", 3), mismatch("lake.ns.orders_changes", 0)], sinks);
        expect(r).toMatchObject({ tables: ["lake.ns.orders", "lake.ns.orders_changes"], replay: true });
        expect(r.reason).toMatch(/lakehouse:allowDataLoss allows losing the rows: the job reads its topic from the start$/);
        expect(recreationOf([], sinks)).toEqual({ tables: [], replay: false, reason: "" });
    });

    test("the replay reads every Kafka source from its earliest offset, and only that", () => {
        const sql = ["CREATE TEMPORARY TABLE t (a INT) WITH ('scan.startup.mode' = 'group-offsets', 'format' = 'json')", "INSERT INTO x SELECT a FROM t"];
        expect(readFromEarliest(sql)).toEqual(["CREATE TEMPORARY TABLE t (a INT) WITH ('scan.startup.mode' = 'earliest-offset', 'format' = 'json')", sql[1]]);
    });

    test("the refusal names the rows, both types and each fix", () => {
        const text = typeChangeRefusal([{ mismatches: ["column placed is TIMESTAMP_LTZ(6) in lake.ns.orders but declared STRING"], rows: 2 }]);
        expect(text).toContain("column placed is TIMESTAMP_LTZ(6) in lake.ns.orders but declared STRING, and the table holds 2 row(s)");
        expect(text).toContain("declare the table's type in lakehouse:source.tables");
        expect(text).toContain('list "tables" under lakehouse:allowDataLoss');
    });

    test("the opt-in is an input only where the stack allows losing tables, and changing it never resubmits the job", () => {
        const { changedKeys } = diffFlinkJob({ name: "j", statements: ["x"] }, { name: "j", statements: ["x"], recreateOnTypeChange: true });
        expect(changedKeys).toEqual(["recreateOnTypeChange"]);
        expect(needsResubmit(changedKeys)).toBe(false);
        expect(diffFlinkJob({ name: "j", statements: ["x"] }, { name: "j", statements: ["x"], recreateOnTypeChange: false }).changedKeys).toEqual([]);
    });
});
