/**
 * HTTPS on the REST endpoints of a Flink the program runs (`lakehouse:flink.tls`, the secret
 * `flinkTlsKey`; issue 19), rendered: the workloads get the certificate and CA as env and the key only
 * as a secret reference (the image's entrypoint makes the key and trust stores from them), their health
 * probes speak HTTPS, and every client the program configures reaches the endpoints over https with the
 * CA: the Flink job resources, the periodic-savepoints job, the settle check and the outputs. Without
 * `flink.tls` nothing changes. The key is never a plain string in any resource's inputs.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Lakehouse } from "../../../components/lakehouse";
import { flinkWorkloads } from "../../../components/flink";
import { LakehouseConfig } from "../../../components/config";
import { periodicSavepointsProgramArgs } from "../../../components/periodic-savepoints";
import { diffFlinkJob, needsResubmit } from "../../../components/dynamic/flink-job";
import { diffFlinkJarJob } from "../../../components/dynamic/flink-jar-job";
import { probes } from "../../../components/platform/kubernetes-manifests";
import { flinkWorkloadArgs } from "../../support/flink-workload-args";
import { containerOf, plainEnv, secretRefs, workloads } from "../../support/kubernetes";
import { RecordedResource, isSerializedSecret, plainStrings, resolve, runWithMocks } from "../../support/mocks";
import { parseConfigValues } from "../../support/lakehouse-config";
import { makeTestPki } from "../../support/test-pki";

const repoRoot = path.resolve(__dirname, "../../..");
const pki = makeTestPki(["flink-jobmanager", "flink-sql-gateway", "localhost"]);
const TLS = { certificate: pki.certificate, caCert: pki.caCert };
const KEY_LINE = pki.key.split("\n")[1];

/** The stack's config with flink.tls and the key as a secret, periodic savepoints on (one more REST client). */
function tlsConfig(values: Record<string, unknown> = {}, stack = "dev"): LakehouseConfig {
    return parseConfigValues(
        { flink: { tls: TLS }, flinkTlsKey: pki.key, pipeline: { periodicSavepoints: { intervalSeconds: 600 } }, ...values },
        { secretKeys: ["flinkTlsKey"], stack },
    );
}

async function render(config: LakehouseConfig): Promise<{ resources: RecordedResource[]; outputs: Record<string, any> }> {
    let lakehouse!: Lakehouse;
    const run = await runWithMocks(
        () => {
            lakehouse = new Lakehouse("lakehouse", { config, credentials: {}, clientSecrets: { flinkTlsKey: pulumi.secret(pki.key) }, repoRoot });
            return {};
        },
        { stack: config.stack },
    );
    const outputs: Record<string, any> = {};
    for (const [name, value] of Object.entries(lakehouse.outputs)) outputs[name] = await resolve(value as pulumi.Input<unknown>);
    return { resources: run.resources, outputs };
}

