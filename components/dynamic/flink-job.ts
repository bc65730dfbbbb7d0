/**
 * A Flink SQL job submitted through the SQL Gateway, as a dynamic resource: its inputs' check, its
 * diff, and the provider. The parts live by responsibility in ./flink/: `sql.ts` (statements as text),
 * `gateway.ts` (the SQL Gateway client), `rest.ts` (the JobManager's REST API), `submit.ts` (the
 * job's submission), `schema.ts` (sink-table evolution); all of it on the provider toolkit (./toolkit/).
 *
 * - create: the setup statements (catalog DDL, tables) and the job's INSERT / STATEMENT SET run in one
 *   gateway session; then a bounded wait until Flink's REST API reports the job and all its tasks
 *   RUNNING. A job that fails surfaces Flink's own exception.
 * - update: stop the running job with a savepoint, then resubmit the new SQL from that savepoint (a job
 *   that is already gone resumes from its latest retained checkpoint or the last savepoint).
 * - delete: stop with a savepoint (default) or cancel (`deleteMode: "cancel"`); a missing job is done.
 * - restore points: every savepoint it takes and every cancelled job's retained checkpoints are
 *   recorded (`restorePoints`); beyond the newest `restorePointsKept` they are disposed of once the
 *   job is up again (./flink/restore-points.ts).
 * - read: a FAILED, CANCELED, FINISHED or missing job reads as a `state` change, so `up` resubmits it.
 * - Idempotent create: a job still running under the same name (a crash between submit and state write)
 *   is stopped with a savepoint and resubmitted from it, never duplicated.
 * - `secrets` fill `{{secret.<name>}}` placeholders only when the SQL is sent to the gateway: the
 *   statements in state, diffs and error messages hold the placeholder, never the value.
 * - Every long wait (job RUNNING, savepoint, statement results) prints a progress line `pulumi up` shows.
 * Methods use only functions of ./flink/, ./toolkit/, ./job-failures and ../defaults (they are serialized).
 */
import * as pulumi from "@pulumi/pulumi";
import { LakehouseResource } from "./lakehouse-resource";
import { PROVIDER_DEFAULTS } from "../defaults";
import { InputDiff, engineDiff, inputDiff } from "./toolkit/diff";
import { printProgress } from "./toolkit/progress";
import { isUnknown } from "./toolkit/unknown";
import {
    InputFailure,
    OwnedJob,
    checkOwnedJobInputs,
    endOwnedJob,
    keptRestorePoints,
    readOwnedJob,
    restorePointHistory,
    recordingRestorePoints,
    runningOrRecorded,
    stopOwnedJobs,
    stoppedAsDeclared,
    updateLeavesJobAlone,
} from "./flink/lifecycle";
import { waitForJobRunning } from "./flink/rest";
import { flinkRestTarget } from "./flink/request";
import { FlinkSinkTable, countSinkRows, dropSinkTables, evolveSinkTables, typeChangeRefusal } from "./flink/schema";
import { RestorePoint } from "./flink/restore-points";
import { normalizeSettings, normalizeSqlStatement, secretPlaceholders, sqlHash } from "./flink/sql";
import { submitStatements } from "./flink/submit";

// What other modules and tests import from here, from where it lives now.
export type { JobExceptionEntry } from "./job-failures";
export { classifyJobFailure, deterministicJobFailure, flinkRootCause } from "./job-failures";
export { normalizeSettings, normalizeSqlStatement, secretPlaceholders, splitSqlStatements, sqlHash, stripSqlComments } from "./flink/sql";
export { flinkRequest } from "./flink/request";
export {
    cancelJob,
    deterministicFailureFix,
    endJobKeepingState,
    jobException,
    jobExceptionHistory,
    jobState,
    latestRestorePoint,
    liveJobsNamed,
    stopWithSavepoint,
    waitForJobRunning,
} from "./flink/rest";
export { gatewayQuery } from "./flink/gateway";
export { submitStatements } from "./flink/submit";
export type { FlinkSinkTable } from "./flink/schema";
export { evolveSinkTables, icebergStoredType } from "./flink/schema";

/** The provider's version, an input: raising it resubmits every job (a change of how jobs are run). */
export const FLINK_JOB_PROVIDER_VERSION = 1;

