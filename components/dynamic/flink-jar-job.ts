/**
 * A Flink job that is a jar (a DataStream program, such as the table maintenance job), as a dynamic
 * resource: its inputs' check, its diff, and the provider. It is run as the SQL jobs are kept
 * (./flink-job.ts), through the same lifecycle (./flink/lifecycle.ts):
 *
 * - create: the jar is built from its Maven project when the cache does not hold it (./flink/jar.ts),
 *   uploaded to the JobManager's REST API and run; then a bounded wait until the job and all its tasks
 *   are RUNNING. A job that fails surfaces Flink's own exception.
 * - update: stop the running job with a savepoint, then run the new jar or arguments from it.
 * - delete: stop with a savepoint (default) or cancel; a missing job is done.
 * - read: a FAILED, CANCELED, FINISHED or missing job reads as a `state` change, so `up` reruns it.
 * - Idempotent create: a live job under the same name (a crash between run and state write) is stopped
 *   with a savepoint and rerun from it, never duplicated.
 * - `secrets` fill `{{secret.<name>}}` placeholders of the arguments only when the job is run.
 */
import * as pulumi from "@pulumi/pulumi";
import { LakehouseResource } from "./lakehouse-resource";
import { PROVIDER_DEFAULTS } from "../defaults";
import { InputDiff, engineDiff, inputDiff } from "./toolkit/diff";
import { redact } from "./toolkit/redact";
import { isUnknown } from "./toolkit/unknown";
import { JarBuild, ensureJobJar, runJar } from "./flink/jar";
import {
    InputFailure,
    OwnedJob,
    checkOwnedJobInputs,
    endOwnedJob,
    readOwnedJob,
    keptRestorePoints,
    restorePointHistory,
    recordingRestorePoints,
    runningOrRecorded,
    stopOwnedJobs,
    stoppedAsDeclared,
    updateLeavesJobAlone,
} from "./flink/lifecycle";
import { fillSecrets, secretPlaceholders } from "./flink/sql";
import { flinkRestTarget } from "./flink/request";
import type { FlinkJobLifecycleArgs } from "./flink-job";
import type { RestorePoint } from "./flink/restore-points";

export type { JarBuild } from "./flink/jar";

/** The provider's version, an input: raising it reruns every jar job (a change of how jobs are run). */
export const FLINK_JAR_JOB_PROVIDER_VERSION = 1;

/** Validates inputs (unknown values during preview are skipped). */
export function checkFlinkJarJobInputs(news: Record<string, any>): InputFailure[] {
    const failures: InputFailure[] = [];
    const known = (v: unknown) => v !== undefined && !isUnknown(v);
    if (news.restUrl === undefined) failures.push({ property: "restUrl", reason: "is required (the Flink JobManager REST URL)" });
    else if (known(news.restUrl) && !/^https?:\/\/[^\s]+$/.test(String(news.restUrl)))
        failures.push({ property: "restUrl", reason: `"${news.restUrl}" must be an http(s) URL` });
    failures.push(...checkOwnedJobInputs(news));
    if (known(news.entryClass) && !/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(String(news.entryClass)))
        failures.push({ property: "entryClass", reason: `"${news.entryClass}" must be a Java class name` });
    const jar = news.jar;
    if (known(jar)) {
        for (const key of ["projectDirectory", "sourceHash", "artifact", "cacheDirectory"])
            if (typeof jar?.[key] !== "string" || !jar[key]) failures.push({ property: `jar.${key}`, reason: "is required" });
    }
    const args = news.programArgs;
    if (known(args)) {
        if (!Array.isArray(args)) failures.push({ property: "programArgs", reason: "must be a list of strings" });
        else if (args.every((a) => typeof a === "string")) {
            const secrets = news.secrets;
            if (known(secrets))
                for (const name of secretPlaceholders(args))
                    if (!secrets || typeof secrets !== "object" || secrets[name] === undefined)
                        failures.push({ property: "secrets", reason: `has no value for {{secret.${name}}} used by the arguments` });
        }
    }
    return failures;
}