describe("the Flink workloads with flink.tls", () => {
    const cfg = tlsConfig();
    const [jm, tm, gw] = flinkWorkloads(flinkWorkloadArgs(cfg.flink, { restTls: { ...TLS, key: { secret: "flink-tls-key" } } }));

    it("give every process the certificate and CA as env, the key only as the secret flink-tls-key", () => {
        for (const w of [jm, tm, gw]) {
            expect({ name: w.name, cert: w.env.REST_TLS_CERT, ca: w.env.REST_TLS_CA }).toEqual({ name: w.name, cert: pki.certificate, ca: pki.caCert });
            expect(w.secretEnv.REST_TLS_KEY).toEqual({ secret: "flink-tls-key" });
            expect(JSON.stringify(w.env)).not.toContain(KEY_LINE);
        }
    });

    it("probe the REST API and the gateway over HTTPS (openssl on Docker, the kubelet's HTTPS probe on Kubernetes)", () => {
        expect(jm.health.exec.join(" ")).toContain("openssl s_client -quiet -connect 127.0.0.1:8081");
        expect(jm.health.exec.join(" ")).toContain("GET /overview HTTP/1.1");
        expect(gw.health.exec.join(" ")).toContain("openssl s_client -quiet -connect 127.0.0.1:8083");
        expect((probes(jm.health, 300) as any).readinessProbe.httpGet).toEqual({ path: "/overview", port: 8081, scheme: "HTTPS" });
        expect((probes(gw.health, 300) as any).readinessProbe.httpGet).toEqual({ path: "/v1/info", port: 8083, scheme: "HTTPS" });
        expect(jm.health.describe).toBe("Flink JobManager REST answers /overview over HTTPS");
        // The TaskManager serves no REST endpoint: its probe is the RPC port's, as without TLS.
        expect(tm.health.tcpSocket).toEqual({ port: 6122 });
    });

    it("are unchanged without flink.tls (no new env, plain HTTP probes)", () => {
        const plain = flinkWorkloads(flinkWorkloadArgs(parseConfigValues({}).flink));
        for (const w of plain) {
            expect(Object.keys(w.env).filter((k) => k.startsWith("REST_TLS"))).toEqual([]);
            expect(Object.keys(w.secretEnv)).not.toContain("REST_TLS_KEY");
        }
        expect(plain[0].health.exec.join(" ")).toContain("exec 3<>/dev/tcp/127.0.0.1/8081");
        expect((probes(plain[0].health, 300) as any).readinessProbe.httpGet.scheme).toBe("HTTP");
    });
});

describe("a Docker stack with flink.tls, under mocks", () => {
    let resources: RecordedResource[];
    let outputs: Record<string, any>;
    const ofType = (suffix: string) => resources.filter((r) => r.type.endsWith(suffix));
    const cfg = tlsConfig();

    beforeAll(async () => {
        ({ resources, outputs } = await render(cfg));
    });

    it("never holds the key as a plain string", () => {
        expect(resources.length).toBeGreaterThan(10);
        for (const r of resources)
            expect({ resource: r.name, leaks: plainStrings(r.raw).join("\n").includes(KEY_LINE) }).toEqual({ resource: r.name, leaks: false });
    });

    it("gives the Flink containers the key as a secret env entry", () => {
        const jm = ofType("docker:index/container:Container").find((c) => c.name === "cdc-lakehouse-dev-flink-jobmanager")!;
        const raw = isSerializedSecret(jm.raw.envs) ? jm.raw.envs.value : jm.raw.envs;
        const secretNames = (raw as any[]).filter(isSerializedSecret).map((e) => String(e.value).split("=")[0]);
        expect(secretNames).toContain("REST_TLS_KEY");
        expect((jm.inputs.envs as string[]).filter((e) => e.startsWith("REST_TLS_CERT="))).toEqual([`REST_TLS_CERT=${pki.certificate}`]);
    });

    it("has every Flink job resource, jar job and the settle check reach the endpoints over https with the CA", () => {
        const jobs = ofType("lakehouse:FlinkSqlJob");
        expect(jobs.length).toBeGreaterThan(0);
        for (const j of jobs)
            expect({ rest: j.inputs.restUrl, gateway: j.inputs.gatewayUrl, ca: j.inputs.flinkCaCert }).toEqual({
                rest: "https://localhost:8081",
                gateway: "https://localhost:8084",
                ca: pki.caCert,
            });
        const jars = ofType("lakehouse:FlinkJarJob");
        expect(jars.length).toBeGreaterThan(0);
        for (const j of jars) expect({ rest: j.inputs.restUrl, ca: j.inputs.flinkCaCert }).toEqual({ rest: "https://localhost:8081", ca: pki.caCert });
        const [check] = ofType("lakehouse:PipelineSettleCheck");
        expect({ rest: check.inputs.flinkRestUrl, ca: check.inputs.flinkCaCert }).toEqual({ rest: "https://localhost:8081", ca: pki.caCert });
    });

    it("gives the periodic-savepoints job the JobManager's https address on the stack's network and the CA", () => {
        const args = periodicSavepointsProgramArgs(cfg, "https://flink-jobmanager:8081");
        expect(args).toContain(`--rest-ca-cert-base64=${Buffer.from(pki.caCert, "utf8").toString("base64")}`);
        const [job] = ofType("lakehouse:FlinkJarJob").filter((j) => String(j.inputs.name).includes("periodic-savepoints"));
        expect(job.inputs.programArgs).toEqual(expect.arrayContaining(["--rest-url=https://flink-jobmanager:8081"]));
    });

    it("says https and the CA in the outputs", () => {
        expect(outputs.flinkRestUrl).toEqual({ internal: "https://flink-jobmanager:8081", host: "https://localhost:8081" });
        expect(outputs.flinkSqlGatewayUrl).toEqual({ internal: "https://flink-sql-gateway:8083", host: "https://localhost:8084" });
        expect(outputs.connectionSecurity.flink).toEqual({ caCert: pki.caCert });
    });
});

