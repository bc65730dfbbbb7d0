/**
 * `npm run canary`: the pure part. Arguments, the marker row (a negative id that the source's SERIAL
 * keys never reach, a `canary-<random>` name), the checks on the captured table's columns, the SQL
 * (PostgreSQL insert/delete, the Flink SQL catalog statement rendered from jobs/catalog.sql, the
 * batch SELECT), the backoff, and the result (human lines, JSON, exit code).
 *
 * Visibility is read through the Flink SQL Gateway with a batch query on the Iceberg table, i.e. the
 * way consumers read the table (snapshot, upsert deletes and all), rather than by decoding Iceberg
 * metadata and Parquet here; Nessie's log of the table is polled first (cheap) so a SELECT runs only
 * when a new commit touched the table. See ops/canary-run.ts for the I/O.
 */
import { OptionTable, UsageError, parseCommandLine } from "./args";
import { StackOutputs, TablePipeline, nessieAccess, nessieContentKey, pipelineView } from "./outputs";
import { renderSqlTemplate } from "../components/jobs";
import { splitSqlStatements } from "../components/dynamic/flink/sql";
import { nessieCatalogAuthOptions } from "../components/secured-clients";
import { STACK_TARGET_OPTIONS, StackTarget, stackTarget } from "./stack-target";

/** What `npm run canary -- ...` was asked. */
export interface CanaryArgs extends StackTarget {
    /** `--json`: one JSON object on standard output (progress goes to standard error). */
    json: boolean;
    /** `--timeout`: how long to wait for the row to be visible (seconds; default 180). */
    timeoutSeconds: number;
    /** `--table`: which captured table receives the marker (default: `demographics` if captured, else the first). */
    table?: string;
}

/** How long the canary waits for the marker row by default (seconds). */
export const DEFAULT_CANARY_TIMEOUT_SECONDS = 180;

/** The text `npm run canary -- --help` prints (and a usage error after its message). */
export const CANARY_USAGE = `usage: npm run canary -- --stack <name> [--json] [--timeout <s>] [--table <captured table>]
       npm run canary -- --outputs-file <outputs.json> [--stack <name>] ...

Inserts a marker row (negative id, name 'canary-<random>') into a captured PostgreSQL table, waits
until it is visible in the table's Iceberg table(s) through the Flink SQL Gateway, prints the
latency, and deletes the marker row (always: also on failure, timeout or Ctrl-C).
Exit code: 0 visible in time, 1 not visible / failed, 2 usage error or unreadable outputs.

  --stack <name>          stack whose outputs are read with the offline Pulumi CLI
  --outputs-file <path>   read the outputs from this file (JSON of \`pulumi stack output --json --show-secrets\`)
  --json                  print one JSON object (progress goes to stderr)
  --timeout <d>           how long to wait for visibility (default ${DEFAULT_CANARY_TIMEOUT_SECONDS}s; 90, 90s, 5m)
  --table <name>          captured table to use (needs an integer column id and a text column name;
                          default demographics, the seed's table)`;

/** The options of `npm run canary`. */
export const CANARY_OPTIONS = {
    ...STACK_TARGET_OPTIONS,
    json: { type: "flag" },
    timeout: { type: "seconds", default: DEFAULT_CANARY_TIMEOUT_SECONDS },
    table: { type: "string" },
} as const satisfies OptionTable;

/** Parses `npm run canary` arguments; UsageError on anything wrong. */
export function parseCanaryArgs(argv: readonly string[]): CanaryArgs {
    const { options: o } = parseCommandLine(argv, CANARY_OPTIONS);
    const target = stackTarget(o);
    if (o.timeout <= 0) throw new UsageError("--timeout must be more than 0");
    if (o.table !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(o.table))
        throw new UsageError(`--table "${o.table}" is not a captured table name (lower-case identifier)`);
    return { ...target, json: o.json, timeoutSeconds: o.timeout, ...(o.table !== undefined ? { table: o.table } : {}) };
}

/** The marker row. */
export interface Marker {
    /** Negative: the source's SERIAL / identity keys are positive, so it never clashes with real rows. */
    id: number;
    /** `canary-<12 hex>`. */
    name: string;
}

