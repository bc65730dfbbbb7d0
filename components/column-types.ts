/**
 * Column types of captured tables: which Flink SQL types a column may be declared with, the form its
 * values arrive in from Debezium (the wire form, fixed by WIRE_FORM_SETTINGS on the connector), and
 * the Flink SQL expression that turns the wire form into the declared type inside the job, so every
 * consumer reads proper types. Pure; docs/column-types.md is the table users read.
 *
 * Wire forms (Debezium 3.0 PostgreSQL connector, JSON converter, the settings below):
 * - numeric/decimal: a string (`decimal.handling.mode=string`), exact; Flink's JSON format reads it into DECIMAL(p, s).
 * - date: days since 1970-01-01 (INT).
 * - time: microseconds since midnight (`time.precision.mode=adaptive_time_microseconds`).
 * - timestamp(0-3): milliseconds since the epoch; timestamp(4-6): microseconds since the epoch.
 * - timestamptz: ISO-8601 text in UTC (`2026-11-30T07:54:28.768699Z`), whatever the time precision mode.
 * - interval: ISO-8601 duration text (`interval.handling.mode=string`, exact: months and days kept apart).
 * - bytea: base64 text, which Flink's JSON format decodes into BYTES.
 *
 * The conversions are arithmetic on the numbers (floor division for values before 1970), so they
 * depend on no time zone; timestamptz text is read as UTC, and its job runs with `table.local-time-zone`
 * UTC (components/pipeline.ts `jobSettings`) so that reading keeps the instant.
 */

/** The connector settings that fix the wire form the conversions below expect (owned by the program). */
export const WIRE_FORM_SETTINGS: Readonly<Record<string, string>> = {
    "decimal.handling.mode": "string",
    "time.precision.mode": "adaptive_time_microseconds",
    "interval.handling.mode": "string",
    "binary.handling.mode": "bytes",
};

/** Element types an ARRAY column may hold (those whose wire form Flink's JSON format reads as is). */
const ARRAY_ELEMENT = /^(BOOLEAN|SMALLINT|INT|BIGINT|FLOAT|DOUBLE|STRING|DECIMAL\((\d{1,2}), (\d{1,2})\))$/;
const SCALAR =
    /^(BOOLEAN|TINYINT|SMALLINT|INT|BIGINT|FLOAT|DOUBLE|STRING|BYTES|DATE|VARCHAR\(\d{1,5}\)|CHAR\(\d{1,5}\)|DECIMAL\((\d{1,2}), (\d{1,2})\)|TIME\(([0-3])\)|TIMESTAMP\(([0-6])\)|TIMESTAMP_LTZ\(([0-6])\))$/;

export const COLUMN_TYPE_HINT =
    "a Flink SQL type: BOOLEAN, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(p, s) (p up to 38), STRING, VARCHAR(n), CHAR(n), BYTES, DATE, TIME(p) (p up to 3), " +
    "TIMESTAMP(p) or TIMESTAMP_LTZ(p) (p up to 6), or ARRAY<t> of BOOLEAN, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, STRING or DECIMAL(p, s); optionally followed by NOT NULL. " +
    "`npm run tables -- describe <schema>.<table>` prints the declaration of a live table (docs/column-types.md maps each PostgreSQL type)";