describe("turning flink.tls on for a running stack", () => {
    it("is an update of each job that leaves it running (how Pulumi reaches the cluster, not what runs), shown at preview", () => {
        const job = { name: "j", statements: ["INSERT INTO t SELECT 1"] };
        const before = { ...job, restUrl: "http://localhost:8081", gatewayUrl: "http://localhost:8084" };
        const after = { ...job, restUrl: "https://localhost:8081", gatewayUrl: "https://localhost:8084", flinkCaCert: pki.caCert };
        const diff = diffFlinkJob(before, after);
        expect(diff.changedKeys.sort()).toEqual(["flinkCaCert", "gatewayUrl", "restUrl"]);
        expect(diff.replaces).toEqual([]);
        expect(needsResubmit(diff.changedKeys)).toBe(false);
        const jar = diffFlinkJarJob({ name: "m", restUrl: "http://localhost:8081" }, { name: "m", restUrl: "https://localhost:8081", flinkCaCert: pki.caCert });
        expect(jar.changedKeys.sort()).toEqual(["flinkCaCert", "restUrl"]);
        expect(jar.replaces).toEqual([]);
    });
});

describe("a Kubernetes stack with flink.tls, under mocks", () => {
    const k8s = { platform: "kubernetes", kubernetes: { namespace: "lake" } };

    it("asks the certificate for the Services' DNS names (where the program reaches them in-cluster)", () => {
        expect(() => tlsConfig(k8s, "k8s")).toThrow(
            /lakehouse:flink\.tls\.certificate.*must name flink-jobmanager\.lake\.svc\.cluster\.local, flink-sql-gateway\.lake\.svc\.cluster\.local/s,
        );
    });

    it("renders HTTPS probes, and the key from the stack's Secret, never in the manifests", async () => {
        const names = ["flink-jobmanager", "flink-sql-gateway", "flink-jobmanager.lake.svc.cluster.local", "flink-sql-gateway.lake.svc.cluster.local"];
        const inCluster = makeTestPki(names);
        const cfg = parseConfigValues(
            { ...k8s, flink: { tls: { certificate: inCluster.certificate, caCert: inCluster.caCert } }, flinkTlsKey: inCluster.key },
            { secretKeys: ["flinkTlsKey"], stack: "k8s" },
        );
        const run = await runWithMocks(
            () => {
                new Lakehouse("lakehouse", { config: cfg, credentials: {}, clientSecrets: { flinkTlsKey: pulumi.secret(inCluster.key) }, repoRoot });
                return {};
            },
            { stack: "k8s" },
        );
        const byName = (name: string) => workloads(run.resources).find((w) => w.inputs.metadata.name === name)!;
        for (const [name, path, port] of [
            ["flink-jobmanager", "/overview", 8081],
            ["flink-sql-gateway", "/v1/info", 8083],
        ] as const) {
            const container = containerOf(byName(name));
            expect(container.readinessProbe.httpGet).toEqual({ path, port, scheme: "HTTPS" });
            expect(secretRefs(container).REST_TLS_KEY).toMatch(/^[a-z0-9-]+\/value$/);
            expect(plainEnv(container).REST_TLS_CERT).toBe(inCluster.certificate);
        }
        const keyLine = inCluster.key.split("\n")[1];
        for (const w of workloads(run.resources))
            expect({ name: w.inputs.metadata.name, leaks: plainStrings(w.raw).join("\n").includes(keyLine) }).toEqual({
                name: w.inputs.metadata.name,
                leaks: false,
            });
    });
});
