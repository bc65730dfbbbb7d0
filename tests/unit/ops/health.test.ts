/**
 * `npm run health`, the pure parts: arguments, the outputs parser and the pipeline view, each check's
 * evaluation of raw measurements into PASS/WARN/FAIL, the report (lines, JSON shape, exit code), and
 * the orchestration over injected probes (no services).
 */
import { UsageError, parseBytes, parseCommandLine, parseSeconds } from "../../../ops/args";
import {
    DEFAULT_THRESHOLDS,
    FlinkJobMeasurement,
    HealthProbes,
    KafkaMeasurement,
    buildReport,
    chooseJob,
    consumerLag,
    evaluateConnector,
    evaluateConsumerGroup,
    evaluateDataFiles,
    evaluateDremio,
    evaluateFlinkCluster,
    evaluateFlinkJob,
    maxSavepointAgeSeconds,
    evaluateNessieTable,
    evaluateSlot,
    evaluateTopic,
    exitCode,
    formatAge,
    formatBytes,
    formatReport,
    parseHealthArgs,
    runHealthChecks,
    s3Target,
    tableLocation,
    topicMessageCount,
    worst,
} from "../../../ops/health";
import {
    kafkaAccess,
    nessieContentKey,
    parseHostPort,
    parseS3Uri,
    parseStackOutputs,
    pipelineView,
    postgresTls,
    redact,
    secretValues,
} from "../../../ops/outputs";
import { commitFilter, reduceCheckpoints, s3ErrorText } from "../../../ops/probes";
import { serverMessage } from "../../../ops/http";
import { demographicsPipelineOutputs, serviceAddressOutputs } from "../../support/stack-outputs";

const NOW = Date.parse("2026-11-24T12:00:00Z");
const T = DEFAULT_THRESHOLDS;
const JOB = "cdc-lakehouse-s-demographics-to-iceberg";

/** The outputs of a deployed `local` copy, as `pulumi stack output --json --show-secrets` prints them (secrets fake). */
function sampleOutputs(): Record<string, any> {
    return {
        platform: "external",
        endpoints: { postgres: { internal: "127.0.0.1:5432", host: "127.0.0.1:5432" }, kafka: { internal: "127.0.0.1:9092", host: "127.0.0.1:9092" } },
        ...serviceAddressOutputs("127.0.0.1"),
        ...demographicsPipelineOutputs("p.s.demographics", JOB),
        s3Region: "us-east-1",
        warehouse: "s3://wh/",
        source: { database: "postgres", schema: "s", publication: "pub", tables: ["demographics"] },
        connector: { name: "cdc-lakehouse-s-postgres-cdc", state: "RUNNING", replicationSlot: "cdc_lakehouse_s_cdc" },
        flinkJobs: { demographics: { name: JOB, jobId: "a".repeat(32), state: "RUNNING", lastSavepoint: "" } },
        dremioSource: { name: "lakehouse", id: "src-1" },
        credentials: {
            postgres: { username: "postgres", password: "pg-secret-1" },
            replication: { username: "debezium", password: "repl-secret-2" },
            s3: { accessKeyId: "lakehouse-admin", secretAccessKey: "s3-secret-3" },
            minio: { accessKeyId: "lakehouse-admin", secretAccessKey: "s3-secret-3" },
            dremio: { username: "admin", password: "dremio-secret-4" },
        },
    };
}

describe("arguments", () => {
    it("parses --stack, --json and thresholds with units, keeping the defaults otherwise", () => {
        expect(parseHealthArgs(["--stack", "dev"])).toEqual({ stack: "dev", json: false, thresholds: DEFAULT_THRESHOLDS });
        const a = parseHealthArgs([
            "--stack=prod",
            "--json",
            "--max-checkpoint-age",
            "2m",
            "--max-consumer-lag=500",
            "--max-slot-lag",
            "512MiB",
            "--max-data-age",
            "1h",
            "--max-commit-age",
            "90",
            "--max-snapshots=100",
            "--max-delete-files",
            "7",
            "--timeout",
            "5s",
        ]);
        expect(a).toEqual({
            stack: "prod",
            json: true,
            thresholds: {
                maxCheckpointAgeSeconds: 120,
                maxConsumerLag: 500,
                maxSlotLagBytes: 512 * 2 ** 20,
                maxDataAgeSeconds: 3600,
                maxCommitAgeSeconds: 90,
                maxSnapshots: 100,
                maxDeleteFiles: 7,
                timeoutSeconds: 5,
            },
        });
        expect(parseHealthArgs(["--outputs-file", "/tmp/o.json"])).toMatchObject({ outputsFile: "/tmp/o.json", json: false });
    });

    it("refuses a missing stack, unknown flags (with a suggestion), missing and malformed values", () => {
        expect(() => parseHealthArgs([])).toThrow(/--stack <name> \(or --outputs-file <path>\) is required/);
        expect(() => parseHealthArgs(["--stack", "dev", "--jsno"])).toThrow(/unknown flag --jsno \(did you mean --json\?\)/);
        expect(() => parseHealthArgs(["--stack"])).toThrow(/--stack needs a value/);
        expect(() => parseHealthArgs(["--stack", "dev", "--max-consumer-lag", "lots"])).toThrow(/--max-consumer-lag must be an integer >= 0, got "lots"/);
        expect(() => parseHealthArgs(["--stack", "dev", "--max-slot-lag", "1 parsec"])).toThrow(UsageError);
        expect(() => parseHealthArgs(["--stack", "dev", "--timeout", "0"])).toThrow(/--timeout must be more than 0/);
        expect(() => parseHealthArgs(["--stack", "a b"])).toThrow(/stack name "a b"/);
        expect(() => parseHealthArgs(["dev"])).toThrow(/unexpected argument "dev"/);
    });

    it("reads durations and sizes", () => {
        expect([parseSeconds("90"), parseSeconds("90s"), parseSeconds("5m"), parseSeconds("1h")]).toEqual([90, 90, 300, 3600]);
        expect([parseBytes("1048576"), parseBytes("1MB"), parseBytes("1MiB"), parseBytes("1.5GiB")]).toEqual([1048576, 1e6, 2 ** 20, 1.5 * 2 ** 30]);
        expect(parseCommandLine(["--json=false"], { json: { type: "flag" } }).options).toEqual({ json: false });
    });
});

