/**
 * A Docker stack on an external SASL_SSL Kafka and a TLS-only PostgreSQL (issue 19), rendered under
 * mocks: what each resource is registered with (captured by type), and that the SASL password and the
 * client key are secrets wherever they go: the Connect container's secret env (its settings hold the
 * reference), the topics' `credentials`, the Flink jobs' `secrets`; never a plain string anywhere.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Lakehouse } from "../../../components/lakehouse";
import { RecordedResource, isSerializedSecret, plainStrings, runWithMocks } from "../../support/mocks";
import { parseConfigValues } from "../../support/lakehouse-config";

const repoRoot = path.resolve(__dirname, "../../..");
const CA = "-----BEGIN CERTIFICATE-----\nMIIBCA\n-----END CERTIFICATE-----\n";
const CLIENT_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEsecretkeymaterial\n-----END PRIVATE KEY-----\n";
const KAFKA_PASSWORD = "kafka-sasl-password-42";
const SECRETS = { postgresPassword: "admin-password-1", replicationPassword: "replication-pw-1", kafkaPassword: KAFKA_PASSWORD, kafkaClientKey: CLIENT_KEY };
const SECURITY = { protocol: "SASL_SSL", saslMechanism: "SCRAM-SHA-256", username: "lakehouse", caCert: CA, clientCert: CA };
const TLS = { sslmode: "verify-full", caCert: CA };

let resources: RecordedResource[];
const ofType = (suffix: string) => resources.filter((r) => r.type.endsWith(suffix));

beforeAll(async () => {
    const values = {
        external: { kafka: { bootstrapServers: "kafka.corp:9093" }, postgres: { address: "db.corp:5432" } },
        kafka: { security: SECURITY },
        source: { tls: TLS },
        ...SECRETS,
    };
    const config = parseConfigValues(values, { secretKeys: Object.keys(SECRETS) });
    const run = await runWithMocks(() => {
        const secret = (k: keyof typeof SECRETS) => pulumi.secret(SECRETS[k]);
        new Lakehouse("lakehouse", {
            config,
            credentials: { postgresPassword: secret("postgresPassword"), replicationPassword: secret("replicationPassword") },
            clientSecrets: { kafkaPassword: secret("kafkaPassword"), kafkaClientKey: secret("kafkaClientKey") },
            repoRoot,
            checkExternalServices: false,
        });
        return {};
    });
    resources = run.resources;
});

test("the password and the client key are never a plain string in any resource's inputs", () => {
    expect(resources.length).toBeGreaterThan(20);
    for (const r of resources) {
        const plain = plainStrings(r.raw).join("\n");
        expect({ resource: r.name, leaks: plain.includes(KAFKA_PASSWORD) || plain.includes("MIIEsecretkeymaterial") }).toEqual({
            resource: r.name,
            leaks: false,
        });
    }
});

test("the CDC topics reach Kafka with the stack's security, the credentials a secret input", () => {
    const topics = ofType("lakehouse:KafkaTopic");
    expect(topics).toHaveLength(1);
    expect(topics[0].inputs.security).toEqual(SECURITY);
    expect(isSerializedSecret(topics[0].raw.credentials)).toBe(true);
    expect(topics[0].inputs.credentials).toEqual({ password: KAFKA_PASSWORD, clientKey: CLIENT_KEY });
});

test("the CDC source and the table snapshots reach PostgreSQL over verify-full with the CA", () => {
    for (const r of [...ofType("lakehouse:CdcSource"), ...ofType("lakehouse:TableSnapshot")]) expect(r.inputs.tls).toEqual(TLS);
    expect(ofType("lakehouse:CdcSource")).toHaveLength(1);
});

test("Debezium gets the sslmode and the CA inline; no Kafka security in the connector's settings (the workers' producers have it)", () => {
    const [connector] = ofType("lakehouse:DebeziumConnector");
    expect(connector.inputs.config).toMatchObject({
        "database.sslmode": "verify-full",
        "database.sslfactory": "org.postgresql.ssl.SingleCertValidatingFactory",
        "database.sslfactoryarg": CA,
    });
    expect(Object.keys(connector.inputs.config).filter((k) => /security|sasl|ssl\.truststore/.test(k))).toEqual([]);
});

test("the Connect container: the client settings for the worker, its producers, consumers and admins; the password and key as secret env, by reference in the settings", () => {
    const connect = resources.find((r) => r.type === "docker:index/container:Container" && r.name.endsWith("-connect"))!;
    const envs = connect.inputs.envs as string[];
    for (const prefix of ["", "PRODUCER_", "CONSUMER_", "ADMIN_"]) {
        expect(envs).toContain(`CONNECT_${prefix}SECURITY_PROTOCOL=SASL_SSL`);
        expect(envs).toContain(`CONNECT_${prefix}SASL_MECHANISM=SCRAM-SHA-256`);
        expect(envs).toContain(
            `CONNECT_${prefix}SASL_JAAS_CONFIG=org.apache.kafka.common.security.scram.ScramLoginModule required username="lakehouse" password="\${env:LAKEHOUSE_KAFKA_PASSWORD}";`,
        );
        expect(envs).toContain(`CONNECT_${prefix}SSL_KEYSTORE_KEY=\${env:LAKEHOUSE_KAFKA_CLIENT_KEY}`);
        expect(envs).toContain(`CONNECT_${prefix}SSL_TRUSTSTORE_CERTIFICATES=${CA}`);
    }
    expect(envs).toContain(
        "CONNECT_CONFIG_PROVIDERS_ENV_PARAM_ALLOWLIST_PATTERN=^(LAKEHOUSE_REPLICATION_PASSWORD|LAKEHOUSE_KAFKA_PASSWORD|LAKEHOUSE_KAFKA_CLIENT_KEY)$",
    );
    // The values themselves: secret env entries.
    expect(envs).toContain(`LAKEHOUSE_KAFKA_PASSWORD=${KAFKA_PASSWORD}`);
    const rawEnvs = (isSerializedSecret(connect.raw.envs) ? connect.raw.envs.value : connect.raw.envs) as any[];
    const entry = rawEnvs.find((e) => String(isSerializedSecret(e) ? e.value : e).startsWith("LAKEHOUSE_KAFKA_PASSWORD="));
    expect(isSerializedSecret(entry) || isSerializedSecret(connect.raw.envs)).toBe(true);
});

test("the Flink jobs' Kafka sources get the options, the JAAS line and the client key as job secrets", () => {
    const jobs = ofType("lakehouse:FlinkSqlJob");
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) {
        const sql = (job.inputs.statements as string[]).join("\n");
        expect(sql).toContain("'properties.security.protocol' = 'SASL_SSL'");
        expect(sql).toContain("'properties.sasl.jaas.config' = '{{secret.kafkaJaasConfig}}'");
        expect(sql).toContain("'properties.ssl.keystore.key' = '{{secret.kafkaClientKey}}'");
        expect(isSerializedSecret(job.raw.secrets)).toBe(true);
        expect(job.inputs.secrets.kafkaJaasConfig).toBe(
            `org.apache.kafka.common.security.scram.ScramLoginModule required username="lakehouse" password="${KAFKA_PASSWORD}";`,
        );
        expect(job.inputs.secrets.kafkaClientKey).toBe(CLIENT_KEY);
    }
});
