/**
 * `lakehouse:kafka.security`, `lakehouse:source.tls` and their secrets (issue 19): parsed with the
 * providers' own rules, each problem naming the key and the fix before anything is created; and what
 * every client is given from them (components/secured-clients.ts): the topic and CDC source inputs,
 * Debezium's TLS to PostgreSQL, the Flink Kafka sources' options, the Connect workers' settings.
 */
import { debeziumConnectorConfig } from "../../../components/pipeline";
import { kafkaConnectWorkload } from "../../../components/connect";
import { connectorConfigTls, PGJDBC_INLINE_CA_FACTORY } from "../../../components/dynamic/postgres-client";
import { renderTableJob, readJobTemplates } from "../../../components/jobs";
import { tableJobValues } from "../../support/job-values";
import {
    connectWorkerKafkaSecurity,
    debeziumTlsSettings,
    flinkKafkaSecurityOptions,
    kafkaJaasConfig,
    kafkaJavaClientProperties,
} from "../../../components/secured-clients";
import { projectImageRef } from "../../../components/images";
import { configRejection, expectProblemAt, parseConfigValues } from "../../support/lakehouse-config";
import * as path from "path";
import { parseLakehouseConfig } from "../../../components/config";
import { stackConfig } from "../../support/stack-config";

const CA = "-----BEGIN CERTIFICATE-----\nMIIBCA\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nMIIEKEY\n-----END PRIVATE KEY-----\n";
const EXTERNAL = { kafka: { bootstrapServers: "kafka.example:9093" }, postgres: { address: "db.example:5432" } };
const SASL_SSL = { protocol: "SASL_SSL", saslMechanism: "SCRAM-SHA-512", username: "lakehouse", caCert: CA };
/** An external PostgreSQL needs its passwords: set, as secrets, in every case here. */
const BASE = { postgresPassword: "admin-password", replicationPassword: "replication-pw" };
const BASE_SECRETS = Object.keys(BASE);
const parse = (values: Record<string, unknown>, secrets: string[] = []) =>
    parseConfigValues({ ...BASE, ...values }, { secretKeys: [...BASE_SECRETS, ...secrets] });
const rejection = (values: Record<string, unknown>, secrets: string[] = []) =>
    configRejection({ ...BASE, ...values }, { secretKeys: [...BASE_SECRETS, ...secrets] });
const problemAt = (values: Record<string, unknown>, key: string, expected: RegExp, secrets: string[] = []) =>
    expectProblemAt({ ...BASE, ...values }, key, expected, { secretKeys: [...BASE_SECRETS, ...secrets] });

