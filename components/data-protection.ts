/**
 * What the stack allows to be lost (`lakehouse:allowDataLoss`), and what each data-bearing resource is
 * told about it. Pure: the config reader parses the key with `parseAllowDataLoss`; the Lakehouse asks
 * `dataGuardFor` and `protectsData` when it creates a resource that holds data.
 *
 * Without the opt-in, a change that would replace such a resource stops at preview (the dynamic
 * providers' diff refuses it, naming the config key, what would be lost and this opt-in) and the
 * resource is `protect`ed, so `pulumi destroy` or removing it from the program is refused too.
 */
import type { DataGuard } from "./dynamic/data-guard";

/** The kinds of data a stack may opt to lose. */
export const DATA_KINDS = ["bucket", "tables", "slot", "volumes"] as const;
export type DataKind = (typeof DATA_KINDS)[number];

/** What each kind covers, as the README and the refusal say it. */
export const DATA_KIND_MEANING: Record<DataKind, string> = {
    bucket: "the warehouse bucket and every Iceberg data and metadata file in it",
    tables: "the Iceberg namespace (and Nessie branch) holding the tables",
    slot: "the replication slot and the connector's offsets: the position the change history resumes from",
    volumes: "the volumes of PostgreSQL, Kafka, MinIO, Nessie and Dremio (the Kubernetes namespace that holds their claims)",
};

/** `lakehouse:allowDataLoss` as read: `true` allows every kind, a list allows those. */
export function parseAllowDataLoss(raw: string | undefined): { allowed: DataKind[]; problem?: { found: unknown; expected: string } } {
    const expected = `false (the default), true (every kind: dev stacks), or a list of ${DATA_KINDS.join(", ")}`;
    if (raw === undefined || raw === "false") return { allowed: [] };
    if (raw === "true") return { allowed: [...DATA_KINDS] };
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        return { allowed: [], problem: { found: raw, expected } };
    }
    if (parsed === true) return { allowed: [...DATA_KINDS] };
    if (parsed === false) return { allowed: [] };
    if (!Array.isArray(parsed) || parsed.some((k) => !DATA_KINDS.includes(k as DataKind))) return { allowed: [], problem: { found: parsed, expected } };
    return { allowed: DATA_KINDS.filter((k) => (parsed as unknown[]).includes(k)) };
}

/** True when the stack keeps this kind of data safe (the default). */
export function protectsData(allowed: readonly DataKind[], kind: DataKind): boolean {
    return !allowed.includes(kind);
}

/** How to allow a kind, as the refusal says it. */
export function optInText(kind: DataKind): string {
    return `allow it with \`pulumi config set --path 'lakehouse:allowDataLoss[0]' ${kind}\` (or list "${kind}" under lakehouse:allowDataLoss in the stack file), run \`pulumi up\`, then make the change`;
}

/**
 * The guard a data-bearing resource gets when the stack protects its kind; undefined when the stack
 * allows that loss.
 *
 * @param configKeys the stack config key behind each input path whose change replaces the resource.
 */
export function dataGuardFor(
    allowed: readonly DataKind[],
    kind: DataKind,
    holds: string,
    loss: string,
    configKeys: Record<string, string>,
): DataGuard | undefined {
    if (!protectsData(allowed, kind)) return undefined;
    return { holds, loss, configKeys, optIn: optInText(kind) };
}
