/**
 * The `local` stack through the real Pulumi engine (the harness's CLI, offline, file backend) against
 * the harness's real services: preview, up, an idempotent second up, the outputs, no plaintext
 * secret in state, destroy; and a wrong endpoint failing fast with the service and endpoint named.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { dremioLogin, dremioRequest } from "../../../components/dynamic/dremio";
import { jobState } from "../../../components/dynamic/flink-job";
import { nessieRequest } from "../../../components/dynamic/nessie";
import { endpoints } from "../../../harness/cli";
import { minioEndpoints } from "../../../harness/minio";
import { REPO_DIR } from "../../../harness/pulumi/cli";
import { pgQuery, pulumiOn } from "../../support/e2e";
import { icebergSession, pollFor } from "../../support/iceberg-session";

const NESSIE_API = "http://127.0.0.1:19120/api/v2";

async function bucketExists(bucket: string): Promise<boolean> {
    const m = minioEndpoints();
    const client = new S3Client({
        endpoint: m.endpoint,
        region: m.region,
        forcePathStyle: true,
        credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey },
    });
    try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return true;
    } catch {
        return false;
    } finally {
        client.destroy();
    }
}

const SECRETS = ["lakehouse-local-pg", "lakehouse-local-cdc", "lakehouse-local-secret", "lakehouse-local-dremio1"];
/** The harness's Dremio stand-in (harness/dremio): Dremio itself is not obtainable here. */
const DREMIO = "http://127.0.0.1:9047";

async function flinkJobState(jobId: string): Promise<string> {
    return jobState(endpoints()["flink-jobmanager"].restUrl, jobId);
}

/**
 * The Iceberg table's rows without the id, in id order, once they are `expected` (bounded, backing off):
 * not merely that many rows, since a checkpoint between an insert and a later update commits the insert's
 * rows first. Read through the harness's real SQL Gateway, as an independent reader.
 */
async function waitForIcebergRows(bucket: string, namespace: string, table: string, expected: unknown[][], timeoutMs: number): Promise<unknown[][]> {
    const lake = await icebergSession(bucket);
    try {
        // A failed query is polled again; its error is what the timeout reports as last seen.
        const seen = await pollFor(
            `Iceberg ${namespace}.${table} to hold ${JSON.stringify(expected)}`,
            timeoutMs,
            () =>
                lake.query(`SELECT id, name, age, city FROM lake.${namespace}.${table} ORDER BY id`).then(
                    (rows) => ({ rows: rows.map((r) => r.slice(1)) }),
                    (err: Error) => ({ rows: [] as unknown[][], queryError: err.message }),
                ),
            (last) => JSON.stringify(last.rows) === JSON.stringify(expected),
        );
        return seen.rows;
    } finally {
        await lake.close();
    }
}

