/**
 * The command lines of every entry point (`npm run health/canary/deploy/harness/pulumi`, the bench
 * scripts, scripts/edit-matrix-doc.ts), in one place: each declares its options in an OptionTable and
 * reads argv with `parseCommandLine` (node:util parseArgs in strict mode) or, when most arguments go
 * to another program, `splitOwnOptions`. Values are converted here: durations (`90`, `90s`, `5m`,
 * `1h`), byte sizes (`1048576`, `512MB`, `1GiB`), numbers with bounds, comma-separated lists. Every
 * mistake is a UsageError naming the flag; `readCommandLine` turns `--help` and UsageErrors into the
 * usage text and exit codes 0 and 2, and `runMain` exits with what an entry point's main resolves
 * with. Pure, except readCommandLine's printing and runMain.
 */
import { parseArgs } from "node:util";

/** A usage error: the entry points print it with their usage text and exit 2. */
export class UsageError extends Error {}

/** How one option's value is read. */
export type OptionKind =
    | { type: "flag" }
    | { type: "string"; default?: string }
    | { type: "seconds"; default?: number }
    | { type: "bytes"; default?: number }
    | { type: "number"; default?: number; min?: number; integer?: boolean }
    | { type: "numbers"; default?: readonly number[]; min?: number }
    | { type: "strings"; default?: readonly string[]; allowed?: readonly string[] };

/** One row of an option table: its kind, a one-letter alias, and for formatUsage a description and value name. */
export type OptionSpec = OptionKind & { short?: string; description?: string; value?: string };

/** An entry point's options, by long name (without `--`). */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

type ValueOf<S> = S extends { type: "flag" }
    ? boolean
    : S extends { type: "string" }
      ? string
      : S extends { type: "numbers" }
        ? number[]
        : S extends { type: "strings" }
          ? string[]
          : number;

/** The values of a table's options: flags are booleans; an option without a default may be undefined. */
export type ParsedOptions<T extends OptionTable> = {
    -readonly [K in keyof T]: T[K] extends { type: "flag" } ? boolean : T[K] extends { default: unknown } ? ValueOf<T[K]> : ValueOf<T[K]> | undefined;
};

/** What parseCommandLine read. */
export interface CommandLine<T extends OptionTable> {
    options: ParsedOptions<T>;
    /** Arguments that are not options (only when the command takes them). */
    positionals: string[];
}

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

/** True when argv asks for help (`--help` or `-h` before any `--`). */
export function asksForHelp(argv: readonly string[]): boolean {
    const end = argv.indexOf("--");
    return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/**
 * Parses `argv` against `table` with parseArgs (strict): `--name value`, `--name=value`, `-x value`,
 * flags (also `--flag=true` / `--flag=false`). Options not given take their defaults. An unknown flag
 * (with a "did you mean"), a missing, empty or malformed value, and a positional argument when the
 * command takes none are UsageErrors naming the flag or argument.
 */
export function parseCommandLine<T extends OptionTable>(argv: readonly string[], table: T, settings: { positionals?: boolean } = {}): CommandLine<T> {
    const { args, explicitlyOff } = flagLiterals(argv, table);
    let parsed: ReturnType<typeof parseArgs>;
    try {
        parsed = parseArgs({ args, options: nodeOptions(table), strict: true, allowPositionals: settings.positionals === true, tokens: true });
    } catch (err) {
        throw new UsageError(diagnose(args, table, settings.positionals === true) ?? (err as Error).message);
    }
    for (const t of parsed.tokens ?? []) if (t.kind === "option" && t.value === "") throw new UsageError(`${t.rawName} needs a value`);
    const options: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(table)) {
        const raw = explicitlyOff.has(name) ? undefined : (parsed.values[name] as string | boolean | undefined);
        options[name] = raw === undefined ? defaultValue(spec) : convert(name, spec, raw);
    }
    return { options: options as ParsedOptions<T>, positionals: parsed.positionals };
}

/**
 * For a command that hands most of its arguments to another program (`npm run deploy` to `pulumi up`,
 * `npm run pulumi` to the Pulumi CLI): reads the options of `table` wherever they stand before a `--`,
 * and returns every other argument, in order and untouched, in `rest` (unknown flags included: they
 * are the other program's). An own option without a value is a UsageError naming it.
 */