describe("stack outputs", () => {
    it("parses the contract, keeps credentials, and lists the secrets for redaction", () => {
        const { outputs, problems } = parseStackOutputs(sampleOutputs());
        expect(problems).toEqual([]);
        expect(outputs.flinkJobs!.demographics).toEqual({ name: JOB, jobId: "a".repeat(32), state: "RUNNING" });
        expect(outputs.pipelineTables!.demographics.consumerGroups).toHaveLength(2);
        expect(secretValues(outputs).sort()).toEqual(["dremio-secret-4", "pg-secret-1", "repl-secret-2", "s3-secret-3", "s3-secret-3"]);
        expect(redact("login pg-secret-1 / s3-secret-3 failed", secretValues(outputs))).toBe("login [secret] / [secret] failed");
    });

    it("names malformed outputs and hidden credentials instead of failing", () => {
        const raw = { ...sampleOutputs(), credentials: "[secret]", flinkRestUrl: "http://x", pipelineTables: { demographics: { mode: "sideways" } } };
        const { outputs, problems } = parseStackOutputs(raw);
        expect(problems).toEqual([
            "output flinkRestUrl: expected { internal, host }",
            "output pipelineTables.demographics: expected { mode, topic, job, consumerGroups, upsertTable?, changelogTable? }",
            "output credentials is hidden ([secret]): read the outputs with `pulumi stack output --json --show-secrets`",
        ]);
        expect(outputs.flinkRestUrl).toBeUndefined();
        expect(outputs.credentials).toBeUndefined();
        expect(parseStackOutputs([]).problems).toEqual(["the stack outputs are not a JSON object"]);
    });

    it("walks pipelineTables, or derives the same from the older outputs and says so", () => {
        const { outputs } = parseStackOutputs(sampleOutputs());
        expect(pipelineView(outputs)).toEqual([
            {
                table: "demographics",
                mode: "both",
                topic: "p.s.demographics",
                jobName: JOB,
                jobId: "a".repeat(32),
                consumerGroups: [`${JOB}-current`, `${JOB}-changes`],
                icebergTables: [
                    { kind: "upsert", identifier: "nessie.cdc.demographics" },
                    { kind: "changelog", identifier: "nessie.cdc.demographics_changes" },
                ],
                derived: [],
            },
        ]);
        const older = sampleOutputs();
        delete older.pipelineTables;
        delete older.source;
        const view = pipelineView(parseStackOutputs(older).outputs);
        expect(view[0]).toMatchObject({ table: "demographics", mode: "both", topic: "p.s.demographics", consumerGroups: [`${JOB}-current`, `${JOB}-changes`] });
        expect(view[0].derived[0]).toMatch(/pipelineTables output absent/);
    });

    it("splits identifiers, S3 locations and addresses", () => {
        expect(nessieContentKey("nessie.cdc.demographics")).toBe("cdc.demographics");
        expect(() => nessieContentKey("demographics")).toThrow(/not a <catalog>.<namespace>.<table>/);
        expect(parseS3Uri("s3://wh/")).toEqual({ bucket: "wh", prefix: "" });
        expect(parseS3Uri("s3://wh/a/b")).toEqual({ bucket: "wh", prefix: "a/b/" });
        expect(() => parseS3Uri("/wh")).toThrow(/not an s3:/);
        expect(parseHostPort("127.0.0.1:5432", 1)).toEqual({ host: "127.0.0.1", port: 5432 });
        expect(parseHostPort("db.internal", 5432)).toEqual({ host: "db.internal", port: 5432 });
        expect(tableLocation("s3://wh/cdc/t_1/metadata/00001-x.metadata.json")).toBe("s3://wh/cdc/t_1");
        expect(commitFilter("cdc.demographics")).toBe("operations.exists(op, op.key == 'cdc.demographics')");
    });

    it("uses path-style S3 for MinIO and virtual-hosted for AWS", () => {
        const { outputs } = parseStackOutputs(sampleOutputs());
        expect(s3Target(outputs)).toMatchObject({ endpoint: "http://127.0.0.1:9000", forcePathStyle: true, accessKeyId: "lakehouse-admin" });
        const aws = parseStackOutputs({
            ...sampleOutputs(),
            s3Endpoint: { internal: "https://s3.eu-west-1.amazonaws.com", host: "https://s3.eu-west-1.amazonaws.com" },
            credentials: { s3: { accessKeyId: "AK", secretAccessKey: "x" } },
        });
        expect(s3Target(aws.outputs)).toMatchObject({ forcePathStyle: false });
        expect(s3Target(parseStackOutputs({ ...sampleOutputs(), credentials: undefined }).outputs)).toMatch(/credentials.s3/);
    });
});