/** Declared run state: RUNNING, or STOPPED (stopped with a savepoint, resumed from it later). */
export type FlinkJobRunState = "RUNNING" | "STOPPED";

/** What delete does to the running job: stop it with a savepoint, or cancel it. */
export type FlinkJobDeleteMode = "savepoint" | "cancel";

const SETTING_KEYS_OWNED = ["pipeline.name", "execution.state-recovery.path", "execution.savepoint.path"];

/** Validates inputs (unknown values during preview are skipped). */
export function checkFlinkJobInputs(news: Record<string, any>): InputFailure[] {
    const failures: InputFailure[] = [];
    const known = (v: unknown) => v !== undefined && !isUnknown(v);
    for (const key of ["gatewayUrl", "restUrl"]) {
        if (!known(news[key])) continue;
        if (!/^https?:\/\/[^\s]+$/.test(String(news[key]))) failures.push({ property: key, reason: `"${news[key]}" must be an http(s) URL` });
    }
    if (news.gatewayUrl === undefined) failures.push({ property: "gatewayUrl", reason: "is required (the Flink SQL Gateway REST URL)" });
    if (news.restUrl === undefined) failures.push({ property: "restUrl", reason: "is required (the Flink JobManager REST URL)" });
    failures.push(...checkOwnedJobInputs(news));
    const statements = news.statements;
    if (known(statements)) {
        if (!Array.isArray(statements) || statements.length === 0) {
            failures.push({
                property: "statements",
                reason: "must be a non-empty list of SQL statements; the last one submits the job (INSERT or EXECUTE STATEMENT SET)",
            });
        } else if (statements.every((s) => typeof s === "string" && !isUnknown(s))) {
            const last = normalizeSqlStatement(statements[statements.length - 1]).toUpperCase();
            if (!/^(INSERT\s|EXECUTE\s+STATEMENT\s+SET\b|EXECUTE\s+INSERT\s|BEGIN\s+STATEMENT\s+SET\b)/.test(last)) {
                failures.push({
                    property: `statements[${statements.length - 1}]`,
                    reason: "the last statement must submit the job: INSERT INTO ... or EXECUTE STATEMENT SET BEGIN ... END",
                });
            }
            statements.forEach((s, i) => {
                if (!normalizeSqlStatement(s)) failures.push({ property: `statements[${i}]`, reason: "is empty" });
                const leftover = /\{\{\s*(?!secret\.)[^}]*\}\}/.exec(s);
                if (leftover) failures.push({ property: `statements[${i}]`, reason: `holds the unrendered placeholder ${leftover[0]}` });
            });
            const secrets = news.secrets;
            if (known(secrets)) {
                for (const name of secretPlaceholders(statements)) {
                    if (!secrets || typeof secrets !== "object" || secrets[name] === undefined)
                        failures.push({ property: "secrets", reason: `has no value for {{secret.${name}}} used by the statements` });
                }
            }
        }
    }
    if (known(news.sinkTables)) {
        const tables = news.sinkTables;
        if (!Array.isArray(tables)) failures.push({ property: "sinkTables", reason: "must be a list of { identifier, columns: [{ name, type }] }" });
        else
            tables.forEach((t: any, i: number) => {
                if (!t || typeof t.identifier !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){2}$/.test(t.identifier))
                    failures.push({ property: `sinkTables[${i}].identifier`, reason: "must be <catalog>.<database>.<table>" });
                if (
                    !t ||
                    !Array.isArray(t.columns) ||
                    !t.columns.every((c: any) => c && typeof c.name === "string" && typeof c.type === "string" && /^[A-Za-z0-9_(), <>]+$/.test(c.type))
                ) {
                    failures.push({ property: `sinkTables[${i}].columns`, reason: "must be a list of { name, type } with Flink SQL types" });
                }
            });
    }
    if (known(news.settings)) {
        if (news.settings === null || typeof news.settings !== "object") failures.push({ property: "settings", reason: "must be a map of Flink settings" });
        else
            for (const key of SETTING_KEYS_OWNED)
                if (news.settings[key] !== undefined)
                    failures.push({ property: `settings["${key}"]`, reason: "is set by the resource (the job name is `name`; restores are managed)" });
    }
    return failures;
}

/** Keys whose change needs the job stopped with a savepoint and resubmitted. */
const RESUBMIT_KEYS = ["name", "statements", "settings", "secrets", "sinkTables", "allowNonRestoredState", "version"];

