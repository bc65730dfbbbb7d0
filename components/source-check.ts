/**
 * The declared columns of `lakehouse:source.tables` against the live source database: reading a
 * table from the catalog (`readLiveTable`, shared with `npm run tables -- describe`), the pure
 * comparison (`compareDeclaredColumns`), and the best-effort check a preview runs when PostgreSQL is
 * reachable (`checkDeclaredColumnsWhenReachable`). The plan never depends on what it finds: it only
 * logs, or fails the run when a declared column could not be read.
 */
import * as pulumi from "@pulumi/pulumi";
import type { LakehouseConfig } from "./config";
import { normalizeColumnType } from "./column-types";
import { PostgresTls, postgresSsl } from "./dynamic/postgres-client";
import { LiveTable, PgColumnType, mapPostgresType } from "./source-types";
import { TableDefinition, modeWrites } from "./tables";

export type ProblemSeverity = "error" | "warning" | "info";

/** One difference between a declaration and the database, naming the config key and the fix. */
export interface SourceProblem {
    severity: ProblemSeverity;
    /** `lakehouse:source.tables.<table>.columns[<i>]`, `.columns` or `.primaryKey`. */
    key: string;
    message: string;
}

/**
 * Each column with its base type resolved through domains (also an array's element), by attnum,
 * dropped columns skipped. `$1` schema, `$2` table.
 */
const COLUMNS_SQL = `
WITH RECURSIVE
rel AS (
    SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
),
col AS (
    SELECT a.attnum, a.attname, a.attnotnull, a.attndims, a.atttypid, a.atttypmod
    FROM pg_attribute a JOIN rel ON a.attrelid = rel.oid
    WHERE a.attnum > 0 AND NOT a.attisdropped
),
cb(attnum, typid, typmod, depth, domain_not_null, domain) AS (
    SELECT attnum, atttypid, atttypmod, 0, false, NULL::text FROM col
    UNION ALL
    SELECT cb.attnum, t.typbasetype, t.typtypmod, cb.depth + 1, cb.domain_not_null OR t.typnotnull, COALESCE(cb.domain, format_type(t.oid, NULL))
    FROM cb JOIN pg_type t ON t.oid = cb.typid WHERE t.typtype = 'd'
),
cbase AS (SELECT DISTINCT ON (attnum) * FROM cb ORDER BY attnum, depth DESC),
eb(attnum, typid, typmod, depth) AS (
    SELECT cbase.attnum, t.typelem, cbase.typmod, 0 FROM cbase JOIN pg_type t ON t.oid = cbase.typid WHERE t.typelem <> 0 AND t.typlen = -1
    UNION ALL
    SELECT eb.attnum, t.typbasetype, t.typtypmod, eb.depth + 1 FROM eb JOIN pg_type t ON t.oid = eb.typid WHERE t.typtype = 'd'
),
ebase AS (SELECT DISTINCT ON (attnum) * FROM eb ORDER BY attnum, depth DESC)
SELECT col.attname AS name, col.attnotnull OR cbase.domain_not_null AS not_null, col.attndims AS dims, cbase.domain,
       format_type(cbase.typid, cbase.typmod) AS type, ct.typtype::text AS kind,
       format_type(ebase.typid, ebase.typmod) AS element_type, et.typtype::text AS element_kind
FROM col JOIN cbase USING (attnum) JOIN pg_type ct ON ct.oid = cbase.typid
LEFT JOIN ebase USING (attnum) LEFT JOIN pg_type et ON et.oid = ebase.typid
ORDER BY col.attnum`;

const PRIMARY_KEY_SQL = `
SELECT a.attname AS name
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary
ORDER BY k.ord`;

/** Reads `schema.table` from the catalog; undefined when there is no such table. */
export async function readLiveTable(
    client: { query: (sql: string, params: unknown[]) => Promise<{ rows: any[] }> },
    schema: string,
    table: string,
): Promise<LiveTable | undefined> {
    const { rows } = await client.query(COLUMNS_SQL, [schema, table]);
    if (rows.length === 0) {
        const exists = await client.query("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2", [
            schema,
            table,
        ]);
        if (exists.rows.length === 0) return undefined;
    }
    const key = await client.query(PRIMARY_KEY_SQL, [schema, table]);
    return {
        schema,
        table,
        primaryKey: key.rows.map((r) => String(r.name)),
        columns: rows.map((r) => {
            const type: PgColumnType = {
                type: r.type,
                kind: r.kind,
                ...(r.element_type ? { element: { type: r.element_type, kind: r.element_kind }, dimensions: Number(r.dims) } : {}),
                ...(r.domain ? { domain: r.domain } : {}),
            };
            return { name: String(r.name), type, notNull: r.not_null === true };
        }),
    };
}