export function splitOwnOptions<T extends OptionTable>(argv: readonly string[], table: T): { options: ParsedOptions<T>; rest: string[] } {
    const { tokens = [] } = parseArgs({ args: [...argv], options: nodeOptions(table), strict: false, allowPositionals: true, tokens: true });
    const consumed = new Set<number>();
    const raw: Record<string, string | boolean> = {};
    for (const t of tokens) {
        if (t.kind === "option-terminator") break;
        if (t.kind !== "option" || !Object.hasOwn(table, t.name)) continue;
        const spec = table[t.name];
        if (spec.type !== "flag" && (t.value === undefined || t.value === "" || (!t.inlineValue && t.value.startsWith("-"))))
            throw new UsageError(`${t.rawName} needs a value`);
        if (tokens.some((o) => o !== t && o.kind === "option" && o.index === t.index))
            throw new UsageError(`write ${t.rawName} on its own, not grouped in "${argv[t.index]}"`);
        consumed.add(t.index);
        if (t.value !== undefined && !t.inlineValue) consumed.add(t.index + 1);
        raw[t.name] = t.value ?? true;
    }
    const options: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(table)) options[name] = raw[name] === undefined ? defaultValue(spec) : convert(name, spec, raw[name]);
    return { options: options as ParsedOptions<T>, rest: argv.filter((_, i) => !consumed.has(i)) };
}

/** Where an entry point prints: standard output and standard error, one text at a time. */
export interface Printer {
    out(text: string): void;
    err(text: string): void;
}

const CONSOLE: Printer = { out: (text) => console.log(text), err: (text) => console.error(text) };

/**
 * The front of an entry point: `--help` / `-h` prints `usage` (exit code 0); otherwise `parse` reads
 * argv, and a UsageError prints its message and `usage` to standard error (exit code 2). Other
 * errors propagate.
 */
export function readCommandLine<A>(
    argv: readonly string[],
    usage: string,
    parse: (argv: readonly string[]) => A,
    printer: Printer = CONSOLE,
): { args: A } | { exitCode: number } {
    if (asksForHelp(argv)) {
        printer.out(usage);
        return { exitCode: 0 };
    }
    try {
        return { args: parse(argv) };
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        printer.err(`${err.message}\n\n${usage}`);
        return { exitCode: 2 };
    }
}

/**
 * Runs an entry point: `main` with the process's arguments (after the script's path), then exits with
 * the code it resolves with; an error it throws is printed as `<name>: <message>` and exits with 2.
 */
export function runMain(name: string, main: (argv: string[]) => Promise<number>): void {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err) => {
            console.error(`${name}: ${(err as Error).message}`);
            process.exit(2);
        },
    );
}

/** Usage text: `synopsis`, then one line per option of `table` (value name, description, default) and `--help`. */
export function formatUsage(synopsis: string, table: OptionTable): string {
    const rows = Object.entries(table).map(([name, spec]) => {
        const value = spec.type === "flag" ? "" : ` <${spec.value ?? VALUE_NAMES[spec.type]}>`;
        const given = "default" in spec && spec.default !== undefined ? (Array.isArray(spec.default) ? spec.default.join(",") : String(spec.default)) : "";
        const shown = given === "" ? "" : ` (default ${given})`;
        return [`${spec.short ? `-${spec.short}, ` : ""}--${name}${value}`, `${spec.description ?? ""}${shown}`];
    });
    rows.push(["-h, --help", "print this text"]);
    const width = Math.max(...rows.map(([left]) => left.length));
    return [synopsis, "", ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd())].join("\n");
}

const VALUE_NAMES: Record<Exclude<OptionKind["type"], "flag">, string> = {
    string: "value",
    seconds: "duration",
    bytes: "size",
    number: "n",
    numbers: "n,...",
    strings: "a,...",
};

function nodeOptions(table: OptionTable): Record<string, { type: "string" | "boolean"; short?: string }> {
    return Object.fromEntries(
        Object.entries(table).map(([name, spec]) => [
            name,
            { type: spec.type === "flag" ? "boolean" : "string", ...(spec.short ? { short: spec.short } : {}) },
        ]),
    );
}

/**
 * `--flag=true` / `--flag=false`, which parseArgs does not know: `=true` becomes `--flag`, `=false` is
 * taken out, and the flag is off when its last mention was `=false`.
 */
