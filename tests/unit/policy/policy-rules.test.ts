/**
 * The policy pack's rules (policy/rules.ts) on what the program really registers: the Lakehouse
 * rendered under Pulumi's mocks for the dev stack (Docker) and the prod stack (Kubernetes), then
 * changed the way a stack's config or a hand-written resource would change it, until each rule fires.
 * Resources are handed to the rules in the engine's wire form (secrets still marked), which is what
 * the mocks record and what the pack's deserializer hook keeps (tests/unit/policy/policy-pack.test.ts).
 */
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { parseLakehouseConfig } from "../../../components/config";
import { DebeziumConnector } from "../../../components/dynamic/connector";
import { FlinkSqlJob } from "../../../components/dynamic/flink-job";
import { JobTemplates, readJobTemplates } from "../../../components/jobs";
import { Lakehouse } from "../../../components/lakehouse";
import { parseFlinkDurationMs } from "../../../policy/flink-sql";
import {
    flinkAwsRegion,
    flinkCheckpointing,
    icebergCatalogImpl,
    isPlaceholder,
    looksSecret,
    nessiePersistentVersionStore,
    plaintextSecretInputs,
    holdsPrivateKey,
    plaintextSecretOutputs,
    replicationSlotCleanup,
} from "../../../policy/rules";
import { ResourceView, SECRET_SIG, SIG_KEY, unwrap } from "../../../policy/wire";
import { RecordedResource, runWithMocks } from "../../support/mocks";
import { stackConfig } from "../../support/stack-config";

const repoRoot = path.resolve(__dirname, "../../..");
const PROJECT = "cdc-lakehouse";

/** A recorded registration as the engine hands it to an analyzer: wire form, no engine-internal keys. */
function toView(r: RecordedResource, stack: string): ResourceView {
    const props = Object.fromEntries(Object.entries(r.raw ?? {}).filter(([k]) => !k.startsWith("__")));
    return { type: r.type, name: r.name, urn: `urn:pulumi:${stack}::${PROJECT}::${r.type}::${r.name}`, props: JSON.parse(JSON.stringify(props)) };
}

/** The Lakehouse for a stack's config values; `secretKeys` are set as the stack's secrets (as loadLakehouseConfig hands them over). */
async function render(stack: string, values: Record<string, unknown> = {}, jobTemplates?: JobTemplates, secretKeys: string[] = []): Promise<ResourceView[]> {
    const raw = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    const config = parseLakehouseConfig(raw, new Set(secretKeys), { project: PROJECT, stack });
    const run = await runWithMocks(
        () => {
            const credentials = Object.fromEntries(secretKeys.map((k) => [k, pulumi.secret(String(values[k]))]));
            const lakehouse = new Lakehouse("lakehouse", {
                config,
                credentials,
                repoRoot,
                checkExternalServices: false,
                ...(jobTemplates ? { jobTemplates } : {}),
            });
            return { credentials: lakehouse.outputs.credentials };
        },
        { stack },
    );
    return run.resources.map((r) => toView(r, stack));
}

/** Registers hand-written resources under mocks and returns them as the engine would send them. */
async function registered(stack: string, program: () => void): Promise<ResourceView[]> {
    const run = await runWithMocks(
        () => {
            program();
            return {};
        },
        { stack },
    );
    return run.resources.map((r) => toView(r, stack));
}

