/**
 * The Kubernetes rendering on secured external services (issue 19), on the harness's real cluster through
 * the real engine and kubernetes provider: the `k8s` stack (2 Connect workers, 2 TaskManagers) with
 * `external.kafka` on the harness's `kafka-tls` (SASL_SSL, SCRAM-SHA-512, the harness's CA, the password a
 * secret), `external.nessie` on `nessie-tls` (HTTPS, a bearer token, the same CA), `external.minio` on
 * `minio-tls` (S3 over HTTPS, the same CA, the root password a secret), each reached by the pods at the
 * host's Docker bridge address (in each server certificate), and its own Flink serving REST and the SQL
 * Gateway over HTTPS (`flink.tls`, a certificate of the test's own PKI naming the Services and the node's
 * address, the key a secret). What tests/integration/docker/secured-services-stack.test.ts proves on
 * Docker, here on pods, with what only Kubernetes has: each secret reaches its pod through a Secret
 * (`secretKeyRef`), never as a plain value in a pod spec; the kubelet's readiness probes of Flink's REST
 * endpoints are HTTPS. In order:
 *
 * 1. every workload Ready, none of Kafka, Nessie, MinIO (external) or Dremio (off); Flink's probes HTTPS;
 * 2. the Connect workers' properties hold the SASL_SSL settings and the password's reference; no pod spec
 *    holds a secret's value; the connector's stored config holds no password;
 * 3. Connect's internal topics and the CDC topic on kafka-tls, none on the plaintext Kafka;
 * 4. every Flink pod trusts the CA; the jobs' tables in nessie-tls;
 * 5. the connector, its tasks and every Flink job RUNNING; a PostgreSQL insert, update and delete in the
 *    Iceberg mirror, exactly; the data files and checkpoints in the stack's bucket on minio-tls;
 * 6. Flink's REST API and SQL Gateway at their node ports over HTTPS only, to a client with the CA; a
 *    periodic savepoint taken from inside the cluster over HTTPS;
 * 7. `npm run health` passes on the outputs.
 *
 * The stack is `k8stls` (namespace `lakehouse-k8stls`, node ports from 31600); its namespace (when a run
 * left it), its topics, its Nessie namespace and its bucket (one per run) are removed before and after.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { KubernetesStackRun, deployKubernetesStack, removeThrowawayNamespace } from "../../../bench/lib/kubernetes-stack";
import { DEFAULTS } from "../../../components/defaults";
import { connectRequest } from "../../../components/dynamic/connector";
import { sendRequest } from "../../../components/dynamic/toolkit/http";
import { kafkaJaasConfig } from "../../../components/secured-clients";
import { ClusterLayout } from "../../../harness/kubernetes/config";
import { layout } from "../../../harness/kubernetes/index";
import { kubectl, kubectlItems } from "../../../harness/kubernetes/kubectl";
import { createContext } from "../../../harness/lib/context";
import { HarnessContext } from "../../../harness/lib/types";
import { REPO_DIR } from "../../../harness/pulumi/cli";
import { StackOutputs, parseStackOutputs } from "../../../ops/outputs";
import { stackIcebergSession } from "../../support/docker-stack";
import { IcebergSession, pollFor } from "../../support/iceberg-session";
import { allReady, clusterIsUp, kubernetesE2eConfig, podStates, prepareCluster, stopCluster, workloadStates } from "../../support/kubernetes-stack";
import { SecuredStackServices, securedStackServices } from "../../support/secured-stack-services";
import { expectStackHealthy } from "../../support/stack-health";
import { StackPipeline, stackPipeline } from "../../support/stack-pipeline";
import { makeTestPki } from "../../support/test-pki";

const stack = "k8stls";
const namespace = `lakehouse-${stack}`;
const NODE_PORT_BASE = 31600;
const run = Date.now().toString(36);
const t0 = Date.now();
const log = (line: string) => console.log(`[k8s-secured ${((Date.now() - t0) / 1000).toFixed(0)} s] ${line}`);

/** The stack's workloads: the k8s stack's without Kafka, Nessie and MinIO (external) and Dremio (off). */
const WORKLOADS = ["connect", "flink-jobmanager", "flink-sql-gateway", "flink-taskmanager", "postgres"];
const FLINK = ["flink-jobmanager", "flink-sql-gateway", "flink-taskmanager"];
/** The stack's own PKI for its Flink REST endpoints: the Services' names and the node's address (kubernetes.access node-port). */
const flinkPki = makeTestPki(["flink-jobmanager", "flink-sql-gateway", "127.0.0.1"]);