function flagLiterals(argv: readonly string[], table: OptionTable): { args: string[]; explicitlyOff: Set<string> } {
    const args: string[] = [];
    const last = new Map<string, boolean>();
    const end = argv.indexOf("--");
    argv.forEach((arg, i) => {
        const m = /^--([^=]+)(?:=(true|false))?$/.exec(arg);
        if ((end === -1 || i < end) && m && table[m[1]]?.type === "flag") {
            last.set(m[1], m[2] !== "false");
            if (m[2] === "false") return;
            arg = `--${m[1]}`;
        }
        args.push(arg);
    });
    return { args, explicitlyOff: new Set([...last].filter(([, on]) => !on).map(([name]) => name)) };
}

/** Why strict parsing refused `args`, naming the flag or argument (undefined: not found). */
function diagnose(args: string[], table: OptionTable, positionals: boolean): string | undefined {
    const { tokens = [] } = parseArgs({ args, options: nodeOptions(table), strict: false, allowPositionals: true, tokens: true });
    for (const t of tokens) {
        if (t.kind === "positional" && !positionals) return `unexpected argument "${t.value}" (flags start with --)`;
        if (t.kind !== "option") continue;
        const spec = Object.hasOwn(table, t.name) ? table[t.name] : undefined;
        if (!spec) return unknownFlag(t.rawName, table);
        if (spec.type === "flag" && t.value !== undefined) return `${t.rawName} takes no value`;
        if (spec.type !== "flag" && (t.value === undefined || (!t.inlineValue && t.value.startsWith("-")))) return `${t.rawName} needs a value`;
    }
    return undefined;
}

function unknownFlag(rawName: string, table: OptionTable): string {
    const name = rawName.replace(/^-+/, "");
    const near = Object.keys(table)
        .map((k) => ({ k, d: distance(k, name) }))
        .filter((x) => rawName.startsWith("--") && x.d <= 2)
        .sort((a, b) => a.d - b.d);
    return `unknown flag ${rawName}${near.length ? ` (did you mean --${near[0].k}?)` : ""}; try --help`;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
}

function defaultValue(spec: OptionSpec): unknown {
    if (spec.type === "flag") return false;
    return Array.isArray(spec.default) ? [...spec.default] : spec.default;
}

function convert(name: string, spec: OptionSpec, raw: string | boolean): unknown {
    const flag = `--${name}`;
    if (spec.type === "flag") return raw === true;
    const text = String(raw);
    switch (spec.type) {
        case "string":
            return text;
        case "seconds":
        case "bytes":
            try {
                return spec.type === "seconds" ? parseSeconds(text) : parseBytes(text);
            } catch (err) {
                throw new UsageError(`${flag}: ${(err as Error).message}`);
            }
        case "number": {
            const v = Number(text);
            if (text.trim() === "" || !Number.isFinite(v) || (spec.integer && !Number.isInteger(v)) || (spec.min !== undefined && v < spec.min)) {
                throw new UsageError(
                    `${flag} must be ${spec.integer ? "an integer" : "a number"}${spec.min !== undefined ? ` >= ${spec.min}` : ""}, got ${JSON.stringify(text)}`,
                );
            }
            return v;
        }
        case "numbers": {
            const parts = text.split(",").map((p) => p.trim());
            const vs = parts.map(Number);
            if (parts.some((p) => p === "") || vs.some((v) => !Number.isFinite(v) || (spec.min !== undefined && v < spec.min))) {
                throw new UsageError(
                    `${flag} must be a comma-separated list of numbers${spec.min !== undefined ? ` >= ${spec.min}` : ""}, got ${JSON.stringify(text)}`,
                );
            }
            return vs;
        }
        case "strings": {
            const vs = text
                .split(",")
                .map((p) => p.trim())
                .filter(Boolean);
            if (vs.length === 0) throw new UsageError(`${flag} needs at least one value`);
            const bad = spec.allowed ? vs.filter((v) => !spec.allowed!.includes(v)) : [];
            if (bad.length) throw new UsageError(`${flag}: unknown value(s) ${bad.join(", ")} (allowed: ${spec.allowed!.join(", ")})`);
            return vs;
        }
    }
}