describe("lakehouse:kafka.security", () => {
    it("is unset (PLAINTEXT) by default, and PLAINTEXT given is the same", () => {
        expect(parseConfigValues({}).kafka.security).toBeUndefined();
        expect(parse({ external: EXTERNAL, kafka: { security: { protocol: "PLAINTEXT" } } }).kafka.security).toBeUndefined();
    });

    it("takes SASL_SSL with SCRAM, a CA and the password as a secret", () => {
        const cfg = parse({ external: EXTERNAL, kafka: { security: SASL_SSL }, kafkaPassword: "s3cret-pw" }, ["kafkaPassword"]);
        expect(cfg.kafka.security).toEqual(SASL_SSL);
        expect(cfg.clientSecretsSet).toEqual({ kafkaPassword: true, kafkaClientKey: false, postgresClientKey: false, nessieToken: false, flinkTlsKey: false });
    });

    it("names each wrong key and its fix", () => {
        problemAt(
            { external: EXTERNAL, kafka: { security: { protocol: "SASL" } } },
            "lakehouse:kafka.security.protocol",
            /must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/,
        );
        problemAt(
            { external: EXTERNAL, kafka: { security: { ...SASL_SSL, saslMechanism: "GSSAPI" } }, kafkaPassword: "pw" },
            "lakehouse:kafka.security.saslMechanism",
            /must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512/,
            ["kafkaPassword"],
        );
        problemAt(
            { external: EXTERNAL, kafka: { security: SASL_SSL } },
            "lakehouse:kafkaPassword",
            /is required with SASL_SSL.*pulumi config set --secret lakehouse:kafkaPassword/,
        );
        problemAt({ external: EXTERNAL, kafka: { security: { protocol: "SSL", username: "u" } } }, "lakehouse:kafka.security.username", /has no SASL login/);
        problemAt({ external: EXTERNAL, kafka: { security: { protocol: "SSL", caCert: "not a pem" } } }, "lakehouse:kafka.security.caCert", /PEM/);
        problemAt({ external: EXTERNAL, kafka: { security: { protocol: "SSL", caCert: 42 } } }, "lakehouse:kafka.security.caCert", /pulumi config set --path/);
        problemAt(
            { external: EXTERNAL, kafka: { security: { protocol: "SSL", clientCert: CA } } },
            "lakehouse:kafkaClientKey",
            /both the client certificate and its key/,
        );
        problemAt({ external: EXTERNAL, kafka: { security: { protocoll: "SSL" } } }, "lakehouse:kafka.security.protocoll", /did you mean "protocol"/);
    });

    it("is for an external Kafka only: the program's own brokers listen in plaintext", () => {
        problemAt(
            { kafka: { security: { protocol: "SSL" } } },
            "lakehouse:kafka.security.protocol",
            /PLAINTEXT while the program runs Kafka.*external\.kafka\.bootstrapServers/,
        );
    });

    it("wants its secrets as secrets, and only when a setting uses them; their values are never shown", () => {
        const err = rejection({ external: EXTERNAL, kafka: { security: SASL_SSL }, kafkaPassword: "plain-text-pw" });
        expect(err.problems.find((p) => p.key === "lakehouse:kafkaPassword")!.expected).toMatch(/pulumi config set --secret lakehouse:kafkaPassword/);
        expect(err.message).not.toContain("plain-text-pw");
        problemAt({ kafkaPassword: "pw-for-nothing" }, "lakehouse:kafkaPassword", /is used only with kafka.security with a SASL protocol/, ["kafkaPassword"]);
        expect(rejection({ kafkaPassword: "pw-for-nothing" }, ["kafkaPassword"]).message).not.toContain("pw-for-nothing");
    });
});

describe("lakehouse:source.tls", () => {
    it("is unset (sslmode disable) by default", () => {
        expect(parseConfigValues({}).source.tls).toBeUndefined();
        expect(parse({ external: EXTERNAL, source: { tls: { sslmode: "disable" } } }).source.tls).toBeUndefined();
    });

    it("takes verify-full with a CA, and a client certificate with its key as a secret", () => {
        const cfg = parse({ external: EXTERNAL, source: { tls: { sslmode: "verify-full", caCert: CA, clientCert: CA } }, postgresClientKey: KEY }, [
            "postgresClientKey",
        ]);
        expect(cfg.source.tls).toEqual({ sslmode: "verify-full", caCert: CA, clientCert: CA });
        expect(cfg.clientSecretsSet.postgresClientKey).toBe(true);
    });

    it("names each wrong key and its fix", () => {
        problemAt(
            { external: EXTERNAL, source: { tls: { sslmode: "prefer" } } },
            "lakehouse:source.tls.sslmode",
            /allow and prefer may fall back to plaintext/,
        );
        problemAt({ external: EXTERNAL, source: { tls: { sslmode: "disable", caCert: CA } } }, "lakehouse:source.tls.caCert", /is set but sslmode is disable/);
        problemAt(
            { source: { tls: { sslmode: "verify-full" } } },
            "lakehouse:source.tls.sslmode",
            /disable while the program runs PostgreSQL.*external\.postgres\.address/,
        );
        problemAt({ external: EXTERNAL, source: { tls: "verify-full" } }, "lakehouse:source.tls", /an object: sslmode, caCert, clientCert/);
        problemAt({ postgresClientKey: KEY }, "lakehouse:postgresClientKey", /is used only with source.tls.clientCert/, ["postgresClientKey"]);
    });
});

