/**
 * Command-line flags of the operational scripts: `--name value`, `--name=value`, boolean `--name`,
 * with durations (`90`, `90s`, `5m`, `1h`) and byte sizes (`1048576`, `512MB`, `1GiB`). Pure.
 */

/** A usage error: the scripts print it with their usage text and exit 2. */
export class UsageError extends Error {}

/** The kinds of flag values. */
export type FlagKind = "string" | "boolean" | "seconds" | "bytes" | "count";

/** Declared flags: name (without `--`) -> kind. */
export type FlagSpec = Record<string, FlagKind>;

/** Parsed flags: strings stay strings, durations are seconds, sizes bytes, counts integers. */
export type ParsedFlags = Record<string, string | number | boolean>;

/** Parses a duration: a number of seconds, or with a unit `s`, `m`, `h`. */
export function parseSeconds(text: string): number {
    const m = /^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h)?$/i.exec(text.trim());
    if (!m) throw new UsageError(`"${text}" is not a duration: use seconds (90) or a unit (90s, 5m, 1h)`);
    const factor = { s: 1, sec: 1, m: 60, min: 60, h: 3600 }[(m[2] ?? "s").toLowerCase() as "s"] ?? 1;
    return Number(m[1]) * factor;
}

/** Parses a byte size: a number of bytes, or with a unit kB/MB/GB (powers of 1000) or KiB/MiB/GiB (of 1024). */
export function parseBytes(text: string): number {
    const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?$/i.exec(text.trim());
    if (!m) throw new UsageError(`"${text}" is not a size: use bytes (1048576) or a unit (512MB, 1GiB)`);
    const units: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };
    return Math.round(Number(m[1]) * units[(m[2] ?? "b").toLowerCase()]);
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
}

/**
 * Parses `argv` against `spec`. Positional arguments, unknown flags (with a "did you mean"), a missing
 * value and a malformed value are UsageErrors naming the flag.
 */
export function parseFlags(argv: string[], spec: FlagSpec): ParsedFlags {
    const out: ParsedFlags = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith("--")) throw new UsageError(`unexpected argument "${arg}" (flags start with --)`);
        const eq = arg.indexOf("=");
        const name = arg.slice(2, eq === -1 ? undefined : eq);
        const kind = spec[name];
        if (!kind) {
            const near = Object.keys(spec).filter((k) => distance(k, name) <= 2);
            throw new UsageError(`unknown flag --${name}${near.length ? ` (did you mean --${near[0]}?)` : ""}`);
        }
        if (kind === "boolean") {
            if (eq !== -1) {
                const v = arg.slice(eq + 1);
                if (v !== "true" && v !== "false") throw new UsageError(`--${name} takes no value (or =true/=false)`);
                out[name] = v === "true";
            } else out[name] = true;
            continue;
        }
        let value: string | undefined;
        if (eq !== -1) value = arg.slice(eq + 1);
        else {
            value = argv[i + 1];
            if (value === undefined || value.startsWith("--")) throw new UsageError(`--${name} needs a value`);
            i++;
        }
        if (value === "") throw new UsageError(`--${name} needs a value`);
        try {
            if (kind === "string") out[name] = value;
            else if (kind === "seconds") out[name] = parseSeconds(value);
            else if (kind === "bytes") out[name] = parseBytes(value);
            else {
                if (!/^\d+$/.test(value)) throw new UsageError(`"${value}" is not a whole number`);
                out[name] = Number(value);
            }
        } catch (err) {
            throw new UsageError(`--${name}: ${(err as Error).message}`);
        }
    }
    return out;
}

/** A stack name as Pulumi accepts it (same rule as `npm run deploy`). */
export function checkStackName(stack: string): string {
    if (!/^[A-Za-z0-9_.\/-]+$/.test(stack)) throw new UsageError(`stack name "${stack}" may hold only letters, digits, '_', '.', '-' and '/'`);
    return stack;
}