/** Inputs compared as they are (JSON), in the order the diff lists them. */
const PLAIN_KEYS = [
    "restUrl",
    "flinkCaCert",
    "name",
    "entryClass",
    "programArgs",
    "state",
    "deleteMode",
    "savepointDirectory",
    "allowNonRestoredState",
    "waitTimeoutSeconds",
    "restorePointsKept",
    "version",
];

/** Changes that leave the running job alone (how Pulumi reaches it, how it is waited for and ended). */
const IN_PLACE_KEYS = ["restUrl", "flinkCaCert", "deleteMode", "waitTimeoutSeconds", "savepointDirectory", "restorePointsKept"];

/**
 * The pure diff: exactly the changed paths. The jar is compared by its source hash and build
 * properties (`jar.sourceHash`), not by where it is built or the project sits on this machine (no
 * diff between two machines); the REST URL is how Pulumi reaches the cluster, so a new URL is an update
 * that leaves the running job alone (state records it for read and delete). Nothing replaces: the
 * job's identity is its name, updated in place through a savepoint.
 */
export function diffFlinkJarJob(olds: Record<string, any>, news: Record<string, any>): InputDiff {
    const normal = (v: Record<string, any>): Record<string, any> => ({
        state: "RUNNING",
        deleteMode: "savepoint",
        allowNonRestoredState: false,
        waitTimeoutSeconds: PROVIDER_DEFAULTS.waitTimeoutSeconds,
        restorePointsKept: PROVIDER_DEFAULTS.restorePointsKept,
        version: FLINK_JAR_JOB_PROVIDER_VERSION,
        programArgs: [],
        ...v,
    });
    const o = normal(olds);
    const n = normal(news);
    const changedKeys = PLAIN_KEYS.filter((key) => JSON.stringify(o[key]) !== JSON.stringify(n[key]));
    for (const key of ["sourceHash", "mavenProperties"]) {
        const before = isUnknown(o.jar) ? o.jar : o.jar?.[key];
        const after = isUnknown(n.jar) ? n.jar : n.jar?.[key];
        if (JSON.stringify(before) !== JSON.stringify(after)) changedKeys.push(`jar.${key}`);
    }
    const secretsOf = (v: unknown) =>
        isUnknown(v) ? v : Object.fromEntries(Object.entries((v as Record<string, unknown>) ?? {}).sort(([a], [b]) => a.localeCompare(b)));
    if (JSON.stringify(secretsOf(o.secrets)) !== JSON.stringify(secretsOf(n.secrets))) changedKeys.push("secrets");
    return inputDiff(changedKeys, []);
}

/** True when the change needs the job stopped and rerun. */
export function needsRerun(changedKeys: string[]): boolean {
    return changedKeys.some((k) => !IN_PLACE_KEYS.includes(k));
}

/** Brings the job to the declared state: stops what runs (with a savepoint), reruns from the newest restore point, waits for RUNNING. */
async function applyFlinkJarJob(inputs: Record<string, any>, previous: Record<string, any> | undefined): Promise<Record<string, any>> {
    const secrets: Record<string, string> = inputs.secrets ?? {};
    // Built before anything is stopped: a build that fails leaves the running job as it was.
    const jarPath = (inputs.state ?? "RUNNING") === "RUNNING" ? await ensureJobJar(inputs.jar as JarBuild) : undefined;
    const { restorePoint, taken } = await stopOwnedJobs(inputs as OwnedJob, previous as OwnedJob | undefined);
    const restorePoints = restorePointHistory(previous as OwnedJob | undefined, taken);
    const base = { ...inputs, lastSavepoint: restorePoint ?? "", restorePoints };
    if (!jarPath) return stoppedAsDeclared(inputs as OwnedJob, base, restorePoint);
    const label = `Flink job "${inputs.name}"`;
    let jobId: string;
    try {
        jobId = await runJar(flinkRestTarget(inputs), jarPath, {
            entryClass: inputs.entryClass,
            programArgs: (inputs.programArgs ?? []).map((a: string) => fillSecrets(a, secrets)),
            restorePath: restorePoint,
            allowNonRestoredState: inputs.allowNonRestoredState === true,
            secrets: Object.values(secrets),
        });
    } catch (err) {
        const error = new Error(redact(`${label}: running ${inputs.entryClass} from ${jarPath} failed: ${(err as Error).message}`, secrets));
        throw recordingRestorePoints(error, inputs.name, previous as OwnedJob | undefined, restorePoints);
    }
    // A job that does not get running is recorded, so the next `up` stops and reruns it.
    return runningOrRecorded(inputs as OwnedJob, base, jobId, restorePoint, label, secrets);
}