describe("what each client is given", () => {
    const secured = () =>
        parseConfigValues(
            {
                platform: "external",
                external: {
                    ...EXTERNAL,
                    connect: { url: "http://connect.example:8083" },
                    minio: { endpoint: "http://s3.example:9000" },
                    nessie: { url: "http://nessie.example:19120" },
                    flink: { restUrl: "http://flink.example:8081", sqlGatewayUrl: "http://flink.example:8083" },
                },
                dremio: { enabled: false },
                kafka: { security: SASL_SSL },
                source: { tls: { sslmode: "verify-full", caCert: CA } },
                kafkaPassword: "pw",
                postgresPassword: "admin-password",
                replicationPassword: "replication-pw",
                minioRootPassword: "minio-password",
                pipeline: { replicationPasswordReference: "${env:PG_PASSWORD}" },
            },
            { secretKeys: ["kafkaPassword", "postgresPassword", "replicationPassword", "minioRootPassword"] },
        );

    it("Debezium reaches PostgreSQL with the sslmode and the CA inline (no file on the workers), and its slot cleanup reads both back", () => {
        const cfg = secured();
        const config = debeziumConnectorConfig(cfg, "db.example:5432");
        expect(config).toMatchObject({ "database.sslmode": "verify-full", "database.sslfactory": PGJDBC_INLINE_CA_FACTORY, "database.sslfactoryarg": CA });
        expect(connectorConfigTls(config)).toEqual({ sslmode: "verify-full", caCert: CA });
        expect(debeziumTlsSettings(parseConfigValues({}))).toEqual({});
        expect(connectorConfigTls(debeziumConnectorConfig(parseConfigValues({}), "postgres:5432"))).toBeUndefined();
        // The user's extra Debezium settings may not override them.
        problemAt(
            { pipeline: { connectorConfig: { "database.sslmode": "disable" } } },
            'lakehouse:pipeline.connectorConfig["database.sslmode"]',
            /lakehouse:source\.tls/,
        );
    });

    it("a Java client gets the protocol, the JAAS login and the PEMs inline; the JAAS quoting survives quotes and backslashes", () => {
        expect(kafkaJavaClientProperties(SASL_SSL, { password: "p", clientKey: "" })).toEqual({
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.jaas.config": 'org.apache.kafka.common.security.scram.ScramLoginModule required username="lakehouse" password="p";',
            "ssl.truststore.type": "PEM",
            "ssl.truststore.certificates": CA,
        });
        expect(kafkaJaasConfig({ saslMechanism: "PLAIN", username: 'a"b' }, 'x\\y"z')).toBe(
            'org.apache.kafka.common.security.plain.PlainLoginModule required username="a\\"b" password="x\\\\y\\"z";',
        );
        expect(kafkaJavaClientProperties({ protocol: "SSL", clientCert: CA }, { password: "", clientKey: "{{k}}" })).toEqual({
            "security.protocol": "SSL",
            "ssl.keystore.type": "PEM",
            "ssl.keystore.certificate.chain": CA,
            "ssl.keystore.key": "{{k}}",
        });
        expect(kafkaJavaClientProperties(undefined, { password: "", clientKey: "" })).toEqual({});
    });

    it("the Flink Kafka sources get the same properties, the JAAS line (with the password) as a secret placeholder", () => {
        const cfg = secured();
        const templates = readJobTemplates(path.resolve(__dirname, "../../.."));
        const values = tableJobValues("demographics", "kafka.example:9093");
        const sql = renderTableJob(templates, values, cfg.source.tableDefinitions.demographics, flinkKafkaSecurityOptions(cfg.kafka.security)).join("\n");
        expect(sql).toContain("'properties.security.protocol' = 'SASL_SSL',");
        expect(sql).toContain("'properties.sasl.mechanism' = 'SCRAM-SHA-512',");
        expect(sql).toContain("'properties.sasl.jaas.config' = '{{secret.kafkaJaasConfig}}',");
        expect(sql).toContain(`'properties.ssl.truststore.certificates' = '${CA}',`);
        expect(sql).not.toContain("pw");
        // PLAINTEXT: nothing added.
        const plain = renderTableJob(templates, values, cfg.source.tableDefinitions.demographics).join("\n");
        expect(plain).not.toContain("security.protocol");
        expect(flinkKafkaSecurityOptions(undefined)).toBe("");
    });

    it("the Connect workers the program runs get the settings for themselves, their producers, consumers and admin clients, the password by reference", () => {
        const worker = connectWorkerKafkaSecurity(SASL_SSL);
        for (const prefix of ["", "PRODUCER_", "CONSUMER_", "ADMIN_"]) {
            expect(worker.env[`CONNECT_${prefix}SECURITY_PROTOCOL`]).toBe("SASL_SSL");
            expect(worker.env[`CONNECT_${prefix}SASL_JAAS_CONFIG`]).toBe(
                'org.apache.kafka.common.security.scram.ScramLoginModule required username="lakehouse" password="${env:LAKEHOUSE_KAFKA_PASSWORD}";',
            );
            expect(worker.env[`CONNECT_${prefix}SSL_TRUSTSTORE_CERTIFICATES`]).toBe(CA);
        }
        expect(worker.secretEnv).toEqual({ LAKEHOUSE_KAFKA_PASSWORD: { secret: "kafka-password" } });
        const spec = kafkaConnectWorkload({
            image: { ref: projectImageRef("connect"), pull: false },
            workers: 1,
            groupId: "g",
            kafka: { brokers: 1, topicPrefix: "p", topicPartitions: 1, replicationFactor: 1, minInsyncReplicas: 1, security: SASL_SSL },
            bootstrapServers: "kafka.example:9093",
            dependsOn: [],
            resources: { memoryMiB: 1024, cpus: 1 },
        });
        expect(spec.env.CONNECT_CONFIG_PROVIDERS_ENV_PARAM_ALLOWLIST_PATTERN).toBe("^(LAKEHOUSE_REPLICATION_PASSWORD|LAKEHOUSE_KAFKA_PASSWORD)$");
        expect(spec.secretEnv.LAKEHOUSE_KAFKA_PASSWORD).toEqual({ secret: "kafka-password" });
        expect(JSON.stringify(spec.env)).not.toContain('password="pw"');
        expect(connectWorkerKafkaSecurity(undefined)).toEqual({ env: {}, secretEnv: {}, providerVariables: [] });
    });
});

