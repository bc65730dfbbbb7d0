/**
 * Pulumi's placeholder for a value that is unknown during preview (an output of a resource not yet
 * created). `check` skips such values; `diff` treats them as changed.
 *
 * Serialization-safe (see ./README.md): functions only, nothing but literals inside.
 */

/** True for the engine's "unknown during preview" sentinel. */
export function isUnknown(value: unknown): boolean {
    return value === "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
}

/** True when `value` is set and known (worth validating now). */
export function isKnown(value: unknown): boolean {
    return value !== undefined && value !== null && !isUnknown(value);
}
