/**
 * `pulumi up` verifies the pipeline it changed, through the real Pulumi engine (the harness's CLI,
 * offline, file backend) against the harness's real services, on a throwaway copy of the `local` stack
 * at the default 5 s checkpoint interval:
 *
 * 1. The first `up` creates the stack and the settle check passes (every job RUNNING with a checkpoint
 *    completed after the check started, the connector RUNNING, the warehouse readable); the time it
 *    adds to `up` is reported. An unchanged stack then previews no change.
 * 2. The job made to fail (the source column's type changed to text and a value the declared INT cannot
 *    hold written), then a change (one connector setting): `up` exits non-zero naming Flink's
 *    deterministic failure (NumberFormatException, or the JSON parser's JsonParseException on two
 *    attempts) and the config key to fix.
 * 3. The warehouse bucket deleted out of band, then a change (the connector setting again): `up` exits
 *    non-zero naming S3's NoSuchBucket (next to the job still failing); `refresh` reports the check's drift.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { S3Client } from "@aws-sdk/client-s3";
import { flinkRequest } from "../../../components/dynamic/flink-job";
import { endpoints } from "../../../harness/cli";
import { REPO_DIR } from "../../../harness/pulumi/cli";
import { pgQuery, pulumiOn } from "../../support/e2e";
import { emptyAndDeleteBucket } from "../../support/s3-bucket";

/** Empties and deletes a bucket of the harness's MinIO (out of band). */
async function deleteBucket(name: string): Promise<void> {
    const m = endpoints().minio;
    const client = new S3Client({
        endpoint: m.endpoint,
        region: m.region,
        forcePathStyle: true,
        credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey },
    });
    try {
        await emptyAndDeleteBucket(client, name);
    } finally {
        client.destroy();
    }
}

