/** Services that already exist: nothing is deployed for them, and everything else points at them. */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseLakehouseConfig } from "../../../components/config";
import { Lakehouse } from "../../../components/lakehouse";
import { dependsOn, resolve, runWithMocks } from "../../support/mocks";

const repoRoot = path.resolve(__dirname, "../../..");
const secrets = ["postgresPassword", "replicationPassword", "minioRootPassword", "dremioAdminPassword"];

async function render(values: Record<string, unknown>, secretKeys: string[] = []) {
    const raw = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    const config = parseLakehouseConfig(raw, new Set(secretKeys), { project: "cdc-lakehouse", stack: "dev" });
    let lakehouse!: Lakehouse;
    const run = await runWithMocks(() => {
        // What loadLakehouseConfig hands over: the stack's secret values as secret Outputs.
        const credentials = Object.fromEntries(secretKeys.map((k) => [k, pulumi.secret(String(values[k]))]));
        lakehouse = new Lakehouse("lakehouse", { config, credentials, repoRoot, checkExternalServices: false });
        return {};
    });
    return { ...run, outputs: lakehouse.outputs };
}

describe("one external service on the docker platform", () => {
    it("deploys no broker, and points Connect and Flink at the existing Kafka", async () => {
        const { resources, outputs } = await render({ external: { kafka: { bootstrapServers: "kafka.corp:9092,kafka2.corp:9092" } } });
        const containers = resources.filter((r) => r.type === "docker:index/container:Container");
        expect(containers.map((c) => c.inputs.name).filter((n: string) => n.includes("kafka"))).toEqual([]);
        expect(resources.filter((r) => r.type === "docker:index/volume:Volume").map((v) => v.inputs.name)).not.toContain("cdc-lakehouse-dev-kafka-0-data");
        const connect = containers.find((c) => c.inputs.name === "cdc-lakehouse-dev-connect")!;
        expect(connect.inputs.envs).toContain("BOOTSTRAP_SERVERS=kafka.corp:9092,kafka2.corp:9092");
        expect(connect.dependencies.filter((u) => u.includes("Container"))).toEqual([]);
        expect(outputs.kafkaBootstrapServers).toEqual({ internal: "kafka.corp:9092,kafka2.corp:9092", host: "kafka.corp:9092,kafka2.corp:9092" });
    });

    it("points Nessie's JDBC store at an existing PostgreSQL and uses the stack's passwords", async () => {
        const { resources } = await render(
            { external: { postgres: { address: "pg.corp:6543" } }, postgresPassword: "configured-secret-1", replicationPassword: "configured-secret-2" },
            ["postgresPassword", "replicationPassword"],
        );
        expect(resources.filter((r) => r.type === "docker:index/container:Container").map((c) => c.inputs.name)).not.toContain("cdc-lakehouse-dev-postgres");
        const nessie = resources.find((r) => r.inputs.name === "cdc-lakehouse-dev-nessie")!;
        expect(nessie.inputs.envs).toContain("QUARKUS_DATASOURCE_POSTGRESQL_JDBC_URL=jdbc:postgresql://pg.corp:6543/nessie");
        expect(dependsOn(nessie, "cdc-lakehouse-dev-postgres")).toBe(false);
        expect(
            resources
                .filter((r) => r.type === "random:index/randomPassword:RandomPassword")
                .map((r) => r.name)
                .sort(),
        ).toEqual(["lakehouse-credentials-dremioAdminPassword", "lakehouse-credentials-minioRootPassword"]);
    });
});

describe("platform external", () => {
    it("deploys no container, image, volume or network and exports the given endpoints", async () => {
        const values = {
            platform: "external",
            external: {
                postgres: { address: "db.corp:5432" },
                kafka: { bootstrapServers: "kafka.corp:9092" },
                connect: { url: "https://connect.corp" },
                minio: { endpoint: "https://s3.corp" },
                nessie: { url: "http://nessie.corp:19120/catalog" },
                flink: { restUrl: "http://flink.corp:8081", sqlGatewayUrl: "http://flink.corp:8083" },
                dremio: { url: "http://dremio.corp:9047" },
            },
            ...Object.fromEntries(secrets.map((k) => [k, "configured-secret-1"])),
        };
        const { resources, outputs } = await render(values, secrets);
        expect(resources.filter((r) => r.type.startsWith("docker:"))).toEqual([]);
        expect(resources.filter((r) => r.type.startsWith("random:"))).toEqual([]);
        expect(outputs).toMatchObject({
            platform: "external",
            kafkaBootstrapServers: { internal: "kafka.corp:9092", host: "kafka.corp:9092" },
            kafkaConnectUrl: { internal: "https://connect.corp:443", host: "https://connect.corp:443" },
            s3Endpoint: { internal: "https://s3.corp:443" },
            nessieApiUri: { internal: "http://nessie.corp:19120/catalog/api/v2" },
            flinkRestUrl: { internal: "http://flink.corp:8081" },
            flinkSqlGatewayUrl: { internal: "http://flink.corp:8083" },
            dremioUrl: { internal: "http://dremio.corp:9047" },
        });
        expect(outputs.endpoints).not.toHaveProperty("minioConsole");
        expect(outputs.endpoints.connect).toEqual({ internal: "connect.corp:443", host: "connect.corp:443" });
        expect(await resolve(outputs.credentials)).toMatchObject({ postgres: { username: "lakehouse", password: "configured-secret-1" } });
    });
});
