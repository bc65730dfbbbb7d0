/**
 * The stack outputs module (components/outputs): the program-side outputs resolve to the contract's
 * types, every credential output is a secret on every storage provider and Dremio setting, the
 * consumers' outputs hold only their own credential, and ops/outputs.ts reads the new outputs.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseLakehouseConfig } from "../../../components/config";
import { Lakehouse } from "../../../components/lakehouse";
import {
    CREDENTIAL_OUTPUT_NAMES,
    LakehouseOutputs,
    LakehouseStackOutputs,
    StackCredentials,
    TableMode as ContractTableMode,
    hostPorts,
    urls,
} from "../../../components/outputs";
import { TABLE_MODES, TableMode } from "../../../components/tables";
import { parseStackOutputs, secretValues } from "../../../ops/outputs";
import { isSecretOutput, resolve, runWithMocks } from "../../support/mocks";

const repoRoot = path.resolve(__dirname, "../../..");

// Compile-time: the outputs the program holds resolve to exactly what the contract promises readers
// (tsc fails here when the two disagree).
const resolvesToContract = (o: pulumi.Unwrap<LakehouseOutputs>): LakehouseStackOutputs => o;
const contractIsProduced = (o: LakehouseStackOutputs): pulumi.Unwrap<LakehouseOutputs> => o;
// The contract's table modes are the program's (the contract restates them to stay self-contained).
const sameTableModes = (m: ContractTableMode): TableMode => m;
const sameTableModesBack = (m: TableMode): ContractTableMode => m;

/** Renders the Lakehouse for stack config values (keys without the `lakehouse:` namespace) and resolves its outputs. */
async function render(values: Record<string, unknown>) {
    const raw = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    const config = parseLakehouseConfig(raw, new Set(), { project: "cdc-lakehouse", stack: "dev" });
    let lakehouse!: Lakehouse;
    await runWithMocks(() => {
        lakehouse = new Lakehouse("lakehouse", { config, credentials: {}, repoRoot });
        return {};
    });
    const resolved: Record<string, unknown> = {};
    const secret: Record<string, boolean> = {};
    for (const [name, value] of Object.entries(lakehouse.outputs)) {
        resolved[name] = await resolve(value as pulumi.Input<unknown>);
        secret[name] = await isSecretOutput(value);
    }
    return { outputs: resolved as unknown as LakehouseStackOutputs, secret };
}

describe("the contract types", () => {
    it("are what the program's outputs resolve to, both ways", () => {
        expect(typeof resolvesToContract).toBe("function");
        expect(typeof contractIsProduced).toBe("function");
        expect(TABLE_MODES.map(sameTableModesBack).map(sameTableModes)).toEqual([...TABLE_MODES]);
        expect(CREDENTIAL_OUTPUT_NAMES).toEqual(["credentials", "warehouseCredentials", "dremioCredentials"]);
    });
});

describe("endpoint shapes", () => {
    it("gives URLs with the scheme and base path of an external service, host only when published", () => {
        expect(urls({ internal: "nessie:19120", host: "localhost:19120" }, "/api/v2")).toEqual({
            internal: "http://nessie:19120/api/v2",
            host: "http://localhost:19120/api/v2",
        });
        expect(urls({ internal: "nessie.corp:443", host: "nessie.corp:443", scheme: "https", path: "/catalog" }, "/api/v2")).toEqual({
            internal: "https://nessie.corp:443/catalog/api/v2",
            host: "https://nessie.corp:443/catalog/api/v2",
        });
        expect(urls({ internal: "minio:9000" })).toEqual({ internal: "http://minio:9000" });
        expect(hostPorts({ internal: "kafka-0:9092", host: "localhost:9092", scheme: "https" })).toEqual({ internal: "kafka-0:9092", host: "localhost:9092" });
        expect(hostPorts({ internal: "kafka-0:9092" })).toEqual({ internal: "kafka-0:9092" });
    });
});