/** Inputs compared as they are (JSON), in the order the diff lists them. */
const PLAIN_KEYS = [
    "gatewayUrl",
    "restUrl",
    "flinkCaCert",
    "name",
    "state",
    "deleteMode",
    "savepointDirectory",
    "allowNonRestoredState",
    "waitTimeoutSeconds",
    "restorePointsKept",
    "version",
    "sinkTables",
    "recreateOnTypeChange",
];

/** The statements as compared: their hash, or the value itself while it is unknown (preview). */
function comparableStatements(statements: unknown): string {
    return Array.isArray(statements) ? sqlHash(statements) : JSON.stringify(statements ?? []);
}

/**
 * The pure diff: exactly the changed paths (`statements`, `settings["execution.checkpointing.interval"]`),
 * in the toolkit's `InputDiff` shape. Nothing replaces: the job's identity is its name, updated in
 * place (stopped with a savepoint, resubmitted from it), and the gateway and REST URLs are how Pulumi
 * reaches the cluster (`127.0.0.1` or `localhost`): a new URL alone leaves the running job alone.
 */
export function diffFlinkJob(olds: Record<string, any>, news: Record<string, any>): InputDiff {
    const normal = (v: Record<string, any>): Record<string, any> => ({
        state: "RUNNING",
        deleteMode: "savepoint",
        allowNonRestoredState: false,
        recreateOnTypeChange: false,
        waitTimeoutSeconds: PROVIDER_DEFAULTS.waitTimeoutSeconds,
        restorePointsKept: PROVIDER_DEFAULTS.restorePointsKept,
        version: FLINK_JOB_PROVIDER_VERSION,
        ...v,
        sinkTables: v.sinkTables ?? [],
    });
    const o = normal(olds);
    const n = normal(news);
    const changedKeys = PLAIN_KEYS.filter((key) => JSON.stringify(o[key]) !== JSON.stringify(n[key]));
    if (comparableStatements(o.statements) !== comparableStatements(n.statements)) changedKeys.push("statements");
    if (isUnknown(o.settings) || isUnknown(n.settings)) {
        changedKeys.push("settings");
    } else {
        const os = normalizeSettings(o.settings);
        const ns = normalizeSettings(n.settings);
        for (const key of [...new Set([...Object.keys(os), ...Object.keys(ns)])].sort()) if (os[key] !== ns[key]) changedKeys.push(`settings["${key}"]`);
    }
    const secretsOf = (v: unknown) => (isUnknown(v) ? v : normalizeSettings(v as Record<string, unknown>));
    if (JSON.stringify(secretsOf(o.secrets)) !== JSON.stringify(secretsOf(n.secrets))) changedKeys.push("secrets");
    return inputDiff(changedKeys, []);
}

/** True when the change needs the job stopped and resubmitted (anything but wait/delete settings and the URLs). */
export function needsResubmit(changedKeys: string[]): boolean {
    return changedKeys.some((k) => RESUBMIT_KEYS.includes(k) || k.startsWith("settings[") || k === "state");
}

/**
 * Which sink tables to recreate, given those whose declared types differ from Iceberg's. Empty tables
 * are recreated alone and the job resumes where it was (nothing it read was written). When a table
 * with rows is recreated (the stack allows losing them), every table of the job is, and the job reads
 * its topic from the start: resuming would leave the rows before its position out of the new table.
 */
export function recreationOf(
    mismatched: { identifier: string; rows: number; mismatches: string[] }[],
    sinkTables: FlinkSinkTable[],
): { tables: string[]; replay: boolean; reason: string } {
    if (!mismatched.length) return { tables: [], replay: false, reason: "" };
    const replay = mismatched.some((t) => t.rows > 0);
    const tables = replay ? sinkTables.map((t) => t.identifier) : mismatched.map((t) => t.identifier);
    const why = mismatched.map((t) => `${t.mismatches.join("; ")} (${t.rows} row(s))`).join("; ");
    return {
        tables,
        replay,
        reason: `${tables.join(", ")}: ${why}${replay ? "; lakehouse:allowDataLoss allows losing the rows: the job reads its topic from the start" : ""}`,
    };
}