describe("pulumi up -s local (real engine, real services)", () => {
    let stateDir: string;
    // A provider cache of its own: the first preview serializes every dynamic provider.
    let cacheDir: string;
    const pulumi = pulumiOn(
        () => stateDir,
        () => ({ LAKEHOUSE_PROVIDER_CACHE: cacheDir }),
    );

    beforeAll(() => {
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-local-stack-"));
        cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-local-stack-cache-"));
    });
    afterAll(() => {
        fs.rmSync(stateDir, { recursive: true, force: true });
        fs.rmSync(cacheDir, { recursive: true, force: true });
    });

    it("previews, deploys, changes nothing on a second up, exports the harness endpoints, and destroys", async () => {
        // A copy of the local stack with its own bucket and namespace, so a developer's own `local`
        // deployment on the same harness is never touched.
        const id = Date.now().toString(36);
        const stack = `local-test-${id}`;
        const bucket = `local-test-${id}`;
        const namespace = `local_test_${id}`;
        const file = path.join(REPO_DIR, `Pulumi.${stack}.yaml`);
        const schema = `local_test_${id}`;
        let deployed = false;
        const local = yaml.load(fs.readFileSync(path.join(REPO_DIR, "Pulumi.local.yaml"), "utf8")) as any;
        Object.assign(local.config["lakehouse:storage"], { bucket, forceDestroy: true });
        local.config["lakehouse:iceberg"] = { namespace };
        // Its own schema, publication, CDC role and topics too.
        Object.assign(local.config["lakehouse:source"], { schema, publication: `pub_${id}`, replicationUser: `dbz_${id}` });
        local.config["lakehouse:kafka"] = { topicPrefix: `local_test_${id}` };
        local.config["lakehouse:flink"] = { checkpointIntervalMs: 2000 };
        local.config["lakehouse:dremio"] = { enabled: true, sourceName: `local_test_${id}` };
        fs.writeFileSync(file, yaml.dump(local));
        try {
            await pulumi(["stack", "init", stack]);
            const preview = await pulumi(["preview", "-s", stack, "--diff"]);
            expect(preview.stdout).toMatch(/\+ 20 to create/);

            // The preview serialized each provider (nothing cached yet) and kept its text.
            const cached = new Map(
                fs.readdirSync(cacheDir).map((f) => [f.replace(/-[0-9a-f]+\.json$/, ""), JSON.parse(fs.readFileSync(path.join(cacheDir, f), "utf8")).text]),
            );
            expect(cached.size).toBeGreaterThanOrEqual(5);

            deployed = true;
            const up = await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
            expect(up.stdout).toMatch(/\+ 20 created/);
            // The up took every provider's text from the cache: what state holds is that text, byte for byte,
            // which Pulumi's own serialization produced in the preview.
            const exported = JSON.parse((await pulumi(["stack", "export", "-s", stack])).stdout).deployment.resources as any[];
            const dynamic = exported.filter((r) => String(r.type).startsWith("pulumi-nodejs:dynamic/lakehouse:"));
            expect(new Set(dynamic.map((r) => `lakehouse_${String(r.type).split(":").pop()}`))).toEqual(new Set(cached.keys()));
            for (const r of dynamic) expect(r.inputs.__provider).toBe(cached.get(`lakehouse_${String(r.type).split(":").pop()}`));
            const again = await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
            expect(again.stdout).toMatch(/Resources:\s+20 unchanged\s/);
            expect(again.stdout).not.toMatch(/\d+ (created|updated|replaced|deleted)/);
            const refreshed = await pulumi(["preview", "-s", stack, "--refresh", "--diff"]);
            expect(refreshed.stdout).not.toMatch(/\d+ to (create|update|replace|delete)/);

            // What lives inside the services exists for real.
            expect(await bucketExists(bucket)).toBe(true);
            expect((await nessieRequest(NESSIE_API, "GET", `/trees/main/contents/${namespace}`)).content.type).toBe("NAMESPACE");

            // The pipeline runs: a row inserted in PostgreSQL arrives in the Iceberg table through
            // Debezium, Kafka and the Flink job the stack submitted.
            await pgQuery(`INSERT INTO ${schema}.demographics (name, age, city) VALUES ('ada', 36, 'London'), ('grace', 45, 'Arlington')`);
            await pgQuery(`UPDATE ${schema}.demographics SET city = 'New York' WHERE name = 'grace'`);
            const expected = [
                ["ada", 36, "London"],
                ["grace", 45, "New York"],
            ];
            expect(await waitForIcebergRows(bucket, namespace, "demographics", expected, 180_000)).toEqual(expected);

            const outputs = JSON.parse((await pulumi(["stack", "output", "-s", stack, "--json"])).stdout);
            expect(outputs).toMatchObject({
                platform: "external",
                kafkaBootstrapServers: { internal: "127.0.0.1:9092", host: "127.0.0.1:9092" },
                kafkaConnectUrl: { host: "http://127.0.0.1:8083" },
                flinkRestUrl: { host: "http://127.0.0.1:8081" },
                flinkSqlGatewayUrl: { host: "http://127.0.0.1:8084" },
                nessieApiUri: { host: "http://127.0.0.1:19120/api/v2" },
                s3Endpoint: { host: "http://127.0.0.1:9000" },
                warehouse: `s3://${bucket}/`,
                credentials: "[secret]",
            });
            expect(outputs).toMatchObject({
                dremioUrl: { host: DREMIO },
                dremioSource: { name: `local_test_${id}`, id: expect.any(String) },
                dremioTables: { demographics: `local_test_${id}.${namespace}.demographics` },
            });
            // Dremio (the stand-in) holds the Nessie source, pointing at the real Nessie the stand-in checked.
            const dremioToken = await dremioLogin(DREMIO, "admin", "lakehouse-local-dremio1");
            const dremioSource = await dremioRequest(DREMIO, "GET", `/api/v3/catalog/by-path/local_test_${id}`, { token: dremioToken });
            expect(dremioSource).toMatchObject({
                id: outputs.dremioSource.id,
                type: "NESSIE",
                config: { nessieEndpoint: "http://127.0.0.1:19120/api/v2", awsRootPath: `/${bucket}` },
            });
            const shown = JSON.parse((await pulumi(["stack", "output", "-s", stack, "credentials", "--show-secrets", "--json"])).stdout);
            expect(shown).toEqual({
                postgres: { username: "postgres", password: "lakehouse-local-pg" },
                replication: { username: `dbz_${id}`, password: "lakehouse-local-cdc" },
                minio: { accessKeyId: "lakehouse-admin", secretAccessKey: "lakehouse-local-secret" },
                s3: { accessKeyId: "lakehouse-admin", secretAccessKey: "lakehouse-local-secret" },
                dremio: { username: "admin", password: "lakehouse-local-dremio1" },
            });

            expect(outputs.connector).toMatchObject({ name: `cdc-lakehouse-${stack}-postgres-cdc`, state: "RUNNING" });
            expect(outputs.flinkJobs.demographics).toMatchObject({ name: `cdc-lakehouse-${stack}-demographics-to-iceberg`, state: "RUNNING" });
            const jobId = outputs.flinkJobs.demographics.jobId;
            expect(await flinkJobState(jobId)).toBe("RUNNING");

            const state = fs.readFileSync(path.join(stateDir, ".pulumi", "stacks", "cdc-lakehouse", `${stack}.json`), "utf8");
            for (const secret of SECRETS) expect(state).not.toContain(secret);

            // Destroy (this stack sets storage.forceDestroy): the job stopped with a savepoint; the slot,
            // publication and CDC role gone; the bucket and the namespace with its tables gone.
            const destroyed = await pulumi(["destroy", "-s", stack, "--yes", "--skip-preview"]);
            deployed = false;
            expect(destroyed.stdout).toMatch(/- 20 deleted/);
            expect(await bucketExists(bucket)).toBe(false);
            await expect(nessieRequest(NESSIE_API, "GET", `/trees/main/contents/${namespace}`)).rejects.toMatchObject({ status: 404 });
            await expect(nessieRequest(NESSIE_API, "GET", `/trees/main/contents/${namespace}.demographics`)).rejects.toMatchObject({ status: 404 });
            expect(await flinkJobState(jobId)).toBe("FINISHED");
            await expect(dremioRequest(DREMIO, "GET", `/api/v3/catalog/by-path/local_test_${id}`, { token: dremioToken })).rejects.toMatchObject({
                status: 404,
            });
            expect(await pgQuery("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE $1", [`%${id}%`])).toEqual([]);
            expect(await pgQuery("SELECT 1 FROM pg_publication WHERE pubname = $1", [`pub_${id}`])).toEqual([]);
            expect(await pgQuery("SELECT 1 FROM pg_roles WHERE rolname = $1", [`dbz_${id}`])).toEqual([]);
            await pulumi(["stack", "rm", stack, "--yes", "--force"]);
        } finally {
            // A failed assertion must not leave a job, connector or replication slot running on the harness.
            if (deployed) await pulumi(["destroy", "-s", stack, "--yes", "--skip-preview"], false);
            fs.rmSync(file, { force: true });
            await pgQuery(`DROP SCHEMA IF EXISTS local_test_${id} CASCADE`).catch(() => undefined);
        }
    });

    it("fails a preview within the bound when an existing service is unreachable, naming it and its endpoint", async () => {
        // A throwaway stack: the local config with Kafka pointed at a port nothing listens on.
        const stack = `local-bad-${Date.now().toString(36)}`;
        const file = path.join(REPO_DIR, `Pulumi.${stack}.yaml`);
        const local = yaml.load(fs.readFileSync(path.join(REPO_DIR, "Pulumi.local.yaml"), "utf8")) as any;
        local.config["lakehouse:external"].kafka.bootstrapServers = "127.0.0.1:1";
        local.config["lakehouse:externalCheckTimeoutSeconds"] = 5;
        fs.writeFileSync(file, yaml.dump(local));
        try {
            await pulumi(["stack", "init", stack]);
            const preview = await pulumi(["preview", "-s", stack], false);
            expect(preview.code).not.toBe(0);
            expect(preview.stdout + preview.stderr).toContain("existing kafka at 127.0.0.1:1 is unreachable: ECONNREFUSED");
            // The check gives up at its 5 s bound and says so (wall time is not asserted: the CLI build here
            // takes a further minute or more to exit after a failing program, longer on a loaded machine).
            expect(preview.stdout + preview.stderr).toMatch(/unreachable: ECONNREFUSED.*\(gave up after \d+ attempts? in 5 s\)/);
            await pulumi(["stack", "rm", stack, "--yes", "--force"]);
        } finally {
            fs.rmSync(file, { force: true });
        }
    });
});
