/**
 * The pipeline settle check: its inputs check, its diff (the fingerprint), its verdict on scripted
 * observations, the bounded settle loop, and the whole provider (as written and as serialized into
 * the state) against a scripted stand-in of Flink's REST API, Kafka Connect's REST API and S3 (a local
 * HTTP server), for the answers the real-service tests cannot produce at will.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { classifyJobFailure } from "../../../components/dynamic/job-failures";
import {
    PipelineObservation,
    checkPipelineCheckInputs,
    diffPipelineCheck,
    fingerprint,
    judgePipeline,
    pipelineCheckProvider,
    settlePipeline,
} from "../../../components/dynamic/pipeline-check";
import { bothForms } from "../../support/dynamic";
import { FLINK_TRACES } from "./flink-traces";

const JOB = "0123456789abcdef0123456789abcdef";

const inputs = (extra: Record<string, unknown> = {}) => ({
    flinkRestUrl: "http://jm:8081",
    connectUrl: "http://connect:8083",
    jobs: [{ table: "demographics", name: "lh-demographics-to-iceberg", jobId: JOB, sqlHash: "a".repeat(64), required: true }],
    connector: { name: "lh-postgres-cdc", configHash: "b".repeat(64), required: true },
    warehouse: { endpoint: "http://s3:9000", region: "us-east-1", bucket: "warehouse", pathStyle: true, accessKeyId: "lakehouse" },
    s3SecretAccessKey: "s3-secret-value-1",
    namespace: "main:cdc",
    timeoutSeconds: 120,
    status: "settled",
    version: 1,
    ...extra,
});

const running = {
    status: 200,
    json: {
        state: "RUNNING",
        vertices: [
            { name: "Source: demographics_cdc", status: "RUNNING" },
            { name: "IcebergFilesCommitter", status: "RUNNING" },
        ],
    },
};
const checkpoints = (completed?: number, failed?: { id: number; at: number; message: string }) => ({
    status: 200,
    json: {
        latest: {
            completed: completed ? { id: completed, latest_ack_timestamp: 1000 + completed } : null,
            failed: failed ? { id: failed.id, failure_timestamp: failed.at, failure_message: failed.message } : null,
        },
    },
});
const history = (...traces: string[]) => ({
    status: 200,
    json: {
        "root-exception": traces[0] ?? null,
        exceptionHistory: {
            entries: traces.map((stacktrace, i) => ({ stacktrace, timestamp: 5000 - i, taskName: "Source: demographics_cdc[1] -> Calc[2] (1/1)#3" })),
        },
    },
});
const connectorRunning = {
    name: "lh-postgres-cdc",
    status: { status: 200, json: { connector: { state: "RUNNING", worker_id: "w:8083" }, tasks: [{ id: 0, state: "RUNNING", worker_id: "w:8083" }] } },
};

const observation = (over: Partial<PipelineObservation> = {}): PipelineObservation => ({
    jobs: [{ table: "demographics", name: "lh-demographics-to-iceberg", jobId: JOB, job: running, checkpoints: checkpoints(7), exceptions: history() }],
    connector: connectorRunning,
    warehouse: { ok: true, objects: 1 },
    ...over,
});

describe("checkPipelineCheckInputs", () => {
    test("valid inputs pass; bad ones name the property", () => {
        expect(checkPipelineCheckInputs(inputs())).toEqual([]);
        const failures = checkPipelineCheckInputs(inputs({ flinkRestUrl: "jm:8081", timeoutSeconds: 5, s3SecretAccessKey: "" }));
        expect(failures.map((f) => f.property).sort()).toEqual(["flinkRestUrl", "s3SecretAccessKey", "timeoutSeconds"]);
        expect(failures.find((f) => f.property === "timeoutSeconds")!.reason).toContain("lakehouse:pipeline.verifyTimeoutSeconds");
    });

    test("unknown values (preview) are not validated", () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        expect(checkPipelineCheckInputs(inputs({ flinkRestUrl: unknown, jobs: unknown }))).toEqual([]);
    });
});

describe("diffPipelineCheck (the fingerprint)", () => {
    test("an unchanged pipeline shows no diff, whatever the key order", () => {
        const olds = { ...inputs(), settledSeconds: 6.2, summary: "pipeline settled", verifiedAt: "2026-01-01T00:00:00Z" };
        const reverse = (v: any): any =>
            Array.isArray(v)
                ? v.map(reverse)
                : v && typeof v === "object"
                  ? Object.fromEntries(
                        Object.keys(v)
                            .reverse()
                            .map((k) => [k, reverse(v[k])]),
                    )
                  : v;
        const reordered = reverse(inputs());
        expect(Object.keys(reordered)[0]).toBe("version");
        expect(diffPipelineCheck(olds, reordered)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false, changedKeys: [] });
    });

    test("a resubmitted job, another connector config or bucket re-runs the check; exactly that key changes", () => {
        const olds = inputs();
        expect(diffPipelineCheck(olds, inputs({ jobs: [{ ...olds.jobs[0], jobId: "f".repeat(32) }] })).changedKeys).toEqual(["jobs"]);
        expect(diffPipelineCheck(olds, inputs({ connector: { ...olds.connector, configHash: "c".repeat(64) } })).changedKeys).toEqual(["connector"]);
        expect(diffPipelineCheck(olds, inputs({ warehouse: { ...olds.warehouse, bucket: "other" } })).changedKeys).toEqual(["warehouse"]);
        expect(diffPipelineCheck(olds, inputs({ timeoutSeconds: 60 })).changedKeys).toEqual(["timeoutSeconds"]);
    });

    test("an unhealthy refresh (status) is a change, so up --refresh re-verifies", () => {
        expect(diffPipelineCheck({ ...inputs(), status: "unhealthy: Flink job x is RESTARTING" }, inputs()).changedKeys).toEqual(["status"]);
    });

    test("fingerprint ignores key order, not values", () => {
        expect(fingerprint({ a: 1, b: { c: "x", d: [1, 2] } })).toBe(fingerprint({ b: { d: [1, 2], c: "x" }, a: 1 }));
        expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
        expect(fingerprint({ a: [1, 2] })).not.toBe(fingerprint({ a: [2, 1] }));
    });
});

describe("the failure classification the settle check and the Flink job share (components/dynamic/job-failures.ts)", () => {
    test.each(Object.entries(FLINK_TRACES))("%s", (_name, trace) => {
        expect(classifyJobFailure(trace.text).kind).toBe(trace.kind);
    });
});

describe("judgePipeline", () => {
    const baseline = { [JOB]: 7 };

    test("settled: every job RUNNING with a checkpoint after the baseline, the connector RUNNING, the warehouse readable", () => {
        const v = judgePipeline(inputs(), observation({ jobs: [{ ...observation().jobs[0], checkpoints: checkpoints(8) }] }), baseline);
        expect(v.verdict).toBe("settled");
        expect(v.parts).toEqual([
            "lh-demographics-to-iceberg RUNNING (checkpoint 8 completed)",
            "connector lh-postgres-cdc RUNNING (1 task)",
            "warehouse s3://warehouse/ at http://s3:9000 readable",
        ]);
    });

    test("waiting: no checkpoint completed since the check started (the last one failed)", () => {
        const v = judgePipeline(
            inputs(),
            observation({ jobs: [{ ...observation().jobs[0], checkpoints: checkpoints(7, { id: 8, at: 2000, message: "Checkpoint expired" }) }] }),
            baseline,
        );
        expect(v.verdict).toBe("waiting");
        expect(v.waiting).toEqual([
            `Flink job lh-demographics-to-iceberg (${JOB}, table demographics): RUNNING, waiting for a checkpoint to complete after #7; checkpoint 8 failed: Checkpoint expired`,
        ]);
    });

    test("waiting: a job RESTARTING on a transient failure (NoSuchBucket while the bucket comes back) names Flink's exception", () => {
        const job = { status: 200, json: { state: "RESTARTING", vertices: [{ name: "Source: demographics_cdc", status: "CANCELED" }] } };
        const v = judgePipeline(
            inputs(),
            observation({ jobs: [{ ...observation().jobs[0], job, exceptions: history(FLINK_TRACES.noSuchBucket.text, FLINK_TRACES.noSuchBucket.text) }] }),
            baseline,
        );
        expect(v.verdict).toBe("waiting");
        expect(v.waiting[0]).toMatch(/job RESTARTING, tasks Source: demographics_cdc: CANCELED; last exception: .*NoSuchBucketException/);
    });

    test("failed at once: a deterministic failure names Flink's exception and the config key", () => {
        const job = { status: 200, json: { state: "RESTARTING", vertices: [] } };
        const v = judgePipeline(
            inputs(),
            observation({ jobs: [{ ...observation().jobs[0], job, checkpoints: checkpoints(), exceptions: history(FLINK_TRACES.numberFormat.text) }] }),
            baseline,
        );
        expect(v.verdict).toBe("failed");
        expect(v.failures[0]).toContain('java.lang.NumberFormatException: For input string: "2024-05-01T10:00:00Z"');
        expect(v.failures[0]).toContain("lakehouse:source.tables.demographics.columns");
    });

    test("a deterministic failure before the last completed checkpoint is history, not a verdict", () => {
        const old = { status: 200, json: { exceptionHistory: { entries: [{ stacktrace: FLINK_TRACES.numberFormat.text, timestamp: 500 }] } } };
        const v = judgePipeline(inputs(), observation({ jobs: [{ ...observation().jobs[0], checkpoints: checkpoints(8), exceptions: old }] }), baseline);
        expect(v.verdict).toBe("settled");
    });

    test("failed at once: a job that ended, a FAILED connector task (its trace), a missing bucket (S3's error)", () => {
        const ended = judgePipeline(
            inputs(),
            observation({
                jobs: [{ ...observation().jobs[0], job: { status: 200, json: { state: "FAILED" } }, exceptions: history(FLINK_TRACES.noSuchBucket.text) }],
            }),
            baseline,
        );
        expect(ended.failures[0]).toMatch(/is FAILED: .*NoSuchBucketException/);
        const taskFailed = {
            name: "lh-postgres-cdc",
            status: {
                status: 200,
                json: {
                    connector: { state: "RUNNING" },
                    tasks: [
                        {
                            id: 0,
                            state: "FAILED",
                            worker_id: "w:8083",
                            trace: 'org.apache.kafka.connect.errors.ConnectException: boom\n\tat x\nCaused by: org.postgresql.util.PSQLException: FATAL: password authentication failed for user "dbz"',
                        },
                    ],
                },
            },
        };
        expect(judgePipeline(inputs(), observation({ connector: taskFailed }), baseline).failures).toEqual([
            'connector lh-postgres-cdc task 0 is FAILED on w:8083: org.postgresql.util.PSQLException: FATAL: password authentication failed for user "dbz"',
        ]);
        const gone = judgePipeline(
            inputs(),
            observation({ warehouse: { ok: false, name: "NoSuchBucket", message: "The specified bucket does not exist (HTTP 404)" } }),
            baseline,
        );
        expect(gone.verdict).toBe("failed");
        expect(gone.failures).toEqual([
            "warehouse s3://warehouse/ at http://s3:9000 is not readable: NoSuchBucket: The specified bucket does not exist (HTTP 404)",
        ]);
        const unreachable = judgePipeline(inputs(), observation({ warehouse: { ok: false, name: "ECONNREFUSED", message: "connect ECONNREFUSED" } }), baseline);
        expect(unreachable.verdict).toBe("waiting");
    });

    test("declared states: a STOPPED job and a PAUSED connector are not required (and not probed)", () => {
        const declared = inputs({ jobs: [{ ...inputs().jobs[0], required: false }], connector: { ...inputs().connector, required: false } });
        const v = judgePipeline(declared, { jobs: [], warehouse: { ok: true, objects: 0 } }, {});
        expect(v.verdict).toBe("settled");
    });

    test("the quick probe (read): a last checkpoint that failed after the last completed one is unhealthy", () => {
        const v = judgePipeline(
            inputs(),
            observation({ jobs: [{ ...observation().jobs[0], checkpoints: checkpoints(7, { id: 8, at: 9999, message: "NoSuchBucket" }) }] }),
        );
        expect(v.verdict).toBe("failed");
        expect(v.failures[0]).toContain("its last checkpoint (8) failed: NoSuchBucket");
        expect(judgePipeline(inputs(), observation()).verdict).toBe("settled");
    });
});

describe("settlePipeline (bounded, backed off, says what it waits for)", () => {
    const noSleep = async () => undefined;

    test("waits for a new checkpoint, then settles and reports how long it took", async () => {
        const script = [checkpoints(7), checkpoints(7), checkpoints(9)];
        let call = 0;
        const lines: string[] = [];
        const result = await settlePipeline(
            inputs(),
            60_000,
            async () => observation({ jobs: [{ ...observation().jobs[0], checkpoints: script[Math.min(call++, script.length - 1)] }] }),
            (l) => lines.push(l),
            noSleep,
        );
        expect(call).toBe(3);
        expect(result.summary).toMatch(/^pipeline settled in [\d.]+ s: lh-demographics-to-iceberg RUNNING \(checkpoint 9 completed\)/);
        expect(lines[0]).toMatch(/waiting for Flink job lh-demographics-to-iceberg .* checkpoint to complete after #7/);
        expect(lines.filter((l) => l.includes("waiting for"))).toHaveLength(1);
    });

    test("times out naming what it still waits for and the config key", async () => {
        const sleeps: number[] = [];
        await expect(
            settlePipeline(
                inputs(),
                10,
                async () => observation(),
                () => undefined,
                async (ms) => {
                    sleeps.push(ms);
                },
            ),
        ).rejects.toThrow(
            /did not settle within 0 s \(lakehouse:pipeline.verifyTimeoutSeconds\); still waiting for:\n {2}- Flink job .* waiting for a checkpoint to complete after #7/,
        );
    });

    test("fails at once on a part waiting cannot fix", async () => {
        let calls = 0;
        await expect(
            settlePipeline(
                inputs(),
                60_000,
                async () => {
                    calls++;
                    return observation({ warehouse: { ok: false, name: "NoSuchBucket", message: "The specified bucket does not exist" } });
                },
                () => undefined,
                noSleep,
            ),
        ).rejects.toThrow(/the pipeline is not working after [\d.]+ s:\n {2}- warehouse s3:\/\/warehouse\/ at http:\/\/s3:9000 is not readable: NoSuchBucket/);
        expect(calls).toBe(1);
    });
});

/** A scripted Flink REST + Connect REST + S3 endpoint on one local port. */
async function scriptedServices(script: { checkpointIds: number[]; bucketExists: boolean; jobState?: string }) {
    let checkpointCalls = 0;
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
        const url = req.url ?? "";
        requests.push(`${req.method} ${url}`);
        const json = (status: number, body: unknown) => {
            res.writeHead(status, { "Content-Type": "application/json" });
            res.end(JSON.stringify(body));
        };
        if (url === `/jobs/${JOB}`) return json(200, { state: script.jobState ?? "RUNNING", vertices: running.json.vertices });
        if (url === `/jobs/${JOB}/checkpoints`)
            return json(200, checkpoints(script.checkpointIds[Math.min(checkpointCalls++, script.checkpointIds.length - 1)]).json);
        if (url.startsWith(`/jobs/${JOB}/exceptions`)) return json(200, { exceptionHistory: { entries: [] } });
        if (url === "/connectors/lh-postgres-cdc/status") return json(200, connectorRunning.status.json);
        if (url.startsWith("/warehouse")) {
            res.writeHead(script.bucketExists ? 200 : 404, { "Content-Type": "application/xml" });
            return res.end(
                script.bucketExists
                    ? '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>warehouse</Name><KeyCount>1</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>'
                    : '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>warehouse</BucketName></Error>',
            );
        }
        return json(404, { errors: ["Not found: " + url] });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { base, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("the provider, as written and as serialized into the state, on scripted services", () => {
    let forms: Record<string, any>;
    beforeAll(async () => {
        forms = Object.fromEntries(await bothForms(pipelineCheckProvider));
    });

    test("the serialized provider captures no credential", async () => {
        const { loadSerializedProvider } = await import("../../support/dynamic");
        const { text } = await loadSerializedProvider(pipelineCheckProvider);
        expect(text).not.toContain("s3-secret-value-1");
        expect(text).toContain("ListObjectsV2Command");
    });

    test.each([["provider object"], ["serialized provider"]])(
        "%s: create settles, read reports an unhealthy pipeline as drift, delete is a no-op",
        async (form) => {
            const provider = forms[form];
            const healthy = await scriptedServices({ checkpointIds: [7, 7, 8], bucketExists: true });
            const at = (base: string) => inputs({ flinkRestUrl: base, connectUrl: base, warehouse: { ...inputs().warehouse, endpoint: base } });
            try {
                const created = await provider.create!(at(healthy.base));
                expect(created.outs.status).toBe("settled");
                expect(created.outs.settledSeconds).toBeGreaterThan(0);
                expect(created.outs.summary).toContain("checkpoint 8 completed");
                expect(healthy.requests.filter((r) => r === `GET /jobs/${JOB}/checkpoints`).length).toBeGreaterThanOrEqual(3);
                // One bounded S3 list of the bucket per probe.
                expect(healthy.requests.filter((r) => r.includes("/warehouse"))).toEqual(Array(3).fill("GET /warehouse/?list-type=2&max-keys=1"));
                const read = await provider.read!(created.id, created.outs);
                expect(read.props!.status).toBe("settled");
                await expect(provider.delete!(created.id, created.outs)).resolves.toBeUndefined();
            } finally {
                await healthy.close();
            }
            const broken = await scriptedServices({ checkpointIds: [7], bucketExists: false, jobState: "RESTARTING" });
            try {
                const read = await provider.read!("pipeline-check-x", { ...at(broken.base), settledSeconds: 5 });
                expect(read.props!.status).toMatch(
                    /^unhealthy: .*warehouse s3:\/\/warehouse\/ .* is not readable: NoSuchBucket: The specified bucket does not exist/,
                );
                expect(read.props!.status).toContain("job RESTARTING");
                expect(diffPipelineCheck(read.props!, at(broken.base)).changedKeys).toEqual(["status"]);
                const started = Date.now();
                await expect(provider.update!("pipeline-check-x", read.props!, at(broken.base))).rejects.toThrow(
                    /not readable: NoSuchBucket: The specified bucket does not exist/,
                );
                expect(Date.now() - started).toBeLessThan(10_000);
            } finally {
                await broken.close();
            }
        },
        60_000,
    );
});

describe("wiring: the check after the pipeline, in the program (Pulumi mocks)", () => {
    // Loaded lazily: the program's modules are only needed here.
    const path = require("path") as typeof import("path");
    const repoRoot = path.resolve(__dirname, "../../..");

    async function render(values: Record<string, unknown>) {
        const { parseLakehouseConfig } = await import("../../../components/config");
        const { Lakehouse } = await import("../../../components/lakehouse");
        const { runWithMocks } = await import("../../support/mocks");
        const raw = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
        const config = parseLakehouseConfig(raw, new Set(), { project: "cdc-lakehouse", stack: "dev" });
        return runWithMocks(() => {
            new Lakehouse("lakehouse", { config, credentials: {}, repoRoot, checkExternalServices: false });
            return {};
        });
    }

    test("created after the connector, the topics, every job, the bucket and the namespace; the S3 secret is a secret", async () => {
        const { resources } = await render({});
        const check = resources.find((r) => r.name === "lakehouse-pipeline-check");
        expect(check).toBeDefined();
        const { dependsOn, isSerializedSecret } = await import("../../support/mocks");
        for (const name of ["lakehouse-connector", "lakehouse-job-demographics", "lakehouse-topic-demographics", "lakehouse-warehouse", "lakehouse-namespace"])
            expect([name, dependsOn(check!, name)]).toEqual([name, true]);
        expect(check!.inputs.timeoutSeconds).toBe(120);
        expect(check!.inputs.jobs).toEqual([
            expect.objectContaining({ table: "demographics", name: "cdc-lakehouse-dev-demographics-to-iceberg", required: true }),
        ]);
        expect(check!.inputs.connector).toEqual({
            name: "cdc-lakehouse-dev-postgres-cdc",
            configHash: expect.stringMatching(/^[0-9a-f]{64}$/),
            required: true,
        });
        expect(check!.inputs.warehouse).toMatchObject({ bucket: "warehouse", region: "us-east-1", pathStyle: true, accessKeyId: "lakehouse" });
        expect(isSerializedSecret(check!.raw.s3SecretAccessKey)).toBe(true);
    });

    test("a connector config change changes the fingerprint; declared states make parts optional", async () => {
        const base = (await render({})).resources.find((r) => r.name === "lakehouse-pipeline-check")!;
        const changed = (await render({ pipeline: { connectorConfig: { "heartbeat.interval.ms": "5000" } } })).resources.find(
            (r) => r.name === "lakehouse-pipeline-check",
        )!;
        expect(changed.inputs.connector.configHash).not.toBe(base.inputs.connector.configHash);
        expect(diffPipelineCheck(base.inputs, changed.inputs).changedKeys).toEqual(["connector"]);
        const stopped = (await render({ pipeline: { jobState: "STOPPED", connectorState: "PAUSED" } })).resources.find(
            (r) => r.name === "lakehouse-pipeline-check",
        )!;
        expect(stopped.inputs.jobs[0].required).toBe(false);
        expect(stopped.inputs.connector.required).toBe(false);
    });

    test("lakehouse:pipeline.verifyTimeoutSeconds: 0 disables the check; a bound under 10 s is refused naming the key", async () => {
        expect((await render({ pipeline: { verifyTimeoutSeconds: 0 } })).resources.find((r) => r.name === "lakehouse-pipeline-check")).toBeUndefined();
        expect(
            (await render({ pipeline: { verifyTimeoutSeconds: 300 } })).resources.find((r) => r.name === "lakehouse-pipeline-check")!.inputs.timeoutSeconds,
        ).toBe(300);
        const { parseLakehouseConfig } = await import("../../../components/config");
        expect(() => parseLakehouseConfig({ pipeline: JSON.stringify({ verifyTimeoutSeconds: 5 }) }, new Set(), { project: "p", stack: "s" })).toThrow(
            /lakehouse:pipeline.verifyTimeoutSeconds.*0 \(no settle check\) or 10 to 3600 seconds/s,
        );
        expect(() => parseLakehouseConfig({ pipeline: JSON.stringify({ verifyTimeoutSeconds: "soon" }) }, new Set(), { project: "p", stack: "s" })).toThrow(
            /lakehouse:pipeline.verifyTimeoutSeconds/,
        );
    });
});
