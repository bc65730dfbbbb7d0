/**
 * examples/consumer, a consuming team's program, under Pulumi's mocks. Its StackReference reads the
 * outputs the lakehouse program itself exports for the dev stack (index.ts run under mocks first,
 * with the secret ones marked as the engine marks them), so the example is checked against the real
 * contract, not a copy of it.
 */
import { CREDENTIAL_OUTPUT_NAMES, LakehouseStackOutputs } from "../../../components/outputs";
import { address, endpointSide, s3PathStyle, sparkCatalogProperties, trinoCatalogProperties } from "../../../examples/consumer/catalog";
import consumerProgram = require("../../../examples/consumer");
import { MockStackReference, isSecretOutput, runWithMocks } from "../../support/mocks";
import { stackConfig } from "../../support/stack-config";

const REFERENCE = "organization/cdc-lakehouse/dev";

/** The dev stack's outputs as a StackReference to it reads them. */
async function devStack(): Promise<MockStackReference> {
    let program!: Record<string, unknown>;
    const run = await runWithMocks(
        async () => {
            program = await require("../../../index")();
            return program;
        },
        { config: stackConfig("dev"), stack: "dev" },
    );
    const secretOutputNames: string[] = [];
    for (const name of Object.keys(program)) if (await isSecretOutput(program[name])) secretOutputNames.push(name);
    return { outputs: run.outputs, secretOutputNames };
}

/** Runs the example with its project config and the given referenced stack; returns its exports and which are secret. */
async function runConsumer(lakehouse: MockStackReference, config: Record<string, string> = {}) {
    let exported!: Record<string, unknown>;
    const run = await runWithMocks(
        async () => {
            exported = await consumerProgram();
            return exported;
        },
        {
            project: "lakehouse-consumer",
            stack: "analytics",
            config: { "lakehouse-consumer:lakehouseStack": "dev", ...config },
            stackReferences: { [REFERENCE]: lakehouse },
        },
    );
    const secret: Record<string, boolean> = {};
    for (const name of Object.keys(exported)) secret[name] = await isSecretOutput(exported[name]);
    return { outputs: run.outputs as Record<string, any>, secret };
}