/** The id range by the id column's type: far below zero, within the type. */
export const ID_RANGES: Record<string, [number, number]> = {
    smallint: [-32_768, -1_000],
    integer: [-2_000_000_000, -1_000_000_000],
    bigint: [-2_000_000_000, -1_000_000_000],
};

/** A marker for an id column of `idType`, from `random()` in [0, 1). */
export function makeMarker(idType: string, random: () => number = Math.random): Marker {
    const [lo, hi] = ID_RANGES[idType] ?? ID_RANGES.integer;
    const id = lo + Math.floor(random() * (hi - lo));
    const hex = Array.from({ length: 12 }, () => Math.floor(random() * 16).toString(16)).join("");
    return { id, name: `canary-${hex}` };
}

/** A column of the captured table as information_schema.columns describes it. */
export interface SourceColumn {
    name: string;
    /** `integer`, `text`, `character varying`, ... */
    dataType: string;
    nullable: boolean;
    /** A default, identity or generated column fills itself. */
    fillsItself: boolean;
    /** character_maximum_length for varchar/char. */
    maxLength?: number | null;
}

const TEXT_TYPES = ["text", "character varying", "character"];

/**
 * Whether the marker fits the table: an integer `id`, a text `name` long enough for the marker, and
 * no other NOT NULL column the canary could not fill. Returns the problems (empty: fits).
 */
export function checkCanaryColumns(table: string, columns: SourceColumn[]): string[] {
    if (!columns.length) return [`table ${table} does not exist in the source database (or has no columns visible to the stack's user)`];
    const problems: string[] = [];
    const id = columns.find((c) => c.name === "id");
    const name = columns.find((c) => c.name === "name");
    if (!id) problems.push(`${table} has no column id (the canary writes a negative id there)`);
    else if (!ID_RANGES[id.dataType]) problems.push(`${table}.id is ${id.dataType}; the canary needs smallint, integer or bigint`);
    if (!name) problems.push(`${table} has no column name (the canary writes its marker 'canary-<random>' there)`);
    else if (!TEXT_TYPES.includes(name.dataType)) problems.push(`${table}.name is ${name.dataType}; the canary needs a text column`);
    else if (name.maxLength && name.maxLength < 19) problems.push(`${table}.name holds at most ${name.maxLength} characters; the marker needs 19`);
    for (const c of columns) {
        if (c.name !== "id" && c.name !== "name" && !c.nullable && !c.fillsItself)
            problems.push(`${table}.${c.name} is NOT NULL without a default: the canary cannot fill it`);
    }
    return problems;
}

/** A PostgreSQL identifier, quoted. */
export function pgIdent(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
}

/** The marker's INSERT and DELETE (parameters $1 = id, $2 = name). */
export function markerSql(schema: string, table: string): { insert: string; remove: string; exists: string } {
    const t = `${pgIdent(schema)}.${pgIdent(table)}`;
    return {
        insert: `INSERT INTO ${t} (id, name) VALUES ($1, $2)`,
        remove: `DELETE FROM ${t} WHERE id = $1 AND name = $2`,
        exists: `SELECT 1 FROM ${t} WHERE id = $1`,
    };
}

/** A Flink SQL identifier path (`catalog.ns.table`), each part back-quoted. */
export function flinkIdent(identifier: string): string {
    return identifier
        .split(".")
        .map((p) => `\`${p.replace(/`/g, "``")}\``)
        .join(".");
}

/**
 * The batch SELECT that looks for the marker in some Iceberg tables at once (one Flink job): each row
 * is `[index of the table in identifiers, id]`.
 */
export function markerSelect(identifiers: string[], marker: Marker): string {
    const where = `WHERE id = ${marker.id} AND name = '${marker.name.replace(/'/g, "''")}'`;
    return identifiers.map((identifier, i) => `SELECT ${i} AS t, id FROM ${flinkIdent(identifier)} ${where}`).join(" UNION ALL ");
}

/** The Iceberg tables the canary waits on for a captured table: each one its mode writes. */
export function canaryTargets(tp: TablePipeline): { kind: "upsert" | "changelog"; identifier: string; key: string }[] {
    return tp.icebergTables.map((r) => ({ kind: r.kind, identifier: r.identifier, key: nessieContentKey(r.identifier) }));
}

