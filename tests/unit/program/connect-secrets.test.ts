/**
 * Secrets out of Kafka Connect's stored config: the connector's `database.password` is a Kafka
 * config-provider reference that the workers resolve, never the password. Pins the option
 * `pipeline.replicationPasswordReference` (external Connect), the worker env/config of the Docker and
 * Kubernetes renderings, and what the connector resource is registered with.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LakehouseConfig } from "../../../components/config";
import { ENV_CONFIG_PROVIDER_CLASS, connectPasswordReference, kafkaConnectWorkload } from "../../../components/connect";
import { DEFAULTS } from "../../../components/defaults";
import { DebeziumConnector, checkConnectorInputs, isConfigProviderReference } from "../../../components/dynamic/connector";
import { Lakehouse } from "../../../components/lakehouse";
import { connectorPasswordReference } from "../../../components/pipeline";
import { isPlaceholder, plaintextSecretInputs } from "../../../policy/rules";
import { RecordedResource, isSerializedSecret, plainStrings, runWithMocks } from "../../support/mocks";
import { containerOf, plainEnv, renderStack, secretRefs, workloads } from "../../support/kubernetes";
import { configRejection, parseConfigValues } from "../../support/lakehouse-config";
import { stackConfig } from "../../support/stack-config";

const repoRoot = path.resolve(__dirname, "../../..");
const REFERENCE = "${env:LAKEHOUSE_REPLICATION_PASSWORD}";
const SECRETS = ["postgresPassword", "replicationPassword", "minioRootPassword", "dremioAdminPassword"];
const EXTERNAL = {
    postgres: { address: "db.corp:5432" },
    kafka: { bootstrapServers: "kafka.corp:9092" },
    connect: { url: "https://connect.corp" },
    minio: { endpoint: "https://s3.corp" },
    nessie: { url: "http://nessie.corp:19120" },
    flink: { restUrl: "http://flink.corp:8081", sqlGatewayUrl: "http://flink.corp:8083" },
    dremio: { url: "http://dremio.corp:9047" },
};

const parse = (values: Record<string, unknown>, secretKeys: string[] = []): LakehouseConfig => parseConfigValues(values, { secretKeys });
const messageOf = (values: Record<string, unknown>): string => configRejection(values).message;

const externalValues = (pipeline: Record<string, unknown> = {}) => ({
    platform: "external",
    external: EXTERNAL,
    ...(Object.keys(pipeline).length ? { pipeline } : {}),
    ...Object.fromEntries(SECRETS.map((k) => [k, "configured-secret-1"])),
});

/** Renders the whole program under mocks; `warnings` are what it told the user at preview. */
async function render(values: Record<string, unknown>, secretKeys: string[] = [], stack = "dev") {
    const config = parseConfigValues(values, { secretKeys, stack });
    const warnings: string[] = [];
    const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(async (message: string) => {
        warnings.push(message);
    });
    try {
        const run = await runWithMocks(
            () => {
                const credentials = Object.fromEntries(secretKeys.map((k) => [k, pulumi.secret(String(values[k]))]));
                new Lakehouse("lakehouse", { config, credentials, repoRoot, checkExternalServices: false });
                return {};
            },
            { stack },
        );
        return { ...run, warnings };
    } finally {
        warn.mockRestore();
    }
}

function connectorOf(resources: RecordedResource[]): RecordedResource {
    const found = resources.filter((r) => r.type === "pulumi-nodejs:dynamic/lakehouse:DebeziumConnector");
    expect(found).toHaveLength(1);
    return found[0];
}

describe("isConfigProviderReference", () => {
    it.each([
        REFERENCE,
        "${file:/etc/kafka/secrets.properties:replication.password}",
        "${directory:/var/run/secrets/pg:password}",
        "${vault:secret/data/pg:password}",
    ])("accepts %s", (ref) => {
        expect(isConfigProviderReference(ref)).toBe(true);
        // The policy pack's "no plaintext secret" rule sees the same thing as a stand-in, not a password.
        expect(isPlaceholder(ref)).toBe(true);
    });

    it.each(["hunter2-secret", "${env}", "${:KEY}", "${env:}", "prefix${env:KEY}", "${env:KEY}suffix", "${env:KEY} ", "${env:a:b:c}", "$env:KEY", "{env:KEY}"])(
        "refuses %j",
        (value) => {
            expect(isConfigProviderReference(value)).toBe(false);
            expect(isPlaceholder(value)).toBe(false);
        },
    );
});