describe("examples/consumer against the dev stack's outputs", () => {
    let dev: MockStackReference;
    let consumer: Awaited<ReturnType<typeof runConsumer>>;
    let warehouseKey: LakehouseStackOutputs["warehouseCredentials"];

    beforeAll(async () => {
        dev = await devStack();
        warehouseKey = dev.outputs.warehouseCredentials as LakehouseStackOutputs["warehouseCredentials"];
        // The consumer is not given the platform team's `credentials`: it must not need them.
        const { credentials: _platformOnly, ...shared } = dev.outputs;
        consumer = await runConsumer({ ...dev, outputs: shared });
    });

    it("reads a lakehouse whose credential outputs are secrets", () => {
        expect([...(dev.secretOutputNames ?? [])].sort()).toEqual([...CREDENTIAL_OUTPUT_NAMES].sort());
    });

    it("exports the CDC streams and the catalog properties in plain text, without a credential", () => {
        expect(consumer.outputs.cdcStreams).toEqual({ bootstrapServers: "kafka-0:9092", topics: { demographics: "demographics_server.public.demographics" } });
        expect(consumer.outputs.sparkCatalogProperties).toEqual({
            "spark.sql.catalog.nessie": "org.apache.iceberg.spark.SparkCatalog",
            "spark.sql.catalog.nessie.catalog-impl": "org.apache.iceberg.nessie.NessieCatalog",
            "spark.sql.catalog.nessie.uri": "http://nessie:19120/api/v2",
            "spark.sql.catalog.nessie.ref": "main",
            "spark.sql.catalog.nessie.warehouse": "s3://warehouse/",
            "spark.sql.catalog.nessie.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
            "spark.sql.catalog.nessie.s3.endpoint": "http://minio:9000",
            "spark.sql.catalog.nessie.s3.path-style-access": "true",
            "spark.sql.catalog.nessie.client.region": "us-east-1",
        });
        expect(consumer.outputs.trinoCatalogProperties).toMatchObject({
            "connector.name": "iceberg",
            "iceberg.catalog.type": "nessie",
            "iceberg.nessie-catalog.uri": "http://nessie:19120/api/v2",
            "iceberg.nessie-catalog.default-warehouse-dir": "s3://warehouse/",
            "s3.endpoint": "http://minio:9000",
            "s3.path-style-access": "true",
        });
        for (const name of ["cdcStreams", "sparkCatalogProperties", "trinoCatalogProperties"]) {
            expect(consumer.secret[name]).toBe(false);
            expect(JSON.stringify(consumer.outputs[name])).not.toContain(warehouseKey.secretAccessKey);
        }
    });

    it("exports the warehouse key only inside secret outputs", () => {
        expect(consumer.secret.sparkCatalogCredentials).toBe(true);
        expect(consumer.secret.trinoCatalogCredentials).toBe(true);
        expect(consumer.outputs.sparkCatalogCredentials).toEqual({
            "spark.sql.catalog.nessie.s3.access-key-id": warehouseKey.accessKeyId,
            "spark.sql.catalog.nessie.s3.secret-access-key": warehouseKey.secretAccessKey,
        });
        expect(consumer.outputs.trinoCatalogCredentials).toEqual({
            "s3.aws-access-key": warehouseKey.accessKeyId,
            "s3.aws-secret-key": warehouseKey.secretAccessKey,
        });
    });

    it("keeps the credential outputs secret even when the referenced stack does not mark its output secret", async () => {
        const unmarked = await runConsumer({ ...dev, secretOutputNames: [] });
        expect(unmarked.secret.sparkCatalogCredentials).toBe(true);
        expect(unmarked.secret.trinoCatalogCredentials).toBe(true);
    });

    it("hands on the host-side addresses with endpointSide host", async () => {
        const host = await runConsumer(dev, { "lakehouse-consumer:endpointSide": "host" });
        expect(host.outputs.cdcStreams.bootstrapServers).toBe("localhost:9092");
        expect(host.outputs.sparkCatalogProperties["spark.sql.catalog.nessie.uri"]).toBe("http://localhost:19120/api/v2");
    });
});

describe("the example's pure parts", () => {
    it("takes endpointSide internal by default and refuses anything but internal or host", () => {
        expect(endpointSide(undefined)).toBe("internal");
        expect(endpointSide("host")).toBe("host");
        expect(() => endpointSide("public")).toThrow('endpointSide is "public": expected internal or host');
    });

    it("fails naming the output when the lakehouse does not publish the host side", () => {
        expect(() => address({ internal: "kafka-0:9092" }, "host", "kafkaBootstrapServers")).toThrow(/kafkaBootstrapServers has no host address/);
    });

    it("asks for path-style S3 requests except on AWS's endpoints", () => {
        expect(s3PathStyle("http://minio:9000")).toBe(true);
        expect(s3PathStyle("https://s3.eu-west-1.amazonaws.com")).toBe(false);
        expect(s3PathStyle("https://s3.cn-north-1.amazonaws.com.cn")).toBe(false);
        const aws = {
            kafkaBootstrapServers: { internal: "b-1.kafka:9092" },
            cdcTopics: {},
            icebergCatalog: "lake",
            nessieApiUri: { internal: "https://nessie.corp/api/v2" },
            nessieBranch: "prod",
            warehouse: "s3://acme/",
            s3Endpoint: { internal: "https://s3.eu-west-1.amazonaws.com" },
            s3Region: "eu-west-1",
        };
        expect(sparkCatalogProperties(aws, "internal")["spark.sql.catalog.lake.s3.path-style-access"]).toBe("false");
        expect(trinoCatalogProperties(aws, "internal")["s3.path-style-access"]).toBe("false");
    });
});