/** Chooses the captured table: `--table`, else `demographics` when captured, else the first. */
export function chooseCanaryTable(outputs: StackOutputs, requested?: string): TablePipeline {
    const tables = pipelineView(outputs);
    if (!tables.length) throw new Error("the stack outputs list no captured tables (source.tables, pipelineTables, cdcTopics)");
    const pick = requested ?? (tables.some((t) => t.table === "demographics") ? "demographics" : tables[0].table);
    const tp = tables.find((t) => t.table === pick);
    if (!tp) throw new Error(`table ${pick} is not captured by this stack (captured: ${tables.map((t) => t.table).join(", ")})`);
    if (!tp.icebergTables.length) throw new Error(`the stack outputs name no Iceberg table for ${pick} (pipelineTables.${pick}.upsertTable/changelogTable)`);
    return tp;
}

/**
 * The values jobs/catalog.sql is rendered with, from the stack outputs. The catalog is created in a
 * SQL Gateway session, so Nessie and S3 are addressed as the Flink cluster reaches them (`internal`).
 */
export function catalogTemplateValues(o: StackOutputs, tp: TablePipeline): Record<string, string> {
    const need = (value: string | undefined, output: string): string => {
        if (!value) throw new Error(`stack output ${output} missing: needed to create the Iceberg catalog in the SQL Gateway session`);
        return value;
    };
    const identifier = tp.icebergTables[0].identifier.split(".");
    const pathStyle = o.credentials?.minio ? true : !/amazonaws\.com/.test(o.s3Endpoint?.internal ?? "");
    return {
        catalog: identifier[0],
        namespace: identifier.slice(1, -1).join("."),
        table: tp.table,
        sourceSchema: o.source?.schema ?? "",
        nessieUri: need(o.nessieApiUri?.internal, "nessieApiUri.internal"),
        nessieBranch: o.nessieBranch ?? "main",
        warehouse: need(o.warehouse, "warehouse"),
        s3Endpoint: need(o.s3Endpoint?.internal, "s3Endpoint.internal"),
        s3PathStyle: String(pathStyle),
        s3AccessKeyId: need(o.credentials?.s3?.accessKeyId, "credentials.s3.accessKeyId (read the outputs with --show-secrets)"),
        awsRegion: o.s3Region ?? "us-east-1",
        topic: tp.topic ?? "",
        bootstrapServers: o.kafkaBootstrapServers?.internal ?? "",
        consumerGroup: tp.jobName ?? "",
    };
}

/**
 * The stack's `CREATE CATALOG` statement as a SQL Gateway session runs it: jobs/catalog.sql (`template`)
 * rendered with the outputs' values, Nessie's login when the stack has one, and the secrets filled in
 * (S3's secret key, Nessie's token), so the text is secret: redact it with the outputs' secret values.
 */
