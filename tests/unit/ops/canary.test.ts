/**
 * `npm run canary`, the pure parts: arguments, the marker, the column checks, the SQL, the catalog
 * statement rendered from the real jobs/catalog.sql with the stack's in-cluster endpoints, the
 * backoff, and the result's lines and exit code.
 */
import * as fs from "fs";
import * as path from "path";
import { splitSqlStatements } from "../../../components/dynamic/flink-job";
import { renderSqlTemplate } from "../../../components/jobs";
import {
    CanaryResult,
    ID_RANGES,
    canaryExitCode,
    canaryLatency,
    canaryTargets,
    catalogTemplateValues,
    checkCanaryColumns,
    chooseCanaryTable,
    flinkIdent,
    formatCanary,
    makeMarker,
    markerSelect,
    markerSql,
    nextDelay,
    parseCanaryArgs,
    pgIdent,
    pickCatalogStatement,
    tableLatency,
} from "../../../ops/canary";
import { parseStackOutputs } from "../../../ops/outputs";
import { serviceAddressOutputs } from "../../support/stack-outputs";

const JOB = "cdc-lakehouse-s-demographics-to-iceberg";

function outputs(overrides: Record<string, unknown> = {}) {
    return parseStackOutputs({
        ...serviceAddressOutputs("127.0.0.1"),
        s3Region: "eu-west-1",
        warehouse: "s3://wh/",
        nessieBranch: "dev",
        source: { database: "app", schema: "public", publication: "pub", tables: ["demographics", "orders"] },
        pipelineTables: {
            demographics: {
                mode: "both",
                topic: "p.public.demographics",
                upsertTable: "lake.cdc.demographics",
                changelogTable: "lake.cdc.demographics_changes",
                consumerGroups: [`${JOB}-current`, `${JOB}-changes`],
                job: JOB,
            },
            orders: { mode: "append", topic: "p.public.orders", changelogTable: "lake.cdc.orders_changes", consumerGroups: ["o-changes"], job: "o" },
        },
        credentials: {
            s3: { accessKeyId: "AKID", secretAccessKey: "s3-secret" },
            minio: { accessKeyId: "AKID", secretAccessKey: "s3-secret" },
            postgres: { username: "postgres", password: "pg-secret" },
        },
        ...overrides,
    }).outputs;
}

describe("canary arguments", () => {
    it("parses --stack, --json, --timeout with units and --table; defaults the timeout to 180 s", () => {
        expect(parseCanaryArgs(["--stack", "dev"])).toEqual({ stack: "dev", json: false, timeoutSeconds: 180 });
        expect(parseCanaryArgs(["--stack", "dev", "--json", "--timeout", "2m", "--table", "orders"])).toEqual({
            stack: "dev",
            json: true,
            timeoutSeconds: 120,
            table: "orders",
        });
        expect(parseCanaryArgs(["--outputs-file", "o.json", "--timeout=45"])).toEqual({ outputsFile: "o.json", json: false, timeoutSeconds: 45 });
    });

    it("refuses a missing stack, a zero timeout, a bad table name and unknown flags", () => {
        expect(() => parseCanaryArgs(["--json"])).toThrow(/--stack <name> \(or --outputs-file <path>\) is required/);
        expect(() => parseCanaryArgs(["--stack", "dev", "--timeout", "0"])).toThrow(/--timeout must be more than 0/);
        expect(() => parseCanaryArgs(["--stack", "dev", "--table", "Orders; DROP"])).toThrow(/not a captured table name/);
        expect(() => parseCanaryArgs(["--stack", "dev", "--timout", "5"])).toThrow(/unknown flag --timout \(did you mean --timeout\?\)/);
    });
});

