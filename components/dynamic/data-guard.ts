/**
 * What every data-bearing dynamic resource shares: the refusal, at preview, of a replacement that
 * would lose data the stack has not opted to lose, and the owner stamp that keeps a replacement from
 * deleting the object it adopted.
 *
 * Serialization-safe: the providers that import these functions are serialized into state with
 * them (tests/integration/<service>/*.test.ts run every provider in its serialized form too), so nothing here
 * reaches a module-level value other than these functions and the toolkit's, and `crypto` is `require`d inside.
 */
import { valueAt } from "./toolkit/diff";

/**
 * What the program tells a data-bearing resource about the stack's choice (`lakehouse:allowDataLoss`).
 * Absent when the stack allows this kind of loss: the resource then replaces as its diff says.
 */
export interface DataGuard {
    /** What the resource holds, as a user reads it: `the warehouse bucket "warehouse" (every Iceberg data and metadata file)`. */
    holds: string;
    /** What a replacement does to that data. */
    loss: string;
    /** The stack config key behind each input (or `config["key"]` path) whose change replaces the resource. */
    configKeys: Record<string, string>;
    /** How to allow it, e.g. `add "bucket" to lakehouse:allowDataLoss`. */
    optIn: string;
}

/** The value at a diff path: `name` or `config["slot.name"]` (the toolkit's `valueAt`). */
export const valueAtPath = valueAt;

/**
 * The message that stops a preview: which config key changed (old and new value), what the
 * replacement would lose, and the opt-in. Undefined when nothing is replaced or the stack allows it.
 */
export function dataLossRefusal(resource: string, replaces: string[], olds: Record<string, any>, news: Record<string, any>): string | undefined {
    const guard: DataGuard | undefined = news.dataGuard;
    if (!guard || replaces.length === 0) return undefined;
    // What is lost is the existing object: described as the state recorded it (a rename's new config names the new one).
    const holds: string = olds.dataGuard?.holds ?? guard.holds;
    const shown = (v: unknown) => (v === undefined ? "(unset)" : JSON.stringify(v));
    const changes = replaces.map((path) => {
        const key = guard.configKeys?.[path];
        return `${key ?? path} (${shown(valueAt(olds, path))} -> ${shown(valueAt(news, path))})`;
    });
    return (
        `${resource}: this change would replace ${holds}: ${changes.join(", ")}. ${guard.loss} ` +
        `Nothing was changed. Revert the change, or ${guard.optIn} and run again.`
    );
}

/** Throws the refusal of `dataLossRefusal`, if any (called from a provider's `diff`, so it stops the preview). */
export function refuseDataLoss(resource: string, replaces: string[], olds: Record<string, any>, news: Record<string, any>): void {
    const message = dataLossRefusal(resource, replaces, olds, news);
    if (message) throw new Error(message);
}

/** A fresh owner stamp for an object a resource creates or adopts. */
export function newOwnerToken(): string {
    const { randomUUID } = require("crypto") as typeof import("crypto");
    return randomUUID();
}

/**
 * Whether a delete may remove the object: only when the object carries this resource's stamp, or no
 * stamp at all (created before stamps existed). An object stamped by another resource was adopted by
 * it (a replacement, or another stack on the same object): deleting it would destroy what that one uses.
 */
export function ownsObject(stampOnObject: string | undefined, ownToken: string | undefined): boolean {
    if (!stampOnObject) return true;
    return stampOnObject === ownToken;
}