type Verdict = { severity: "warning" | "error"; why: string };

const INTEGERS = ["TINYINT", "SMALLINT", "INT", "BIGINT"];
const isText = (t: string) => t === "STRING" || /^(VARCHAR|CHAR)\(\d+\)$/.test(t);
const decimal = (t: string) => {
    const m = /^DECIMAL\((\d+), (\d+)\)$/.exec(t);
    return m ? { p: Number(m[1]), s: Number(m[2]) } : undefined;
};
const precision = (t: string, kind: string) => {
    const m = new RegExp(`^${kind}\\((\\d)\\)$`).exec(t);
    return m ? Number(m[1]) : undefined;
};

/**
 * Whether a column whose database type maps to `expected` can still be read when declared `declared`
 * (both normalized, different): a warning when the wire form is read into it (a widening, text), an
 * error when it cannot be read or would silently mean something else.
 */
function compareTypes(declared: string, expected: string, pgType: string): Verdict {
    const readable = (why: string): Verdict => ({ severity: "warning", why });
    const unreadable = (why: string): Verdict => ({ severity: "error", why });
    const text = isText(declared);
    const ex = decimal(expected);
    const de = decimal(declared);
    if (INTEGERS.includes(expected)) {
        if (INTEGERS.includes(declared))
            return INTEGERS.indexOf(declared) >= INTEGERS.indexOf(expected)
                ? readable("a wider integer reads every value")
                : unreadable(`values beyond ${declared}'s range overflow`);
        if (["FLOAT", "DOUBLE"].includes(declared) || text) return readable(`the numbers are read as ${declared}`);
        if (de) return de.p - de.s >= 19 ? readable("the numbers fit the decimal") : unreadable("large values do not fit the decimal");
        return unreadable(`an integer on the wire is not a ${declared}`);
    }
    if (expected === "FLOAT" || expected === "DOUBLE") {
        if (["FLOAT", "DOUBLE"].includes(declared) || text) return readable(declared === "FLOAT" ? "FLOAT loses precision" : `read as ${declared}`);
        return unreadable(`a floating-point number does not fit ${declared} (fractions, NaN, range)`);
    }
    if (ex) {
        if (de)
            return de.s >= ex.s && de.p - de.s >= ex.p - ex.s ? readable("a wider decimal holds every value") : unreadable("values may not fit the decimal");
        if (text) return readable("the exact decimal text is kept");
        if (["FLOAT", "DOUBLE"].includes(declared)) return readable("approximate: the exact value is lost");
        return unreadable(`decimal text (with fractions) is not a ${declared}`);
    }
    if (/^TIMESTAMP\(\d\)$/.test(expected)) {
        const q = precision(declared, "TIMESTAMP");
        const p = precision(expected, "TIMESTAMP")!;
        if (q !== undefined)
            return q <= 3 === p <= 3
                ? readable(q < p ? "sub-second digits are dropped" : "the same instant at another precision")
                : unreadable(
                      `${pgType} arrives in ${p <= 3 ? "milliseconds" : "microseconds"} since the epoch, ${declared} reads ${q <= 3 ? "milliseconds" : "microseconds"}: every value would be off by 1000x`,
                  );
        return unreadable(
            `${pgType} arrives as ${p <= 3 ? "milliseconds" : "microseconds"} since the epoch: ${declared} would hold that number, not the timestamp`,
        );
    }
    if (/^TIMESTAMP_LTZ\(\d\)$/.test(expected)) {
        if (/^TIMESTAMP_LTZ\(\d\)$/.test(declared) || text) return readable(text ? "the ISO-8601 UTC text is kept" : "the same instant at another precision");
        return unreadable(`${pgType} arrives as ISO-8601 text in UTC, which ${declared} does not read`);
    }
    if (/^TIME\(\d\)$/.test(expected)) {
        if (/^TIME\(\d\)$/.test(declared)) return readable("another precision of the time of day");
        return unreadable(`${pgType} arrives as microseconds since midnight: ${declared} would hold that number, not the time`);
    }
    if (expected === "DATE") return unreadable(`${pgType} arrives as days since 1970-01-01: ${declared} would hold that number, not the date`);
    if (expected === "BYTES") return text ? readable("the bytes are kept as base64 text") : unreadable(`bytes (base64 on the wire) are not a ${declared}`);
    if (expected === "BOOLEAN") return text ? readable("read as the text true/false") : unreadable(`a boolean is not a ${declared}`);
    if (expected.startsWith("ARRAY<")) {
        const inner = /^ARRAY<(.+)>$/.exec(declared);
        if (inner) return compareTypes(inner[1], expected.slice(6, -1), `elements of ${pgType}`);
        return text ? readable("the array is kept as JSON text") : unreadable(`an array is not a ${declared}`);
    }
    // Expected STRING: text on the wire (unbounded numeric, text, uuid, json, enum, interval, time with time zone, ...).
    if (text) return readable("Iceberg keeps one string type: VARCHAR(n)/CHAR(n) are stored as STRING and not enforced");
    if (pgType.startsWith("numeric")) {
        if (["FLOAT", "DOUBLE"].includes(declared)) return readable("approximate: the exact value is lost");
        return unreadable(
            de
                ? "an unbounded numeric's values may not fit the decimal (too many digits or another scale)"
                : `numeric text (with fractions) is not a ${declared}`,
        );
    }
    return unreadable(`${pgType} arrives as text, which is not a ${declared}`);
}

