/**
 * The whole program (index.ts) for the dev stack, with Pulumi.dev.yaml as its config: the full set
 * of stack outputs other teams consume, exactly, and which of them are secrets.
 */
import { CREDENTIAL_OUTPUT_NAMES, StackCredentials } from "../../../components/outputs";
import { isSecretOutput, runWithMocks } from "../../support/mocks";
import { stackConfig } from "../../support/stack-config";
import { demographicsPipelineOutputs, serviceAddressOutputs } from "../../support/stack-outputs";

describe("index.ts on the dev stack", () => {
    let outputs: Record<string, unknown>;
    let program: Record<string, unknown>;

    beforeAll(async () => {
        const run = await runWithMocks(
            async () => {
                program = await require("../../../index")();
                return program;
            },
            { config: stackConfig("dev"), stack: "dev" },
        );
        outputs = run.outputs;
    });

    it("exports exactly the documented outputs", () => {
        expect(Object.keys(outputs).sort()).toEqual([
            "cdcTopics",
            "connectionSecurity",
            "connector",
            "credentials",
            "dremioCredentials",
            "dremioSource",
            "dremioTables",
            "dremioUrl",
            "endpoints",
            "flinkJobs",
            "flinkRestUrl",
            "flinkSqlGatewayUrl",
            "icebergCatalog",
            "icebergChangeTables",
            "icebergTables",
            "kafkaBootstrapServers",
            "kafkaConnectUrl",
            "nessieApiUri",
            "nessieBranch",
            "pipelineTables",
            "platform",
            "s3Endpoint",
            "s3Region",
            "source",
            "warehouse",
            "warehouseCredentials",
        ]);
    });

    it("gives every endpoint for the network and for the host", () => {
        expect(outputs).toMatchObject({
            platform: "docker",
            ...serviceAddressOutputs("localhost"),
            ...demographicsPipelineOutputs("demographics_server.public.demographics", "cdc-lakehouse-dev-demographics-to-iceberg"),
            s3Region: "us-east-1",
            warehouse: "s3://warehouse/",
            source: { database: "demographics", schema: "public", publication: "lakehouse_cdc", tables: ["demographics"] },
            connector: { name: "cdc-lakehouse-dev-postgres-cdc", replicationSlot: "cdc_lakehouse_dev_cdc" },
            flinkJobs: { demographics: { name: "cdc-lakehouse-dev-demographics-to-iceberg" } },
            dremioTables: { demographics: "lakehouse.cdc.demographics", demographics_changes: "lakehouse.cdc.demographics_changes" },
        });
        // Plaintext unless the stack says (docs/security.md).
        expect(outputs.connectionSecurity).toEqual({ kafka: { protocol: "PLAINTEXT" }, postgres: { sslmode: "disable" } });
        expect(outputs.endpoints).toEqual({
            postgres: { internal: "postgres:5432", host: "localhost:5432" },
            kafka: { internal: "kafka-0:9092", host: "localhost:9092" },
            connect: { internal: "connect:8083", host: "localhost:8083" },
            minio: { internal: "minio:9000", host: "localhost:9000" },
            minioConsole: { internal: "minio:9001", host: "localhost:9001" },
            nessie: { internal: "nessie:19120", host: "localhost:19120" },
            "flink-jobmanager": { internal: "flink-jobmanager:8081", host: "localhost:8081" },
            "flink-sql-gateway": { internal: "flink-sql-gateway:8083", host: "localhost:8084" },
            dremio: { internal: "dremio:9047", host: "localhost:9047" },
        });
    });

    it("exports every credential output as a secret, and no credential in any other output", async () => {
        for (const name of CREDENTIAL_OUTPUT_NAMES) expect(await isSecretOutput(program[name])).toBe(true);
        expect(outputs.credentials).toEqual({
            postgres: { username: "lakehouse", password: expect.stringMatching(/^generated-/) },
            replication: { username: "debezium", password: expect.stringMatching(/^generated-/) },
            minio: { accessKeyId: "lakehouse", secretAccessKey: expect.stringMatching(/^generated-/) },
            // The provider-neutral S3 credentials: the same key as MinIO's root on the minio provider.
            s3: { accessKeyId: "lakehouse", secretAccessKey: expect.stringMatching(/^generated-lakehouse-credentials-minioRootPassword/) },
            dremio: { username: "admin", password: expect.stringMatching(/^generated-/) },
        });
        for (const key of Object.keys(outputs).filter((k) => !(CREDENTIAL_OUTPUT_NAMES as readonly string[]).includes(k))) {
            expect(JSON.stringify(outputs[key])).not.toMatch(/generated-/);
        }
    });

    it("gives a consuming team the warehouse key and Dremio's login, each without the PostgreSQL passwords", () => {
        const all = outputs.credentials as StackCredentials;
        expect(outputs.warehouseCredentials).toEqual(all.s3);
        expect(outputs.dremioCredentials).toEqual({ userName: all.dremio!.username, password: all.dremio!.password });
        for (const consumer of [outputs.warehouseCredentials, outputs.dremioCredentials]) {
            expect(JSON.stringify(consumer)).not.toContain(all.postgres.password);
            expect(JSON.stringify(consumer)).not.toContain(all.replication.password);
        }
    });
});
