/**
 * From a live PostgreSQL column to its `lakehouse:source.tables` declaration: the Flink SQL type each
 * PostgreSQL type is declared with (or why it cannot be captured), and the whole entry of a table as
 * `npm run tables -- describe` prints it. Pure: the catalog is read by components/source-check.ts.
 *
 * The declared type follows the wire form Debezium sends with the program's connector settings
 * (components/column-types.ts WIRE_FORM_SETTINGS), so the job reads every value exactly; where that
 * is not possible the column is declared STRING with a caveat, or refused.
 */
import { DEFAULT_TABLE_MODE, TableMode } from "./tables";

/** A column's type as the catalog describes it, domains already resolved to their base type. */
export interface PgColumnType {
    /** `format_type()` of the base type: `integer`, `numeric(10,2)`, `timestamp(3) with time zone`, `integer[]`. */
    type: string;
    /** `pg_type.typtype` of the base type: `b` base, `e` enum, `r` range, `m` multirange, `c` composite, `p` pseudo. */
    kind: string;
    /** For an array: its element, resolved the same way. */
    element?: { type: string; kind: string };
    /** Declared array dimensions (`attndims`; 0 for an array through a domain). */
    dimensions?: number;
    /** The domain the column was declared with, for messages. */
    domain?: string;
}

/** A column of a live table. */
export interface LiveColumn {
    name: string;
    type: PgColumnType;
    /** NOT NULL on the column or on its domain. */
    notNull: boolean;
}

/** A live table: its columns by attnum (dropped ones skipped) and its primary key in key order. */
export interface LiveTable {
    schema: string;
    table: string;
    columns: LiveColumn[];
    primaryKey: string[];
}

/** A column's declared type and what the user should know about it, or why it cannot be declared. */
export type TypeMapping = { flinkType: string; caveat?: string } | { unsupported: string };

export const DECIMAL_CAVEAT = "exact text: Iceberg's decimal needs a precision of at most 38 and a fixed scale";
export const INTERVAL_CAVEAT = "ISO-8601 duration text such as P1Y2M3DT4H5M6.000007S, exact (months and days kept apart)";
export const TIME_CAVEAT = "Flink's TIME holds milliseconds: sub-millisecond digits are dropped";
export const TIMETZ_CAVEAT = "Debezium sends it as text in UTC, e.g. 07:54:28.768699Z";

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const SIMPLE: Record<string, string> = {
    smallint: "SMALLINT",
    integer: "INT",
    bigint: "BIGINT",
    real: "FLOAT",
    "double precision": "DOUBLE",
    boolean: "BOOLEAN",
    bytea: "BYTES",
    date: "DATE",
    // Iceberg has one string type: every text-like type is declared STRING.
    text: "STRING",
    xml: "STRING",
    inet: "STRING",
    cidr: "STRING",
    macaddr: "STRING",
    uuid: "STRING",
    json: "STRING",
    jsonb: "STRING",
};
/** Array elements whose JSON form Flink reads as is (components/column-types.ts ARRAY_ELEMENT); STRING only from these text types. */
const ARRAY_ELEMENTS = /^(BOOLEAN|SMALLINT|INT|BIGINT|FLOAT|DOUBLE|DECIMAL\(\d+, \d+\))$/;
const TEXT_ELEMENT = /^(text|character varying(\(\d+\))?|character(\(\d+\))?|bpchar|uuid)$/;

/** The declared Flink type of one scalar PostgreSQL type (not an array). */
function mapScalar(type: string, kind: string): TypeMapping | undefined {
    if (kind === "e") return { flinkType: "STRING" };
    if (kind !== "b") return undefined;
    if (SIMPLE[type]) return { flinkType: SIMPLE[type] };
    if (/^(character varying|character)(\(\d+\))?$/.test(type) || type === "bpchar" || /^(.+\.)?"?citext"?$/.test(type)) return { flinkType: "STRING" };
    const numeric = /^numeric(?:\((\d+),(-?\d+)\))?$/.exec(type);
    if (numeric) {
        const [p, s] = [Number(numeric[1]), Number(numeric[2])];
        if (numeric[1] !== undefined && p <= 38 && s >= 0) return { flinkType: `DECIMAL(${p}, ${s})` };
        return { flinkType: "STRING", caveat: DECIMAL_CAVEAT };
    }
    if (/^interval\b/.test(type)) return { flinkType: "STRING", caveat: INTERVAL_CAVEAT };
    const time = /^time(?:\((\d)\))? (with|without) time zone$/.exec(type);
    if (time) {
        if (time[2] === "with") return { flinkType: "STRING", caveat: TIMETZ_CAVEAT };
        const p = time[1] === undefined ? 6 : Number(time[1]);
        return p > 3 ? { flinkType: "TIME(3)", caveat: TIME_CAVEAT } : { flinkType: `TIME(${p})` };
    }
    const timestamp = /^timestamp(?:\((\d)\))? (with|without) time zone$/.exec(type);
    if (timestamp) return { flinkType: `${timestamp[2] === "with" ? "TIMESTAMP_LTZ" : "TIMESTAMP"}(${timestamp[1] ?? 6})` };
    return undefined;
}

