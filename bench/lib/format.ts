/** Plain-text tables and the number formats in them, for the benchmark scripts. Pure. (Their options: ops/args.ts.) */

/** A plain-text table: header, a rule, rows; columns padded, numbers right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
    const cells = [header.map(String), ...rows.map((r) => r.map((c) => (typeof c === "number" ? fmtNumber(c) : c)))];
    for (const r of cells) if (r.length !== header.length) throw new Error(`row has ${r.length} cells, header ${header.length}: ${r.join(" | ")}`);
    const numeric = header.map(
        (_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number" || /^-?[\d.,]+( ?[a-zA-Z%/]+)?$/.test(String(r[i])) || r[i] === "-"),
    );
    const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
    const line = (r: readonly string[]) =>
        r
            .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
            .join("  ")
            .trimEnd();
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
