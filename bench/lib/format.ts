/** Pure: argument parsing and plain-text tables for the benchmark scripts. */

export type OptionSpec =
    | { type: "flag" }
    | { type: "number"; default: number; min?: number; integer?: boolean }
    | { type: "numbers"; default: readonly number[]; min?: number }
    | { type: "strings"; default: readonly string[]; allowed?: readonly string[] };

export type ParsedOptions<S extends Record<string, OptionSpec>> = {
    [K in keyof S]: S[K] extends { type: "flag" } ? boolean : S[K] extends { type: "number" } ? number : S[K] extends { type: "numbers" } ? number[] : string[];
};

/**
 * Parses `--name value`, `--name=value` and `--flag` against `spec` (lists are comma-separated).
 * An unknown option, a missing or malformed value is an error naming the option.
 */
export function parseOptions<S extends Record<string, OptionSpec>>(argv: readonly string[], spec: S): ParsedOptions<S> {
    const out: Record<string, unknown> = {};
    for (const [name, s] of Object.entries(spec)) out[name] = s.type === "flag" ? false : Array.isArray(s.default) ? [...s.default] : s.default;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith("--")) throw new Error(`unexpected argument ${JSON.stringify(arg)} (options: ${Object.keys(spec).map((k) => `--${k}`).join(", ")})`);
        const eq = arg.indexOf("=");
        const name = arg.slice(2, eq >= 0 ? eq : undefined);
        const s = spec[name];
        if (!s) throw new Error(`unknown option --${name} (options: ${Object.keys(spec).map((k) => `--${k}`).join(", ")})`);
        if (s.type === "flag") {
            if (eq >= 0) throw new Error(`--${name} takes no value`);
            out[name] = true;
            continue;
        }
        let raw: string | undefined;
        if (eq >= 0) raw = arg.slice(eq + 1);
        else {
            raw = argv[i + 1];
            if (raw === undefined || raw.startsWith("--")) throw new Error(`--${name} needs a value`);
            i++;
        }
        if (s.type === "number") {
            const v = Number(raw);
            if (raw.trim() === "" || !Number.isFinite(v) || (s.integer && !Number.isInteger(v)) || (s.min !== undefined && v < s.min)) {
                throw new Error(`--${name} must be ${s.integer ? "an integer" : "a number"}${s.min !== undefined ? ` >= ${s.min}` : ""}, got ${JSON.stringify(raw)}`);
            }
            out[name] = v;
        } else if (s.type === "numbers") {
            const parts = raw.split(",").map((p) => p.trim());
            const vs = parts.map(Number);
            if (parts.some((p) => p === "") || vs.some((v) => !Number.isFinite(v) || (s.min !== undefined && v < s.min))) {
                throw new Error(`--${name} must be a comma-separated list of numbers${s.min !== undefined ? ` >= ${s.min}` : ""}, got ${JSON.stringify(raw)}`);
            }
            out[name] = vs;
        } else {
            const vs = raw.split(",").map((p) => p.trim()).filter(Boolean);
            if (vs.length === 0) throw new Error(`--${name} needs at least one value`);
            const bad = s.allowed ? vs.filter((v) => !s.allowed!.includes(v)) : [];
            if (bad.length) throw new Error(`--${name}: unknown value(s) ${bad.join(", ")} (allowed: ${s.allowed!.join(", ")})`);
            out[name] = vs;
        }
    }
    return out as ParsedOptions<S>;
}

/** A plain-text table: header, a rule, rows; columns padded, numbers right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
    const cells = [header.map(String), ...rows.map((r) => r.map((c) => (typeof c === "number" ? fmtNumber(c) : c)))];
    for (const r of cells) if (r.length !== header.length) throw new Error(`row has ${r.length} cells, header ${header.length}: ${r.join(" | ")}`);
    const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number" || /^-?[\d.,]+( ?[a-zA-Z%/]+)?$/.test(String(r[i])) || r[i] === "-"));
    const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
    const line = (r: readonly string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
    return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

/** A number for a table: integers as is, others with up to 2 decimals (1 for >= 100). */
export function fmtNumber(v: number): string {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return String(v);
    return v.toFixed(Math.abs(v) >= 100 ? 1 : 2);
}

/** Milliseconds as seconds with 2 decimals ("-" when undefined). */
export function secs(ms: number | undefined): string {
    return ms === undefined ? "-" : (ms / 1000).toFixed(2);
}