/** Why a column of `shown` cannot be captured, with the fix. */
function unsupported(shown: string, why: string): { unsupported: string } {
    return {
        unsupported:
            `${shown} is not supported (${why}): leave the column out of columns (it is then not captured), ` +
            "or capture a copy of a supported type, e.g. a text column kept up to date by a trigger " +
            "(a generated column is not published by logical replication before PostgreSQL 18)",
    };
}

/** The declared Flink type of a PostgreSQL column type, or why it cannot be declared. */
export function mapPostgresType(t: PgColumnType): TypeMapping {
    const shown = t.domain ? `${t.type} (domain ${t.domain})` : t.type;
    if (t.element) {
        if ((t.dimensions ?? 1) > 1) return unsupported(shown, "only one-dimensional arrays are read");
        const element = mapScalar(t.element.type, t.element.kind);
        const ok =
            element &&
            "flinkType" in element &&
            !element.caveat &&
            (ARRAY_ELEMENTS.test(element.flinkType) || (element.flinkType === "STRING" && t.element.kind === "b" && TEXT_ELEMENT.test(t.element.type)));
        if (!ok) return unsupported(shown, "an array is read only of boolean, integer, floating-point, numeric(p,s), text, varchar, char or uuid elements");
        return { flinkType: `ARRAY<${(element as { flinkType: string }).flinkType}>` };
    }
    return mapScalar(t.type, t.kind) ?? unsupported(shown, "Debezium's form of it has no Flink SQL type this program reads exactly");
}

/** A table's `lakehouse:source.tables` entry and the notes printed next to it. */
export interface TableDeclaration {
    table: string;
    entry: { mode: TableMode; primaryKey?: string[]; columns: string[] };
    /** One line per column mapped with a caveat or left out, and why a keyless table is append-only. */
    notes: string[];
}

/** The declaration of a live table in `mode` (a table without a primary key is always append). */
export function declareTable(live: LiveTable, mode: TableMode = DEFAULT_TABLE_MODE): TableDeclaration {
    const notes: string[] = [];
    const keyed = live.primaryKey.length > 0;
    if (!keyed)
        notes.push(
            `${live.schema}.${live.table} has no primary key: mode append (every change is a row of ${live.table}_changes); add a primary key in PostgreSQL to mirror it`,
        );
    const columns: string[] = [];
    for (const c of live.columns) {
        const mapping: TypeMapping = IDENTIFIER.test(c.name)
            ? mapPostgresType(c.type)
            : { unsupported: `the name is not a lower-case SQL identifier, which columns requires: leave it out, or rename it in PostgreSQL` };
        if ("unsupported" in mapping) {
            notes.push(`${c.name} left out: ${mapping.unsupported}`);
            continue;
        }
        if (mapping.caveat) notes.push(`${c.name} (${c.type.type}) is ${mapping.flinkType}: ${mapping.caveat}`);
        // Key columns are non-null implicitly (components/tables.ts).
        columns.push(`${c.name} ${mapping.flinkType}${c.notNull && !live.primaryKey.includes(c.name) ? " NOT NULL" : ""}`);
    }
    const leftOutKey = live.primaryKey.filter((k) => !columns.some((c) => c.split(" ")[0] === k));
    if (keyed && leftOutKey.length)
        notes.push(
            `the primary key column(s) ${leftOutKey.join(", ")} cannot be declared: mode append without a key (every change is a row of ${live.table}_changes)`,
        );
    const withKey = keyed && leftOutKey.length === 0;
    return {
        table: live.table,
        entry: withKey ? { mode, primaryKey: [...live.primaryKey], columns } : { mode: "append", columns },
        notes,
    };
}

/** A YAML plain scalar, quoted when YAML would read it as something else than the identifier. */
function yamlName(name: string): string {
    return /^(y|yes|n|no|true|false|on|off|null)$/i.test(name) ? JSON.stringify(name) : name;
}

/** The declaration as YAML: the entry to paste under `lakehouse:source:` -> `tables:`, the notes as comments. */
export function declarationYaml(d: TableDeclaration): string {
    const lines = [`${yamlName(d.table)}:`, `  mode: ${d.entry.mode}`];
    if (d.entry.primaryKey) lines.push(`  primaryKey: [${d.entry.primaryKey.map(yamlName).join(", ")}]`);
    lines.push(d.entry.columns.length ? "  columns:" : "  columns: []");
    for (const c of d.entry.columns) lines.push(`    - ${JSON.stringify(c)}`);
    for (const n of d.notes) lines.push(`  # ${n}`);
    return lines.join("\n");
}

/** The declaration as JSON: `{ "<table>": { mode, primaryKey, columns } }` (the notes are printed apart). */
export function declarationJson(d: TableDeclaration): string {
    return JSON.stringify({ [d.table]: d.entry }, null, 2);
}
