/**
 * The captured tables: how each is declared in stack config (`lakehouse:source.tables`), how it is
 * written to Iceberg (its mode), and the SQL fragments its Flink job is rendered with. Pure.
 *
 * `source.tables` is either a list of table names (each must have a built-in definition: the seed's
 * `demographics`) or a map from table name to `{ mode, primaryKey, columns }`:
 *
 * ```yaml
 * lakehouse:source:
 *   tables:
 *     demographics:
 *       mode: both            # upsert | append | both (default both)
 *       primaryKey: [id]
 *       columns: ["id INT", "name STRING", "age INT", "city STRING"]
 * ```
 *
 * Columns are a list, in source order: Pulumi stores config objects with their keys sorted, so a map
 * would lose the order.
 *
 * Columns are declared, not discovered, so a preview shows exactly what a deploy changes: adding a
 * column to a captured table is one entry here (the Iceberg tables gain it, the job resumes from its
 * savepoint; see docs/configuration.md "Captured tables, modes, and adding a column").
 */
import { columnTypeProblem, fromWire, normalizeColumnType, wireType } from "./column-types";

/**
 * How a captured table is written:
 * - `upsert`: `<table>` mirrors the source (Iceberg v2, primary key, upserts and deletes applied);
 * - `append`: `<table>_changes` is the changelog (every insert, update and delete is a row with
 *   `operation_type`, `event_time` and `processing_time`, as in the seed);
 * - `both`: both tables, from one job.
 */
export const TABLE_MODES = ["upsert", "append", "both"] as const;
export type TableMode = (typeof TABLE_MODES)[number];

/** Suffix of a table's changelog (append-mode) Iceberg table. */
export const CHANGELOG_SUFFIX = "_changes";

/** The metadata columns the changelog table adds (the seed's transformation). */
export const CHANGELOG_METADATA_COLUMNS = ["operation_type", "event_time", "processing_time"] as const;

export interface ColumnDefinition {
    name: string;
    /** Flink SQL type, upper-case and without NOT NULL, e.g. `INT`, `DECIMAL(10, 2)`. */
    type: string;
    /** False when declared `NOT NULL` or part of the primary key. */
    nullable: boolean;
}

export interface TableDefinition {
    mode: TableMode;
    /** Key columns (required by `upsert` and `both`; in `append`, changes without a key are dropped). */
    primaryKey: string[];
    /** In source order. */
    columns: ColumnDefinition[];
}

/** Built-in definitions: a table listed by name only must be one of these. */
export const BUILTIN_TABLES: Record<string, { primaryKey: string[]; columns: string[] }> = {
    // The seed's table (PostgreSQL: id SERIAL PRIMARY KEY, name TEXT NOT NULL, age INTEGER, city TEXT).
    demographics: { primaryKey: ["id"], columns: ["id INT", "name STRING", "age INT", "city STRING"] },
};

export const DEFAULT_TABLE_MODE: TableMode = "both";

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
export { COLUMN_TYPE_HINT } from "./column-types";

export interface TableProblem {
    /** Key below `source.tables`, e.g. `demographics.columns.age`. */
    key: string;
    found: unknown;
    expected: string;
}

/**
 * Parses `source.tables` (already JSON-decoded). Returns the definitions in declared order, or the
 * problems, each naming its key and the fix. `undefined` means the default (the seed table).
 */
export function parseCapturedTables(raw: unknown, defaultTables: string[]): { tables: Record<string, TableDefinition>; problems: TableProblem[] } {
    const problems: TableProblem[] = [];
    const tables: Record<string, TableDefinition> = {};
    const identHint = "a lower-case SQL identifier (letters, digits, _; at most 63 characters)";
    const builtin = (name: string, mode: TableMode = DEFAULT_TABLE_MODE): TableDefinition | undefined => {
        const b = BUILTIN_TABLES[name];
        if (!b) return undefined;
        const columns = b.columns.map((c) => ({ name: c.split(" ")[0], type: c.slice(c.indexOf(" ") + 1), nullable: !b.primaryKey.includes(c.split(" ")[0]) }));
        return { mode, primaryKey: [...b.primaryKey], columns };
    };
    const fromList = (names: unknown[]) => {
        if (names.length === 0) problems.push({ key: "", found: names, expected: "at least one table" });
        for (const [i, name] of names.entries()) {
            if (typeof name !== "string" || !IDENTIFIER.test(name)) {
                problems.push({ key: `[${i}]`, found: name, expected: identHint });
            } else if (tables[name]) {
                problems.push({ key: `[${i}]`, found: name, expected: "a list without duplicates" });
            } else {
                const def = builtin(name);
                if (def) tables[name] = def;
                else
                    problems.push({
                        key: `[${i}]`,
                        found: name,
                        expected: `a table with a built-in definition (${Object.keys(BUILTIN_TABLES).join(", ")}), or declare it: source.tables as a map, e.g. { ${name}: { primaryKey: [id], columns: ["id INT", ...] } }`,
                    });
            }
        }
    };
    if (raw === undefined) {
        fromList(defaultTables);
    } else if (Array.isArray(raw)) {
        fromList(raw);
    } else if (raw === null || typeof raw !== "object") {
        problems.push({ key: "", found: raw, expected: "a list of table names, or a map from table name to { mode, primaryKey, columns }" });
    } else {
        const entries = Object.entries(raw as Record<string, unknown>);
        if (entries.length === 0) problems.push({ key: "", found: raw, expected: "at least one table" });
        for (const [name, spec] of entries) {
            if (!IDENTIFIER.test(name)) {
                problems.push({ key: name, found: name, expected: `a table name that is ${identHint}` });
                continue;
            }
            const def = parseTableSpec(name, spec, problems);
            if (def) tables[name] = def;
        }
    }
    return { tables, problems };
}