describe("credential outputs", () => {
    it("MinIO with Dremio: all three are secrets; the consumers' hold the root key and Dremio's admin, and no PostgreSQL password", async () => {
        const { outputs, secret } = await render({});
        const all = outputs.credentials as StackCredentials;
        for (const name of CREDENTIAL_OUTPUT_NAMES) expect(secret[name]).toBe(true);
        expect(outputs.warehouseCredentials).toEqual({ accessKeyId: "lakehouse", secretAccessKey: all.minio!.secretAccessKey });
        expect(outputs.dremioCredentials).toEqual({ userName: "admin", password: all.dremio!.password });
        for (const name of ["warehouseCredentials", "dremioCredentials"] as const) {
            expect(JSON.stringify(outputs[name])).not.toContain(all.postgres.password);
            expect(JSON.stringify(outputs[name])).not.toContain(all.replication.password);
        }
        // No other output is a secret or repeats one.
        const others = Object.keys(outputs).filter((k) => !(CREDENTIAL_OUTPUT_NAMES as readonly string[]).includes(k));
        for (const name of others) expect(secret[name]).toBe(false);
        for (const name of others) expect(JSON.stringify(outputs[name as keyof LakehouseStackOutputs])).not.toMatch(/generated-/);
    });

    it("AWS S3: the warehouse key is the IAM user's key scoped to the bucket, a secret", async () => {
        const { outputs, secret } = await render({ storage: { provider: "aws", bucket: "acme-lakehouse-dev" }, awsRegion: "eu-west-1" });
        expect(secret.warehouseCredentials).toBe(true);
        expect(outputs.warehouseCredentials).toEqual({ accessKeyId: "lakehouse-s3-key-id", secretAccessKey: "mock-aws-secret-lakehouse-s3-key" });
        expect(outputs.warehouseCredentials).toEqual(outputs.credentials.s3);
    });

    it("Dremio disabled: no dremioCredentials output (and no dremio entry in credentials)", async () => {
        const { outputs, secret } = await render({ dremio: { enabled: false } });
        expect(outputs).not.toHaveProperty("dremioCredentials");
        expect(outputs.credentials).not.toHaveProperty("dremio");
        expect(secret.credentials).toBe(true);
        expect(secret.warehouseCredentials).toBe(true);
    });
});

describe("the periodicSavepoints output", () => {
    it("names the job, the table jobs it takes savepoints of and the schedule; absent when periodic savepoints are off", async () => {
        const on = await render({ pipeline: { periodicSavepoints: { intervalSeconds: 900, kept: 4 } } });
        expect(on.outputs.periodicSavepoints).toEqual({
            // jobId, state and lastSavepoint are the job resource's outputs (unknown under mocks).
            job: { name: "cdc-lakehouse-dev-periodic-savepoints", jobId: undefined, state: undefined, lastSavepoint: undefined },
            jobs: ["cdc-lakehouse-dev-demographics-to-iceberg"],
            intervalSeconds: 900,
            kept: 4,
            timeoutSeconds: 240,
        });
        expect(Object.keys(on.outputs.periodicSavepoints!.job).sort()).toEqual(["jobId", "lastSavepoint", "name", "state"]);
        expect(on.secret.periodicSavepoints).toBe(false);
        // What the program writes, the scripts read back whole.
        expect(parseStackOutputs({ periodicSavepoints: on.outputs.periodicSavepoints }).outputs.periodicSavepoints).toEqual({
            job: { name: "cdc-lakehouse-dev-periodic-savepoints" },
            jobs: ["cdc-lakehouse-dev-demographics-to-iceberg"],
            intervalSeconds: 900,
            kept: 4,
            timeoutSeconds: 240,
        });
        expect((await render({})).outputs).not.toHaveProperty("periodicSavepoints");
    });
});

describe("ops/outputs.ts reads the consumers' credential outputs", () => {
    it("parses them, and redacts their secrets", () => {
        const { outputs, problems } = parseStackOutputs({
            warehouseCredentials: { accessKeyId: "lakehouse", secretAccessKey: "warehouse-secret" },
            dremioCredentials: { userName: "admin", password: "dremio-secret" },
            dremioTables: { demographics: "lakehouse.cdc.demographics" },
        });
        expect(problems).toEqual([]);
        expect(outputs.warehouseCredentials).toEqual({ accessKeyId: "lakehouse", secretAccessKey: "warehouse-secret" });
        expect(outputs.dremioCredentials).toEqual({ userName: "admin", password: "dremio-secret" });
        expect(outputs.dremioTables).toEqual({ demographics: "lakehouse.cdc.demographics" });
        expect(secretValues(outputs).sort()).toEqual(["dremio-secret", "warehouse-secret"]);
    });

    it("takes them hidden ([secret]) without a problem, and names a malformed one", () => {
        expect(parseStackOutputs({ warehouseCredentials: "[secret]", dremioCredentials: "[secret]" })).toEqual({ outputs: {}, problems: [] });
        expect(parseStackOutputs({ warehouseCredentials: { accessKeyId: "k" }, dremioCredentials: "admin" }).problems).toEqual([
            "output warehouseCredentials: expected { accessKeyId, secretAccessKey }",
            "output dremioCredentials: expected { userName, password }",
        ]);
    });
});