/**
 * Compares a table's declaration (components/tables.ts, from `lakehouse:source.tables.<table>`) with
 * the live table. Empty when they agree. Column order is not compared: the job reads by name.
 */
export function compareDeclaredColumns(declared: TableDefinition, live: LiveTable, table: string = live.table): SourceProblem[] {
    const base = `lakehouse:source.tables.${table}`;
    const where = `${live.schema}.${live.table}`;
    const problems: SourceProblem[] = [];
    const liveByName = new Map(live.columns.map((c) => [c.name, c]));
    declared.columns.forEach((c, i) => {
        const key = `${base}.columns[${i}]`;
        const entry = `"${c.name} ${c.type}${c.nullable ? "" : " NOT NULL"}"`;
        const l = liveByName.get(c.name);
        if (!l) {
            const isKey = declared.primaryKey.includes(c.name);
            problems.push({
                severity: isKey ? "error" : "warning",
                key,
                message: `${entry}: ${where} has no column ${c.name}, so Debezium sends none and it is NULL in every row${isKey ? " (a key column: every change would be dropped)" : ""}; remove it from columns or add the column in PostgreSQL`,
            });
            return;
        }
        const mapping = mapPostgresType(l.type);
        if ("unsupported" in mapping) {
            problems.push({ severity: "error", key, message: `${entry}: ${where}.${c.name} is ${mapping.unsupported}` });
            return;
        }
        const declaredType = normalizeColumnType(c.type);
        const expected = normalizeColumnType(mapping.flinkType);
        if (declaredType !== expected) {
            const v = compareTypes(declaredType, expected, l.type.type);
            problems.push({
                severity: v.severity,
                key,
                message: `${entry}: ${where}.${c.name} is ${l.type.type}, declared ${expected} from the database (${v.why}); declare "${c.name} ${mapping.flinkType}${c.nullable ? "" : " NOT NULL"}"`,
            });
        }
        if (!c.nullable && !l.notNull && !declared.primaryKey.includes(c.name))
            problems.push({
                severity: "warning",
                key,
                message: `${entry}: ${where}.${c.name} may be NULL, and a NULL fails the job's NOT NULL column; drop NOT NULL, or add it in PostgreSQL`,
            });
    });
    const declaredNames = new Set(declared.columns.map((c) => c.name));
    for (const l of live.columns) {
        if (declaredNames.has(l.name)) continue;
        const mapping = mapPostgresType(l.type);
        problems.push({
            severity: "info",
            key: `${base}.columns`,
            message:
                "unsupported" in mapping
                    ? `${where}.${l.name} is not captured (${mapping.unsupported})`
                    : `${where}.${l.name} (${l.type.type}) is not captured; to capture it, add "${l.name} ${mapping.flinkType}${l.notNull ? " NOT NULL" : ""}" to columns`,
        });
    }
    const same = declared.primaryKey.length === live.primaryKey.length && declared.primaryKey.every((k, i) => k === live.primaryKey[i]);
    if (!same) {
        const mirrors = modeWrites(declared.mode).upsert;
        const shown = (k: string[]) => (k.length ? `[${k.join(", ")}]` : "none");
        problems.push({
            severity: mirrors && declared.primaryKey.some((k) => !live.primaryKey.includes(k)) ? "error" : "warning",
            key: `${base}.primaryKey`,
            message: `declared ${shown(declared.primaryKey)}, the primary key of ${where} is ${shown(live.primaryKey)}${mirrors ? ": the mirror upserts by the declared key, so rows the database tells apart would overwrite each other" : ""}; declare primaryKey: ${shown(live.primaryKey)}${live.primaryKey.length ? "" : " and mode append"}`,
        });
    }
    return problems;
}

/** How long the preview's comparison may take, in milliseconds: it must never hold a preview up. */
export const SOURCE_CHECK_TIMEOUT_MS = 5000;