function parseTableSpec(name: string, spec: unknown, problems: TableProblem[]): TableDefinition | undefined {
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
        problems.push({ key: name, found: spec, expected: "an object { mode, primaryKey, columns }" });
        return undefined;
    }
    const s = spec as Record<string, unknown>;
    const before = problems.length;
    for (const key of Object.keys(s))
        if (!["mode", "primaryKey", "columns"].includes(key))
            problems.push({ key: `${name}.${key}`, found: s[key], expected: "no such key: one of mode, primaryKey, columns" });
    const mode = s.mode === undefined ? DEFAULT_TABLE_MODE : s.mode;
    if (!TABLE_MODES.includes(mode as TableMode)) problems.push({ key: `${name}.mode`, found: mode, expected: `one of ${TABLE_MODES.join(", ")}` });

    const builtin = BUILTIN_TABLES[name];
    const rawColumns = s.columns === undefined && builtin ? builtin.columns : s.columns;
    const columns: ColumnDefinition[] = [];
    if (!Array.isArray(rawColumns) || rawColumns.length === 0) {
        const map = rawColumns !== null && typeof rawColumns === "object";
        problems.push({
            key: `${name}.columns`,
            found: rawColumns,
            expected: `a non-empty list of "<column> <Flink SQL type>" in source order, e.g. ["id INT", "name STRING"]${map ? " (a list, not a map: Pulumi config sorts a map's keys, which would lose the column order)" : ""}`,
        });
    } else {
        for (const [i, entry] of rawColumns.entries()) {
            const where = `${name}.columns[${i}]`;
            const match = typeof entry === "string" ? /^\s*([^\s]+)\s+(.+?)\s*$/.exec(entry) : null;
            if (!match) {
                problems.push({ key: where, found: entry, expected: `"<column> <type>", e.g. "email STRING"` });
                continue;
            }
            const [, column, type] = match;
            const normalized = normalizeColumnType(type);
            const typeProblem = columnTypeProblem(normalized.replace(/ NOT NULL$/, ""));
            if (!IDENTIFIER.test(column))
                problems.push({ key: where, found: entry, expected: "a column name that is a lower-case SQL identifier, then its type" });
            else if (CHANGELOG_METADATA_COLUMNS.includes(column as (typeof CHANGELOG_METADATA_COLUMNS)[number]))
                problems.push({ key: where, found: entry, expected: `another name: ${CHANGELOG_METADATA_COLUMNS.join(", ")} are the changelog's own columns` });
            else if (columns.some((c) => c.name === column))
                problems.push({ key: where, found: entry, expected: `a column declared once (${column} is already declared)` });
            else if (typeProblem) problems.push({ key: where, found: entry, expected: typeProblem });
            else
                columns.push({
                    name: column,
                    type: normalized.replace(/ NOT NULL$/, ""),
                    nullable: !normalized.endsWith(" NOT NULL"),
                });
        }
    }

    // A built-in table keeps its key while its key columns are declared.
    const rawKey =
        s.primaryKey === undefined && builtin && builtin.primaryKey.every((k) => columns.some((c) => c.name === k)) ? builtin.primaryKey : s.primaryKey;
    let primaryKey: string[] = [];
    if (rawKey === undefined) {
        if (mode !== "append")
            problems.push({
                key: `${name}.primaryKey`,
                found: undefined,
                expected: `the key columns, e.g. [id] (mode ${mode} mirrors the table by its key; only mode append works without one)`,
            });
    } else if (!Array.isArray(rawKey) || rawKey.length === 0 || !rawKey.every((k) => typeof k === "string")) {
        problems.push({ key: `${name}.primaryKey`, found: rawKey, expected: "a non-empty list of column names, e.g. [id]" });
    } else {
        const unknown = rawKey.filter((k) => !columns.some((c) => c.name === k));
        if (unknown.length && columns.length)
            problems.push({ key: `${name}.primaryKey`, found: rawKey, expected: `columns declared in ${name}.columns (not declared: ${unknown.join(", ")})` });
        else if (new Set(rawKey).size !== rawKey.length) problems.push({ key: `${name}.primaryKey`, found: rawKey, expected: "a list without duplicates" });
        else primaryKey = rawKey as string[];
    }
    if (problems.length > before) return undefined;
    // Key columns are never null (Flink and Iceberg require it of identifier fields).
    return { mode: mode as TableMode, primaryKey, columns: columns.map((c) => (primaryKey.includes(c.name) ? { ...c, nullable: false } : c)) };
}