function prodValues(): Record<string, unknown> {
    return Object.fromEntries(
        Object.entries(stackConfig("prod"))
            .filter(([k]) => k.startsWith("lakehouse:"))
            .map(([k, v]) => [k.slice("lakehouse:".length), /^[[{]/.test(v) ? JSON.parse(v) : v]),
    );
}

const all = (resources: ResourceView[], rule: (r: ResourceView) => string[]) => resources.flatMap(rule);
const one = (resources: ResourceView[], type: string, name: string) => {
    const found = resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} ${name}, found ${found.length}`);
    return found[0];
};
const copy = (r: ResourceView): ResourceView => JSON.parse(JSON.stringify(r));
const CONTAINER = "docker:index/container:Container";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const JOB = "pulumi-nodejs:dynamic/lakehouse:FlinkSqlJob";
const CONNECTOR = "pulumi-nodejs:dynamic/lakehouse:DebeziumConnector";

/** The container's env entries without the ones named. */
function withoutEnv(r: ResourceView, name: string): ResourceView {
    const c = copy(r);
    c.props.envs = (c.props.envs as unknown[]).filter((e) => !String(unwrap(e)).startsWith(`${name}=`));
    return c;
}

/** Kubernetes container env of a Deployment, edited. */
function editK8sEnv(r: ResourceView, edit: (env: any[]) => any[]): ResourceView {
    const c = copy(r);
    const container = (c.props as any).spec.template.spec.containers[0];
    container.env = edit(container.env);
    return c;
}

describe("policy rules on the program's own stacks", () => {
    let dev: ResourceView[];
    let prod: ResourceView[];

    beforeAll(async () => {
        dev = await render("dev");
        prod = await render("prod", prodValues());
    });

    it("renders what the rules look at: three Flink containers, Nessie, the job and the connector", () => {
        expect(dev.filter((r) => r.type === CONTAINER).map((r) => r.name)).toEqual(
            expect.arrayContaining([
                "cdc-lakehouse-dev-flink-jobmanager",
                "cdc-lakehouse-dev-flink-taskmanager",
                "cdc-lakehouse-dev-flink-sql-gateway",
                "cdc-lakehouse-dev-nessie",
            ]),
        );
        expect(dev.filter((r) => r.type === JOB)).toHaveLength(1);
        expect(dev.filter((r) => r.type === CONNECTOR)).toHaveLength(1);
        expect(prod.filter((r) => r.type === DEPLOYMENT).map((r) => r.name)).toEqual(
            expect.arrayContaining([
                "cdc-lakehouse-prod-flink-jobmanager",
                "cdc-lakehouse-prod-flink-taskmanager",
                "cdc-lakehouse-prod-flink-sql-gateway",
                "cdc-lakehouse-prod-nessie",
            ]),
        );
    });

    it("finds nothing to report on the dev (Docker) and prod (Kubernetes) stacks as the program renders them", () => {
        for (const resources of [dev, prod]) {
            expect(all(resources, flinkAwsRegion)).toEqual([]);
            expect(all(resources, icebergCatalogImpl)).toEqual([]);
            expect(all(resources, flinkCheckpointing)).toEqual([]);
            expect(all(resources, nessiePersistentVersionStore)).toEqual([]);
            expect(all(resources, (r) => plaintextSecretInputs(r))).toEqual([]);
            expect(all(resources, replicationSlotCleanup)).toEqual([]);
        }
    });

    it("finds nothing on the AWS storage option and on the external (local) stack either", async () => {
        const aws = await render("staging", { storage: { provider: "aws", bucket: "acme-lakehouse-staging" }, awsRegion: "eu-west-1" });
        expect(aws.some((r) => r.type === "aws:iam/accessKey:AccessKey")).toBe(true);
        const passwords = ["postgresPassword", "replicationPassword", "minioRootPassword", "dremioAdminPassword"];
        const localValues = {
            ...Object.fromEntries(
                Object.entries(stackConfig("local"))
                    .filter(([k]) => k.startsWith("lakehouse:") && !passwords.includes(k.slice("lakehouse:".length)))
                    .map(([k, v]) => [k.slice("lakehouse:".length), /^[[{]/.test(v) ? JSON.parse(v) : v]),
            ),
            ...Object.fromEntries(passwords.map((k) => [k, `configured-${k}-value`])),
        };
        const local = await render("local", localValues, undefined, passwords);
        expect(local.filter((r) => r.type === JOB)).toHaveLength(1);
        for (const resources of [aws, local]) {
            const rules = [
                flinkAwsRegion,
                icebergCatalogImpl,
                flinkCheckpointing,
                nessiePersistentVersionStore,
                (r: ResourceView) => plaintextSecretInputs(r),
                replicationSlotCleanup,
            ];
            expect(rules.flatMap((rule) => all(resources, rule))).toEqual([]);
        }
    });

    describe("1. AWS_REGION on every Flink process", () => {
        it("fires for each Docker Flink container without AWS_REGION, naming it", () => {
            for (const workload of ["flink-jobmanager", "flink-taskmanager", "flink-sql-gateway"]) {
                const container = withoutEnv(one(dev, CONTAINER, `cdc-lakehouse-dev-${workload}`), "AWS_REGION");
                const messages = flinkAwsRegion(container);
                expect(messages).toHaveLength(1);
                expect(messages[0]).toContain(`container cdc-lakehouse-dev-${workload} is a Flink process without AWS_REGION`);
                expect(messages[0]).toContain("Unable to load region");
            }
        });

        it("fires for a Kubernetes Flink Deployment without AWS_REGION, and for an empty one", () => {
            const jm = one(prod, DEPLOYMENT, "cdc-lakehouse-prod-flink-jobmanager");
            expect(flinkAwsRegion(editK8sEnv(jm, (env) => env.filter((e) => e.name !== "AWS_REGION")))).toEqual([
                expect.stringContaining("Deployment flink-jobmanager, container flink-jobmanager is a Flink process without AWS_REGION"),
            ]);
            expect(flinkAwsRegion(editK8sEnv(jm, (env) => env.map((e) => (e.name === "AWS_REGION" ? { name: e.name, value: "" } : e))))).toEqual([
                expect.stringContaining("sets AWS_REGION to an empty value"),
            ]);
        });

        it("fires for a hand-written Flink container (official image) without AWS_REGION, and passes with it", async () => {
            const resources = await registered("staging", () => {
                new docker.Container("jobmanager", {
                    image: "flink:1.20.3-scala_2.12-java17",
                    command: ["jobmanager"],
                    envs: ["FLINK_PROPERTIES=execution.checkpointing.interval: 10 s"],
                });
                new docker.Container("taskmanager", {
                    image: "flink:1.20.3-scala_2.12-java17",
                    command: ["taskmanager"],
                    envs: ["AWS_REGION=eu-west-1", "FLINK_PROPERTIES=execution.checkpointing.interval: 10 s"],
                });
                new docker.Container("postgres", { image: "postgres:15.10", envs: [] });
            });
            expect(all(resources, flinkAwsRegion)).toEqual([expect.stringContaining("container jobmanager is a Flink process without AWS_REGION")]);
        });

        it("fires for a job whose S3FileIO Nessie catalog has no client.region", async () => {
            const templates = readJobTemplates(repoRoot);
            const resources = await render(
                "dev",
                {},
                { ...templates, catalog: templates.catalog.replace(/,\s*--[^\n]*\n\s*'client\.region'\s*=\s*'\{\{awsRegion\}\}'/, "") },
            );
            expect(String(unwrap(one(resources, JOB, "lakehouse-job-demographics").props.statements)[0])).not.toContain("client.region");
            expect(all(resources, flinkAwsRegion)).toEqual([
                expect.stringContaining("Flink job lakehouse-job-demographics: catalog nessie (statements[0]) uses S3FileIO without 'client.region'"),
            ]);
        });
    });

    describe("2. The Iceberg catalog is declared with catalog-impl", () => {
        const variant = async (replacement: string) => {
            const templates = readJobTemplates(repoRoot);
            const catalog = templates.catalog.replace("'catalog-impl' = 'org.apache.iceberg.nessie.NessieCatalog'", replacement);
            expect(catalog).not.toBe(templates.catalog);
            return all(await render("dev", {}, { ...templates, catalog }), icebergCatalogImpl);
        };

        it("fires for the seed's 'catalog-type' = 'nessie'", async () => {
            expect(await variant("'catalog-type' = 'nessie'")).toEqual([
                expect.stringContaining(
                    "catalog nessie (statements[0]) is declared with 'catalog-type' = 'nessie': Flink's Iceberg catalog types are hive, hadoop and rest",
                ),
            ]);
        });

        it("fires without any implementation (Flink would look for a Hive metastore), and with both keys", async () => {
            expect(await variant("'cache-enabled' = 'false'")).toEqual([expect.stringContaining("names no implementation")]);
            expect(await variant("'catalog-impl' = 'org.apache.iceberg.nessie.NessieCatalog', 'catalog-type' = 'rest'")).toEqual([
                expect.stringContaining("sets both 'catalog-impl' and 'catalog-type'"),
            ]);
        });

        it("fires for a Nessie catalog off API v2, and accepts an Iceberg REST catalog type with a uri", async () => {
            const templates = readJobTemplates(repoRoot);
            const v1 = templates.catalog.replace("'uri' = '{{nessieUri}}'", "'uri' = 'http://nessie:19120/api/v1'");
            expect(all(await render("dev", {}, { ...templates, catalog: v1 }), icebergCatalogImpl)).toEqual([
                expect.stringContaining("must be Nessie's REST API v2"),
            ]);
            expect(await variant("'catalog-type' = 'rest'")).toEqual([]);
        });
    });

    describe("3. Checkpointing on", () => {
        it("reads the program's interval on the job and on every Flink process", () => {
            const job = one(dev, JOB, "lakehouse-job-demographics");
            expect(unwrap(job.props.settings)["execution.checkpointing.interval"]).toBe("5000 ms");
            expect(parseFlinkDurationMs("10000 ms")).toBe(10000);
            expect(parseFlinkDurationMs("30 s")).toBe(30000);
            expect(parseFlinkDurationMs("1 min")).toBe(60000);
            expect(parseFlinkDurationMs("PT10S")).toBe(10000);
            expect(parseFlinkDurationMs("soon")).toBeUndefined();
        });

        it("fires for a hand-written Flink job without the interval, and with a zero one", async () => {
            const statements = ["CREATE TEMPORARY TABLE s (x INT) WITH ('connector' = 'datagen')", "INSERT INTO t SELECT x FROM s"];
            const resources = await registered("staging", () => {
                new FlinkSqlJob("no-interval", {
                    gatewayUrl: "http://gw:8083",
                    restUrl: "http://jm:8081",
                    name: "no-interval",
                    statements,
                    settings: { "parallelism.default": "1" },
                });
                new FlinkSqlJob("zero", {
                    gatewayUrl: "http://gw:8083",
                    restUrl: "http://jm:8081",
                    name: "zero",
                    statements,
                    settings: { "execution.checkpointing.interval": "0 ms" },
                });
                new FlinkSqlJob("ok", {
                    gatewayUrl: "http://gw:8083",
                    restUrl: "http://jm:8081",
                    name: "ok",
                    statements,
                    settings: { "execution.checkpointing.interval": "30 s" },
                });
            });
            expect(all(resources, flinkCheckpointing)).toEqual([
                expect.stringContaining('Flink job no-interval: settings["execution.checkpointing.interval"] is not set'),
                expect.stringContaining("Flink job zero: settings[\"execution.checkpointing.interval\"] is '0 ms' (checkpointing off)"),
            ]);
        });

        it("fires for a Flink process whose FLINK_PROPERTIES lack the interval (Docker and Kubernetes)", () => {
            const strip = (text: string) => text.replace(/\nexecution\.checkpointing\.interval: [^\n]*/, "");
            const tm = copy(one(dev, CONTAINER, "cdc-lakehouse-dev-flink-taskmanager"));
            tm.props.envs = (tm.props.envs as unknown[]).map((e) => (typeof e === "string" && e.startsWith("FLINK_PROPERTIES=") ? strip(e) : e));
            expect(flinkCheckpointing(tm)).toEqual([
                expect.stringContaining("container cdc-lakehouse-dev-flink-taskmanager: execution.checkpointing.interval in FLINK_PROPERTIES is not set"),
            ]);
            const gw = editK8sEnv(one(prod, DEPLOYMENT, "cdc-lakehouse-prod-flink-sql-gateway"), (env) =>
                env.map((e) => (e.name === "FLINK_PROPERTIES" ? { ...e, value: strip(e.value) } : e)),
            );
            expect(flinkCheckpointing(gw)).toEqual([
                expect.stringContaining(
                    "Deployment flink-sql-gateway, container flink-sql-gateway: execution.checkpointing.interval in FLINK_PROPERTIES is not set",
                ),
            ]);
        });
    });

    describe("4. No in-memory Nessie", () => {
        it("fires for nessie.versionStore in-memory, on Docker and on Kubernetes", async () => {
            const docker = await render("staging", { nessie: { versionStore: "in-memory" } });
            expect(all(docker, nessiePersistentVersionStore)).toEqual([
                expect.stringContaining("container cdc-lakehouse-staging-nessie runs Nessie with the IN_MEMORY version store"),
            ]);
            const k8s = await render("prod", { ...prodValues(), nessie: { versionStore: "in-memory" } });
            expect(all(k8s, nessiePersistentVersionStore)).toEqual([
                expect.stringContaining("Deployment nessie, container nessie runs Nessie with the IN_MEMORY version store"),
            ]);
        });

        it("fires for a Nessie container that leaves the store to the image's default (in-memory), passes with rocksdb", async () => {
            const resources = await registered("staging", () => {
                new docker.Container("nessie", { image: "ghcr.io/projectnessie/nessie:0.99.0", envs: ["QUARKUS_HTTP_PORT=19120"] });
            });
            expect(all(resources, nessiePersistentVersionStore)).toEqual([
                expect.stringContaining("without NESSIE_VERSION_STORE_TYPE: the image's default store is IN_MEMORY"),
            ]);
            expect(all(await render("staging", { nessie: { versionStore: "rocksdb" } }), nessiePersistentVersionStore)).toEqual([]);
        });
    });

    describe("5. No plaintext secret", () => {
        it("knows secret-looking names from the others", () => {
            for (const name of [
                "POSTGRES_PASSWORD",
                "AWS_SECRET_ACCESS_KEY",
                "MINIO_ROOT_PASSWORD",
                "databasePassword",
                "s3.secret-access-key",
                "awsAccessSecret",
                "GITHUB_TOKEN",
                "apiKey",
            ])
                expect(looksSecret(name)).toBe(true);
            for (const name of [
                "AWS_ACCESS_KEY_ID",
                "POSTGRES_USER",
                "secretName",
                "passwordFile",
                "secretKeyRef",
                "credentialType",
                "awsAccessKey",
                "tombstones.on.delete",
            ])
                expect(looksSecret(name)).toBe(false);
            expect(isPlaceholder("{{secret.s3SecretAccessKey}}")).toBe(true);
            expect(isPlaceholder("hunter2")).toBe(false);
        });

        it("fires for a Docker env password that is not a Pulumi secret, naming the variable but not the value", () => {
            const pg = copy(one(dev, CONTAINER, "cdc-lakehouse-dev-postgres"));
            pg.props.envs = (pg.props.envs as unknown[]).map((e) => (String(unwrap(e)).startsWith("POSTGRES_PASSWORD=") ? unwrap(e) : e));
            const messages = plaintextSecretInputs(pg);
            expect(messages).toEqual([expect.stringContaining("container cdc-lakehouse-dev-postgres: env POSTGRES_PASSWORD is plain text")]);
            expect(messages.join("\n")).not.toContain("generated-lakehouse-credentials-postgresPassword");
        });

        it("fires for a PEM private key in plain text under any name: an env entry, a resource's input", () => {
            const key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----\n";
            expect(holdsPrivateKey(key)).toBe(true);
            expect(holdsPrivateKey("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")).toBe(false);
            const jm = copy(one(dev, CONTAINER, "cdc-lakehouse-dev-flink-jobmanager"));
            jm.props.envs = [...(jm.props.envs as unknown[]), `REST_TLS_KEY=${key}`];
            const messages = plaintextSecretInputs(jm);
            expect(messages).toEqual([expect.stringContaining("container cdc-lakehouse-dev-flink-jobmanager: env REST_TLS_KEY is plain text")]);
            expect(messages.join("\n")).not.toContain("MIGHAgEA");
            const connector = copy(one(dev, CONNECTOR, "lakehouse-connector"));
            connector.props.sslMaterial = key;
            expect(plaintextSecretInputs(connector)).toEqual([expect.stringContaining("DebeziumConnector lakehouse-connector: sslMaterial is plain text")]);
        });

        it("fires for a Kubernetes env secret given as a literal value (even a Pulumi secret one)", () => {
            const nessie = one(prod, DEPLOYMENT, "cdc-lakehouse-prod-nessie");
            const literal = editK8sEnv(nessie, (env) =>
                env.map((e) =>
                    e.name === "QUARKUS_DATASOURCE_POSTGRESQL_PASSWORD" ? { name: e.name, value: { [SIG_KEY]: SECRET_SIG, value: "s3cr3t-password" } } : e,
                ),
            );
            expect(plaintextSecretInputs(literal)).toEqual([
                expect.stringContaining("env QUARKUS_DATASOURCE_POSTGRESQL_PASSWORD is a literal value in the pod spec"),
            ]);
        });

        it("fires for a Kubernetes Secret whose data is not a Pulumi secret", () => {
            const secret = copy(one(prod, "kubernetes:core/v1:Secret", "cdc-lakehouse-prod-secret-postgres-password"));
            secret.props.stringData = unwrap(secret.props.stringData);
            expect(plaintextSecretInputs(secret)).toEqual([
                expect.stringContaining("Kubernetes Secret cdc-lakehouse-prod-secret-postgres-password: stringData.value is plain text"),
            ]);
        });

        it("fires for the connector's password and a job's secret values when they are not secrets", () => {
            const connector = copy(one(dev, CONNECTOR, "lakehouse-connector"));
            connector.props.databasePassword = unwrap(connector.props.databasePassword);
            expect(plaintextSecretInputs(connector)).toEqual([
                expect.stringContaining("DebeziumConnector lakehouse-connector: databasePassword is plain text"),
            ]);
            const job = copy(one(dev, JOB, "lakehouse-job-demographics"));
            job.props.secrets = unwrap(job.props.secrets);
            expect(plaintextSecretInputs(job)).toEqual([
                expect.stringContaining("FlinkSqlJob lakehouse-job-demographics: secrets.s3SecretAccessKey is plain text"),
            ]);
        });

        it("fires for a secret literal in a job's SQL instead of the {{secret.*}} placeholder", async () => {
            const templates = readJobTemplates(repoRoot);
            const catalog = templates.catalog.replace("'{{secret.s3SecretAccessKey}}'", "'minio-root-password'");
            const messages = all(await render("dev", {}, { ...templates, catalog }), (r) => plaintextSecretInputs(r));
            expect(messages).toEqual([expect.stringContaining("statements[0] holds 's3.secret-access-key' as a literal")]);
        });

        it("without secret marks, still judges Kubernetes literals and SQL, and nothing that needs the marks", () => {
            const blind = { secretsVisible: false };
            const pg = one(dev, CONTAINER, "cdc-lakehouse-dev-postgres");
            expect(plaintextSecretInputs({ ...pg, props: unwrap(pg.props) }, blind)).toEqual([]);
            const nessie = editK8sEnv(one(prod, DEPLOYMENT, "cdc-lakehouse-prod-nessie"), (env) => [...env, { name: "API_TOKEN", value: "abc" }]);
            expect(plaintextSecretInputs(nessie, blind)).toEqual([expect.stringContaining("env API_TOKEN is a literal value")]);
        });
    });

    describe("6. Replication slot cleanup", () => {
        it("fires for pipeline.dropSlotOnDelete false, naming the slot", async () => {
            const resources = await render("staging", { pipeline: { dropSlotOnDelete: false } });
            expect(all(resources, replicationSlotCleanup)).toEqual([
                expect.stringContaining(
                    "Debezium connector lakehouse-connector: dropSlotOnDelete is false, so deleting the connector leaves its replication slot cdc_lakehouse_staging_cdc",
                ),
            ]);
        });

        it("passes when the key is absent or true, and for a hand-written connector with the default", async () => {
            expect(all(await render("staging", { pipeline: { dropSlotOnDelete: true } }), replicationSlotCleanup)).toEqual([]);
            const resources = await registered("staging", () => {
                new DebeziumConnector("c", {
                    connectUrl: "http://connect:8083",
                    name: "c",
                    databasePassword: pulumi.secret("p4ssword-p4ssword"),
                    config: { "connector.class": "io.debezium.connector.postgresql.PostgresConnector", "slot.name": "s" },
                });
            });
            expect(resources[0].props.dropSlotOnDelete).toBe(true);
            expect(all(resources, replicationSlotCleanup)).toEqual([]);
        });
    });
});

describe("no plaintext secret in stack outputs (the whole program, index.ts)", () => {
    /** The stack resource as the engine holds it after `RegisterResourceOutputs`: each output in wire form. */
    async function stackResources(stack: string): Promise<{ resources: ResourceView[]; outputs: Record<string, unknown> }> {
        let program: Record<string, unknown> = {};
        const run = await runWithMocks(
            async () => {
                program = await require("../../../index")();
                return program;
            },
            { config: stackConfig(stack), stack },
        );
        const outputs: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(program)) {
            const secret = await pulumi.isSecret(pulumi.output(value as any));
            outputs[key] = secret ? { [SIG_KEY]: SECRET_SIG, value: run.outputs[key] } : run.outputs[key];
        }
        const resources = run.resources.map((r) => toView(r, stack));
        return { resources, outputs };
    }
    const withStack = (resources: ResourceView[], outputs: Record<string, unknown>, stack = "dev"): ResourceView[] => [
        ...resources,
        {
            type: "pulumi:pulumi:Stack",
            name: `${PROJECT}-${stack}`,
            urn: `urn:pulumi:${stack}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${stack}`,
            props: outputs,
        },
    ];
    let dev: Awaited<ReturnType<typeof stackResources>>;

    beforeAll(async () => {
        dev = await stackResources("dev");
    });

    it("passes: the program exports every credential in the secret `credentials` output", () => {
        expect(Object.keys(dev.outputs)).toContain("credentials");
        expect(plaintextSecretOutputs(withStack(dev.resources, dev.outputs))).toEqual([]);
    });

    it("does not take a user name inside a secret object for a secret (the Lakehouse component's own outputs, as validateStack sees them)", () => {
        // Found by `pulumi preview --policy-pack` on the local stack: `credentials.postgres.username` is "postgres"
        // there, like the output `source.database`. In dev, the S3 access key id "lakehouse" is also `dremioSource.name`.
        const component: ResourceView = {
            type: "lakehouse:index:Lakehouse",
            name: "lakehouse",
            urn: `urn:pulumi:dev::${PROJECT}::lakehouse:index:Lakehouse::lakehouse`,
            props: dev.outputs,
        };
        expect(unwrap(dev.outputs.credentials).s3.accessKeyId).toBe("lakehouse");
        expect((dev.outputs.dremioSource as any).name).toBe("lakehouse");
        expect(plaintextSecretOutputs(withStack([...dev.resources, component], dev.outputs))).toEqual([]);
    });

    it("fires when the credentials are exported in plain text, naming each output path", () => {
        const plain = { ...dev.outputs, credentials: unwrap(dev.outputs.credentials) };
        const findings = plaintextSecretOutputs(withStack(dev.resources, plain));
        expect(findings.map((f) => f.message)).toEqual(
            expect.arrayContaining([
                expect.stringContaining("Stack output credentials.postgres.password looks like a secret"),
                expect.stringContaining("Stack output credentials.s3.secretAccessKey looks like a secret"),
            ]),
        );
        expect(findings.every((f) => f.urn === `urn:pulumi:dev::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-dev`)).toBe(true);
        expect(findings.map((f) => f.message).join("\n")).not.toContain("generated-");
    });

    it("fires when a generated password leaves the stack under a harmless name", () => {
        const password = unwrap(dev.outputs.credentials).replication.password;
        const findings = plaintextSecretOutputs(withStack(dev.resources, { ...dev.outputs, debug: { note: password } }));
        expect(findings).toEqual([
            {
                // The first resource found holding it: PostgreSQL's env or the Connect worker's (both hold the replication password).
                message: expect.stringMatching(
                    /^Stack output debug\.note exports in plain text the value of a secret \(cdc-lakehouse-dev-(postgres env REPLICATION_PASSWORD|connect env LAKEHOUSE_REPLICATION_PASSWORD)\)/,
                ),
                urn: expect.any(String),
            },
        ]);
    });
});
