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
import { nessieRequest } from "../../components/dynamic/nessie";
import { minioEndpoints } from "../../services/minio";
import { REPO_DIR, runPulumi } from "../../services/pulumi/cli";

const NESSIE_API = "http://127.0.0.1:19120/api/v2";

async function bucketExists(bucket: string): Promise<boolean> {
    const m = minioEndpoints();
    const client = new S3Client({ endpoint: m.endpoint, region: m.region, forcePathStyle: true, credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey } });
    try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return true;
    } catch {
        return false;
    } finally {
        client.destroy();
    }
}

const SECRETS = ["lakehouse-local-pg", "lakehouse-local-cdc", "lakehouse-local-secret"];

describe("pulumi up -s local (real engine, real services)", () => {
    let stateDir: string;
    const pulumi = async (args: string[], expectOk = true) => {
        const result = await runPulumi(args, { cwd: REPO_DIR, env: { PULUMI_BACKEND_URL: `file://${stateDir}` }, timeoutMs: 300_000 });
        if (expectOk && result.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
        return result;
    };

    beforeAll(() => {
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-local-stack-"));
    });
    afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

    it("previews, deploys, changes nothing on a second up, exports the harness endpoints, and destroys", async () => {
        // A copy of the local stack with its own bucket and namespace, so a developer's own `local`
        // deployment on the same harness is never touched.
        const id = Date.now().toString(36);
        const stack = `local-test-${id}`;
        const bucket = `local-test-${id}`;
        const namespace = `local_test_${id}`;
        const file = path.join(REPO_DIR, `Pulumi.${stack}.yaml`);
        const local = yaml.load(fs.readFileSync(path.join(REPO_DIR, "Pulumi.local.yaml"), "utf8")) as any;
        local.config["lakehouse:storage"].bucket = bucket;
        local.config["lakehouse:iceberg"] = { namespace };
        fs.writeFileSync(file, yaml.dump(local));
        try {
            await pulumi(["stack", "init", stack]);
            const preview = await pulumi(["preview", "-s", stack, "--diff"]);
            expect(preview.stdout).toMatch(/\+ 11 to create/);

            const up = await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
            expect(up.stdout).toMatch(/\+ 11 created/);
            const again = await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
            expect(again.stdout).toMatch(/Resources:\s+11 unchanged\s/);
            expect(again.stdout).not.toMatch(/\d+ (created|updated|replaced|deleted)/);

            // What lives inside the services exists for real.
            expect(await bucketExists(bucket)).toBe(true);
            expect((await nessieRequest(NESSIE_API, "GET", `/trees/main/contents/${namespace}`)).content.type).toBe("NAMESPACE");

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
            expect(outputs).not.toHaveProperty("dremioUrl");
            const shown = JSON.parse((await pulumi(["stack", "output", "-s", stack, "credentials", "--show-secrets", "--json"])).stdout);
            expect(shown).toEqual({
                postgres: { username: "postgres", password: "lakehouse-local-pg" },
                replication: { username: "debezium", password: "lakehouse-local-cdc" },
                minio: { accessKeyId: "lakehouse-admin", secretAccessKey: "lakehouse-local-secret" },
            });

            const state = fs.readFileSync(path.join(stateDir, ".pulumi", "stacks", "cdc-lakehouse", `${stack}.json`), "utf8");
            for (const secret of SECRETS) expect(state).not.toContain(secret);

            const destroyed = await pulumi(["destroy", "-s", stack, "--yes", "--skip-preview"]);
            expect(destroyed.stdout).toMatch(/- 11 deleted/);
            expect(await bucketExists(bucket)).toBe(false);
            await expect(nessieRequest(NESSIE_API, "GET", `/trees/main/contents/${namespace}`)).rejects.toMatchObject({ status: 404 });
            await pulumi(["stack", "rm", stack, "--yes", "--force"]);
        } finally {
            fs.rmSync(file, { force: true });
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
            const started = Date.now();
            const preview = await pulumi(["preview", "-s", stack], false);
            const seconds = (Date.now() - started) / 1000;
            expect(preview.code).not.toBe(0);
            expect(preview.stdout + preview.stderr).toContain("existing kafka at 127.0.0.1:1 is unreachable: ECONNREFUSED");
            // The check gives up after its 5 s bound; the CLI build here then takes about a minute to
            // exit after any failing program (a passing preview takes ~15 s), hence the wide ceiling.
            expect(seconds).toBeLessThan(150);
            await pulumi(["stack", "rm", stack, "--yes", "--force"]);
        } finally {
            fs.rmSync(file, { force: true });
        }
    });
});