describe("evaluating measurements", () => {
    it("formats ages, sizes and combines statuses", () => {
        expect([formatAge(8), formatAge(192), formatAge(7500), formatAge(3 * 86400 + 4 * 3600)]).toEqual(["8 s", "3 min 12 s", "2 h 5 min", "3 d 4 h"]);
        expect([formatBytes(512), formatBytes(1536), formatBytes(3 * 2 ** 30)]).toEqual(["512 B", "1.5 KiB", "3.0 GiB"]);
        expect(worst()).toBe("PASS");
        expect(worst("PASS", "WARN")).toBe("WARN");
        expect(worst("WARN", "FAIL", "PASS")).toBe("FAIL");
    });

    it("Flink cluster: PASS with TaskManagers, FAIL without", () => {
        const o = { flinkVersion: "1.20.3", taskManagers: 1, slotsTotal: 4, slotsAvailable: 3, jobsRunning: 1, jobsFailed: 0 };
        expect(evaluateFlinkCluster("http://f:8081", o)).toMatchObject({
            status: "PASS",
            detail: "Flink 1.20.3 at http://f:8081: 1 TaskManager(s), 3/4 slots free, 1 job(s) running",
        });
        expect(evaluateFlinkCluster("http://f:8081", { ...o, taskManagers: 0 })).toMatchObject({
            status: "FAIL",
            detail: expect.stringMatching(/no TaskManager registered/),
        });
    });

    const running = (jobId = "j1", startTime = NOW - 600_000) => ({ jobId, name: JOB, state: "RUNNING", startTime });
    const checkpoints = (ageMs: number) => ({ completed: 10, failed: 0, inProgress: 0, lastCompleted: { id: 10, ackTimestamp: NOW - ageMs } });

    it("Flink job: RUNNING with a recent checkpoint passes; an old checkpoint fails", () => {
        const ok = evaluateFlinkJob(
            "demographics",
            { name: JOB, jobId: "j1" },
            { exported: running(), liveByName: [], checkpoints: checkpoints(4000) },
            T,
            NOW,
        );
        expect(ok).toMatchObject({
            name: "flink.job.demographics",
            status: "PASS",
            metrics: { jobId: "j1", state: "RUNNING", checkpointAgeSeconds: 4, staleJobId: false },
        });
        expect(ok.detail).toBe(`"${JOB}" RUNNING as j1 for 10 min; last checkpoint #10 4 s ago`);
        const old = evaluateFlinkJob(
            "demographics",
            { name: JOB, jobId: "j1" },
            { exported: running(), liveByName: [], checkpoints: checkpoints(400_000) },
            T,
            NOW,
        );
        expect(old.status).toBe("FAIL");
        expect(old.detail).toMatch(/last completed checkpoint #10 is 6 min 40 s old \(more than 5 min\)/);
    });

    it("Flink job: no checkpoint yet warns on a young job and fails on an old one; a newer failed checkpoint warns", () => {
        const none = { completed: 0, failed: 0, inProgress: 1 };
        expect(evaluateFlinkJob("t", { jobId: "j1" }, { exported: running("j1", NOW - 20_000), liveByName: [], checkpoints: none }, T, NOW).status).toBe(
            "WARN",
        );
        expect(evaluateFlinkJob("t", { jobId: "j1" }, { exported: running("j1", NOW - 900_000), liveByName: [], checkpoints: none }, T, NOW)).toMatchObject({
            status: "FAIL",
            detail: expect.stringMatching(/no checkpoint completed in 15 min/),
        });
        const failedLater = {
            ...checkpoints(20_000),
            failed: 1,
            lastFailed: { id: 11, failureTimestamp: NOW - 5000, message: "Checkpoint expired before completing." },
        };
        expect(evaluateFlinkJob("t", { jobId: "j1" }, { exported: running(), liveByName: [], checkpoints: failedLater }, T, NOW)).toMatchObject({
            status: "WARN",
            detail: expect.stringMatching(/checkpoint #11 failed 5 s ago: Checkpoint expired/),
        });
    });

    it("Flink job: a stale id with the job running under its name warns; nothing running fails with Flink's exception", () => {
        const m: FlinkJobMeasurement = {
            exported: { jobId: "old", name: JOB, state: "CANCELED" },
            liveByName: [running("new")],
            checkpoints: checkpoints(1000),
        };
        expect(chooseJob(m)).toEqual({ job: running("new"), stale: true });
        const stale = evaluateFlinkJob("t", { name: JOB, jobId: "old" }, m, T, NOW);
        expect(stale).toMatchObject({ status: "WARN", metrics: { jobId: "new", exportedJobId: "old", staleJobId: true } });
        expect(stale.detail).toMatch(/exported job id old is CANCELED .*run `pulumi up --refresh` to put the job back under the stack/);
        const failed = evaluateFlinkJob(
            "t",
            { name: JOB, jobId: "old" },
            { exported: { jobId: "old", name: JOB, state: "FAILED" }, liveByName: [], exception: "java.lang.RuntimeException: boom" },
            T,
            NOW,
        );
        expect(failed).toMatchObject({ status: "FAIL", metrics: { state: "FAILED" } });
        expect(failed.detail).toBe(
            `job "${JOB}" old is FAILED, and no running job is named "${JOB}"; Flink's exception: java.lang.RuntimeException: boom; run \`pulumi up --refresh\` to resubmit it from its last savepoint or checkpoint (a plain \`pulumi up\` does not notice a job that is gone)`,
        );
        const missingJob = evaluateFlinkJob("t", { name: JOB, jobId: "gone" }, { exported: null, liveByName: [] }, T, NOW);
        expect(missingJob).toMatchObject({
            status: "FAIL",
            detail: expect.stringMatching(/gone is unknown to Flink.*run `pulumi up --refresh` to resubmit it/),
        });
        // A job Flink is recovering (e.g. after a JobManager failover) says so, and what to run if it stays there.
        const restarting = evaluateFlinkJob(
            "t",
            { name: JOB, jobId: "j1" },
            { exported: { jobId: "j1", name: JOB, state: "RESTARTING" }, liveByName: [{ jobId: "j1", name: JOB, state: "RESTARTING" }] },
            T,
            NOW,
        );
        expect(restarting).toMatchObject({
            status: "FAIL",
            detail: expect.stringMatching(/j1 is RESTARTING.*Flink is bringing it back .*if it stays RESTARTING, run `pulumi up --refresh`/),
        });
    });

    it("reduces Flink's checkpoint statistics", () => {
        const stats = {
            counts: { completed: 3, failed: 1, in_progress: 0 },
            latest: {
                completed: { id: 3, latest_ack_timestamp: 1000, end_to_end_duration: 40 },
                failed: { id: 2, failure_timestamp: 900, failure_message: "expired\nat ..." },
            },
        };
        expect(reduceCheckpoints(stats)).toEqual({
            completed: 3,
            failed: 1,
            inProgress: 0,
            lastCompleted: { id: 3, ackTimestamp: 1000, durationMs: 40 },
            lastFailed: { id: 2, failureTimestamp: 900, message: "expired" },
        });
        expect(reduceCheckpoints({ counts: {}, latest: { completed: null } })).toEqual({ completed: 0, failed: 0, inProgress: 0 });
        // The newest savepoint, when one completed; one in progress or failed is not it.
        const savepoint = { id: 7, status: "COMPLETED", latest_ack_timestamp: 1200, external_path: "s3://wh/flink/savepoints/savepoint-abc" };
        expect(reduceCheckpoints({ counts: {}, latest: { savepoint } }).lastSavepoint).toEqual({
            id: 7,
            ackTimestamp: 1200,
            path: "s3://wh/flink/savepoints/savepoint-abc",
        });
        expect(reduceCheckpoints({ counts: {}, latest: { savepoint: { ...savepoint, status: "IN_PROGRESS" } } }).lastSavepoint).toBeUndefined();
    });

    it("periodic savepoints: the newest savepoint's age, WARN past two intervals and one savepoint's bound, naming the job", () => {
        const periodic = { intervalSeconds: 600, timeoutSeconds: 240, job: { name: "cdc-lakehouse-dev-periodic-savepoints" } };
        expect(maxSavepointAgeSeconds(periodic)).toBe(1440);
        const measured = (lastSavepoint?: { id: number; ackTimestamp: number }, startedAgoMs = 3_600_000) => ({
            exported: running("j1", NOW - startedAgoMs),
            liveByName: [],
            checkpoints: {
                completed: 5,
                failed: 0,
                inProgress: 0,
                lastCompleted: { id: 5, ackTimestamp: NOW - 3000 },
                ...(lastSavepoint ? { lastSavepoint } : {}),
            },
        });
        const fresh = evaluateFlinkJob("t", { jobId: "j1" }, measured({ id: 4, ackTimestamp: NOW - 300_000 }), T, NOW, periodic);
        expect(fresh.status).toBe("PASS");
        expect(fresh.detail).toMatch(/; newest savepoint #4 5 min ago$/);
        expect(fresh.metrics.savepointAgeSeconds).toBe(300);
        const late = evaluateFlinkJob("t", { jobId: "j1" }, measured({ id: 4, ackTimestamp: NOW - 1_500_000 }), T, NOW, periodic);
        expect(late).toMatchObject({
            status: "WARN",
            detail: expect.stringContaining(
                'newest savepoint #4 is 25 min old (more than 24 min; the periodic-savepoints job "cdc-lakehouse-dev-periodic-savepoints" takes one every 10 min: check flink.job.periodic-savepoints',
            ),
        });
        // None yet: fine for a job younger than the bound, WARN for an older one.
        expect(evaluateFlinkJob("t", { jobId: "j1" }, measured(undefined, 60_000), T, NOW, periodic)).toMatchObject({
            status: "PASS",
            detail: expect.stringMatching(/no savepoint yet/),
        });
        expect(evaluateFlinkJob("t", { jobId: "j1" }, measured(undefined), T, NOW, periodic)).toMatchObject({
            status: "WARN",
            detail: expect.stringMatching(/no savepoint in the 1 h the JobManager has run the job \(more than 24 min;/),
        });
        // Without periodic savepoints declared, the line says nothing about savepoints.
        expect(evaluateFlinkJob("t", { jobId: "j1" }, measured(undefined), T, NOW).detail).not.toMatch(/savepoint/);
    });

    it("Kafka: message count is the sum of high minus low; lag is end minus committed", () => {
        const parts = [
            { partition: 0, low: 10, high: 110 },
            { partition: 1, low: 0, high: 50 },
        ];
        expect(topicMessageCount(parts)).toBe(150);
        expect(evaluateTopic("t", "p.s.t", parts)).toMatchObject({ status: "PASS", metrics: { messages: 150, partitions: 2, endOffset: 160 } });
        expect(evaluateTopic("t", "p.s.t", null)).toMatchObject({
            status: "FAIL",
            detail: expect.stringMatching(/topic p.s.t does not exist .*run `pulumi up --refresh` to recreate it/),
        });
        expect(consumerLag(parts, { 0: 100, 1: 50 })).toEqual({ lag: 10, uncommitted: [] });
        expect(consumerLag(parts, { 0: 5, 1: -1 })).toEqual({ lag: 150, uncommitted: [1] });
        expect(evaluateConsumerGroup("g", "p.s.t", parts, { 0: 100, 1: 50 }, T)).toMatchObject({
            status: "PASS",
            detail: "group g is 10 message(s) behind p.s.t",
            metrics: { lag: 10 },
        });
        expect(evaluateConsumerGroup("g", "p.s.t", parts, { 0: 100, 1: 50 }, { ...T, maxConsumerLag: 5 })).toMatchObject({
            status: "FAIL",
            detail: expect.stringMatching(/10 message\(s\) behind p.s.t \(more than 5\)/),
        });
        expect(evaluateConsumerGroup("g", "p.s.t", parts, { 0: 100 }, T)).toMatchObject({
            status: "WARN",
            detail: expect.stringMatching(/no committed offset on partition\(s\) 1/),
        });
        expect(evaluateConsumerGroup("g", "p.s.t", [{ partition: 0, low: 0, high: 0 }], {}, T)).toMatchObject({ status: "PASS", metrics: { lag: 0 } });
        expect(evaluateConsumerGroup("g", "p.s.t", parts, { error: "GROUP_AUTHORIZATION_FAILED" }, T)).toMatchObject({
            status: "FAIL",
            detail: expect.stringMatching(/GROUP_AUTHORIZATION_FAILED/),
        });
    });

    it("Connect: all RUNNING passes; paused, missing or failed fails with the trace's cause", () => {
        const running = { state: "RUNNING", tasks: [{ id: 0, state: "RUNNING" }] };
        expect(evaluateConnector("c", "RUNNING", { workerVersion: "3.9.1", status: running })).toMatchObject({
            status: "PASS",
            detail: "connector c RUNNING, task 0 RUNNING (Connect 3.9.1)",
            metrics: { tasks: 1, tasksRunning: 1 },
        });
        expect(evaluateConnector("c", "RUNNING", { status: { state: "PAUSED", tasks: [{ id: 0, state: "PAUSED" }] } })).toMatchObject({
            status: "FAIL",
            detail: expect.stringMatching(
                /is PAUSED \(the stack declares RUNNING\).*run `pulumi up --refresh` to put it back in the declared state \(or resume it: PUT \/connectors\/c\/resume on the Connect REST API\)/,
            ),
        });
        expect(evaluateConnector("c", "RUNNING", { status: { state: "STOPPED", tasks: [] } }, "http://localhost:8083/").detail).toMatch(
            /or resume it: curl -X PUT 'http:\/\/localhost:8083\/connectors\/c\/resume'\)$/,
        );
        expect(evaluateConnector("c", "PAUSED", { status: { state: "PAUSED", tasks: [{ id: 0, state: "PAUSED" }] } }).status).toBe("WARN");
        expect(evaluateConnector("c", "RUNNING", { status: null })).toMatchObject({
            status: "FAIL",
            metrics: { state: "MISSING" },
            detail: expect.stringMatching(/deleted out of band\?\): run `pulumi up --refresh` to recreate it$/),
        });
        const trace =
            'org.apache.kafka.connect.errors.ConnectException: x\n\tat ...\nCaused by: org.postgresql.util.PSQLException: FATAL: password authentication failed for user "debezium"';
        const failed = evaluateConnector("c", "RUNNING", { status: { state: "RUNNING", tasks: [{ id: 0, state: "FAILED", trace }] } });
        expect(failed.status).toBe("FAIL");
        expect(failed.detail).toMatch(/task 0: org.postgresql.util.PSQLException: FATAL: password authentication failed/);
        // `pulumi up --refresh` would not restart a failed task of a RUNNING connector: the message names Connect's restart.
        expect(
            evaluateConnector("c", "RUNNING", { status: { state: "RUNNING", tasks: [{ id: 0, state: "FAILED", trace }] } }, "http://localhost:8083").detail,
        ).toMatch(/restart the failed parts: curl -X POST 'http:\/\/localhost:8083\/connectors\/c\/restart\?includeTasks=true&onlyFailed=true'$/);
        expect(evaluateConnector("c", "RUNNING", { status: { state: "RUNNING", tasks: [] } }).status).toBe("FAIL");
    });

    it("S3 data files: newest age reported; none yet warns; too old fails only with --max-data-age", () => {
        const m = {
            location: "s3://wh/cdc/t/data/",
            files: 3,
            scanned: 3,
            truncated: false,
            newest: { key: "cdc/t/data/00000-1.parquet", lastModified: NOW - 30_000, size: 10 },
        };
        expect(evaluateDataFiles("nessie.cdc.t", m, T, NOW)).toMatchObject({
            status: "PASS",
            detail: "3 data file(s) under s3://wh/cdc/t/data/; newest 30 s old (00000-1.parquet)",
            metrics: { newestAgeSeconds: 30, dataFiles: 3 },
        });
        expect(evaluateDataFiles("nessie.cdc.t", m, { ...T, maxDataAgeSeconds: 10 }, NOW)).toMatchObject({
            status: "FAIL",
            detail: expect.stringMatching(/older than 10 s/),
        });
        expect(evaluateDataFiles("nessie.cdc.t", { ...m, files: 0, newest: undefined }, T, NOW).status).toBe("WARN");
        expect(evaluateDataFiles("nessie.cdc.t", { ...m, truncated: true, scanned: 20000 }, T, NOW).detail).toMatch(/listing stopped after 20000 objects/);
    });

    it("Nessie table: last commit time and hash; missing or not a table fails", () => {
        const m = {
            content: { type: "ICEBERG_TABLE", metadataLocation: "s3://wh/cdc/t/metadata/1.json", snapshotId: "8743464843884057123" },
            lastCommit: { hash: "abcdef0123456789", time: NOW - 65_000, message: "Iceberg append against cdc.t" },
        };
        expect(evaluateNessieTable("nessie.cdc.t", "cdc.t", "main", m, T, NOW)).toMatchObject({
            status: "PASS",
            detail: 'table cdc.t: last commit abcdef012345 1 min 5 s ago at 2026-11-24T11:58:55.000Z ("Iceberg append against cdc.t"), snapshot 8743464843884057123',
            metrics: { lastCommitHash: "abcdef0123456789", lastCommitAgeSeconds: 65, lastCommitTime: "2026-11-24T11:58:55.000Z" },
        });
        expect(evaluateNessieTable("nessie.cdc.t", "cdc.t", "main", m, { ...T, maxCommitAgeSeconds: 60 }, NOW).status).toBe("FAIL");
        expect(evaluateNessieTable("nessie.cdc.t", "cdc.t", "main", { content: null }, T, NOW)).toMatchObject({
            status: "FAIL",
            detail: expect.stringMatching(/does not exist on branch main/),
        });
        expect(evaluateNessieTable("nessie.cdc.t", "cdc.t", "main", { content: { type: "NAMESPACE" } }, T, NOW).status).toBe("FAIL");
    });

    it("replication slot: active under the lag bound passes; inactive, lost, too far behind or missing fails", () => {
        const slot = { plugin: "pgoutput", database: "postgres", active: true, walStatus: "reserved", lagBytes: 2048, retainedBytes: 4096 };
        expect(evaluateSlot("s", { database: "postgres", slot }, T)).toMatchObject({
            status: "PASS",
            detail: "slot s (pgoutput, database postgres) active, 2.0 KiB behind the current WAL, 4.0 KiB of WAL retained",
            metrics: { lagBytes: 2048, active: true },
        });
        expect(evaluateSlot("s", { database: "postgres", slot: { ...slot, active: false } }, T)).toMatchObject({
            status: "FAIL",
            detail: expect.stringMatching(/INACTIVE.*no connector is reading it/),
        });
        expect(evaluateSlot("s", { database: "postgres", slot: { ...slot, walStatus: "lost" } }, T)).toMatchObject({
            status: "FAIL",
            detail: expect.stringMatching(/wal_status lost/),
        });
        expect(evaluateSlot("s", { database: "postgres", slot: { ...slot, lagBytes: 3 * 2 ** 30 } }, T)).toMatchObject({
            status: "FAIL",
            detail: expect.stringMatching(/3.0 GiB behind .*more than 1.0 GiB/),
        });
        expect(evaluateSlot("s", { database: "postgres", slot: null }, T)).toMatchObject({ status: "FAIL", detail: expect.stringMatching(/does not exist/) });
    });

    it("Dremio source: present passes, missing or bad fails, another id warns", () => {
        expect(evaluateDremio("lake", "id1", { source: { id: "id1", type: "NESSIE", status: "good" } })).toMatchObject({
            status: "PASS",
            detail: "source lake (NESSIE) present, id id1, state good",
        });
        expect(evaluateDremio("lake", "id1", { source: null })).toMatchObject({
            status: "FAIL",
            detail: expect.stringMatching(/run `pulumi up --refresh` to recreate it/),
        });
        expect(evaluateDremio("lake", "id1", { source: { id: "id1", status: "bad", message: "Unable to connect to Nessie" } })).toMatchObject({
            status: "FAIL",
            detail: expect.stringMatching(/Unable to connect to Nessie/),
        });
        expect(evaluateDremio("lake", "id1", { source: { id: "id2" } })).toMatchObject({
            status: "WARN",
            detail: expect.stringMatching(/exported id id1 .*run `pulumi up --refresh` to adopt it/),
        });
    });

    it("surfaces the server's own message from each service's error shape", () => {
        expect(
            serverMessage(
                JSON.stringify({
                    errors: ["Internal server error.", "<Exception on server side:\norg.x.Y: top\nCaused by: java.io.IOException: disk full\n>"],
                }),
            ),
        ).toBe("java.io.IOException: disk full");
        expect(serverMessage(JSON.stringify({ error_code: 404, message: "Connector c not found" }))).toBe("Connector c not found");
        expect(serverMessage(JSON.stringify({ errorMessage: "Invalid username or password" }))).toBe("Invalid username or password");
        expect(serverMessage("plain text")).toBe("plain text");
        expect(s3ErrorText({ name: "NotFound", $metadata: { httpStatusCode: 404 } }, "wh")).toBe("bucket wh does not exist");
        expect(
            s3ErrorText({ name: "InvalidAccessKeyId", message: "The Access Key Id you provided does not exist", $metadata: { httpStatusCode: 403 } }, "wh"),
        ).toMatch(/access denied to bucket wh \(InvalidAccessKeyId\)/);
    });
});

/** Probes answering as a healthy pipeline; override one to break it. */
function healthyProbes(overrides: Partial<HealthProbes> = {}): HealthProbes {
    const kafka: KafkaMeasurement = {
        brokers: 1,
        clusterId: "c1",
        topics: { "p.s.demographics": [{ partition: 0, low: 0, high: 7 }] },
        groups: { [`${JOB}-current`]: { "p.s.demographics": { 0: 7 } }, [`${JOB}-changes`]: { "p.s.demographics": { 0: 6 } } },
    };
    return {
        flinkOverview: async () => ({ flinkVersion: "1.20.3", taskManagers: 1, slotsTotal: 4, slotsAvailable: 3, jobsRunning: 1, jobsFailed: 0 }),
        flinkJob: async (_url, ref) => ({
            exported: { jobId: ref.jobId!, name: ref.name!, state: "RUNNING", startTime: NOW - 60_000 },
            liveByName: [],
            checkpoints: { completed: 5, failed: 0, inProgress: 0, lastCompleted: { id: 5, ackTimestamp: NOW - 3000 } },
        }),
        kafka: async () => kafka,
        connector: async () => ({ workerVersion: "3.9.1", status: { state: "RUNNING", tasks: [{ id: 0, state: "RUNNING" }] } }),
        bucket: async () => undefined,
        dataFiles: async (_s3, location) => ({
            location,
            files: 2,
            scanned: 4,
            truncated: false,
            newest: { key: "x/data/1.parquet", lastModified: NOW - 10_000, size: 100 },
        }),
        tableFiles: async (_s3, metadataLocation) => ({
            metadataLocation,
            snapshots: 12,
            oldestSnapshotMs: NOW - 600_000,
            dataFiles: 3,
            deleteFiles: 2,
            lastCompactionMs: null,
            gcEnabled: false,
        }),
        nessieServer: async () => ({ specVersion: "2.2.0", defaultBranch: "main", hash: "f".repeat(64) }),
        nessieTable: async (_api, _branch, key) => ({
            content: { type: "ICEBERG_TABLE", metadataLocation: `s3://wh/${key.replace(".", "/")}_u/metadata/2.metadata.json`, snapshotId: "9" },
            lastCommit: { hash: "e".repeat(64), time: NOW - 5000, message: `Iceberg append against ${key}` },
        }),
        slot: async (pg) => ({
            database: pg.database,
            slot: { plugin: "pgoutput", database: pg.database, active: true, walStatus: "reserved", lagBytes: 100, retainedBytes: 200 },
        }),
        dremio: async () => ({ source: { id: "src-1", type: "NESSIE", status: "good" } }),
        ...overrides,
    };
}

describe("runHealthChecks over injected probes", () => {
    const outputs = () => parseStackOutputs(sampleOutputs()).outputs;

    it("gives every check, in order, all PASS on a healthy pipeline, with exit code 0", async () => {
        const seen: string[] = [];
        const probes = healthyProbes({
            dataFiles: async (_s3, location) => {
                seen.push(location);
                return { location, files: 1, scanned: 1, truncated: false, newest: { key: "k/data/1.parquet", lastModified: NOW - 1000, size: 1 } };
            },
        });
        const checks = await runHealthChecks(outputs(), [], T, probes, () => NOW);
        expect(checks.map((c) => [c.name, c.status])).toEqual([
            ["flink.cluster", "PASS"],
            ["flink.job.demographics", "PASS"],
            ["kafka.broker", "PASS"],
            ["kafka.topic.demographics", "PASS"],
            [`kafka.lag.${JOB}-current`, "PASS"],
            [`kafka.lag.${JOB}-changes`, "PASS"],
            ["connect.connector", "PASS"],
            ["s3.bucket", "PASS"],
            ["s3.data.nessie.cdc.demographics", "PASS"],
            ["iceberg.files.nessie.cdc.demographics", "PASS"],
            ["s3.data.nessie.cdc.demographics_changes", "PASS"],
            ["iceberg.files.nessie.cdc.demographics_changes", "PASS"],
            ["nessie.server", "PASS"],
            ["nessie.table.nessie.cdc.demographics", "PASS"],
            ["nessie.table.nessie.cdc.demographics_changes", "PASS"],
            ["postgres.slot", "PASS"],
            ["dremio.source", "PASS"],
        ]);
        // The data location comes from the table's metadata location in Nessie.
        expect(seen.sort()).toEqual(["s3://wh/cdc/demographics_changes_u/data/", "s3://wh/cdc/demographics_u/data/"]);
        const report = buildReport("dev", checks, new Date(NOW));
        expect(exitCode(report)).toBe(0);
        expect(report).toMatchObject({ stack: "dev", ok: true, checkedAt: "2026-11-24T12:00:00.000Z", summary: { pass: 17, warn: 0, fail: 0 } });
        // JSON shape: exactly these keys per check.
        const json = JSON.parse(JSON.stringify(report));
        expect(Object.keys(json).sort()).toEqual(["checkedAt", "checks", "ok", "stack", "summary"]);
        for (const c of json.checks) expect(Object.keys(c).sort()).toEqual(["detail", "metrics", "name", "status"]);
        const text = formatReport(report);
        expect(text.split("\n")[0]).toBe("health of stack dev at 2026-11-24T12:00:00.000Z");
        expect(text).toMatch(
            /^PASS {2}flink\.job\.demographics +"cdc-lakehouse-s-demographics-to-iceberg" RUNNING as a{32} for 1 min; last checkpoint #5 3 s ago$/m,
        );
        expect(text.split("\n").pop()).toBe("17 checks: 17 PASS, 0 WARN, 0 FAIL");
    });

    it("turns a probe's error into that check's FAIL, redacting secrets, and exits 1", async () => {
        const probes = healthyProbes({
            connector: async () => {
                throw new Error("Kafka Connect GET http://127.0.0.1:8083/: ECONNREFUSED");
            },
            slot: async () => {
                throw new Error('password authentication failed for user "postgres" (tried pg-secret-1)');
            },
        });
        const checks = await runHealthChecks(outputs(), [], T, probes, () => NOW);
        const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
        expect(byName["connect.connector"]).toMatchObject({
            status: "FAIL",
            detail: "Kafka Connect at http://127.0.0.1:8083: Kafka Connect GET http://127.0.0.1:8083/: ECONNREFUSED",
        });
        expect(byName["postgres.slot"].detail).toBe(
            'PostgreSQL at 127.0.0.1:5432 (database postgres): password authentication failed for user "postgres" (tried [secret])',
        );
        const report = buildReport("dev", checks, new Date(NOW));
        expect(report.ok).toBe(false);
        expect(report.summary.fail).toBe(2);
        expect(exitCode(report)).toBe(1);
        expect(formatReport(report)).toMatch(/17 checks: 15 PASS, 0 WARN, 2 FAIL {2}\(unhealthy\)$/);
        expect(JSON.stringify(report)).not.toContain("pg-secret-1");
    });

    it("with periodic savepoints declared: each table job's newest savepoint, and the periodic job's own check", async () => {
        const raw = {
            ...sampleOutputs(),
            periodicSavepoints: {
                job: { name: "cdc-lakehouse-s-periodic-savepoints", jobId: "c".repeat(32), state: "RUNNING", lastSavepoint: "" },
                jobs: [JOB],
                intervalSeconds: 300,
                kept: 3,
                timeoutSeconds: 240,
            },
        };
        const { outputs: parsed, problems } = parseStackOutputs(raw);
        expect(problems).toEqual([]);
        expect(parsed.periodicSavepoints).toEqual({
            ...raw.periodicSavepoints,
            job: { name: "cdc-lakehouse-s-periodic-savepoints", jobId: "c".repeat(32), state: "RUNNING" },
        });
        const asked: string[] = [];
        const probes = healthyProbes();
        const flinkJob = probes.flinkJob;
        probes.flinkJob = async (url, ref, ms) => {
            asked.push(ref.name!);
            const m = await flinkJob(url, ref, ms);
            return ref.name === JOB ? { ...m, checkpoints: { ...m.checkpoints!, lastSavepoint: { id: 4, ackTimestamp: NOW - 1_000_000 } } } : m;
        };
        const checks = await runHealthChecks(parsed, [], T, probes, () => NOW);
        const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
        expect(asked).toEqual([JOB, "cdc-lakehouse-s-periodic-savepoints"]);
        expect(byName[`flink.job.demographics`]).toMatchObject({
            status: "WARN",
            detail: expect.stringMatching(/newest savepoint #4 is 16 min 40 s old \(more than 14 min;/),
        });
        expect(byName["flink.job.periodic-savepoints"]).toMatchObject({ status: "PASS", detail: expect.stringMatching(/RUNNING as c{32}/) });
        expect(byName["flink.job.periodic-savepoints"].detail).not.toMatch(/newest savepoint/);
        expect(parseStackOutputs({ ...raw, periodicSavepoints: { job: {} } }).problems).toEqual([
            "output periodicSavepoints: expected { job: { name, jobId, state }, jobs, intervalSeconds, kept, timeoutSeconds }",
        ]);
    });

    it("bounds a probe that never answers by --timeout", async () => {
        const probes = healthyProbes({ flinkOverview: () => new Promise(() => undefined) });
        const checks = await runHealthChecks(outputs(), [], { ...T, timeoutSeconds: 0.05 }, probes, () => NOW);
        expect(checks[0]).toMatchObject({
            name: "flink.cluster",
            status: "FAIL",
            detail: expect.stringMatching(/Flink GET \/overview: no answer within 50 ms/),
        });
        // The cluster is down: its jobs are not probed one by one.
        expect(checks.some((c) => c.name === "flink.job.demographics")).toBe(false);
    });

    it("reports missing outputs as FAILs naming them, and skips Dremio when the stack has none", async () => {
        const raw = sampleOutputs();
        delete raw.connector;
        delete raw.dremioUrl;
        delete raw.dremioSource;
        raw.credentials = "[secret]";
        const { outputs: o, problems } = parseStackOutputs(raw);
        const checks = await runHealthChecks(o, problems, T, healthyProbes(), () => NOW);
        const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
        expect(checks[0]).toMatchObject({ name: "outputs", status: "WARN", detail: expect.stringMatching(/credentials is hidden/) });
        expect(byName["connect.connector"]).toMatchObject({ status: "FAIL", detail: expect.stringMatching(/^stack output connector missing/) });
        expect(byName["postgres.slot"]).toMatchObject({ status: "FAIL", detail: expect.stringMatching(/connector.replicationSlot missing/) });
        expect(byName["s3.bucket"]).toMatchObject({ status: "FAIL", detail: expect.stringMatching(/credentials.s3/) });
        expect(byName["dremio.source"]).toBeUndefined();
    });

    it("finds a job by name when the exported id is stale (WARN), and fails when neither runs", async () => {
        const stale = healthyProbes({
            flinkJob: async (_u, ref) => ({
                exported: null,
                liveByName: [{ jobId: "b".repeat(32), name: ref.name!, state: "RUNNING", startTime: NOW - 1000 }],
                checkpoints: { completed: 1, failed: 0, inProgress: 0, lastCompleted: { id: 1, ackTimestamp: NOW - 500 } },
            }),
        });
        const job = (await runHealthChecks(parseStackOutputs(sampleOutputs()).outputs, [], T, stale, () => NOW)).find(
            (c) => c.name === "flink.job.demographics",
        )!;
        expect(job).toMatchObject({ status: "WARN", metrics: { jobId: "b".repeat(32), staleJobId: true } });
        const dead = healthyProbes({ flinkJob: async () => ({ exported: null, liveByName: [] }) });
        const checks = await runHealthChecks(parseStackOutputs(sampleOutputs()).outputs, [], T, dead, () => NOW);
        expect(checks.find((c) => c.name === "flink.job.demographics")).toMatchObject({
            status: "FAIL",
            detail: expect.stringMatching(/is unknown to Flink, and no running job is named/),
        });
        expect(exitCode(buildReport(null, checks, new Date(NOW)))).toBe(1);
    });

    it("notes derived consumer groups and the fallback database on a stack without the newer outputs", async () => {
        const raw = sampleOutputs();
        delete raw.pipelineTables;
        delete raw.source;
        let database = "";
        const probes = healthyProbes({
            slot: async (pg) => {
                database = pg.database;
                return { database: pg.database, slot: { plugin: "pgoutput", database: "postgres", active: true, lagBytes: 0, retainedBytes: 0 } };
            },
        });
        const checks = await runHealthChecks(parseStackOutputs(raw).outputs, [], T, probes, () => NOW);
        expect(database).toBe("postgres");
        expect(checks.find((c) => c.name === `kafka.lag.${JOB}-current`)!.detail).toMatch(/group name derived: pipelineTables output absent/);
        expect(checks.find((c) => c.name === "postgres.slot")).toMatchObject({
            status: "PASS",
            detail: expect.stringMatching(/source output absent: connected to database postgres/),
        });
    });
});

describe("a stack on a secured Kafka and PostgreSQL (issue 19)", () => {
    const CA = "-----BEGIN CERTIFICATE-----\nMIIBCA\n-----END CERTIFICATE-----\n";
    const securedOutputs = () => {
        const raw = sampleOutputs();
        raw.connectionSecurity = {
            kafka: { protocol: "SASL_SSL", saslMechanism: "SCRAM-SHA-512", username: "lakehouse", caCert: CA },
            postgres: { sslmode: "verify-full", caCert: CA },
        };
        raw.credentials.kafka = { username: "lakehouse", password: "kafka-secret-5" };
        return raw;
    };

    it("reads connectionSecurity and the SASL login; the password is one of the values every report redacts", () => {
        const { outputs, problems } = parseStackOutputs(securedOutputs());
        expect(problems).toEqual([]);
        expect(kafkaAccess(outputs)).toEqual({
            security: { protocol: "SASL_SSL", saslMechanism: "SCRAM-SHA-512", username: "lakehouse", caCert: CA },
            credentials: { password: "kafka-secret-5" },
        });
        expect(postgresTls(outputs)).toEqual({ sslmode: "verify-full", caCert: CA });
        expect(secretValues(outputs)).toContain("kafka-secret-5");
        // A stack deployed before the output existed, or a plaintext one: PLAINTEXT and sslmode disable.
        const plain = parseStackOutputs(sampleOutputs()).outputs;
        expect(kafkaAccess(plain)).toEqual({});
        expect(postgresTls(plain)).toBeUndefined();
        expect(parseStackOutputs({ ...sampleOutputs(), connectionSecurity: { kafka: {} } }).problems).toEqual([
            'output connectionSecurity: expected { kafka: { protocol, ... }, postgres: { sslmode, ... }[, nessie: { auth: "none" | "bearer", caCert? }][, connect: { caCert }][, dremio: { caCert }][, s3: { caCert }][, flink: { caCert }] }',
        ]);
    });

    it("hands the Kafka and PostgreSQL probes the stack's security", async () => {
        const seen: { kafka?: unknown; pg?: unknown } = {};
        const base = healthyProbes();
        const probes = healthyProbes({
            kafka: async (bootstrap, topics, groups, ms, access) => {
                seen.kafka = access;
                return base.kafka(bootstrap, topics, groups, ms, access);
            },
            slot: async (pg, slot, ms) => {
                seen.pg = pg.tls;
                return base.slot(pg, slot, ms);
            },
        });
        const checks = await runHealthChecks(parseStackOutputs(securedOutputs()).outputs, [], T, probes, () => NOW);
        expect(checks.filter((c) => c.status !== "PASS")).toEqual([]);
        expect(seen.kafka).toEqual({
            security: expect.objectContaining({ protocol: "SASL_SSL", username: "lakehouse" }),
            credentials: { password: "kafka-secret-5" },
        });
        expect(seen.pg).toEqual({ sslmode: "verify-full", caCert: CA });
    });
});