/**
 * Refuses a type change on tables that hold rows, after the jobs were stopped to count them: the job
 * that ran is put back as it was (its previous SQL, from the savepoint just taken), so the refusal
 * leaves the pipeline running; then throws, recording that job in state.
 */
async function refuseTypeChange(
    inputs: Record<string, any>,
    previous: Record<string, any> | undefined,
    wasRunning: boolean,
    restorePoint: string | undefined,
    restorePoints: RestorePoint[],
    refusal: string,
): Promise<never> {
    const message = `Flink SQL job "${inputs.name}": ${refusal}`;
    if (previous?.statements && wasRunning && (previous.state ?? "RUNNING") === "RUNNING") {
        const jobId = await submitStatements(previous, restorePoint);
        await waitForJobRunning(flinkRestTarget(previous), jobId, (previous.waitTimeoutSeconds ?? PROVIDER_DEFAULTS.waitTimeoutSeconds) * 1000);
        throw Object.assign(new Error(`${message} (the job runs on with its previous declaration, resumed from ${restorePoint ?? "its start"})`), {
            id: previous.name,
            properties: { ...previous, jobId, jobState: "RUNNING", lastSavepoint: restorePoint ?? "", restoredFrom: restorePoint ?? "", restorePoints },
            reasons: [refusal],
        });
    }
    throw Object.assign(new Error(message), {
        id: inputs.name,
        properties: { ...(previous ?? inputs), jobId: "", jobState: "STOPPED", lastSavepoint: restorePoint ?? "", restorePoints },
        reasons: [refusal],
    });
}

/** The job's statements with its Kafka sources reading from the earliest offset (one submission only). */
export function readFromEarliest(statements: string[]): string[] {
    return statements.map((s) => s.replace(/'scan\.startup\.mode'\s*=\s*'group-offsets'/g, "'scan.startup.mode' = 'earliest-offset'"));
}

/**
 * Brings the job to the declared state: stops what runs (with a savepoint), resubmits from the newest
 * restore point, waits for RUNNING. `previous` is the state of the job this resource owned, if any.
 */
async function applyFlinkJob(inputs: Record<string, any>, previous: Record<string, any> | undefined): Promise<Record<string, any>> {
    // Sink tables first, while the old job still runs: a failure here leaves it running as it was.
    const evolution = await evolveSinkTables(inputs);
    const addedColumns = evolution.added;
    const mismatchedIds = evolution.mismatched.map((t) => t.identifier);
    const withRows = (rows: number[]) => evolution.mismatched.map((t, i) => ({ ...t, rows: rows[i] }));
    const refused = (counted: { rows: number }[]) => counted.some((t) => t.rows > 0) && inputs.recreateOnTypeChange !== true;
    // A declared type the tables do not have: counted while the old job runs when a slot is free, so a
    // refusal leaves it untouched; otherwise counted once it is stopped (its slots freed).
    let rowsBefore = mismatchedIds.length ? await countSinkRows(inputs, mismatchedIds, PROVIDER_DEFAULTS.rowCountWhileRunningMs) : undefined;
    if (rowsBefore && refused(withRows(rowsBefore))) {
        throw new Error(
            `Flink SQL job "${inputs.name}": ${typeChangeRefusal(withRows(rowsBefore).filter((t) => t.rows > 0))} (the running job was not touched)`,
        );
    }
    // Stop every live job this resource owns: the one in state, and any under its old or new name.
    const stopped = await stopOwnedJobs(inputs as OwnedJob, previous as OwnedJob | undefined);
    let restorePoint = stopped.restorePoint;
    // Recorded whatever happens next: by the errors that record state (a refused type change, a job that
    // does not start), and by recordingRestorePoints after any other.
    const restorePoints = restorePointHistory(previous as OwnedJob | undefined, stopped.taken);
    const wasLive = stopped.stopped > 0;
    try {
        // Declared types the Iceberg tables do not have: decided now that no job writes them (and holds slots).
        let submitted = inputs;
        let recreatedTables: string[] = [];
        if (evolution.mismatched.length) {
            rowsBefore ??= await countSinkRows(inputs, mismatchedIds);
            const counted = withRows(rowsBefore!);
            if (refused(counted))
                await refuseTypeChange(inputs, previous, wasLive, restorePoint, restorePoints, typeChangeRefusal(counted.filter((t) => t.rows > 0)));
            const recreation = recreationOf(counted, inputs.sinkTables ?? []);
            printProgress(`Flink SQL job "${inputs.name}": recreating ${recreation.reason}`);
            await dropSinkTables(inputs, recreation.tables);
            recreatedTables = recreation.tables;
            if (recreation.replay) {
                // Rows were dropped: the new job reads the topic from its start instead of resuming.
                restorePoint = undefined;
                submitted = { ...inputs, statements: readFromEarliest(inputs.statements) };
            }
        }
        const base = { ...inputs, sqlHash: sqlHash(inputs.statements), lastSavepoint: restorePoint ?? "", addedColumns, recreatedTables, restorePoints };
        if ((inputs.state ?? "RUNNING") === "STOPPED") return stoppedAsDeclared(inputs as OwnedJob, base, restorePoint);
        const jobId = await submitStatements(submitted, restorePoint);
        // A job that does not get running is recorded, so the next `up` stops and resubmits it.
        return runningOrRecorded(inputs as OwnedJob, base, jobId, restorePoint, `Flink SQL job "${inputs.name}"`, inputs.secrets);
    } catch (err) {
        throw recordingRestorePoints(err, inputs.name, previous as OwnedJob | undefined, restorePoints);
    }
}