describe("the marker", () => {
    it("is a negative id inside the id column's type, far from SERIAL keys, and a canary-<hex> name", () => {
        const seq = [0, 0.5, 0.999999];
        for (const r of seq) {
            const m = makeMarker("integer", () => r);
            expect(m.id).toBeLessThanOrEqual(-1_000_000_000);
            expect(m.id).toBeGreaterThanOrEqual(-2_000_000_000);
            expect(m.id).toBeGreaterThanOrEqual(-(2 ** 31));
            expect(m.name).toMatch(/^canary-[0-9a-f]{12}$/);
        }
        const small = makeMarker("smallint", () => 0.999999);
        expect(small.id).toBeGreaterThanOrEqual(ID_RANGES.smallint[0]);
        expect(small.id).toBeLessThan(-999);
        expect(makeMarker("integer").name).not.toBe(makeMarker("integer").name);
    });

    it("fits the seed table, and says why another table does not", () => {
        const seed = [
            { name: "id", dataType: "integer", nullable: false, fillsItself: true },
            { name: "name", dataType: "text", nullable: false, fillsItself: false },
            { name: "age", dataType: "integer", nullable: true, fillsItself: false },
            { name: "city", dataType: "text", nullable: true, fillsItself: false },
        ];
        expect(checkCanaryColumns("public.demographics", seed)).toEqual([]);
        expect(checkCanaryColumns("public.t", [])).toEqual([
            "table public.t does not exist in the source database (or has no columns visible to the stack's user)",
        ]);
        expect(
            checkCanaryColumns("public.orders", [
                { name: "id", dataType: "uuid", nullable: false, fillsItself: true },
                { name: "name", dataType: "character varying", nullable: true, fillsItself: false, maxLength: 10 },
                { name: "total", dataType: "numeric", nullable: false, fillsItself: false },
            ]),
        ).toEqual([
            "public.orders.id is uuid; the canary needs smallint, integer or bigint",
            "public.orders.name holds at most 10 characters; the marker needs 19",
            "public.orders.total is NOT NULL without a default: the canary cannot fill it",
        ]);
        expect(checkCanaryColumns("public.x", [{ name: "key", dataType: "integer", nullable: false, fillsItself: false }])).toEqual([
            "public.x has no column id (the canary writes a negative id there)",
            "public.x has no column name (the canary writes its marker 'canary-<random>' there)",
            "public.x.key is NOT NULL without a default: the canary cannot fill it",
        ]);
    });

    it("is written, found and removed with quoted identifiers and bound parameters", () => {
        expect(pgIdent('we"ird')).toBe('"we""ird"');
        expect(markerSql("public", "demographics")).toEqual({
            insert: 'INSERT INTO "public"."demographics" (id, name) VALUES ($1, $2)',
            remove: 'DELETE FROM "public"."demographics" WHERE id = $1 AND name = $2',
            exists: 'SELECT 1 FROM "public"."demographics" WHERE id = $1',
        });
        expect(flinkIdent("lake.cdc.demographics")).toBe("`lake`.`cdc`.`demographics`");
        const marker = { id: -1234567890, name: "canary-0123456789ab" };
        expect(markerSelect(["lake.cdc.demographics"], marker)).toBe(
            "SELECT 0 AS t, id FROM `lake`.`cdc`.`demographics` WHERE id = -1234567890 AND name = 'canary-0123456789ab'",
        );
        // Both tables of mode `both` in one batch query (one Flink job, one moment).
        expect(markerSelect(["lake.cdc.demographics", "lake.cdc.demographics_changes"], marker)).toBe(
            "SELECT 0 AS t, id FROM `lake`.`cdc`.`demographics` WHERE id = -1234567890 AND name = 'canary-0123456789ab' UNION ALL " +
                "SELECT 1 AS t, id FROM `lake`.`cdc`.`demographics_changes` WHERE id = -1234567890 AND name = 'canary-0123456789ab'",
        );
    });
});