/** Where and as whom the comparison reaches the source database. */
export interface SourceCheckTarget {
    /** `host:port` as the machine running Pulumi reaches PostgreSQL. */
    address: string;
    user: string;
    password: string;
    database: string;
    /** TLS as the stack's `source.tls` (with the client key); default none. */
    tls?: PostgresTls;
}

/**
 * Compares every declared table with the live database within `timeoutMs`. Resolves with the
 * problems, or with `skipped` (why nothing was compared) when the database is not reachable in time.
 */
export async function compareWithDatabase(
    cfg: Pick<LakehouseConfig, "source">,
    target: SourceCheckTarget,
    timeoutMs: number = SOURCE_CHECK_TIMEOUT_MS,
): Promise<{ problems: SourceProblem[] } | { skipped: string }> {
    const { Client } = require("pg") as typeof import("pg");
    const separator = target.address.lastIndexOf(":");
    const client = new Client({
        host: target.address.slice(0, separator),
        port: Number(target.address.slice(separator + 1)),
        user: target.user,
        password: target.password,
        database: target.database,
        connectionTimeoutMillis: timeoutMs,
        statement_timeout: timeoutMs,
        ssl: postgresSsl(target.tls),
    });
    client.on("error", () => undefined);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
        await Promise.race([client.connect(), deadline]);
        const compare = async () => {
            const problems: SourceProblem[] = [];
            for (const [table, def] of Object.entries(cfg.source.tableDefinitions)) {
                const live = await readLiveTable(client, cfg.source.schema, table);
                if (!live)
                    problems.push({
                        severity: "warning",
                        key: `lakehouse:source.tables.${table}`,
                        message: `${cfg.source.schema}.${table} does not exist in database ${target.database} (yet): nothing to compare; create it, or check source.schema and the table's name`,
                    });
                else problems.push(...compareDeclaredColumns(def, live, table));
            }
            return { problems };
        };
        return await Promise.race([compare(), deadline]);
    } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const why = (e.code && !/^[0-9A-Z]{5}$/.test(e.code) ? e.code : e.message).split(target.password).join("[secret]");
        return { skipped: `PostgreSQL at ${target.address} (database ${target.database}, user ${target.user}) was not reachable: ${why}` };
    } finally {
        clearTimeout(timer);
        await client.end().catch(() => undefined);
    }
}

/** The text of problems, one per line: `<key>: <message>`. */
export function formatSourceProblems(problems: SourceProblem[]): string {
    return problems.map((p) => `${p.key}: ${p.message}`).join("\n");
}

/**
 * The preview's comparison of the declared columns with the database, best effort: only under the
 * Pulumi engine (mocks have no database), only when PostgreSQL is reachable from this machine now
 * (`address`), bounded by SOURCE_CHECK_TIMEOUT_MS. Warnings and notes are logged naming their key;
 * errors fail the run with a ResourceError naming each key and its fix. Nothing returned: no
 * resource or input depends on it. While the admin password is not known yet (its first preview),
 * nothing is compared.
 */
export function checkDeclaredColumnsWhenReachable(
    cfg: LakehouseConfig,
    address: string | undefined,
    password: pulumi.Input<string>,
    parent: pulumi.Resource,
    clientKey?: pulumi.Input<string>,
): void {
    if (!pulumi.runtime.hasEngine()) return;
    const skipped = (why: string) => void pulumi.log.info(`Comparing lakehouse:source.tables with the database was skipped: ${why}`, parent);
    if (!address) {
        skipped("PostgreSQL is not reachable from the machine running Pulumi (not published to it)");
        return;
    }
    pulumi.unsecret(pulumi.all([password, clientKey ?? ""])).apply(async ([pw, key]) => {
        // Keeps the program running until the comparison has reported.
        const done = pulumi.runtime.rpcKeepAlive();
        try {
            const tls = cfg.source.tls ? { ...cfg.source.tls, ...(key ? { clientKey: key } : {}) } : undefined;
            const result = await compareWithDatabase(cfg, { address, user: cfg.source.adminUser, password: pw, database: cfg.source.database, tls });
            if ("skipped" in result) return skipped(result.skipped);
            for (const p of result.problems.filter((x) => x.severity === "info")) pulumi.log.info(`${p.key}: ${p.message}`, parent);
            for (const p of result.problems.filter((x) => x.severity === "warning")) pulumi.log.warn(`${p.key}: ${p.message}`, parent);
            const errors = result.problems.filter((p) => p.severity === "error");
            if (errors.length)
                throw new pulumi.ResourceError(
                    `The declared columns cannot be read from the source database (${cfg.source.database}, schema ${cfg.source.schema}):\n  - ${formatSourceProblems(errors).split("\n").join("\n  - ")}`,
                    parent,
                    true,
                );
        } finally {
            done();
        }
    });
}