/** The provider of {@link FlinkSqlJob} (serialized into the stack's state with everything it reaches). */
export const flinkJobProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        return { inputs: news, failures: checkFlinkJobInputs(news) };
    },

    async diff(_id: string, olds: any, news: any) {
        return engineDiff(diffFlinkJob(olds, news), olds, news);
    },

    async create(inputs: any) {
        return { id: inputs.name, outs: await applyFlinkJob(inputs, undefined) };
    },

    async update(_id: string, olds: any, news: any) {
        const { changedKeys } = diffFlinkJob(olds, news);
        if (await updateLeavesJobAlone(olds, news, needsResubmit(changedKeys))) {
            // Only wait, delete or retention settings changed: the running job is left alone.
            const restorePoints = await keptRestorePoints(news, restorePointHistory(olds, []), olds.restoredFrom);
            return { outs: { ...olds, ...news, sqlHash: sqlHash(news.statements), restorePoints } };
        }
        return { outs: await applyFlinkJob(news, olds) };
    },

    async read(id: string, props: any) {
        // A job that failed, was cancelled or is gone is drift, not deletion: `up` resubmits it from its last savepoint.
        return { id, props: await readOwnedJob(props) };
    },

    async delete(_id: string, props: any) {
        // Only the job this resource recorded (see endOwnedJob).
        await endOwnedJob(props);
    },
};

/**
 * The inputs every Flink job resource takes ({@link FlinkSqlJob}, and the jar job of ./flink-jar-job.ts):
 * where Pulumi reaches the cluster, the job's name, its declared state, and how it is stopped and waited for.
 */
export interface FlinkJobLifecycleArgs {
    /** Flink JobManager REST URL reachable from the machine running Pulumi. */
    restUrl: pulumi.Input<string>;
    /**
     * With https REST URLs: the CA that signed the cluster's REST certificates (Flink's
     * `security.ssl.rest.*`, the JobManager's and the SQL Gateway's), PEM (default: the system's CAs).
     * How Pulumi reaches the cluster: a change is an update that leaves the running job alone.
     */
    flinkCaCert?: pulumi.Input<string>;
    /** The Flink job name; how the resource finds its job after a crash. */
    name: pulumi.Input<string>;
    /** Values of the `{{secret.<name>}}` placeholders (in the SQL, or the program's arguments); always stored as secrets. */
    secrets?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** RUNNING (default), or STOPPED: stopped with a savepoint and resumed from it when set back. */
    state?: pulumi.Input<FlinkJobRunState>;
    /** On delete: stop with a savepoint (default) or cancel. */
    deleteMode?: pulumi.Input<FlinkJobDeleteMode>;
    /** Where savepoints go (default: the cluster's `execution.checkpointing.savepoint-dir`). */
    savepointDirectory?: pulumi.Input<string>;
    /** Resume even when the savepoint holds state the new job has no operator for (default false). */
    allowNonRestoredState?: pulumi.Input<boolean>;
    /** Bound on each wait (statement, RUNNING, savepoint), in seconds (default 300). */
    waitTimeoutSeconds?: pulumi.Input<number>;
    /**
     * How many restore points to keep: the savepoints the job's upgrades and stops take, and the
     * checkpoints a cancelled job retains. Older ones are disposed of once the job is up again; the
     * newest and the one the job resumed from never are. Default 3; 0 keeps every one.
     */
    restorePointsKept?: pulumi.Input<number>;
}