/** Bounded polling with backoff until Flink's exception history of the job holds an entry. */
async function waitForJobFailure(jobId: string, timeoutMs: number): Promise<string> {
    const restUrl = endpoints()["flink-jobmanager"].restUrl;
    const deadline = Date.now() + timeoutMs;
    let delay = 500;
    for (;;) {
        const r = await flinkRequest("Flink REST", restUrl, "GET", `/jobs/${jobId}/exceptions`);
        const first = r.exceptionHistory?.entries?.[0]?.stacktrace;
        if (first) return String(first);
        if (Date.now() + delay > deadline) throw new Error(`Flink job ${jobId} recorded no failure within ${timeoutMs / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 3000);
    }
}

/** The settle check's state in the stack (its outputs). */
function checkState(exported: any): any {
    return exported.deployment.resources.find((r: any) => String(r.urn).endsWith("::lakehouse-pipeline-check"))?.outputs;
}

describe("pulumi up verifies the pipeline it changed (real engine, real services)", () => {
    let stateDir: string;
    const pulumi = pulumiOn(() => stateDir);

    beforeAll(() => {
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-verify-"));
    });
    afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

    it("passes on a healthy pipeline, fails naming the cause when a job fails deterministically or the warehouse is gone", async () => {
        const id = Date.now().toString(36);
        const stack = `verify-test-${id}`;
        const bucket = `verify-test-${id}`;
        const schema = `verify_test_${id}`;
        const file = path.join(REPO_DIR, `Pulumi.${stack}.yaml`);
        const local = yaml.load(fs.readFileSync(path.join(REPO_DIR, "Pulumi.local.yaml"), "utf8")) as any;
        Object.assign(local.config["lakehouse:storage"], { bucket, forceDestroy: true });
        local.config["lakehouse:iceberg"] = { namespace: `verify_test_${id}` };
        Object.assign(local.config["lakehouse:source"], { schema, publication: `pub_${id}`, replicationUser: `dbz_${id}` });
        local.config["lakehouse:kafka"] = { topicPrefix: `verify_test_${id}` };
        local.config["lakehouse:dremio"] = { enabled: true, sourceName: `verify_test_${id}` };
        // The local stack's own pipeline settings (e.g. the password reference) stay; the test adds to them.
        const pipelineConfig = { ...(local.config["lakehouse:pipeline"] ?? {}) };
        fs.writeFileSync(file, yaml.dump(local));
        let deployed = false;
        try {
            await pulumi(["stack", "init", stack]);
            deployed = true;

            // 1. Healthy: the check passes, and says how long it took.
            const started = Date.now();
            const up = await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
            const upSeconds = (Date.now() - started) / 1000;
            expect(up.stdout).toMatch(/\+ \d+ created/);
            expect(up.stdout).toMatch(
                /pipeline settled in [\d.]+ s: .*-demographics-to-iceberg RUNNING \(checkpoint \d+ completed\); connector .* RUNNING \(1 task\); warehouse s3:\/\/verify-test-/,
            );
            const exported = JSON.parse((await pulumi(["stack", "export", "-s", stack])).stdout);
            const check = checkState(exported);
            expect(check.status).toBe("settled");
            expect(check.settledSeconds).toBeGreaterThan(0);
            expect(check.settledSeconds).toBeLessThan(60);
            // No secret in plain text in the state: the S3 key is stored encrypted.
            expect(JSON.stringify(check)).not.toContain(endpoints().minio.secretAccessKey);
            console.log(`settle check on the first up (5 s checkpoint interval): ${check.settledSeconds} s of an up of ${upSeconds.toFixed(1)} s`);
            const unchanged = await pulumi(["preview", "-s", stack, "--diff"]);
            expect(unchanged.stdout).not.toMatch(/\d+ to (create|update|replace|delete)/);

            // 2. The job made to fail deterministically, then a change: up fails naming Flink's exception and the key.
            const jobId: string = JSON.parse((await pulumi(["stack", "output", "-s", stack, "--json"])).stdout).flinkJobs.demographics.jobId;
            await pgQuery(`ALTER TABLE ${schema}.demographics ALTER COLUMN age TYPE text`);
            await pgQuery(`INSERT INTO ${schema}.demographics (name, age, city) VALUES ('ada', 'thirty-six', 'London')`);
            const trace = await waitForJobFailure(jobId, 120_000);
            // Which source of the job's statement set fails first decides the chain Flink records: the mirror's
            // debezium-json ends in NumberFormatException, the changelog's JSON parser in JsonParseException.
            expect(trace).toMatch(/NumberFormatException|JsonParseException: Fail to deserialize at field/);
            local.config["lakehouse:pipeline"] = { ...pipelineConfig, connectorConfig: { "heartbeat.interval.ms": "5000" } };
            fs.writeFileSync(file, yaml.dump(local));
            const failedStart = Date.now();
            const failed = await pulumi(["up", "-s", stack, "--yes", "--skip-preview"], false);
            const failedSeconds = (Date.now() - failedStart) / 1000;
            const failedText = `${failed.stdout}\n${failed.stderr}`;
            expect(failed.code).not.toBe(0);
            expect(failedText).toMatch(/the pipeline is not working after [\d.]+ s/);
            expect(failedText).toMatch(
                /fails deterministically \((java\.lang\.NumberFormatException, \d+ attempts?|org\.apache\.flink\.formats\.json\.JsonParseException, [2-9]\d* attempts)/,
            );
            expect(failedText).toContain("lakehouse:source.tables.demographics.columns");
            console.log(
                `up after a change with a job failing deterministically exited ${failed.code} after ${failedSeconds.toFixed(1)} s; ${/the pipeline is not working after [\d.]+ s/.exec(failedText)![0]}`,
            );

            // 3. The warehouse deleted out of band, then a change that does not touch the jobs: up names S3's error.
            //    (A change that resubmits a job fails earlier, in the job's own update, on the same NoSuchBucket.)
            await deleteBucket(bucket);
            local.config["lakehouse:pipeline"] = { ...pipelineConfig, connectorConfig: { "heartbeat.interval.ms": "6000" } };
            fs.writeFileSync(file, yaml.dump(local));
            const gone = await pulumi(["up", "-s", stack, "--yes", "--skip-preview"], false);
            const goneText = `${gone.stdout}\n${gone.stderr}`;
            expect(gone.code).not.toBe(0);
            expect(goneText).toMatch(new RegExp(`warehouse s3://${bucket}/ at \\S+ is not readable: NoSuchBucket: The specified bucket does not exist`));
            expect(goneText).toMatch(/~ .*PipelineSettleCheck.*lakehouse-pipeline-check.*updating failed/);
            console.log(`up after a change with the warehouse deleted exited ${gone.code}; ${/the pipeline is not working after [\d.]+ s/.exec(goneText)![0]}`);

            // The check's refresh sees the pipeline unhealthy: drift, so `up --refresh` re-verifies. (Run last: a
            // refresh also records the job's RESTARTING as drift, and the next `up` then resubmits the job.)
            const refreshed = await pulumi(["refresh", "-s", stack, "--yes", "--skip-preview"]);
            expect(refreshed.stdout).toMatch(/~ .*PipelineSettleCheck.*lakehouse-pipeline-check.*updated/);
        } finally {
            if (deployed) {
                await pulumi(["destroy", "-s", stack, "--yes", "--skip-preview"], false);
                await pulumi(["stack", "rm", stack, "--yes", "--force"], false);
            }
            fs.rmSync(file, { force: true });
            // Whatever destroy could not do: no job, slot or schema left on the harness.
            const restUrl = endpoints()["flink-jobmanager"].restUrl;
            const overview = await flinkRequest("Flink REST", restUrl, "GET", "/jobs/overview").catch(() => ({ jobs: [] }));
            for (const j of overview.jobs ?? [])
                if (String(j.name).includes(stack) && !["FAILED", "CANCELED", "FINISHED"].includes(j.state))
                    await flinkRequest("Flink REST", restUrl, "PATCH", `/jobs/${j.jid}?mode=cancel`).catch(() => undefined);
            await pgQuery(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE $1 AND NOT active`, [`%${id}%`]).catch(
                () => undefined,
            );
            await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
            await deleteBucket(bucket).catch(() => undefined);
        }
    }, 1_800_000);
});