/**
 * The test copy of Pulumi.k8s.yaml on the secured services: the e2e copy's namespace and sizes, its own
 * node ports, Kafka, Nessie and S3 external (so none of their settings), Dremio off, `flink.tls`, periodic
 * savepoints at their shortest interval, a Nessie namespace and a bucket of its own per run.
 */
function securedKubernetesConfig(services: SecuredStackServices, bucket: string): Record<string, unknown> {
    const base = (yaml.load(fs.readFileSync(path.join(REPO_DIR, "Pulumi.k8s.yaml"), "utf8")) as any).config;
    const cfg: Record<string, any> = kubernetesE2eConfig(base, stack);
    const { volumeSizeGiB, ...kubernetes } = cfg["lakehouse:kubernetes"];
    delete cfg["lakehouse:nessie"];
    return {
        ...cfg,
        ...services.config(),
        "lakehouse:kubernetes": { ...kubernetes, nodePortBase: NODE_PORT_BASE, volumeSizeGiB: { postgres: volumeSizeGiB.postgres } },
        "lakehouse:dremio": { enabled: false },
        "lakehouse:flink": { ...cfg["lakehouse:flink"], tls: { certificate: flinkPki.certificate, caCert: flinkPki.caCert } },
        "lakehouse:pipeline": { ...cfg["lakehouse:pipeline"], periodicSavepoints: { intervalSeconds: 60, kept: 2 } },
        "lakehouse:storage": { ...cfg["lakehouse:storage"], bucket, rootUser: services.minio().accessKeyId },
    };
}

