/**
 * A Docker stack on secured external services (issue 19), on the real Docker engine with the images
 * built here: the dev stack's Docker rendering with `external.kafka` on the harness's `kafka-tls`
 * (SASL_SSL, SCRAM-SHA-512, the harness's CA in `kafka.security.caCert`, the password a secret of the
 * stack) and `external.nessie` on `nessie-tls` (HTTPS only, a bearer token, the same company CA in
 * `external.nessie.caCert`), and `external.minio` on `minio-tls` (S3 over HTTPS only, the same CA in
 * `external.minio.caCert`, the root password a secret), all reached by the containers at the Docker
 * bridge's address (their listeners for containers, harness/kafka, harness/nessie, harness/minio). The whole program runs as in
 * dev-stack.test.ts (tests/support/docker-stack.ts), so the Connect worker and the Flink cluster are the
 * project's images with what the program renders: the worker's Kafka settings
 * (components/secured-clients.ts), and the CA in every Flink JVM's trust store (the image's
 * EXTRA_CA_CERTS, components/flink.ts) for the jobs' Iceberg catalog on Nessie and their files,
 * checkpoints and savepoints on S3. Then:
 *
 * 1. every container healthy, none restarted, and no Kafka, Nessie or MinIO container (all external);
 * 2. the worker's properties hold the SASL_SSL settings and the password's reference, never the password;
 *    the connector's stored config holds no password either;
 * 3. Connect's internal topics and the CDC topic are on kafka-tls (and not on the harness's plaintext Kafka);
 * 4. every Flink process trusts the CA (its entrypoint says so, once for the two services that name it),
 *    and the jobs' tables are in nessie-tls;
 * 5. the connector, its task and every Flink job RUNNING; a PostgreSQL insert, update and delete in the
 *    Iceberg mirror, exactly; then the tables' data files and the jobs' checkpoints are in the stack's
 *    bucket on minio-tls, and the outputs name it and its CA;
 * 6. the stack's own Flink serves its REST API and SQL Gateway over HTTPS only (`flink.tls`: a certificate
 *    of the test's own PKI, the key a secret), which the program's clients reached with the CA; the key is
 *    in no file and not in the JVM's environment; the periodic-savepoints job takes a savepoint over HTTPS
 *    from inside the cluster;
 * 7. `npm run health` (its library function) passes on the stack's outputs: Kafka over SASL_SSL, Nessie
 *    over HTTPS with the token, the bucket and Flink over HTTPS.
 *
 * The stack is `dockertls` (objects `cdc-lakehouse-dockertls-*`, host ports + 21000); everything labelled
 * with it, its topics on kafka-tls, its namespace on nessie-tls and its bucket on minio-tls (one per run,
 * kept by the program like every warehouse bucket) are removed before and after.
 */
import { execFileSync } from "child_process";
import { DEFAULTS } from "../../../components/defaults";
import { connectRequest } from "../../../components/dynamic/connector";
import { sendRequest } from "../../../components/dynamic/toolkit/http";
import { kafkaJaasConfig } from "../../../components/secured-clients";
import { StackOutputs } from "../../../ops/outputs";
import { createContext } from "../../../harness/lib/context";
import { containerLogs, inspectContainer, removeLabelled } from "../../support/docker-engine";
import { STACK_LABEL, TEST_STACK_RESOURCES, deployOnEngine, dockerStackConfig, ensureStackImages, stackContainers } from "../../support/docker-stack";
import { IcebergSession } from "../../support/iceberg-session";
import { SECURED_STACK_SECRET_KEYS, securedStackServices } from "../../support/secured-stack-services";
import { makeTestPki } from "../../support/test-pki";
import { expectStackHealthy } from "../../support/stack-health";
import { StackPipeline } from "../../support/stack-pipeline";

