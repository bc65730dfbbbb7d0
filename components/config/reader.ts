/**
 * Reading typed values out of raw stack config while collecting every problem: the shared
 * assertions of the section parsers, and the error that lists what they found.
 */
import { OBJECT_KEYS } from "./keys";
import { CONFIG_NAMESPACE } from "./types";

/** One thing wrong with the stack config. */
export interface ConfigProblem {
    /** Full key, e.g. `lakehouse:flink.taskManagers`. */
    key: string;
    /** What was found (never a secret's value). */
    found: string;
    /** What is allowed, or how to fix it. */
    expected: string;
}

/** Every problem of a stack's config at once, each naming the key, what was found and the fix. */
export class ConfigValidationError extends Error {
    constructor(public readonly problems: ConfigProblem[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p.key}: found ${p.found}; expected ${p.expected}`).join("\n"),
        );
        this.name = "ConfigValidationError";
    }
}

/** Levenshtein distance, for "did you mean" hints on mistyped keys. */
function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let previous = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const current = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
            previous = current;
        }
    }
    return row[b.length];
}

/** The allowed keys, and the closest one when `key` looks like a typo of it. */
export function unknownKeyHint(key: string, allowed: readonly string[]): string {
    const closest = [...allowed].sort((x, y) => editDistance(key, x) - editDistance(key, y))[0];
    const suggestion = closest !== undefined && editDistance(key, closest) <= 3 ? `; did you mean "${closest}"?` : "";
    return `one of ${allowed.join(", ")}${suggestion}`;
}

/** How a found value is shown in a problem. */
function describe(value: unknown): string {
    return value === undefined ? "nothing" : JSON.stringify(value);
}

/** Collects problems while reading typed values with defaults. */
export class Reader {
    readonly problems: ConfigProblem[] = [];

    /** Records a problem with `lakehouse:<key>`. */
    problem(key: string, found: unknown, expected: string): void {
        this.problems.push({ key: `${CONFIG_NAMESPACE}:${key}`, found: describe(found), expected });
    }

    /** Parses a top-level value that must be a JSON object; unknown keys are problems. */
    object(values: Record<string, string>, key: string): Record<string, unknown> {
        const raw = values[key];
        if (raw === undefined) return {};
        let parsed: unknown;
        try {
            parsed = JSON.parse(raw);
        } catch {
            this.problem(key, raw, "an object (set it as YAML under the key, or with `pulumi config set --path`)");
            return {};
        }
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
            this.problem(key, parsed, "an object");
            return {};
        }
        const obj = parsed as Record<string, unknown>;
        for (const k of Object.keys(obj)) {
            if (!OBJECT_KEYS[key].includes(k)) this.problem(`${key}.${k}`, obj[k], `no such key: ${unknownKeyHint(k, OBJECT_KEYS[key])}`);
        }
        return obj;
    }

    /** A nested value that must be an object (not null, not a list): it, or undefined after a problem saying `expected`. */
    record(value: unknown, key: string, expected: string): Record<string, unknown> | undefined {
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
            this.problem(key, value, expected);
            return undefined;
        }
        return value as Record<string, unknown>;
    }

    /** Keys of `given` outside `allowed` are problems (`<key>.<extra>`: no such key). */
    onlyKeys(given: Record<string, unknown>, key: string, allowed: readonly string[]): void {
        for (const extra of Object.keys(given).filter((k) => !allowed.includes(k))) {
            this.problem(`${key}.${extra}`, given[extra], `no such key: ${unknownKeyHint(extra, allowed)}`);
        }
    }

    /** An integer in [min, max] (a string of digits counts); the fallback when unset or after a problem. */
    integer(value: unknown, key: string, fallback: number, min: number, max: number): number {
        if (value === undefined) return fallback;
        const n = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
            this.problem(key, value, `an integer from ${min} to ${max}`);
            return fallback;
        }
        return n;
    }

    /** true or false (or their strings); the fallback when unset or after a problem. */
    boolean(value: unknown, key: string, fallback: boolean): boolean {
        if (value === undefined) return fallback;
        if (value === true || value === "true") return true;
        if (value === false || value === "false") return false;
        this.problem(key, value, "true or false");
        return fallback;
    }

    /** A string matching `pattern`; the fallback when unset or after a problem saying `expected`. */
    string(value: unknown, key: string, fallback: string, pattern: RegExp, expected: string): string {
        if (value === undefined) return fallback;
        if (typeof value !== "string" || !pattern.test(value)) {
            this.problem(key, value, expected);
            return fallback;
        }
        return value;
    }

    /** One of `allowed`; the fallback when unset or after a problem. */
    oneOf<T extends string>(value: unknown, key: string, fallback: T, allowed: readonly T[]): T {
        if (value === undefined) return fallback;
        if (typeof value !== "string" || !allowed.includes(value as T)) {
            this.problem(key, value, `one of ${allowed.join(", ")}`);
            return fallback;
        }
        return value as T;
    }
}