/** Whether a mode writes the mirror (`<table>`) and the changelog (`<table>_changes`). */
export function modeWrites(mode: TableMode): { upsert: boolean; append: boolean } {
    return { upsert: mode !== "append", append: mode !== "upsert" };
}

/** The Iceberg table names a captured table is written to, by mode. */
export function icebergTableNames(table: string, mode: TableMode): { upsert?: string; changelog?: string } {
    const w = modeWrites(mode);
    return { ...(w.upsert ? { upsert: table } : {}), ...(w.append ? { changelog: `${table}${CHANGELOG_SUFFIX}` } : {}) };
}

/** A column name as a Flink SQL identifier (quoted: `before`, `value`, `time` are reserved words). */
export function quoteIdentifier(name: string): string {
    return `\`${name.replace(/`/g, "``")}\``;
}

/** Columns as a Flink SQL schema, e.g. `` `id` INT NOT NULL, `name` STRING ``. */
export function columnDefinitionsSql(columns: ColumnDefinition[]): string {
    return columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}${c.nullable ? "" : " NOT NULL"}`).join(", ");
}

/**
 * The SQL fragments a table's job templates use (`jobs/upsert.sql`, `jobs/append.sql`); each is built
 * from validated identifiers and types only.
 */
export function tableSqlFragments(def: TableDefinition): Record<string, string> {
    const cols = def.columns;
    const key = def.primaryKey;
    // The declared value of a change's column: the before-image for a delete, converted from its wire form.
    const pick = (c: ColumnDefinition) =>
        `CASE WHEN op = 'd' THEN ${fromWire(`\`before\`.${quoteIdentifier(c.name)}`, c.type)} ELSE ${fromWire(`\`after\`.${quoteIdentifier(c.name)}`, c.type)} END`;
    // Debezium's before/after images are rows of the table's columns in their wire form, all nullable (a delete's after is null).
    const row = `ROW<${cols.map((c) => `${quoteIdentifier(c.name)} ${wireType(c.type)}`).join(", ")}>`;
    return {
        columnDefinitions: columnDefinitionsSql(cols),
        // The Kafka source table's columns: the wire form Debezium sends (components/column-types.ts).
        wireColumnDefinitions: columnDefinitionsSql(cols.map((c) => ({ ...c, type: wireType(c.type) }))),
        // The source columns converted to the declared types, in column order.
        convertedColumns: cols
            .map((c) => (wireType(c.type) === c.type ? quoteIdentifier(c.name) : `${fromWire(quoteIdentifier(c.name), c.type)} AS ${quoteIdentifier(c.name)}`))
            .join(", "),
        primaryKeyColumns: key.map(quoteIdentifier).join(", "),
        // `PRIMARY KEY (...) NOT ENFORCED` after the columns, or nothing for a keyless append table.
        primaryKeyConstraint: key.length ? `, PRIMARY KEY (${key.map(quoteIdentifier).join(", ")}) NOT ENFORCED` : "",
        columnList: cols.map((c) => quoteIdentifier(c.name)).join(", "),
        changeRowType: row,
        // The changelog's own columns: the table's columns, each nullable except the key (a change carries its key).
        changelogColumnDefinitions: columnDefinitionsSql(cols.map((c) => ({ ...c, nullable: !key.includes(c.name) }))),
        changeProjection: cols.map(pick).join(",\n        "),
        // Data quality: a change without its key is dropped, not written.
        changeKeyPresent: key.length ? key.map((k) => `${pick(cols.find((c) => c.name === k)!)} IS NOT NULL`).join(" AND ") : "TRUE",
    };
}
