/**
 * The parts of a catalog POST/PUT body Dremio reads into a Source, with its input checks (unknown
 * top-level keys are ignored). Follows (github.com/dremio/dremio-oss):
 *     dac/backend/src/main/java/com/dremio/dac/api/{Source,JsonISODateTime}.java,
 *     services/accelerator/src/main/java/com/dremio/service/reflection/ReflectionSettingsImpl.java
 *       (default refresh schedule "0 0 8 * * ?", policy PERIOD),
 *     dac/backend/src/main/java/com/dremio/dac/service/reflection/ReflectionServiceHelper.java
 */
import { genericErrorWithTrace, notImplemented, validationError } from "./errors";
import { readMetadataPolicy } from "./metadata-policy";
import { parseNessieConfig } from "./nessie-config";
import { MetadataPolicy, SourceSettings } from "./store";

/** A source as a client sent it, read and checked; id, tag and name are as sent (checked by the operation). */
export interface SourceBody {
    id: string | undefined;
    tag: string | undefined;
    name: string | undefined;
    description: string | undefined;
    /** The NESSIE config with the server's defaults filled in, secrets as sent. */
    config: Record<string, unknown>;
    /** `createdAt` as epoch ms, when sent. */
    createdAt: number | undefined;
    metadataPolicy: MetadataPolicy;
    settings: SourceSettings;
}

/** Reads a NESSIE source from a POST/PUT body; throws Dremio's 400 (or the stand-in's) for what Dremio refuses while reading it. */
export function readSourceBody(body: Record<string, unknown>): SourceBody {
    if (typeof body.type !== "string") throw genericErrorWithTrace(400, "Invalid value.");
    if (body.type !== "NESSIE") {
        throw notImplemented(`A source of type ${body.type}`);
    }
    const name = body.name;
    if (typeof name === "string" && !/^[^."@]+$/.test(name)) {
        throw validationError("name", "Source name can not contain periods, double quotes or @.");
    }
    const config = parseNessieConfig(body.config);
    const pct = config.maxCacheSpacePct as number;
    if (pct < 1 || pct > 100) {
        throw validationError("config.maxCacheSpacePct", "Max percent of total available cache space must be between 1 and 100");
    }
    let createdAt: number | undefined;
    if (body.createdAt !== undefined && body.createdAt !== null) {
        const t = typeof body.createdAt === "number" ? body.createdAt : Date.parse(String(body.createdAt));
        if (!Number.isFinite(t)) throw genericErrorWithTrace(400, "Invalid value found at: createdAt");
        createdAt = t;
    }
    const long = (k: string): number => {
        const v = body[k];
        if (v === undefined || v === null) return 0;
        if (typeof v !== "number") throw genericErrorWithTrace(400, `Invalid value found at: ${k}`);
        return v;
    };
    const schedule = body.accelerationRefreshSchedule;
    if (schedule !== undefined && schedule !== null && typeof schedule !== "string")
        throw genericErrorWithTrace(400, "Invalid value found at: accelerationRefreshSchedule");
    const policyType = body.accelerationActivePolicyType;
    if (policyType !== undefined && policyType !== null && !["PERIOD", "SCHEDULE", "NEVER", "REFRESH_ON_DATA_CHANGES"].includes(String(policyType))) {
        throw genericErrorWithTrace(400, "Invalid value found at: accelerationActivePolicyType");
    }
    const neverRefresh = body.accelerationNeverRefresh === true;
    const metadataPolicy = readMetadataPolicy(body.metadataPolicy);
    const settings: SourceSettings = {
        accelerationGracePeriodMs: long("accelerationGracePeriodMs"),
        accelerationRefreshPeriodMs: long("accelerationRefreshPeriodMs"),
        // ReflectionSettingsImpl.setReflectionSettings defaults
        accelerationRefreshSchedule: (schedule as string | undefined) ?? "0 0 8 * * ?",
        accelerationActivePolicyType: neverRefresh ? "NEVER" : ["PERIOD", "SCHEDULE", "NEVER"].includes(String(policyType)) ? String(policyType) : "PERIOD",
        accelerationNeverExpire: body.accelerationNeverExpire === true,
        accelerationNeverRefresh: neverRefresh,
        allowCrossSourceSelection: body.allowCrossSourceSelection === true,
        disableMetadataValidityCheck: body.disableMetadataValidityCheck === true,
    };
    return {
        id: body.id as string | undefined,
        tag: body.tag as string | undefined,
        name: name as string | undefined,
        description: typeof body.description === "string" ? body.description : undefined,
        config,
        createdAt,
        metadataPolicy,
        settings,
    };
}
