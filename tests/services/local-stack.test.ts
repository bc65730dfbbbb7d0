/**
 * The `local` stack through the real Pulumi engine (the harness's CLI, offline, file backend) against
 * the harness's real services: preview, up, an idempotent second up, the outputs, no plaintext
 * secret in state, destroy; and a wrong endpoint failing fast with the service and endpoint named.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { REPO_DIR, runPulumi } from "../../services/pulumi/cli";

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
        await pulumi(["stack", "init", "local"]);
        const preview = await pulumi(["preview", "-s", "local", "--diff"]);
        expect(preview.stdout).toMatch(/\+ 9 to create/);

        const up = await pulumi(["up", "-s", "local", "--yes", "--skip-preview"]);
        expect(up.stdout).toMatch(/\+ 9 created/);
        const again = await pulumi(["up", "-s", "local", "--yes", "--skip-preview"]);
        expect(again.stdout).toMatch(/Resources:\s+9 unchanged\s/);
        expect(again.stdout).not.toMatch(/\d+ (created|updated|replaced|deleted)/);

        const outputs = JSON.parse((await pulumi(["stack", "output", "-s", "local", "--json"])).stdout);
        expect(outputs).toMatchObject({
            platform: "external",
            kafkaBootstrapServers: { internal: "127.0.0.1:9092", host: "127.0.0.1:9092" },
            kafkaConnectUrl: { host: "http://127.0.0.1:8083" },
            flinkRestUrl: { host: "http://127.0.0.1:8081" },
            flinkSqlGatewayUrl: { host: "http://127.0.0.1:8084" },
            nessieApiUri: { host: "http://127.0.0.1:19120/api/v2" },
            s3Endpoint: { host: "http://127.0.0.1:9000" },
            credentials: "[secret]",
        });
        expect(outputs).not.toHaveProperty("dremioUrl");
        const shown = JSON.parse((await pulumi(["stack", "output", "-s", "local", "credentials", "--show-secrets", "--json"])).stdout);
        expect(shown).toEqual({
            postgres: { username: "postgres", password: "lakehouse-local-pg" },
            replication: { username: "debezium", password: "lakehouse-local-cdc" },
            minio: { accessKeyId: "lakehouse-admin", secretAccessKey: "lakehouse-local-secret" },
        });

        const state = fs.readFileSync(path.join(stateDir, ".pulumi", "stacks", "cdc-lakehouse", "local.json"), "utf8");
        for (const secret of SECRETS) expect(state).not.toContain(secret);

        const destroyed = await pulumi(["destroy", "-s", "local", "--yes", "--skip-preview"]);
        expect(destroyed.stdout).toMatch(/- 9 deleted/);
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
            // The check's own bound is 5 s; the rest is the engine and the program starting.
            expect(seconds).toBeLessThan(90);
            await pulumi(["stack", "rm", stack, "--yes", "--force"]);
        } finally {
            fs.rmSync(file, { force: true });
        }
    });
});
