/** Pure parts of the Flink SQL job: splitting, normalising, hashing, check, diff, and the job templates. */
import * as path from "path";
import { checkFlinkJobInputs, diffFlinkJob, flinkRootCause, needsResubmit, normalizeSqlStatement, secretPlaceholders, splitSqlStatements, sqlHash } from "../../components/dynamic/flink-job";
import { JobTemplateValues, jobName, readJobTemplates, renderSqlTemplate, renderTableJob } from "../../components/jobs";

const REPO = path.resolve(__dirname, "../..");

describe("splitSqlStatements", () => {
    test("splits on ; outside literals, identifiers and comments", () => {
        const text = "CREATE TABLE a (x STRING) WITH ('k' = 'v;w'); -- a comment; with a semicolon\nINSERT INTO `odd;name` SELECT ';' /* ; */ FROM b;\n\n";
        expect(splitSqlStatements(text)).toEqual(["CREATE TABLE a (x STRING) WITH ('k' = 'v;w')", "-- a comment; with a semicolon\nINSERT INTO `odd;name` SELECT ';' /* ; */ FROM b"]);
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

    test("exactly the changed keys; another cluster replaces, deleting first", () => {
        expect(diffFlinkJob(base, { ...base, settings: { "parallelism.default": "2" } }).changedKeys).toEqual(['settings["parallelism.default"]']);
        expect(diffFlinkJob(base, { ...base, statements: ["CREATE TABLE x (a BIGINT)", base.statements[1]] }).changedKeys).toEqual(["statements"]);
        expect(diffFlinkJob({ ...base, secrets: { k: "a" } }, { ...base, secrets: { k: "b" } }).changedKeys).toEqual(["secrets"]);
        expect(diffFlinkJob({ ...base, state: "FAILED" }, base).changedKeys).toEqual(["state"]);
        const moved = diffFlinkJob(base, { ...base, restUrl: "http://other:8081" });
        expect(moved).toEqual({ changes: true, replaces: ["restUrl"], deleteBeforeReplace: true, changedKeys: ["restUrl"] });
    });

    test("only SQL, settings, secrets, name, state and version resubmit the job", () => {
        expect(needsResubmit(["waitTimeoutSeconds", "deleteMode", "savepointDirectory"])).toBe(false);
        expect(needsResubmit(["statements"])).toBe(true);
        expect(needsResubmit(['settings["parallelism.default"]'])).toBe(true);
        expect(needsResubmit(["state"])).toBe(true);
    });
});

test("flinkRootCause picks the deepest cause of a server-side exception", () => {
    const text = "<Exception on server side:\norg.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.\n\tat x\nCaused by: org.apache.flink.table.api.ValidationException: SQL validation failed.\nCaused by: org.apache.calcite.sql.validate.SqlValidatorException: Object 'nope' not found\n\tat y";
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

    test("the repository's templates render to the catalog, the tables and one statement set", () => {
        const statements = renderTableJob(readJobTemplates(REPO, ["demographics"]), values);
        expect(statements.map((s) => normalizeSqlStatement(s).split(" ").slice(0, 3).join(" "))).toEqual([
            "CREATE CATALOG lakehouse",
            "CREATE DATABASE IF",
            "CREATE TEMPORARY TABLE",
            "CREATE TEMPORARY TABLE",
            "CREATE TABLE IF",
            "CREATE TABLE IF",
            "EXECUTE STATEMENT SET",
        ]);
        const all = statements.join("\n");
        expect(all).toContain("'uri' = 'http://nessie:19120/api/v2'");
        expect(all).toContain("'client.region' = 'us-east-1'");
        expect(all).toContain("'s3.access-key-id' = 'o''brien'");
        expect(all).toContain("'s3.secret-access-key' = '{{secret.s3SecretAccessKey}}'");
        expect(all).toContain("'topic' = 'demographics_server.public.demographics'");
        expect(all).toContain("INSERT INTO lakehouse.cdc.demographics_changes");
        expect(all).not.toMatch(/\{\{(?!secret\.)/);
        expect(checkFlinkJobInputs({ ...base, statements, secrets: { s3SecretAccessKey: "x" } })).toEqual([]);
    });

    test("an unknown placeholder or secret names the file and what is known", () => {
        expect(() => renderSqlTemplate("SELECT '{{tpoic}}'", { topic: "t" }, "jobs/x.sql")).toThrow("jobs/x.sql: {{tpoic}} is not a known value (known: topic)");
        expect(() => renderSqlTemplate("SELECT '{{secret.password}}'", {}, "jobs/x.sql")).toThrow("{{secret.password}} is not a known secret (known: secret.s3SecretAccessKey)");
    });

    test("a captured table without a template is a config error naming the key and the fix", () => {
        expect(() => readJobTemplates(REPO, ["demographics", "orders"])).toThrow(
            'lakehouse:source.tables: found "orders" without a Flink job; expected a template jobs/orders.sql for each captured table (start from jobs/demographics.sql)',
        );
    });

    test("job names are stable per stack and table", () => {
        expect(jobName("cdc-lakehouse-dev", "demographics")).toBe("cdc-lakehouse-dev-demographics-to-iceberg");
    });
});
