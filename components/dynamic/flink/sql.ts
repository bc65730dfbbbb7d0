/**
 * Flink SQL as text: splitting a file into statements, comments out, the form statements are compared
 * in and hashed (so formatting and comments never resubmit a job), the settings as compared, and the
 * `{{secret.<name>}}` placeholders filled only in what is sent. One tokenizer (quotes, comments) for
 * the Flink job resource, the canary and the policy pack.
 *
 * Serialization-safe (see ../toolkit/README.md): functions only; `crypto` is required where used.
 */

/** Index just past the quote that closes the one at `start` (a doubled quote is an escaped one). */
export function closingQuote(text: string, start: number): number {
    const quote = text[start];
    let i = start + 1;
    while (i < text.length) {
        if (text[i] === quote) {
            if (text[i + 1] === quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i++;
    }
    return text.length;
}

/**
 * Splits SQL text into statements on `;` outside string literals, quoted identifiers and comments.
 * `EXECUTE STATEMENT SET BEGIN ... END` stays one statement. Comments are kept inside statements.
 */
export function splitSqlStatements(text: string): string[] {
    const statements: string[] = [];
    let current = "";
    let i = 0;
    const flush = () => {
        const statement = current.trim();
        if (stripSqlComments(statement).trim()) statements.push(statement);
        current = "";
    };
    while (i < text.length) {
        const c = text[i];
        if (c === "'" || c === "`" || c === '"') {
            const end = closingQuote(text, i);
            current += text.slice(i, end);
            i = end;
        } else if (c === "-" && text[i + 1] === "-") {
            const end = text.indexOf("\n", i);
            const stop = end === -1 ? text.length : end;
            current += text.slice(i, stop);
            i = stop;
        } else if (c === "/" && text[i + 1] === "*") {
            const end = text.indexOf("*/", i + 2);
            const stop = end === -1 ? text.length : end + 2;
            current += text.slice(i, stop);
            i = stop;
        } else if (c === ";" && !insideStatementSet(current)) {
            flush();
            i++;
        } else {
            current += c;
            i++;
        }
    }
    flush();
    return statements;
}

/** True inside `EXECUTE STATEMENT SET BEGIN` until its `END` (its inner `;` do not end it). */
function insideStatementSet(sofar: string): boolean {
    const words = stripSqlComments(sofar)
        .replace(/'(?:[^']|'')*'/g, "''")
        .toUpperCase();
    return /\bSTATEMENT\s+SET\s+BEGIN\b/.test(words) && !/\bEND\s*$/.test(words.trim());
}

/** Removes `--` and block comments outside string literals and quoted identifiers. */
export function stripSqlComments(sql: string): string {
    let out = "";
    let i = 0;
    while (i < sql.length) {
        const c = sql[i];
        if (c === "'" || c === "`" || c === '"') {
            const end = closingQuote(sql, i);
            out += sql.slice(i, end);
            i = end;
        } else if (c === "-" && sql[i + 1] === "-") {
            const end = sql.indexOf("\n", i);
            i = end === -1 ? sql.length : end;
        } else if (c === "/" && sql[i + 1] === "*") {
            const end = sql.indexOf("*/", i + 2);
            i = end === -1 ? sql.length : end + 2;
            out += " ";
        } else {
            out += c;
            i++;
        }
    }
    return out;
}

/** A statement as compared: comments gone, whitespace outside literals collapsed, no trailing `;`. */
export function normalizeSqlStatement(sql: string): string {
    const text = stripSqlComments(sql);
    let out = "";
    let i = 0;
    while (i < text.length) {
        const c = text[i];
        if (c === "'" || c === "`" || c === '"') {
            const end = closingQuote(text, i);
            out += text.slice(i, end);
            i = end;
        } else if (/\s/.test(c)) {
            while (i < text.length && /\s/.test(text[i])) i++;
            out += " ";
        } else {
            out += c;
            i++;
        }
    }
    return out.trim().replace(/\s*;$/, "").trim();
}

/** A statement as named in progress lines and errors: normalised, cut at `max` characters. */
export function statementLabel(sql: string, max = 80): string {
    const text = normalizeSqlStatement(sql);
    return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** sha256 of the normalised statements: what the diff compares, so formatting and comments never cause a resubmission. */
export function sqlHash(statements: string[]): string {
    const crypto = require("crypto") as typeof import("crypto");
    return crypto
        .createHash("sha256")
        .update(JSON.stringify(statements.map(normalizeSqlStatement)))
        .digest("hex");
}

/** Settings (session properties) as compared and sent: string values, keys sorted, unset ones left out. */
export function normalizeSettings(settings: Record<string, unknown> | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const key of Object.keys(settings ?? {}).sort()) {
        const value = (settings ?? {})[key];
        if (value !== undefined && value !== null) out[key] = String(value);
    }
    return out;
}

/** `{{secret.<name>}}` placeholders of the statements, each name once, sorted. */
export function secretPlaceholders(statements: string[]): string[] {
    const names = new Set<string>();
    for (const s of statements) for (const m of s.matchAll(/\{\{\s*secret\.([A-Za-z0-9_]+)\s*\}\}/g)) names.add(m[1]);
    return [...names].sort();
}

/** The SQL as sent: each `{{secret.<name>}}` replaced by its value, escaped for a string literal. */
export function fillSecrets(sql: string, secrets: Record<string, string>): string {
    return sql.replace(/\{\{\s*secret\.([A-Za-z0-9_]+)\s*\}\}/g, (_m: string, name: string) => String(secrets[name] ?? "").replace(/'/g, "''"));
}