describe("which tables, and the catalog", () => {
    it("chooses demographics by default, --table otherwise, and waits on every Iceberg table of its mode", () => {
        const o = outputs();
        const d = chooseCanaryTable(o);
        expect(d.table).toBe("demographics");
        expect(canaryTargets(d)).toEqual([
            { kind: "upsert", identifier: "lake.cdc.demographics", key: "cdc.demographics" },
            { kind: "changelog", identifier: "lake.cdc.demographics_changes", key: "cdc.demographics_changes" },
        ]);
        expect(canaryTargets(chooseCanaryTable(o, "orders"))).toEqual([
            { kind: "changelog", identifier: "lake.cdc.orders_changes", key: "cdc.orders_changes" },
        ]);
        expect(() => chooseCanaryTable(o, "users")).toThrow("table users is not captured by this stack (captured: demographics, orders)");
        expect(() => chooseCanaryTable(parseStackOutputs({}).outputs)).toThrow(/no captured tables/);
    });

    it("renders jobs/catalog.sql with the endpoints as Flink reaches them, keeping the secret a placeholder", () => {
        const o = outputs();
        const values = catalogTemplateValues(o, chooseCanaryTable(o));
        expect(values).toMatchObject({
            catalog: "lake",
            namespace: "cdc",
            nessieUri: "http://nessie:19120/api/v2",
            nessieBranch: "dev",
            s3Endpoint: "http://minio:9000",
            s3PathStyle: "true",
            s3AccessKeyId: "AKID",
            awsRegion: "eu-west-1",
            warehouse: "s3://wh/",
        });
        const template = fs.readFileSync(path.resolve(__dirname, "../../../jobs/catalog.sql"), "utf8");
        const statement = pickCatalogStatement(splitSqlStatements(renderSqlTemplate(template, values, "jobs/catalog.sql", { nessieAuthOptions: "" })));
        expect(statement).toMatch(/^(--[^\n]*\n)*CREATE CATALOG lake WITH \(/);
        expect(statement).toContain("'uri' = 'http://nessie:19120/api/v2'");
        expect(statement).toContain("'ref' = 'dev'");
        expect(statement).toContain("'s3.endpoint' = 'http://minio:9000'");
        expect(statement).toContain("{{secret.s3SecretAccessKey}}");
        expect(statement).not.toContain("s3-secret");
        expect(statement).not.toMatch(/CREATE DATABASE/);
        expect(() => pickCatalogStatement(["CREATE DATABASE x"])).toThrow(/no CREATE CATALOG/);
    });

    it("refuses outputs that cannot build the catalog, naming the output", () => {
        const o = outputs({ nessieApiUri: undefined });
        expect(() => catalogTemplateValues(o, chooseCanaryTable(o))).toThrow(
            "stack output nessieApiUri.internal missing: needed to create the Iceberg catalog in the SQL Gateway session",
        );
        const aws = outputs({
            s3Endpoint: { internal: "https://s3.eu-west-1.amazonaws.com" },
            credentials: { s3: { accessKeyId: "A", secretAccessKey: "B" } },
        });
        expect(catalogTemplateValues(aws, chooseCanaryTable(aws)).s3PathStyle).toBe("false");
    });
});

describe("waiting and the result", () => {
    it("backs off from 1 s, doubling to 5 s, never past the deadline", () => {
        const delays: number[] = [];
        let d: number | undefined;
        for (let i = 0; i < 5; i++) delays.push((d = nextDelay(d, 60_000)));
        expect(delays).toEqual([1000, 2000, 4000, 5000, 5000]);
        expect(nextDelay(4000, 1500)).toBe(1500);
        expect(nextDelay(undefined, -5)).toBe(0);
    });

    const base: CanaryResult = {
        stack: "dev",
        ok: true,
        source: "public.demographics",
        marker: { id: -1500000000, name: "canary-0123456789ab" },
        insertedAt: "2026-11-24T12:00:00.000Z",
        tables: [
            {
                identifier: "lake.cdc.demographics",
                kind: "upsert",
                visibleAfterMs: 3100,
                notVisibleAtMs: 1100,
                queries: 2,
                commit: { hash: "53b8020c6499aaaa", time: "2026-11-24T12:00:02.400Z", afterInsertMs: 2400 },
            },
            { identifier: "lake.cdc.demographics_changes", kind: "changelog", visibleAfterMs: 3800, notVisibleAtMs: null, queries: 1 },
        ],
        latencyMs: 3800,
        cleanedUp: true,
    };

    it("takes the latency from the Nessie commit when it is consistent with what was observed, else the observed bound", () => {
        expect(tableLatency(base.tables[0])).toBe(2400);
        expect(tableLatency(base.tables[1])).toBe(3800);
        // A commit "later" than the SELECT that saw the row means the clocks disagree: keep the observed bound.
        expect(tableLatency({ ...base.tables[0], commit: { hash: "h", time: "t", afterInsertMs: 9000 } })).toBe(3100);
        expect(tableLatency({ ...base.tables[0], visibleAfterMs: null })).toBeNull();
        expect(canaryLatency(base.tables)).toBe(3800);
        expect(canaryLatency([base.tables[0]])).toBe(2400);
        expect(canaryLatency([base.tables[0], { ...base.tables[1], visibleAfterMs: null }])).toBeNull();
        expect(canaryLatency([])).toBeNull();
    });

    it("prints one line per table and a summary with the latency; exit 0", () => {
        expect(formatCanary(base).split("\n")).toEqual([
            "PASS  lake.cdc.demographics (upsert): latency 2.4 s; seen by the SELECT started 3.1 s after the insert (not by the one at 1.1 s); arrived with Nessie commit 53b8020c6499 at 2026-11-24T12:00:02.400Z",
            "PASS  lake.cdc.demographics_changes (changelog): latency 3.8 s; seen by the SELECT started 3.8 s after the insert",
            "PASS  canary canary-0123456789ab (id -1500000000) in public.demographics: end-to-end latency 3.8 s; marker row deleted",
        ]);
        expect(canaryExitCode(base)).toBe(0);
        expect(Object.keys(JSON.parse(JSON.stringify(base))).sort()).toEqual([
            "cleanedUp",
            "insertedAt",
            "latencyMs",
            "marker",
            "ok",
            "source",
            "stack",
            "tables",
        ]);
    });

    it("on a timeout says what was not seen, and on a failed cleanup prints the DELETE to run; exit 1", () => {
        const timedOut: CanaryResult = {
            ...base,
            ok: false,
            latencyMs: null,
            tables: [{ ...base.tables[1], visibleAfterMs: null, queries: 0 }],
            error: "timed out after 60 s waiting for marker canary-0123456789ab",
        };
        expect(formatCanary(timedOut).split("\n")).toEqual([
            "FAIL  lake.cdc.demographics_changes (changelog): marker not visible (0 queries)",
            "FAIL  canary canary-0123456789ab (id -1500000000) in public.demographics: no latency measured; marker row deleted; timed out after 60 s waiting for marker canary-0123456789ab",
        ]);
        expect(canaryExitCode(timedOut)).toBe(1);
        const dirty: CanaryResult = { ...base, ok: false, cleanedUp: false };
        expect(formatCanary(dirty)).toMatch(/marker row NOT deleted: DELETE FROM public.demographics WHERE id = -1500000000 AND name = 'canary-0123456789ab'$/);
        expect(canaryExitCode(dirty)).toBe(1);
    });
});