/** The inputs of {@link FlinkSqlJob}. */
export interface FlinkSqlJobArgs extends FlinkJobLifecycleArgs {
    /** Flink SQL Gateway REST URL reachable from the machine running Pulumi. */
    gatewayUrl: pulumi.Input<string>;
    /**
     * Rendered SQL statements, run in one session: setup (catalog DDL, tables) first; the last one
     * submits the job (INSERT or EXECUTE STATEMENT SET). `{{secret.<name>}}` is filled from `secrets`.
     */
    statements: pulumi.Input<pulumi.Input<string>[]>;
    /** Session settings for the job, e.g. `parallelism.default`. */
    settings?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * The Iceberg tables the job writes, with their declared columns. Before each (re)submission the
     * declared columns an existing table lacks are added (`ALTER TABLE ... ADD`, nullable), so a column
     * added to the config reaches tables created before it. Columns are never dropped or retyped:
     * a table whose declared type differs from its own is recreated when it holds no rows (a mistake
     * fixed before data arrived), and otherwise only with `recreateOnTypeChange`.
     */
    sinkTables?: pulumi.Input<FlinkSinkTable[]>;
    /**
     * Recreate a sink table that holds rows when a declared column type differs from its own (the job
     * then reads its topic from the start). Default: unset, such a change is refused. The stack sets it
     * when `lakehouse:allowDataLoss` lists `tables`.
     */
    recreateOnTypeChange?: pulumi.Input<boolean>;
}

/** A streaming Flink SQL job, kept running with its SQL, upgraded through savepoints. */
export class FlinkSqlJob extends LakehouseResource {
    declare readonly jobId: pulumi.Output<string>;
    declare readonly jobState: pulumi.Output<string>;
    declare readonly lastSavepoint: pulumi.Output<string>;
    declare readonly restoredFrom: pulumi.Output<string>;
    /** The restore points kept, newest first: each a savepoint or retained checkpoint, with the checkpoints that share its files. */
    declare readonly restorePoints: pulumi.Output<RestorePoint[]>;
    declare readonly sqlHash: pulumi.Output<string>;
    /** Columns the last (re)submission added to the sink tables, as `<table identifier>.<column>`. */
    declare readonly addedColumns: pulumi.Output<string[]>;
    /** Sink tables the last (re)submission recreated for a changed column type. */
    declare readonly recreatedTables: pulumi.Output<string[]>;

    constructor(name: string, args: FlinkSqlJobArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            flinkJobProvider,
            name,
            {
                gatewayUrl: args.gatewayUrl,
                restUrl: args.restUrl,
                ...(args.flinkCaCert !== undefined ? { flinkCaCert: args.flinkCaCert } : {}),
                name: args.name,
                statements: args.statements,
                settings: args.settings ?? {},
                secrets: pulumi.secret(args.secrets ?? {}),
                state: args.state ?? "RUNNING",
                deleteMode: args.deleteMode ?? "savepoint",
                savepointDirectory: args.savepointDirectory,
                allowNonRestoredState: args.allowNonRestoredState ?? false,
                waitTimeoutSeconds: args.waitTimeoutSeconds ?? PROVIDER_DEFAULTS.waitTimeoutSeconds,
                restorePointsKept: args.restorePointsKept ?? PROVIDER_DEFAULTS.restorePointsKept,
                sinkTables: args.sinkTables ?? [],
                // Only when set: an input every stack had would show on every job at upgrade.
                ...(args.recreateOnTypeChange ? { recreateOnTypeChange: args.recreateOnTypeChange } : {}),
                version: FLINK_JOB_PROVIDER_VERSION,
                jobId: undefined,
                jobState: undefined,
                lastSavepoint: undefined,
                restoredFrom: undefined,
                restorePoints: undefined,
                sqlHash: undefined,
                addedColumns: undefined,
                recreatedTables: undefined,
            },
            { ...opts, additionalSecretOutputs: ["secrets"] },
            "lakehouse",
            "FlinkSqlJob",
        );
    }
}