describe("Pulumi.local-tls.yaml", () => {
    it("is the local stack on the harness's secured services: SASL_SSL with SCRAM, verify-full, HTTPS to Connect, Nessie, S3, Flink and Dremio, the password a secret", () => {
        const raw = stackConfig("local-tls");
        const values = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(/^lakehouse:/, ""), v]));
        const secretKeys = new Set(Object.keys(values).filter((k) => values[k].startsWith('{"secure":')));
        expect([...secretKeys].sort()).toEqual(["dremioAdminPassword", "kafkaPassword", "minioRootPassword", "postgresPassword", "replicationPassword"]);
        const cfg = parseLakehouseConfig(values, secretKeys, { project: "cdc-lakehouse", stack: "local-tls" });
        expect(cfg.external).toMatchObject({
            postgres: { address: "127.0.0.1:15432" },
            kafka: { bootstrapServers: "127.0.0.1:19092" },
            connect: { url: "https://127.0.0.1:18443" },
            nessie: { url: "https://127.0.0.1:19443" },
            minio: { endpoint: "https://127.0.0.1:19000" },
            dremio: { url: "https://127.0.0.1:19047" },
            flink: { restUrl: "https://127.0.0.1:18081", sqlGatewayUrl: "https://127.0.0.1:18084" },
        });
        expect(cfg.kafka.security).toEqual({ protocol: "SASL_SSL", saslMechanism: "SCRAM-SHA-512", username: "lakehouse" });
        expect(cfg.source.tls).toEqual({ sslmode: "verify-full" });
    });
});