const stack = "dockertls";
const prefix = `cdc-lakehouse-${stack}`;
const topicPrefix = "dockertls";
const ctx = createContext();
const t0 = Date.now();
const log = (line: string) => console.log(`[docker-secured ${((Date.now() - t0) / 1000).toFixed(0)} s] ${line}`);

const run = Date.now().toString(36);
/** The stack's Iceberg namespace on nessie-tls, which outlives the stack's containers: its own per run. */
const namespace = `dockertls_${run}`;
/** The stack's warehouse bucket on minio-tls, which outlives the stack too (the program never deletes a bucket): its own per run. */
const bucket = `dockertls-${run}`;
/** The stack's services: the dev stack's without Kafka, Nessie and MinIO (external) and without Dremio (off: not what this test is about). */
const EXPECTED = ["connect", "flink-jobmanager", "flink-sql-gateway", "flink-taskmanager", "postgres", "zookeeper"];
const FLINK = ["flink-jobmanager", "flink-sql-gateway", "flink-taskmanager"];
/** The stack's own PKI for its Flink REST endpoints (lakehouse:flink.tls): a CA apart from the harness's, a certificate for the names its clients use. */
const flinkPki = makeTestPki(["flink-jobmanager", "flink-sql-gateway", "localhost"]);
/** Where the program reaches the stack's Flink REST API and SQL Gateway: the published ports + 21000. */
const FLINK_REST = "https://localhost:29081";
const FLINK_GATEWAY = "https://localhost:29084";

const services = securedStackServices(ctx, { stack, topicPrefix, namespace, bucket }, log);

/** The dev stack's Docker config on kafka-tls and nessie-tls: host ports + 21000, small sizes, 3 s checkpoints, no Dremio. */
function securedServicesConfig(): Record<string, string> {
    const config = dockerStackConfig({ hostPortOffset: 21000, checkpointIntervalMs: 3000, dremio: { enabled: false }, resources: TEST_STACK_RESOURCES });
    const flink = { ...JSON.parse(config["lakehouse:flink"]), tls: { certificate: flinkPki.certificate, caCert: flinkPki.caCert } };
    // Periodic savepoints at their shortest interval: the job calls the REST API over HTTPS from inside the cluster.
    const pipeline = { ...JSON.parse(config["lakehouse:pipeline"] ?? "{}"), periodicSavepoints: { intervalSeconds: 60, kept: 2 } };
    const storage = { ...JSON.parse(config["lakehouse:storage"] ?? "{}"), bucket, rootUser: services.minio().accessKeyId };
    const secured = Object.fromEntries(Object.entries(services.config()).map(([key, value]) => [key, JSON.stringify(value)]));
    return {
        ...config,
        ...secured,
        "lakehouse:flink": JSON.stringify(flink),
        "lakehouse:flinkTlsKey": flinkPki.key,
        "lakehouse:pipeline": JSON.stringify(pipeline),
        "lakehouse:storage": JSON.stringify(storage),
        ...services.secrets(),
    };
}