describe("pipeline.replicationPasswordReference", () => {
    it("is unset by default, and a known key of pipeline", () => {
        expect(DEFAULTS.pipeline.replicationPasswordReference).toBeUndefined();
        expect(parse({}).pipeline.replicationPasswordReference).toBeUndefined();
        expect(messageOf({ pipeline: { replicationPasswordRefrence: REFERENCE } })).toContain('did you mean "replicationPasswordReference"?');
    });

    it("takes a reference on a stack with an existing Connect", () => {
        expect(parse(externalValues({ replicationPasswordReference: REFERENCE }), SECRETS).pipeline.replicationPasswordReference).toBe(REFERENCE);
        const file = "${file:/etc/kafka/secrets.properties:replication.password}";
        expect(
            parse({ external: { connect: { url: "http://connect.corp:8083" } }, pipeline: { replicationPasswordReference: file } }).pipeline
                .replicationPasswordReference,
        ).toBe(file);
    });

    it("refuses a value that is not one reference, naming the key and the fix, without echoing a password put there", () => {
        const message = messageOf({ external: { connect: { url: "http://connect.corp:8083" } }, pipeline: { replicationPasswordReference: "hunter2-secret" } });
        expect(message).toContain('lakehouse:pipeline.replicationPasswordReference: found "a value that is not a reference"');
        expect(message).toContain("${provider:key}");
        expect(message).toContain("config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        expect(message).toContain("lakehouse:replicationPassword");
        expect(message).not.toContain("hunter2-secret");
        expect(message).toMatch(/\(1 problem\)/);
        expect(messageOf({ external: { connect: { url: "http://connect.corp:8083" } }, pipeline: { replicationPasswordReference: "${env:}" } })).toContain(
            'lakehouse:pipeline.replicationPasswordReference: found "${env:}"; expected one Kafka config-provider reference',
        );
        expect(messageOf({ external: { connect: { url: "http://connect.corp:8083" } }, pipeline: { replicationPasswordReference: 42 } })).toContain(
            "lakehouse:pipeline.replicationPasswordReference: found 42",
        );
    });

    it("refuses the key when the program deploys Connect itself (its workers get their own reference)", () => {
        const message = messageOf({ pipeline: { replicationPasswordReference: REFERENCE } });
        expect(message).toContain(
            `lakehouse:pipeline.replicationPasswordReference: found "${REFERENCE}"; expected nothing unless \`lakehouse:external.connect\` is set`,
        );
        expect(message).toContain("remove the key");
    });

    it("is what the local stack (Pulumi.local.yaml) sets, for the harness's Connect", () => {
        const local = stackConfig("local");
        expect(JSON.parse(local["lakehouse:pipeline"])).toEqual({ replicationPasswordReference: REFERENCE });
    });
});

describe("connectorPasswordReference", () => {
    it("is the env reference the deployed workers resolve, on docker and kubernetes", () => {
        expect(connectPasswordReference()).toBe(REFERENCE);
        expect(connectorPasswordReference(parse({}))).toEqual({ reference: REFERENCE });
        expect(connectorPasswordReference(parse({ platform: "kubernetes", kubernetes: {} }))).toEqual({
            reference: REFERENCE,
        });
    });

    it("is the configured reference on an existing Connect", () => {
        const file = "${file:/etc/kafka/secrets.properties:replication.password}";
        expect(connectorPasswordReference(parse(externalValues({ replicationPasswordReference: file }), SECRETS))).toEqual({ reference: file });
    });

    it("is no reference but a warning naming the option on an existing Connect without one", () => {
        const result = connectorPasswordReference(parse(externalValues(), SECRETS));
        expect(result.reference).toBeUndefined();
        expect(result.warning).toContain("https://connect.corp");
        expect(result.warning).toContain("stores it in plain text");
        expect(result.warning).toContain("`lakehouse:pipeline.replicationPasswordReference`");
        expect(result.warning).toContain("EnvVarConfigProvider");
    });
});

describe("the Connect workload the program deploys", () => {
    const args = {
        image: { ref: "lakehouse/connect:3.0.8.Final-0123456789ab", pull: false },
        workers: 2,
        groupId: "dev-connect",
        kafka: { brokers: 1, topicPrefix: "t", topicPartitions: 1, replicationFactor: 1, minInsyncReplicas: 1 },
        bootstrapServers: "kafka-0:9092",
        dependsOn: ["kafka-0"],
        resources: { memoryMiB: 1536, cpus: 1 },
    };
    const spec = kafkaConnectWorkload(args);

    it("gets config providers in its worker config (the image maps CONNECT_<KEY> to <key>), allowed to read only the password variable", () => {
        expect(spec.env).toMatchObject({
            CONNECT_CONFIG_PROVIDERS: "env",
            CONNECT_CONFIG_PROVIDERS_ENV_CLASS: ENV_CONFIG_PROVIDER_CLASS,
            CONNECT_CONFIG_PROVIDERS_ENV_PARAM_ALLOWLIST_PATTERN: "^LAKEHOUSE_REPLICATION_PASSWORD$",
        });
        expect(ENV_CONFIG_PROVIDER_CLASS).toBe("org.apache.kafka.common.config.provider.EnvVarConfigProvider");
    });

    it("restarts its FAILED connectors and tasks unless the stack turns that off (`connect.autoRestart`)", () => {
        expect(spec.env.AUTO_RESTART_FAILED).toBe("true");
        const off = kafkaConnectWorkload({ ...args, autoRestart: false });
        expect(off.env.AUTO_RESTART_FAILED).toBe("false");
    });

    it("gets the replication password from the stack's secret, never as a plain value", () => {
        expect(spec.secretEnv).toEqual({ LAKEHOUSE_REPLICATION_PASSWORD: { secret: "replication-password" } });
        expect(Object.keys(spec.env)).not.toContain("LAKEHOUSE_REPLICATION_PASSWORD");
    });
});

describe("Docker rendering (dev stack)", () => {
    let run: Awaited<ReturnType<typeof render>>;
    beforeAll(async () => {
        run = await render({});
    });

    it("Connect's container: config providers in plain env, the password as a secret env entry", () => {
        const connect = run.resources.find((r) => r.type === "docker:index/container:Container" && r.name === "cdc-lakehouse-dev-connect")!;
        const envs = connect.inputs.envs as string[];
        expect(envs).toEqual(
            expect.arrayContaining([
                "CONNECT_CONFIG_PROVIDERS=env",
                `CONNECT_CONFIG_PROVIDERS_ENV_CLASS=${ENV_CONFIG_PROVIDER_CLASS}`,
                "CONNECT_CONFIG_PROVIDERS_ENV_PARAM_ALLOWLIST_PATTERN=^LAKEHOUSE_REPLICATION_PASSWORD$",
                // The mocks' generated replication password.
                "LAKEHOUSE_REPLICATION_PASSWORD=generated-lakehouse-credentials-replicationPassword-Aa11",
            ]),
        );
        const rawEnvs = (isSerializedSecret(connect.raw.envs) ? connect.raw.envs.value : connect.raw.envs) as any[];
        const entry = rawEnvs.find((e) => String(isSerializedSecret(e) ? e.value : e).startsWith("LAKEHOUSE_REPLICATION_PASSWORD="));
        expect(isSerializedSecret(entry) || isSerializedSecret(connect.raw.envs)).toBe(true);
    });

    it("the connector's config holds only the reference; the password is a secret input, nowhere else in plain text", () => {
        const connector = connectorOf(run.resources);
        expect(connector.inputs.config["database.password"]).toBe(REFERENCE);
        expect(isSerializedSecret(connector.raw.databasePassword)).toBe(true);
        expect(plainStrings(connector.raw)).not.toContain("generated-lakehouse-credentials-replicationPassword-Aa11");
        expect(plaintextSecretInputs({ type: connector.type, name: connector.name, props: connector.raw } as any)).toEqual([]);
        expect(run.warnings.filter((w) => /replicationPasswordReference/.test(w))).toEqual([]);
    });
});

describe("Kubernetes rendering", () => {
    let run: Awaited<ReturnType<typeof renderStack>>;
    beforeAll(async () => {
        run = await renderStack("dev", { platform: "kubernetes", kubernetes: {} });
    });

    it("Connect's pods: config providers in plain env, the password from the stack's Secret by reference", () => {
        const connect = workloads(run.resources).find((w) => w.inputs.metadata.name === "connect")!;
        const container = containerOf(connect);
        expect(plainEnv(container)).toMatchObject({
            CONNECT_CONFIG_PROVIDERS: "env",
            CONNECT_CONFIG_PROVIDERS_ENV_CLASS: ENV_CONFIG_PROVIDER_CLASS,
            CONNECT_CONFIG_PROVIDERS_ENV_PARAM_ALLOWLIST_PATTERN: "^LAKEHOUSE_REPLICATION_PASSWORD$",
        });
        expect(plainEnv(container)).not.toHaveProperty("LAKEHOUSE_REPLICATION_PASSWORD");
        expect(secretRefs(container).LAKEHOUSE_REPLICATION_PASSWORD).toMatch(/replication-password/);
        // The same Secret as PostgreSQL's CDC role password.
        const postgres = containerOf(workloads(run.resources).find((w) => w.inputs.metadata.name === "postgres")!);
        expect(secretRefs(container).LAKEHOUSE_REPLICATION_PASSWORD).toBe(secretRefs(postgres).REPLICATION_PASSWORD);
    });

    it("the connector's config holds only the reference", () => {
        const connector = connectorOf(run.resources);
        expect(connector.inputs.config["database.password"]).toBe(REFERENCE);
        expect(isSerializedSecret(connector.raw.databasePassword)).toBe(true);
    });
});

describe("External Connect", () => {
    it("with a reference: the connector holds it, no warning", async () => {
        const file = "${file:/etc/kafka/secrets.properties:replication.password}";
        const { resources, warnings } = await render(externalValues({ replicationPasswordReference: file }), SECRETS);
        const connector = connectorOf(resources);
        expect(connector.inputs.config["database.password"]).toBe(file);
        expect(plainStrings(connector.raw)).not.toContain("configured-secret-1");
        expect(warnings).toEqual([]);
    });

    it("without one: the password is sent (a secret input, not in config), with a warning at preview naming the option", async () => {
        const { resources, warnings } = await render(externalValues(), SECRETS);
        const connector = connectorOf(resources);
        expect(connector.inputs.config).not.toHaveProperty("database.password");
        expect(isSerializedSecret(connector.raw.databasePassword)).toBe(true);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain("lakehouse:pipeline.replicationPasswordReference");
        expect(warnings[0]).not.toContain("configured-secret-1");
    });

    it("the local stack (Pulumi.local.yaml) sends the harness worker's reference", async () => {
        const local = Object.fromEntries(
            Object.entries(stackConfig("local"))
                .filter(([k]) => k.startsWith("lakehouse:"))
                .map(([k, v]) => [k.slice("lakehouse:".length), /^[[{]/.test(v) ? JSON.parse(v) : v]),
        );
        // The secrets are encrypted in the file: stand-ins of the right length.
        for (const k of SECRETS) local[k] = "local-secret-1";
        const { resources, warnings } = await render(local, SECRETS, "local");
        expect(connectorOf(resources).inputs.config["database.password"]).toBe(REFERENCE);
        expect(warnings).toEqual([]);
    });
});

describe("the DebeziumConnector resource", () => {
    const base = {
        connectUrl: "http://connect:8083",
        name: "c1",
        config: {
            "connector.class": "x",
            "topic.prefix": "t",
            "slot.name": "s",
            "database.hostname": "h",
            "database.port": "5432",
            "database.user": "u",
            "database.dbname": "d",
        },
        databasePassword: "the-password-1",
    };

    it("puts the reference argument in config as database.password, keeping the password a secret input", async () => {
        const run = await runWithMocks(() => {
            new DebeziumConnector("c", { ...base, databasePasswordReference: REFERENCE });
            new DebeziumConnector("no-ref", { ...base, name: "c2" });
            return {};
        });
        const withRef = run.resources.find((r) => r.name === "c")!;
        const without = run.resources.find((r) => r.name === "no-ref")!;
        expect(withRef.inputs.config).toEqual({ ...base.config, "database.password": REFERENCE });
        expect(isSerializedSecret(withRef.raw.databasePassword)).toBe(true);
        expect(plainStrings(withRef.raw)).not.toContain("the-password-1");
        expect(without.inputs.config).toEqual(base.config);
        expect(plainStrings(without.raw)).not.toContain("the-password-1");
    });

    it("check: a reference is the only database.password config may hold; a literal is refused without being echoed", () => {
        expect(checkConnectorInputs({ ...base, config: { ...base.config, "database.password": REFERENCE } })).toEqual([]);
        const failures = checkConnectorInputs({ ...base, config: { ...base.config, "database.password": "hunter2-secret" } });
        expect(failures).toEqual([{ property: 'config["database.password"]', reason: expect.stringContaining("goes in the secret `databasePassword` input") }]);
        expect(failures[0].reason).toContain("${env:NAME}");
        expect(JSON.stringify(failures)).not.toContain("hunter2-secret");
        // The password stays required: the provider logs in itself to drop the slot.
        expect(checkConnectorInputs({ ...base, databasePassword: undefined, config: { ...base.config, "database.password": REFERENCE } })).toEqual([
            { property: "databasePassword", reason: "is required" },
        ]);
    });
});
