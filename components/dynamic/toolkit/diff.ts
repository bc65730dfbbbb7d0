/**
 * The one shape every provider's pure diff returns, and its translation into what the engine shows.
 *
 * A provider's diff names each changed input as a property path (`bucket`, `config["slot.name"]`,
 * `settings["execution.checkpointing.interval"]`). Handing those paths to the engine as `detailedDiff`
 * makes `pulumi preview --diff` show exactly what changed, and which of it replaces the resource.
 *
 * Serialization-safe (see ./README.md).
 */
import { isUnknown } from "./unknown";

/** What a provider's pure diff returns. */
export interface InputDiff {
    /** Anything changed. */
    changes: boolean;
    /** The changed paths that replace the resource. */
    replaces: string[];
    /** Delete the old resource before creating its replacement (for things with a fixed name on the server). */
    deleteBeforeReplace: boolean;
    /** Every changed path, in the order the provider lists its inputs. */
    changedKeys: string[];
}

/** Builds an {@link InputDiff} from the changed paths and the paths (or a rule) that replace. */
export function inputDiff(changedKeys: string[], replacing: string[] | ((path: string) => boolean), deleteBeforeReplace = false): InputDiff {
    const replaces = changedKeys.filter((k) => (typeof replacing === "function" ? replacing(k) : replacing.includes(k)));
    return { changes: changedKeys.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 && deleteBeforeReplace, changedKeys };
}

/** The keys of both objects whose values differ (compared as JSON), sorted. */
export function changedEntries(
    olds: Record<string, unknown> | undefined,
    news: Record<string, unknown> | undefined,
    equal: (a: unknown, b: unknown) => boolean = (a, b) => JSON.stringify(a) === JSON.stringify(b),
): string[] {
    const o = olds ?? {};
    const n = news ?? {};
    return [...new Set([...Object.keys(o), ...Object.keys(n)])].sort().filter((k) => !equal(o[k], n[k]));
}

/** The value at a diff path: `name` or `config["slot.name"]`. */
export function valueAt(props: Record<string, any> | undefined, path: string): unknown {
    const nested = /^([A-Za-z0-9_]+)\["(.+)"\]$/.exec(path);
    if (nested) return props?.[nested[1]]?.[nested[2]];
    return props?.[path];
}

/** One entry of the engine's detailed diff. */
export interface PropertyDiff {
    kind: "add" | "add-replace" | "delete" | "delete-replace" | "update" | "update-replace";
    inputDiff: boolean;
}

/**
 * The engine's detailed diff for a provider's {@link InputDiff}: each changed path as an add, delete
 * or update of that input, `-replace` where it replaces. Paths that are not inputs (a provider's own
 * bookkeeping, such as drift found by `read`) are compared on the old outputs.
 */
export function detailedDiff(diff: InputDiff, olds: Record<string, any>, news: Record<string, any>): Record<string, PropertyDiff> {
    const out: Record<string, PropertyDiff> = {};
    for (const path of diff.changedKeys) {
        const before = valueAt(olds, path);
        const after = valueAt(news, path);
        const replace = diff.replaces.includes(path);
        const base =
            before === undefined && after !== undefined && !isUnknown(after) ? "add" : after === undefined && before !== undefined ? "delete" : "update";
        out[path] = { kind: (replace ? `${base}-replace` : base) as PropertyDiff["kind"], inputDiff: after !== undefined || before === undefined };
    }
    return out;
}

/** What a provider's `diff` method returns to the engine: the diff with its detailed form. */
export function engineDiff(diff: InputDiff, olds: Record<string, any>, news: Record<string, any>) {
    return {
        changes: diff.changes,
        replaces: diff.replaces,
        deleteBeforeReplace: diff.deleteBeforeReplace,
        detailedDiff: detailedDiff(diff, olds, news),
    };
}
