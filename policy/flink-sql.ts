/**
 * Just enough Flink SQL for the rules: `CREATE CATALOG ... WITH (...)` options out of a job's
 * statements, Flink's duration syntax, and `key: value` Flink configuration text (FLINK_PROPERTIES).
 * The rules judging the SQL are the pack's own; reading it (quotes, comments) uses the program's one
 * tokenizer (components/dynamic/flink/sql.ts), so the pack and the program never split SQL differently.
 */
import { closingQuote, stripSqlComments } from "../components/dynamic/flink/sql";

/** Removes `--` and block comments outside string literals and quoted identifiers (the program's own tokenizer). */
export const stripComments = stripSqlComments;

export interface CatalogDeclaration {
    /** The catalog's name as written (quotes removed). */
    name: string;
    /** Its `WITH` options, keys as written. */
    options: Record<string, string>;
    /** Options that could not be read (malformed text), so a missing key is not conclusive. */
    malformed: boolean;
}

/** Every `CREATE CATALOG <name> WITH (...)` in a statement. */
export function catalogDeclarations(statement: string): CatalogDeclaration[] {
    const sql = stripComments(statement);
    const out: CatalogDeclaration[] = [];
    const re = /\bCREATE\s+CATALOG\s+(?:IF\s+NOT\s+EXISTS\s+)?(`(?:[^`]|``)+`|"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\s+WITH\s*\(/gi;
    let m: RegExpExecArray | null;
    while ((m = re.exec(sql))) {
        const name = m[1].replace(/^[`"]|[`"]$/g, "");
        const { options, malformed, end } = readOptions(sql, re.lastIndex);
        out.push({ name, options, malformed });
        re.lastIndex = end;
    }
    return out;
}

/** Reads `'key' = 'value', ...)` from `start` (just after the opening parenthesis). */
function readOptions(sql: string, start: number): { options: Record<string, string>; malformed: boolean; end: number } {
    const options: Record<string, string> = {};
    let i = start;
    const ws = () => {
        while (i < sql.length && /\s/.test(sql[i])) i++;
    };
    const literal = (): string | undefined => {
        if (sql[i] !== "'") return undefined;
        const end = closingQuote(sql, i);
        const text = sql.slice(i + 1, end - 1).replace(/''/g, "'");
        i = end;
        return text;
    };
    for (;;) {
        ws();
        if (sql[i] === ")") return { options, malformed: false, end: i + 1 };
        const key = literal();
        ws();
        if (key === undefined || sql[i] !== "=") break;
        i++;
        ws();
        const value = literal();
        if (value === undefined) break;
        options[key] = value;
        ws();
        if (sql[i] === ",") {
            i++;
            continue;
        }
        if (sql[i] === ")") return { options, malformed: false, end: i + 1 };
        break;
    }
    return { options, malformed: true, end: Math.max(i, start) };
}

/** A case-insensitive lookup of an option. */
export function option(options: Record<string, string>, key: string): string | undefined {
    const found = Object.keys(options).find((k) => k.toLowerCase() === key.toLowerCase());
    return found === undefined ? undefined : options[found];
}

const UNIT_MS: Record<string, number> = {
    "": 1,
    ns: 1e-6,
    nano: 1e-6,
    nanos: 1e-6,
    nanosecond: 1e-6,
    nanoseconds: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    micro: 1e-3,
    micros: 1e-3,
    microsecond: 1e-3,
    microseconds: 1e-3,
    ms: 1,
    milli: 1,
    millis: 1,
    millisecond: 1,
    milliseconds: 1,
    s: 1000,
    sec: 1000,
    secs: 1000,
    second: 1000,
    seconds: 1000,
    m: 60_000,
    min: 60_000,
    mins: 60_000,
    minute: 60_000,
    minutes: 60_000,
    h: 3_600_000,
    hour: 3_600_000,
    hours: 3_600_000,
    d: 86_400_000,
    day: 86_400_000,
    days: 86_400_000,
};

/** A Flink duration (`10000`, `10000 ms`, `10 s`, `1 min`, ISO `PT10S`) in milliseconds, or undefined when unreadable. */
export function parseFlinkDurationMs(text: string): number | undefined {
    const t = text.trim();
    const iso = /^P(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)$/i.exec(t);
    if (iso && (iso[1] || iso[2] || iso[3])) return (Number(iso[1] ?? 0) * 3600 + Number(iso[2] ?? 0) * 60 + Number(iso[3] ?? 0)) * 1000;
    const m = /^(-?\d+(?:\.\d+)?)\s*([a-zµ]*)$/i.exec(t);
    if (!m) return undefined;
    const unit = UNIT_MS[m[2].toLowerCase()];
    return unit === undefined ? undefined : Number(m[1]) * unit;
}

/** `key: value` lines of Flink configuration text (FLINK_PROPERTIES, flink-conf.yaml's flat form). */
export function parseFlinkProperties(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of text.split(/\r?\n/)) {
        const trimmed = line.trim();
        if (!trimmed || trimmed.startsWith("#")) continue;
        const colon = trimmed.indexOf(":");
        if (colon <= 0) continue;
        out[trimmed.slice(0, colon).trim()] = trimmed
            .slice(colon + 1)
            .trim()
            .replace(/^(['"])(.*)\1$/, "$2");
    }
    return out;
}