/** A declared type in canonical form: upper case, single spaces, `DECIMAL(p, s)`, INTEGER as INT, bare TIMESTAMP as TIMESTAMP(6). */
export function normalizeColumnType(text: string): string {
    return text
        .toUpperCase()
        .replace(/\s+/g, " ")
        .replace(/\s*,\s*/g, ", ")
        .replace(/\(\s*/g, "(")
        .replace(/\s*\)/g, ")")
        .replace(/\s*<\s*/g, "<")
        .replace(/\s*>/g, ">")
        .replace(/\bINTEGER\b/g, "INT")
        .replace(/\bTIMESTAMP_LTZ\b(?!\()/g, "TIMESTAMP_LTZ(6)")
        .replace(/\bTIMESTAMP\b(?!\()/g, "TIMESTAMP(6)")
        .replace(/\bTIME\b(?!\()/g, "TIME(0)")
        .trim();
}

/** Why a declared type (already normalized, without NOT NULL) is refused; undefined when it is accepted. */
export function columnTypeProblem(type: string): string | undefined {
    const decimalOk = (m: RegExpExecArray | null, at: number) => !m?.[at] || (Number(m[at]) >= 1 && Number(m[at]) <= 38 && Number(m[at + 1]) <= Number(m[at]));
    const array = /^ARRAY<(.+)>$/.exec(type);
    if (array) {
        const m = ARRAY_ELEMENT.exec(array[1]);
        if (!m) return `${COLUMN_TYPE_HINT} (ARRAY<${array[1]}> is not supported: leave the column out of columns; see docs/column-types.md)`;
        return decimalOk(m, 2) ? undefined : "DECIMAL(p, s) with 1 <= p <= 38 and s <= p";
    }
    const m = SCALAR.exec(type);
    if (!m) return COLUMN_TYPE_HINT;
    return decimalOk(m, 2) ? undefined : "DECIMAL(p, s) with 1 <= p <= 38 and s <= p";
}

/** The type a column's values have on the wire (as the Kafka source table reads them) for a declared type. */
export function wireType(type: string): string {
    if (type === "DATE") return "INT";
    if (/^TIME\(\d\)$/.test(type) || /^TIMESTAMP\(\d\)$/.test(type)) return "BIGINT";
    if (/^TIMESTAMP_LTZ\(\d\)$/.test(type)) return "STRING";
    return type;
}

/** True when the declared type needs a conversion from its wire form in the job. */
export function isConverted(type: string): boolean {
    return wireType(type) !== type;
}

/** True when the declared type reads text as UTC (its job runs with `table.local-time-zone` UTC). */
export function readsUtcText(type: string): boolean {
    return /^TIMESTAMP_LTZ\(\d\)$/.test(type);
}

/** `HH:MM:SS.fff[fff]` from an expression holding units since midnight (`perSecond` units a second). */
function timeOfDay(units: string, perSecond: number, digits: number): string {
    const two = (e: string) => `LPAD(CAST(${e} AS STRING), 2, '0')`;
    return (
        `CONCAT(${two(`${units} / ${3600 * perSecond}`)}, ':', ${two(`MOD(${units} / ${60 * perSecond}, 60)`)}, ':', ` +
        `${two(`MOD(${units} / ${perSecond}, 60)`)}, '.', LPAD(CAST(MOD(${units}, ${perSecond}) AS STRING), ${digits}, '0'))`
    );
}

/**
 * The Flink SQL expression turning `expr` (a column in its wire form) into the declared `type`. NULL
 * stays NULL. Values before 1970 use floor division, so the time of day is never negative.
 */
export function fromWire(expr: string, type: string): string {
    if (type === "DATE") return `CAST(TIMESTAMPADD(DAY, ${expr}, DATE '1970-01-01') AS DATE)`;
    const time = /^TIME\((\d)\)$/.exec(type);
    // Milliseconds of the day (Flink's TIME holds no more); a CAST of more digits would round 23:59:59.9999995 up to 24:00.
    if (time) return `CAST(${timeOfDay(`CAST(${expr} AS BIGINT) / 1000`, 1000, 3)} AS TIME(${time[1]}))`;
    const timestamp = /^TIMESTAMP\((\d)\)$/.exec(type);
    if (timestamp) {
        // timestamp(0-3) arrives in milliseconds, timestamp(4-6) in microseconds.
        const precision = Number(timestamp[1]);
        const perSecond = precision <= 3 ? 1000 : 1_000_000;
        const perDay = 86_400 * perSecond;
        const e = `CAST(${expr} AS BIGINT)`;
        const units = `MOD(MOD(${e}, ${perDay}) + ${perDay}, ${perDay})`;
        const day = `CAST(TIMESTAMPADD(DAY, CAST((${e} - ${units}) / ${perDay} AS INT), DATE '1970-01-01') AS STRING)`;
        return `CAST(CONCAT(${day}, ' ', ${timeOfDay(units, perSecond, precision <= 3 ? 3 : 6)}) AS TIMESTAMP(${precision}))`;
    }
    const ltz = /^TIMESTAMP_LTZ\((\d)\)$/.exec(type);
    if (ltz) return `CAST(CAST(REPLACE(REPLACE(${expr}, 'T', ' '), 'Z', '') AS TIMESTAMP(6)) AS TIMESTAMP_LTZ(${ltz[1]}))`;
    return expr;
}

/** A Flink type as Iceberg stores it, for comparing a declared type with a table's (DESCRIBE in Flink SQL). */
export function icebergStoredType(type: string): string {
    const t = normalizeColumnType(type.replace(/\s+NOT NULL/gi, ""));
    const array = /^ARRAY<(.+)>$/.exec(t);
    if (array) return `ARRAY<${icebergStoredType(array[1])}>`;
    if (/^(VARCHAR|CHAR)\(\d+\)$/.test(t) || t === "STRING") return "STRING";
    if (["TINYINT", "SMALLINT", "INT"].includes(t)) return "INT";
    if (/^(VARBINARY|BINARY)\(\d+\)$/.test(t) || t === "BYTES") return "BYTES";
    // Iceberg keeps microseconds: every precision is stored as 6 (and a time as a time).
    if (/^TIME\(\d\)$/.test(t)) return "TIME";
    if (/^TIMESTAMP\(\d\)$/.test(t)) return "TIMESTAMP(6)";
    if (/^TIMESTAMP_LTZ\(\d\)$/.test(t)) return "TIMESTAMP_LTZ(6)";
    return t;
}