describe("a Docker stack on an external SASL_SSL Kafka, an HTTPS Nessie and S3 over HTTPS with a company CA (the harness's kafka-tls, nessie-tls, minio-tls)", () => {
    let outputs: StackOutputs;
    let iceberg: IcebergSession;
    let pipeline: StackPipeline;

    beforeAll(async () => {
        await services.start();
        await removeLabelled(STACK_LABEL, stack, log);
        await services.removeTopics();
        await ensureStackImages(log);
        ({ outputs, iceberg, pipeline } = await deployOnEngine(stack, securedServicesConfig(), log, [...SECURED_STACK_SECRET_KEYS, "lakehouse:flinkTlsKey"]));
    }, 2_400_000);

    afterAll(async () => {
        await iceberg?.close();
        await removeLabelled(STACK_LABEL, stack, log);
        await services.removeAll();
    }, 300_000);

    it("runs every container healthy with no Kafka, Nessie or MinIO of its own", async () => {
        const containers = await stackContainers(stack);
        expect(containers.map((c) => c.name)).toEqual(EXPECTED.map((n) => `${prefix}-${n}`));
        for (const c of containers)
            expect({ name: c.name, state: c.state, health: c.health, restarts: c.restarts }).toEqual({
                name: c.name,
                state: "running",
                health: "healthy",
                restarts: 0,
            });
        expect(outputs.kafkaBootstrapServers?.host).toBe(services.kafka().containerBootstrap);
    });

    it("gives the Connect worker the SASL_SSL settings with the password by reference, stored nowhere in plain", async () => {
        const { password, username, mechanism } = services.kafka();
        const security = { protocol: "SASL_SSL", saslMechanism: mechanism, username };
        const reference = `\${${DEFAULTS.connect.passwordConfigProvider}:${DEFAULTS.connect.kafkaPasswordEnv}}`;
        const properties = execFileSync("docker", ["exec", `${prefix}-connect`, "cat", "/opt/connect/config/connect-distributed.properties"], {
            encoding: "utf8",
            timeout: 30_000,
        });
        for (const clientPrefix of ["", "producer.", "consumer.", "admin."]) {
            expect(properties).toContain(`\n${clientPrefix}security.protocol=SASL_SSL\n`);
            expect(properties).toContain(`\n${clientPrefix}sasl.mechanism=${mechanism}\n`);
            expect(properties).toContain(`\n${clientPrefix}sasl.jaas.config=${kafkaJaasConfig(security, reference)}\n`);
            expect(properties).toContain(`\n${clientPrefix}ssl.truststore.type=PEM\n`);
        }
        expect(properties).not.toContain(password);
        const connector = outputs.connector!.name;
        const stored = await connectRequest(outputs.kafkaConnectUrl!.host!, "GET", `/connectors/${encodeURIComponent(connector)}/config`);
        expect(JSON.stringify(stored)).not.toContain(password);
        // The container's own environment holds the worker's settings; the password only in the variable its config provider reads.
        const env: string[] = (await inspectContainer(`${prefix}-connect`)).Config.Env;
        expect(env.filter((e) => e.includes(password)).map((e) => e.split("=")[0])).toEqual([DEFAULTS.connect.kafkaPasswordEnv]);
    });

    it("keeps Connect's internal topics and the CDC topic on kafka-tls, none on the plaintext Kafka", async () => {
        const env: string[] = (await inspectContainer(`${prefix}-connect`)).Config.Env;
        const internal = ["CONFIG_STORAGE_TOPIC", "OFFSET_STORAGE_TOPIC", "STATUS_STORAGE_TOPIC"].map(
            (v) => env.find((e) => e.startsWith(`${v}=`))!.split("=")[1],
        );
        await services.expectTopicsOnSecuredKafkaOnly(internal);
    });

    it("gives every Flink process the CA in its trust store, and keeps the jobs' tables in nessie-tls", async () => {
        for (const workload of FLINK)
            expect({
                workload,
                trusts: (await containerLogs(`${prefix}-${workload}`, 2000)).includes("trusting 1 CA certificate(s) of EXTRA_CA_CERTS beside the JVM's own"),
            }).toEqual({
                workload,
                trusts: true,
            });
        expect(await services.tables()).toEqual(expect.arrayContaining([`${namespace}.${pipeline.table.upsert.split(".").pop()}`]));
        expect(outputs.nessieApiUri?.host).toBe(`${services.nessie().containerUrl}/api/v2`);
    });

    it("runs the connector, its task and every Flink job, and shows a PostgreSQL insert, update and delete in Iceberg, exactly", async () => {
        await pipeline.expectRunning("after the program");
        const seconds = await pipeline.expectInsertUpdateDelete("tls");
        log(`insert + update + delete visible in Iceberg: ${seconds.toFixed(1)} s`);
    }, 900_000);

    it("keeps the jobs' data files and checkpoints in the stack's bucket on minio-tls, reached over HTTPS", async () => {
        const keys = await services.bucketKeys();
        log(`${keys.length} object(s) in ${bucket} on minio-tls, e.g. ${keys.slice(0, 3).join(", ")}`);
        // After the rows above: the table's Iceberg data files (Flink's S3 filesystem, through the trust store) and the jobs' checkpoints.
        expect(keys.filter((k) => k.includes(`${namespace}/`) && k.endsWith(".parquet")).length).toBeGreaterThan(0);
        expect(keys.filter((k) => k.includes("/checkpoints/")).length).toBeGreaterThan(0);
        expect(outputs.s3Endpoint?.host).toBe(services.minio().containerEndpoint);
        expect(outputs.warehouse).toBe(`s3://${bucket}/`);
        expect(outputs.connectionSecurity?.s3).toEqual({ caCert: services.minio().ca });
    });

    it("serves the Flink REST API and SQL Gateway over HTTPS only, with the stack's certificate, to clients that trust its CA", async () => {
        expect(outputs.flinkRestUrl?.host).toBe(FLINK_REST);
        expect(outputs.flinkSqlGatewayUrl?.host).toBe(FLINK_GATEWAY);
        expect(outputs.connectionSecurity?.flink).toEqual({ caCert: flinkPki.caCert });
        const get = (url: string, caCert?: string) => sendRequest("Flink REST", "GET", url, { timeoutMs: 10_000, ...(caCert ? { caCert } : {}) });
        expect((await get(`${FLINK_REST}/overview`, flinkPki.caCert)).status).toBe(200);
        expect((await get(`${FLINK_GATEWAY}/v1/info`, flinkPki.caCert)).status).toBe(200);
        // Without the CA the certificate is refused; plain HTTP gets no answer.
        await expect(get(`${FLINK_REST}/overview`)).rejects.toThrow(/certificate/i);
        await expect(get(`${FLINK_REST.replace("https:", "http:")}/overview`)).rejects.toThrow(/Flink REST GET http:\/\/localhost:29081\/overview: /);
        for (const workload of ["flink-jobmanager", "flink-sql-gateway"]) {
            expect(await containerLogs(`${prefix}-${workload}`, 5000)).toContain("REST endpoints over HTTPS with the certificate of REST_TLS_CERT");
            // The key is in no file and not in the JVM's environment: only in the key store the entrypoint made.
            const look = (command: string) =>
                execFileSync("docker", ["exec", `${prefix}-${workload}`, "bash", "-c", command], { encoding: "utf8", timeout: 30_000 });
            const jvmEnv = look("tr '\\0' '\\n' < /proc/1/environ | cut -d= -f1").trim().split("\n");
            expect({ workload, cert: jvmEnv.includes("REST_TLS_CERT"), key: jvmEnv.includes("REST_TLS_KEY") }).toEqual({ workload, cert: true, key: false });
            expect(look("ls -1 /tmp/flink/rest-tls").trim().split("\n").sort()).toEqual([
                "ca.pem",
                "cert.pem",
                "keystore.p12",
                "keytool.log",
                "openssl.log",
                "truststore.p12",
            ]);
            expect(look("cat /opt/flink/conf/config.yaml")).not.toContain(flinkPki.key.split("\n")[1]);
        }
    });

    it("takes periodic savepoints from inside the cluster, its REST client trusting the stack's CA", async () => {
        // The stack's outputs give the REST URL and the CA the test's client uses; the job in the cluster uses the same CA.
        await pipeline.expectPeriodicSavepoint(bucket, () => containerLogs(`${prefix}-flink-taskmanager`, 2_000_000));
    }, 240_000);

    it("passes npm run health on the stack's outputs, Kafka checked over SASL_SSL, Nessie and S3 over HTTPS", async () => {
        const report = await expectStackHealthy(stack, outputs, log);
        expect(report.checks.map((c) => c.name)).toEqual(expect.arrayContaining(["kafka.broker", "nessie.server", "s3.bucket"]));
    });
});
