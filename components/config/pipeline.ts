/**
 * `lakehouse:pipeline`: what the program keeps running inside the services (the connector and the
 * Flink jobs), the user's extra Debezium settings, and external Connect's password reference.
 */
import { DEFAULTS } from "../defaults";
import { isConfigProviderReference } from "../dynamic/connector";
import { isOwnedConnectorKey, ownedConnectorKeyFix } from "./connector-owned-keys";
import { Reader } from "./reader";
import { ExternalServices, PipelineConfig } from "./types";

const DEBEZIUM_SETTING_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Reads `lakehouse:pipeline`; a password reference is allowed only with `external.connect`. */
export function parsePipeline(r: Reader, values: Record<string, string>, external: ExternalServices): PipelineConfig {
    const pl = r.object(values, "pipeline");
    const pd = DEFAULTS.pipeline;
    const pipeline: PipelineConfig = {
        connectorState: r.oneOf(pl.connectorState, "pipeline.connectorState", pd.connectorState as PipelineConfig["connectorState"], [
            "RUNNING",
            "PAUSED",
            "STOPPED",
        ]),
        jobState: r.oneOf(pl.jobState, "pipeline.jobState", pd.jobState as PipelineConfig["jobState"], ["RUNNING", "STOPPED"]),
        jobDeleteMode: r.oneOf(pl.jobDeleteMode, "pipeline.jobDeleteMode", pd.jobDeleteMode as PipelineConfig["jobDeleteMode"], ["savepoint", "cancel"]),
        jobRestorePointsKept: r.integer(pl.jobRestorePointsKept, "pipeline.jobRestorePointsKept", pd.jobRestorePointsKept, 0, 1000),
        periodicSavepoints: parsePeriodicSavepoints(r, pl.periodicSavepoints),
        dropSlotOnDelete: r.boolean(pl.dropSlotOnDelete, "pipeline.dropSlotOnDelete", pd.dropSlotOnDelete),
        connectorConfig: { ...pd.connectorConfig },
        verifyTimeoutSeconds: r.integer(pl.verifyTimeoutSeconds, "pipeline.verifyTimeoutSeconds", pd.verifyTimeoutSeconds, 0, 3600),
    };
    if (pipeline.verifyTimeoutSeconds > 0 && pipeline.verifyTimeoutSeconds < 10) {
        r.problem(
            "pipeline.verifyTimeoutSeconds",
            pipeline.verifyTimeoutSeconds,
            "0 (no settle check) or 10 to 3600 seconds: the check waits for a checkpoint, so give it at least a few checkpoint intervals",
        );
    }
    if (pl.replicationPasswordReference !== undefined) {
        const reference = parseReplicationPasswordReference(r, pl.replicationPasswordReference, external);
        if (reference !== undefined) pipeline.replicationPasswordReference = reference;
    }
    if (pl.connectorConfig !== undefined) Object.assign(pipeline.connectorConfig, parseConnectorConfig(r, pl.connectorConfig));
    return pipeline;
}

/** `pipeline.periodicSavepoints`: an interval of 0 (off) or 60 s to a week, and how many to keep per job. */
function parsePeriodicSavepoints(r: Reader, raw: unknown): PipelineConfig["periodicSavepoints"] {
    const d = DEFAULTS.pipeline.periodicSavepoints;
    const given = raw === undefined ? {} : (r.record(raw, "pipeline.periodicSavepoints", "an object of intervalSeconds, kept") ?? {});
    r.onlyKeys(given, "pipeline.periodicSavepoints", Object.keys(d));
    const intervalSeconds = r.integer(given.intervalSeconds, "pipeline.periodicSavepoints.intervalSeconds", d.intervalSeconds, 0, 7 * 24 * 3600);
    if (intervalSeconds > 0 && intervalSeconds < 60)
        r.problem(
            "pipeline.periodicSavepoints.intervalSeconds",
            intervalSeconds,
            "0 (no periodic savepoints) or 60 to 604800 seconds: each savepoint writes the job's whole state",
        );
    return { intervalSeconds, kept: r.integer(given.kept, "pipeline.periodicSavepoints.kept", d.kept, 1, 1000) };
}

/** `pipeline.replicationPasswordReference`: one config-provider reference, and only for an external Connect. */
function parseReplicationPasswordReference(r: Reader, reference: unknown, external: ExternalServices): string | undefined {
    const where = "pipeline.replicationPasswordReference";
    if (!isConfigProviderReference(reference)) {
        // Never echo it: someone may have put the password itself here.
        r.problem(
            where,
            typeof reference === "string" && !/^\$\{/.test(reference) ? "a value that is not a reference" : reference,
            'one Kafka config-provider reference that your Connect workers resolve to the replication password, `${provider:key}` or `${provider:path:key}`, e.g. "${env:LAKEHOUSE_REPLICATION_PASSWORD}" (worker config `config.providers=env`, `config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider`) or "${file:/etc/kafka/secrets.properties:replication.password}" (FileConfigProvider). The password itself goes in the secret `lakehouse:replicationPassword`',
        );
        return undefined;
    }
    if (external.connect === undefined) {
        r.problem(
            where,
            reference,
            "nothing unless `lakehouse:external.connect` is set: the program configures the Connect workers it deploys with their own reference to the stack's `lakehouse:replicationPassword`; remove the key",
        );
        return undefined;
    }
    return reference as string;
}

/** `pipeline.connectorConfig`: string-valued Debezium settings, none of them one the program owns. */
function parseConnectorConfig(r: Reader, raw: unknown): Record<string, string> {
    const accepted: Record<string, string> = {};
    const extra = r.record(raw, "pipeline.connectorConfig", 'a map of Debezium connector settings to string values, e.g. { "heartbeat.interval.ms": "5000" }');
    if (!extra) return accepted;
    for (const [key, value] of Object.entries(extra)) {
        const where = `pipeline.connectorConfig["${key}"]`;
        if (isOwnedConnectorKey(key)) {
            r.problem(
                where,
                key === "database.password" ? "(a value)" : value,
                `no override: the program owns "${key}"; remove it from lakehouse:pipeline.connectorConfig (${ownedConnectorKeyFix(key)})`,
            );
        } else if (!DEBEZIUM_SETTING_NAME.test(key)) {
            r.problem(where, value, "a Debezium setting name: letters, digits, '.', '_' or '-'");
        } else if (typeof value !== "string") {
            r.problem(where, value, `a string (quote it in YAML, e.g. "${key}": "${value}")`);
        } else {
            accepted[key] = value;
        }
    }
    return accepted;
}