/** The provider of {@link FlinkJarJob} (serialized into the stack's state with everything it reaches). */
export const flinkJarJobProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        return { inputs: news, failures: checkFlinkJarJobInputs(news) };
    },

    async diff(_id: string, olds: any, news: any) {
        return engineDiff(diffFlinkJarJob(olds, news), olds, news);
    },

    async create(inputs: any) {
        return { id: inputs.name, outs: await applyFlinkJarJob(inputs, undefined) };
    },

    async update(_id: string, olds: any, news: any) {
        const { changedKeys } = diffFlinkJarJob(olds, news);
        if (await updateLeavesJobAlone(olds, news, needsRerun(changedKeys))) {
            // Only how the job is waited for, ended or pruned changed (or the URL): the running job is left alone.
            const restorePoints = await keptRestorePoints(news, restorePointHistory(olds, []), olds.restoredFrom);
            return { outs: { ...olds, ...news, restorePoints } };
        }
        return { outs: await applyFlinkJarJob(news, olds) };
    },

    async read(id: string, props: any) {
        return { id, props: await readOwnedJob(props) };
    },

    async delete(_id: string, props: any) {
        await endOwnedJob(props);
    },
};

/** The inputs of {@link FlinkJarJob} (the REST URL must accept jar uploads: `web.submit.enable`). */
export interface FlinkJarJobArgs extends FlinkJobLifecycleArgs {
    /** How to build the jar (built into `jar.cacheDirectory` on the first create or update that needs it). */
    jar: pulumi.Input<JarBuild>;
    /** The class whose `main` builds and submits the job. */
    entryClass: pulumi.Input<string>;
    /** The program's arguments; `{{secret.<name>}}` is filled from `secrets` when the job is run. */
    programArgs?: pulumi.Input<pulumi.Input<string>[]>;
}

/** A streaming Flink job from a jar, kept running, upgraded through savepoints. */
export class FlinkJarJob extends LakehouseResource {
    declare readonly jobId: pulumi.Output<string>;
    declare readonly jobState: pulumi.Output<string>;
    declare readonly lastSavepoint: pulumi.Output<string>;
    declare readonly restoredFrom: pulumi.Output<string>;
    /** The restore points kept, newest first (see ./flink/restore-points.ts). */
    declare readonly restorePoints: pulumi.Output<RestorePoint[]>;

    constructor(name: string, args: FlinkJarJobArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            flinkJarJobProvider,
            name,
            {
                restUrl: args.restUrl,
                ...(args.flinkCaCert !== undefined ? { flinkCaCert: args.flinkCaCert } : {}),
                name: args.name,
                jar: args.jar,
                entryClass: args.entryClass,
                programArgs: args.programArgs ?? [],
                secrets: pulumi.secret(args.secrets ?? {}),
                state: args.state ?? "RUNNING",
                deleteMode: args.deleteMode ?? "savepoint",
                savepointDirectory: args.savepointDirectory,
                allowNonRestoredState: args.allowNonRestoredState ?? false,
                waitTimeoutSeconds: args.waitTimeoutSeconds ?? PROVIDER_DEFAULTS.waitTimeoutSeconds,
                restorePointsKept: args.restorePointsKept ?? PROVIDER_DEFAULTS.restorePointsKept,
                version: FLINK_JAR_JOB_PROVIDER_VERSION,
                jobId: undefined,
                jobState: undefined,
                lastSavepoint: undefined,
                restoredFrom: undefined,
                restorePoints: undefined,
            },
            { ...opts, additionalSecretOutputs: ["secrets"] },
            "lakehouse",
            "FlinkJarJob",
        );
    }
}
