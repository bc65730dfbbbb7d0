/**
 * A source's metadata policy: Dremio's defaults, the NEVER_REFRESH policy a versioned source gets, and
 * how a client's policy is read. Follows (github.com/dremio/dremio-oss):
 *     dac/backend/src/main/java/com/dremio/dac/api/{Source,MetadataPolicy}.java,
 *     sabot/kernel/src/main/java/com/dremio/exec/store/CatalogService.java (DEFAULT_METADATA_POLICY,
 *       NEVER_REFRESH_POLICY: a versioned source's policy becomes NEVER_REFRESH on its first update)
 */
import { genericError, genericErrorWithTrace } from "./errors";
import { MetadataPolicy } from "./store";

const ONE_MINUTE_IN_MS = 60000;
const HOUR = 3600000;
const CENTURY_MILLIS = 365 * 100 * 24 * HOUR;

/** CatalogService.DEFAULT_METADATA_POLICY: what a source gets when the client sends none. */
export function defaultMetadataPolicy(): MetadataPolicy {
    return {
        authTTLMs: 24 * HOUR,
        namesRefreshMs: HOUR,
        datasetRefreshAfterMs: HOUR,
        datasetExpireAfterMs: 3 * HOUR,
        datasetUpdateMode: "PREFETCH_QUERIED",
        deleteUnavailableDatasets: true,
        autoPromoteDatasets: false,
    };
}

/** CatalogService.NEVER_REFRESH_POLICY: ManagedStoragePlugin.createOrUpdateSource gives it to a started versioned plugin. */
export function neverRefreshMetadataPolicy(): MetadataPolicy {
    return {
        authTTLMs: CENTURY_MILLIS,
        namesRefreshMs: CENTURY_MILLIS,
        datasetRefreshAfterMs: CENTURY_MILLIS,
        datasetExpireAfterMs: CENTURY_MILLIS,
        datasetUpdateMode: "PREFETCH",
        deleteUnavailableDatasets: true,
        autoPromoteDatasets: false,
    };
}

/** The `metadataPolicy` of a POST/PUT body as Dremio reads it: defaults for absent numbers, then its checks. */
export function readMetadataPolicy(raw: unknown): MetadataPolicy {
    const d = defaultMetadataPolicy();
    if (raw === undefined || raw === null) return d;
    if (typeof raw !== "object") throw genericErrorWithTrace(400, "Invalid value found at: metadataPolicy");
    const r = raw as Record<string, unknown>;
    // Source.setMetadataPolicy -> setMetadataPolicyDefaults: 0 (absent) numbers take the defaults.
    const num = (k: keyof MetadataPolicy, dflt: number) => {
        const v = r[k];
        if (v === undefined || v === null || v === 0) return dflt;
        if (typeof v !== "number") throw genericErrorWithTrace(400, `Invalid value found at: metadataPolicy.${k}`);
        return v;
    };
    const p: MetadataPolicy = {
        authTTLMs: num("authTTLMs", d.authTTLMs),
        namesRefreshMs: num("namesRefreshMs", d.namesRefreshMs),
        datasetRefreshAfterMs: num("datasetRefreshAfterMs", d.datasetRefreshAfterMs),
        datasetExpireAfterMs: num("datasetExpireAfterMs", d.datasetExpireAfterMs),
        datasetUpdateMode: r.datasetUpdateMode as string,
        deleteUnavailableDatasets: Boolean(r.deleteUnavailableDatasets),
        autoPromoteDatasets: Boolean(r.autoPromoteDatasets),
    };
    if (!["PREFETCH", "PREFETCH_QUERIED", "INLINE"].includes(p.datasetUpdateMode)) {
        // MetadataPolicy.toMetadataPolicy: UpdateMode.valueOf(null) -> NullPointerException -> 500
        if (p.datasetUpdateMode == null) throw genericError(500, "Name is null");
        throw genericError(400, `No enum constant com.dremio.service.namespace.source.proto.UpdateMode.${p.datasetUpdateMode}`);
    }
    const checks: [number, string][] = [
        [p.authTTLMs, "authTTLMs"],
        [p.datasetExpireAfterMs, "datasetExpireAfterMs"],
        [p.datasetRefreshAfterMs, "datasetRefreshAfterMs"],
        [p.namesRefreshMs, "namesRefreshMs"],
    ];
    for (const [v, n] of checks) {
        if (v < ONE_MINUTE_IN_MS) throw genericError(400, `Source metadata policy ${n} must be greater than or equal to ${ONE_MINUTE_IN_MS}.`);
    }
    return p;
}