describe("the k8s stack on an external SASL_SSL Kafka, an HTTPS Nessie and S3 over HTTPS, its Flink over HTTPS, on a real cluster", () => {
    let ctx: HarnessContext;
    let l: ClusterLayout;
    let deployed: KubernetesStackRun & { upMs: number };
    let outputs: StackOutputs;
    let iceberg: IcebergSession;
    let pipeline: StackPipeline;
    let clusterWasUp = false;
    const bucket = `k8stls-${run}`;
    let services: SecuredStackServices;

    const pods = () => kubectlItems(ctx, l, ["pods", "-n", namespace]);
    const podsOf = async (component: string) => (await pods()).filter((p) => p.metadata.labels?.["app.kubernetes.io/component"] === component);
    const exec = (pod: string, command: string) => kubectl(ctx, l, ["exec", "-n", namespace, pod, "--", "bash", "-c", command], 60_000);
    /** Every log line of a component's pods so far (all of them, not kubectl's default last 10 of a selector). */
    const logsOf = async (component: string) => {
        const texts = [];
        for (const pod of await podsOf(component)) texts.push(await kubectl(ctx, l, ["logs", "-n", namespace, pod.metadata.name], 60_000));
        return texts.join("\n");
    };

    beforeAll(async () => {
        ctx = createContext({ log });
        l = layout(ctx);
        services = securedStackServices(ctx, { stack, topicPrefix: stack, namespace: `${stack}_${run}`, bucket }, log);
        clusterWasUp = await clusterIsUp(ctx);
        await services.start();
        for (const timing of await prepareCluster(ctx, l, log)) log(timing);
        await removeThrowawayNamespace(ctx, l, namespace, log);
        await services.removeTopics();
        deployed = await deployKubernetesStack(stack, securedKubernetesConfig(services, bucket), log, {
            ...services.secrets(),
            "lakehouse:flinkTlsKey": flinkPki.key,
        });
        log(`pulumi up from nothing: ${(deployed.upMs / 1000).toFixed(0)} s`);
        const parsed = parseStackOutputs(await deployed.rawOutputs());
        expect(parsed.problems).toEqual([]);
        outputs = parsed.outputs;
        iceberg = await stackIcebergSession(outputs);
        pipeline = stackPipeline(outputs, iceberg, log);
        // Up to 60 min for the first build of the cluster's programs and the plugin on a cold machine.
    }, 5_400_000);

    afterAll(async () => {
        await iceberg?.close();
        if (deployed) await deployed.teardown();
        else if (ctx) await removeThrowawayNamespace(ctx, l, namespace, log).catch((e) => log(`leftovers not removed: ${(e as Error).message}`));
        await services?.removeAll();
        if (ctx && !clusterWasUp) expect(await stopCluster(ctx, l)).toEqual({ processesOnTheNodesSocket: [], mounts: [] });
    }, 900_000);

    it("brings every workload Ready with no Kafka, Nessie, MinIO or Dremio of its own, Flink's REST endpoints probed over HTTPS", async () => {
        const ws = await pollFor(`every workload in ${namespace} Ready`, 600_000, () => workloadStates(ctx, l, namespace), allReady);
        expect(ws.map((w) => w.name)).toEqual(WORKLOADS);
        for (const pod of await pods()) {
            const component = pod.metadata.labels?.["app.kubernetes.io/component"];
            expect({ pod: pod.metadata.name, phase: pod.status.phase }).toEqual({ pod: pod.metadata.name, phase: "Running" });
            if (component === "flink-jobmanager" || component === "flink-sql-gateway")
                expect({ pod: pod.metadata.name, scheme: pod.spec.containers[0].readinessProbe?.httpGet?.scheme }).toEqual({
                    pod: pod.metadata.name,
                    scheme: "HTTPS",
                });
        }
        log(`pods: ${(await podStates(ctx, l, namespace)).map((p) => `${p.name} (restarts ${p.restarts})`).join(", ")}`);
        expect(outputs.kafkaBootstrapServers?.host).toBe(services.kafka().containerBootstrap);
    });

    it("gives the Connect workers the SASL_SSL settings with the password by reference, and no pod spec a secret's value", async () => {
        const { password, username, mechanism } = services.kafka();
        const reference = `\${${DEFAULTS.connect.passwordConfigProvider}:${DEFAULTS.connect.kafkaPasswordEnv}}`;
        const workers = await podsOf("connect");
        expect(workers.length).toBe(2);
        for (const worker of workers) {
            const properties = await exec(worker.metadata.name, "cat /opt/connect/config/connect-distributed.properties");
            for (const clientPrefix of ["", "producer.", "consumer.", "admin."]) {
                expect(properties).toContain(`\n${clientPrefix}security.protocol=SASL_SSL\n`);
                expect(properties).toContain(
                    `\n${clientPrefix}sasl.jaas.config=${kafkaJaasConfig({ protocol: "SASL_SSL", saslMechanism: mechanism, username }, reference)}\n`,
                );
            }
            expect(properties).not.toContain(password);
            // The password reaches the worker from a Secret, under the variable its config provider reads.
            const env: any[] = worker.spec.containers[0].env ?? [];
            expect(env.find((e) => e.name === DEFAULTS.connect.kafkaPasswordEnv)?.valueFrom?.secretKeyRef).toBeDefined();
        }
        // No pod spec of the stack holds a secret's value: every one comes through a secretKeyRef.
        const secrets = [...Object.values(services.secrets()), flinkPki.key.split("\n")[1]];
        const specs = JSON.stringify((await pods()).map((p) => p.spec));
        expect(secrets.filter((s) => specs.includes(s))).toEqual([]);
        const stored = await connectRequest(outputs.kafkaConnectUrl!.host!, "GET", `/connectors/${encodeURIComponent(outputs.connector!.name)}/config`);
        expect(JSON.stringify(stored)).not.toContain(password);
    });

    it("keeps Connect's internal topics and the CDC topic on kafka-tls, none on the plaintext Kafka", async () => {
        const env: any[] = (await podsOf("connect"))[0].spec.containers[0].env;
        const internal = ["CONFIG_STORAGE_TOPIC", "OFFSET_STORAGE_TOPIC", "STATUS_STORAGE_TOPIC"].map((v) => env.find((e) => e.name === v)?.value as string);
        await services.expectTopicsOnSecuredKafkaOnly(internal);
    });

    it("gives every Flink pod the CA in its trust store, and keeps the jobs' tables in nessie-tls", async () => {
        for (const component of FLINK)
            for (const pod of await podsOf(component)) {
                const text = await kubectl(ctx, l, ["logs", "-n", namespace, pod.metadata.name], 60_000);
                expect({ pod: pod.metadata.name, trusts: text.includes("trusting 1 CA certificate(s) of EXTRA_CA_CERTS beside the JVM's own") }).toEqual({
                    pod: pod.metadata.name,
                    trusts: true,
                });
            }
        expect(await services.tables()).toEqual(expect.arrayContaining([`${stack}_${run}.${pipeline.table.upsert.split(".").pop()}`]));
        expect(outputs.nessieApiUri?.host).toBe(`${services.nessie().containerUrl}/api/v2`);
    });

    it("runs the connector, its tasks and every Flink job, shows a PostgreSQL insert, update and delete in Iceberg exactly, its files on minio-tls", async () => {
        await pipeline.expectRunning("after pulumi up");
        const seconds = await pipeline.expectInsertUpdateDelete("k8stls");
        log(`insert + update + delete visible in Iceberg: ${seconds.toFixed(1)} s`);
        const keys = await services.bucketKeys();
        expect(keys.filter((k) => k.includes(`${stack}_${run}/`) && k.endsWith(".parquet")).length).toBeGreaterThan(0);
        expect(keys.filter((k) => k.includes("/checkpoints/")).length).toBeGreaterThan(0);
        expect(outputs.warehouse).toBe(`s3://${bucket}/`);
        expect(outputs.connectionSecurity?.s3).toEqual({ caCert: services.minio().ca });
    }, 900_000);

    it("serves Flink's REST API and SQL Gateway at the node's ports over HTTPS only, and takes periodic savepoints over HTTPS inside the cluster", async () => {
        const rest = outputs.flinkRestUrl!.host!;
        const gateway = outputs.flinkSqlGatewayUrl!.host!;
        expect(rest).toMatch(/^https:\/\/127\.0\.0\.1:316\d\d$/);
        expect(gateway).toMatch(/^https:\/\/127\.0\.0\.1:316\d\d$/);
        expect(outputs.connectionSecurity?.flink).toEqual({ caCert: flinkPki.caCert });
        const get = (url: string, caCert?: string) => sendRequest("Flink REST", "GET", url, { timeoutMs: 10_000, ...(caCert ? { caCert } : {}) });
        expect((await get(`${rest}/overview`, flinkPki.caCert)).status).toBe(200);
        expect((await get(`${gateway}/v1/info`, flinkPki.caCert)).status).toBe(200);
        await expect(get(`${rest}/overview`)).rejects.toThrow(/certificate/i);
        await expect(get(`${rest.replace("https:", "http:")}/overview`)).rejects.toThrow(/Flink REST GET http:/);
        // The key reaches the pods from a Secret; the entrypoint keeps it in no file and out of the JVM's environment.
        for (const component of ["flink-jobmanager", "flink-sql-gateway"]) {
            const pod = (await podsOf(component))[0].metadata.name;
            expect(await kubectl(ctx, l, ["logs", "-n", namespace, pod], 60_000)).toContain("REST endpoints over HTTPS with the certificate of REST_TLS_CERT");
            const jvmEnv = (await exec(pod, "tr '\\0' '\\n' < /proc/1/environ | cut -d= -f1")).trim().split("\n");
            expect({ pod, cert: jvmEnv.includes("REST_TLS_CERT"), key: jvmEnv.includes("REST_TLS_KEY") }).toEqual({ pod, cert: true, key: false });
            expect(await exec(pod, "cat /opt/flink/conf/config.yaml")).not.toContain(flinkPki.key.split("\n")[1]);
        }
        log(`periodic savepoint: ${await pipeline.expectPeriodicSavepoint(bucket, () => logsOf("flink-taskmanager"))}`);
    }, 300_000);

    it("passes npm run health on the stack's outputs: Kafka over SASL_SSL, Nessie, S3 and Flink over HTTPS", async () => {
        const report = await expectStackHealthy(stack, outputs, log);
        expect(report.checks.map((c) => c.name)).toEqual(expect.arrayContaining(["kafka.broker", "nessie.server", "s3.bucket"]));
    });
});