export function stackCatalogStatement(outputs: StackOutputs, tp: TablePipeline, template: string): string {
    const s3Secret = outputs.credentials?.s3?.secretAccessKey ?? "";
    const nessieToken = nessieAccess(outputs).token;
    const rendered = renderSqlTemplate(template, catalogTemplateValues(outputs, tp), "jobs/catalog.sql", {
        nessieAuthOptions: nessieCatalogAuthOptions(nessieToken !== undefined),
    });
    return pickCatalogStatement(splitSqlStatements(rendered))
        .replace(/\{\{\s*secret\.s3SecretAccessKey\s*\}\}/g, s3Secret.replace(/'/g, "''"))
        .replace(/\{\{\s*secret\.nessieToken\s*\}\}/g, (nessieToken ?? "").replace(/'/g, "''"));
}

/** The `CREATE CATALOG` statement among the rendered catalog statements (the namespace's CREATE DATABASE is left out: the canary creates nothing). */
export function pickCatalogStatement(statements: string[]): string {
    const s = statements.find((x) => /^\s*(--[^\n]*\n\s*)*CREATE\s+CATALOG\b/i.test(x));
    if (!s) throw new Error("jobs/catalog.sql has no CREATE CATALOG statement");
    return s;
}

/** Delay before the next poll: doubling from `initialMs`, at most `maxMs`, never past the deadline. */
export function nextDelay(previousMs: number | undefined, remainingMs: number, initialMs = 1000, maxMs = 5000): number {
    const d = previousMs === undefined ? initialMs : Math.min(previousMs * 2, maxMs);
    return Math.max(0, Math.min(d, remainingMs));
}

/** When the marker became visible in one Iceberg table. */
export interface TableVisibility {
    identifier: string;
    kind: "upsert" | "changelog";
    /** Insert commit -> start of the SELECT that first saw the row (an upper bound); null: never seen. */
    visibleAfterMs: number | null;
    /** Start of the previous SELECT that did not see it (a lower bound), when there was one. */
    notVisibleAtMs: number | null;
    /** The Nessie commit the row arrived with (the table's head when the SELECT ran), when known. */
    commit?: { hash: string; time: string; afterInsertMs: number };
    /** SELECTs run. */
    queries: number;
}

/** The canary's outcome (`--json` prints it). */
export interface CanaryResult {
    stack: string | null;
    ok: boolean;
    /** The captured table: `<schema>.<table>` in PostgreSQL. */
    source: string;
    marker: Marker;
    /** When the INSERT committed (ISO 8601), if it did. */
    insertedAt: string | null;
    tables: TableVisibility[];
    /** End-to-end latency (see canaryLatency): the slowest table's, when every table saw the row. */
    latencyMs: number | null;
    /** The marker row is gone from PostgreSQL (deleted, or never inserted). */
    cleanedUp: boolean;
    error?: string;
}

/**
 * A table's latency: the time from the insert to the Nessie commit that made the row visible, when the
 * canary could tell which commit that was and it agrees with what was observed (the commit is not
 * later than the SELECT that saw the row: this machine's and Nessie's clocks agree); else the observed
 * upper bound, the start of the SELECT that first saw the row. null while not visible.
 */
export function tableLatency(t: TableVisibility): number | null {
    if (t.visibleAfterMs === null) return null;
    if (t.commit && t.commit.afterInsertMs <= t.visibleAfterMs + 1000) return t.commit.afterInsertMs;
    return t.visibleAfterMs;
}

/** The end-to-end latency: the slowest table's; null unless every table saw the row. */
export function canaryLatency(tables: TableVisibility[]): number | null {
    const each = tables.map(tableLatency);
    return each.length && each.every((x) => x !== null) ? Math.max(...(each as number[])) : null;
}

/** Exit code: 0 when the row was seen everywhere and cleaned up, else 1. */
export function canaryExitCode(r: CanaryResult): number {
    return r.ok ? 0 : 1;
}

/** The human summary lines. */
export function formatCanary(r: CanaryResult): string {
    const lines: string[] = [];
    for (const t of r.tables) {
        if (t.visibleAfterMs === null) lines.push(`FAIL  ${t.identifier} (${t.kind}): marker not visible (${t.queries} queries)`);
        else {
            const bounds = t.notVisibleAtMs !== null ? ` (not by the one at ${(t.notVisibleAtMs / 1000).toFixed(1)} s)` : "";
            const commit = t.commit ? `; arrived with Nessie commit ${t.commit.hash.slice(0, 12)} at ${t.commit.time}` : "";
            lines.push(
                `PASS  ${t.identifier} (${t.kind}): latency ${((tableLatency(t) ?? 0) / 1000).toFixed(1)} s; seen by the SELECT started ${(t.visibleAfterMs / 1000).toFixed(1)} s after the insert${bounds}${commit}`,
            );
        }
    }
    const latency = r.latencyMs !== null ? `end-to-end latency ${(r.latencyMs / 1000).toFixed(1)} s` : "no latency measured";
    lines.push(
        `${r.ok ? "PASS" : "FAIL"}  canary ${r.marker.name} (id ${r.marker.id}) in ${r.source}: ${latency}; marker row ${r.cleanedUp ? "deleted" : `NOT deleted: DELETE FROM ${r.source} WHERE id = ${r.marker.id} AND name = '${r.marker.name}'`}${r.error ? `; ${r.error}` : ""}`,
    );
    return lines.join("\n");
}
