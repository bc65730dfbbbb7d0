/**
 * A stack on secured services (issue 19), through the real Pulumi engine: a copy of `Pulumi.local-tls.yaml`
 * (PostgreSQL over verify-full on the harness's `postgres-tls`, Kafka over SASL_SSL with SCRAM on
 * `kafka-tls`, Connect on `connect-tls` through its HTTPS REST listener, Dremio's stand-in over HTTPS, the
 * warehouse on `minio-tls` (S3 over HTTPS), Nessie over HTTPS with a bearer token on `nessie-tls`, the jobs
 * on `flink-tls` through its HTTPS REST API and SQL Gateway (with periodic savepoints, taken from inside
 * the cluster over HTTPS), the harness's CA given in the stack config, the token as a secret) deployed with
 * `pulumi up`: the connector and the job run, a PostgreSQL change reaches Iceberg exactly (the canary),
 * every health check passes, and nothing of the stack is on a plaintext service: no topic on the
 * plaintext Kafka, no connector on the plaintext Connect, no schema in the plaintext PostgreSQL, no
 * namespace on the plain Nessie, no job on the plain Flink. The SASL password and Nessie's token are nowhere in state; the outputs
 * say how to connect. Destroyed at the end.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { Kafka, logLevel } from "kafkajs";
import { main as canaryMain } from "../../../scripts/canary";
import { main as healthMain } from "../../../scripts/health";
import { endpoints, ensureUp } from "../../../harness/cli";
import { createContext } from "../../../harness/lib/context";
import { tlsClientOptions } from "../../../harness/kafka";
import { nessieTlsAccess } from "../../../harness/nessie";
import { nessieRequest } from "../../../components/dynamic/nessie";
import { flinkRequest } from "../../../components/dynamic/flink/request";
import { checkpointStats } from "../../../components/dynamic/flink/rest";
import { pollFor } from "../../support/iceberg-session";
import type { HttpTarget } from "../../../components/dynamic/toolkit/http";
import { REPO_DIR } from "../../../harness/pulumi/cli";
import { pgQuery as plainPgQuery, pulumiOn, runScriptMain, writeStackFile } from "../../support/e2e";
import { securedPgQuery } from "../../support/secured-services";

jest.setTimeout(1_200_000);

const ctx = createContext();
const id = Date.now().toString(36);
const stack = `tls-it-${id}`;
const schema = `tls_it_${id}`;
const topicPrefix = `tls_it_${id}`;
const stackFile = path.join(REPO_DIR, `Pulumi.${stack}.yaml`);
const secured = () => endpoints({ ctx, onDemand: true });
const SECRETS = ["lakehouse-local-pg", "lakehouse-local-cdc", "lakehouse-local-secret", "lakehouse-local-dremio1"];

let stateDir: string;
let deployed = false;
let savedBackend: string | undefined;
const pulumi = pulumiOn(() => stateDir);

/** One statement on postgres-tls as its superuser, over verify-full. */
const tlsPg = (text: string, params: unknown[] = []): Promise<any[]> => securedPgQuery(ctx, text, params);

/** Runs a script's main() and captures what it prints. */
const run = runScriptMain;

/** The local stack's config pointed at the secured services, as `Pulumi.local-tls.yaml` with this test's own names and the harness's CA. */
function tlsStackConfig(): any {
    const config = yaml.load(fs.readFileSync(path.join(REPO_DIR, "Pulumi.local-tls.yaml"), "utf8")) as any;
    const ca = fs.readFileSync(secured()["kafka-tls"].caFile, "utf8");
    Object.assign(config.config["lakehouse:storage"], { bucket: `tls-it-${id}`, forceDestroy: true });
    config.config["lakehouse:iceberg"] = { namespace: schema };
    Object.assign(config.config["lakehouse:source"], { schema, publication: `pub_${id}`, replicationUser: `dbz_${id}` });
    config.config["lakehouse:source"].tls.caCert = ca;
    Object.assign(config.config["lakehouse:kafka"], { topicPrefix });
    config.config["lakehouse:kafka"].security.caCert = ca;
    config.config["lakehouse:external"].nessie.caCert = ca;
    config.config["lakehouse:external"].connect.caCert = ca;
    config.config["lakehouse:external"].dremio.caCert = ca;
    config.config["lakehouse:external"].minio.caCert = ca;
    config.config["lakehouse:external"].flink.caCert = ca;
    // The periodic-savepoints job calls Flink's REST API over HTTPS from inside the cluster, with the stack's CA.
    config.config["lakehouse:pipeline"].periodicSavepoints = { intervalSeconds: 60, kept: 2 };
    config.config["lakehouse:dremio"] = { enabled: true, sourceName: `tls_it_${id}` };
    return config;
}

beforeAll(async () => {
    await ensureUp(
        ["postgres-tls", "kafka-tls", "connect-tls", "nessie-tls", "minio-tls", "flink-tls-jobmanager", "flink-tls-taskmanager", "flink-tls-sql-gateway"],
        {
            ctx,
        },
    );
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-tls-state-"));
    savedBackend = process.env.PULUMI_BACKEND_URL;
    process.env.PULUMI_BACKEND_URL = `file://${stateDir}`;
    writeStackFile(stack, tlsStackConfig());
    await pulumi(["stack", "init", stack]);
    // Nessie's token is the harness's (signed with its key, made on each machine): a secret of the stack.
    await pulumi(["config", "set", "-s", stack, "--secret", "lakehouse:nessieToken", secured()["nessie-tls"].token]);
    deployed = true;
    await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
});

afterAll(async () => {
    try {
        if (deployed) await pulumi(["destroy", "-s", stack, "--yes", "--skip-preview"], false);
        await pulumi(["stack", "rm", stack, "--yes", "--force"], false);
    } finally {
        if (savedBackend === undefined) delete process.env.PULUMI_BACKEND_URL;
        else process.env.PULUMI_BACKEND_URL = savedBackend;
        fs.rmSync(stackFile, { force: true });
        fs.rmSync(stateDir, { recursive: true, force: true });
        await tlsPg(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
        const kafka = new Kafka({ clientId: "tls-it-cleanup", logLevel: logLevel.NOTHING, ...tlsClientOptions(ctx) });
        const admin = kafka.admin();
        await admin.connect().catch(() => undefined);
        const topics = ((await admin.listTopics().catch(() => [])) as string[]).filter((t) => t.startsWith(`${topicPrefix}.`));
        if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 }).catch(() => undefined);
        await admin.disconnect().catch(() => undefined);
    }
});

test("up: the outputs say how to connect, the credentials hold the SASL login, and no secret is in state", async () => {
    const outputs = JSON.parse((await pulumi(["stack", "output", "-s", stack, "--json"])).stdout);
    expect(outputs.connectionSecurity).toEqual({
        kafka: { protocol: "SASL_SSL", saslMechanism: "SCRAM-SHA-512", username: "lakehouse", caCert: expect.stringContaining("BEGIN CERTIFICATE") },
        postgres: { sslmode: "verify-full", caCert: expect.stringContaining("BEGIN CERTIFICATE") },
        nessie: { auth: "bearer", caCert: expect.stringContaining("BEGIN CERTIFICATE") },
        connect: { caCert: expect.stringContaining("BEGIN CERTIFICATE") },
        dremio: { caCert: expect.stringContaining("BEGIN CERTIFICATE") },
        s3: { caCert: expect.stringContaining("BEGIN CERTIFICATE") },
        flink: { caCert: expect.stringContaining("BEGIN CERTIFICATE") },
    });
    expect(outputs.flinkRestUrl.host).toBe("https://127.0.0.1:18081");
    expect(outputs.flinkSqlGatewayUrl.host).toBe("https://127.0.0.1:18084");
    expect(outputs.s3Endpoint.host).toBe(secured()["minio-tls"].endpoint);
    expect(outputs.dremioUrl.host).toBe(endpoints().dremio.httpsUrl);
    expect(outputs.kafkaConnectUrl.host).toBe(secured()["connect-tls"].httpsUrl);
    expect(outputs.nessieApiUri.host).toBe("https://127.0.0.1:19443/api/v2");
    expect(outputs.kafkaBootstrapServers.host).toBe(secured()["kafka-tls"].bootstrapServers);
    expect(outputs.connector).toMatchObject({ state: "RUNNING" });
    expect(outputs.flinkJobs.demographics).toMatchObject({ state: "RUNNING" });
    const credentials = JSON.parse((await pulumi(["stack", "output", "-s", stack, "credentials", "--show-secrets", "--json"])).stdout);
    expect(credentials.kafka).toEqual({ username: "lakehouse", password: secured()["kafka-tls"].password });
    expect(credentials.nessieToken).toMatch(/^eyJ/);
    const state = fs.readFileSync(path.join(stateDir, ".pulumi", "stacks", "cdc-lakehouse", `${stack}.json`), "utf8");
    for (const secret of [...SECRETS, secured()["kafka-tls"].password, credentials.nessieToken]) expect(state).not.toContain(secret);
    // A second up changes nothing.
    const again = await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
    expect(again.stdout).not.toMatch(/\d+ (created|updated|replaced|deleted)/);
});

test("canary: a change in PostgreSQL (over TLS) reaches both Iceberg tables through the SASL_SSL Kafka", async () => {
    const r = await run(canaryMain, ["--stack", stack, "--json", "--timeout", "180"]);
    expect({ code: r.code, err: r.code === 0 ? "" : r.err }).toEqual({ code: 0, err: "" });
    const result = JSON.parse(r.out);
    expect(result).toMatchObject({ ok: true, cleanedUp: true, source: `${schema}.demographics` });
    for (const t of result.tables) expect(t.visibleAfterMs).toBeGreaterThan(0);
    for (const s of [...SECRETS, secured()["kafka-tls"].password]) expect(r.out + r.err).not.toContain(s);
    console.log(`canary latency on the secured stack ${result.latencyMs} ms`);
});

test("health: every check passes over TLS and SASL", async () => {
    // The job commits its Kafka offsets after each checkpoint: wait (bounded) until both groups have.
    const deadline = Date.now() + 120_000;
    let report: any;
    for (let delay = 500; ; delay = Math.min(delay * 2, 5000)) {
        report = JSON.parse((await run(healthMain, ["--stack", stack, "--json"])).out);
        if (report.checks.every((c: any) => c.status === "PASS") || Date.now() + delay > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, delay));
    }
    expect(report.checks.filter((c: any) => c.status !== "PASS").map((c: any) => `${c.status} ${c.name}: ${c.detail}`)).toEqual([]);
    expect(report.checks.map((c: any) => c.name)).toEqual(expect.arrayContaining(["kafka.broker", "postgres.slot", "connect.connector"]));
});

test("nothing of the stack is on a plaintext service", async () => {
    const plainKafka = new Kafka({ clientId: "tls-it-plain", brokers: [endpoints().kafka.bootstrapServers], logLevel: logLevel.NOTHING });
    const admin = plainKafka.admin();
    await admin.connect();
    try {
        expect((await admin.listTopics()).filter((t) => t.startsWith(topicPrefix))).toEqual([]);
    } finally {
        await admin.disconnect();
    }
    const plainConnectors = (await (await fetch(`${endpoints().connect.url}/connectors`)).json()) as string[];
    expect(plainConnectors.filter((c) => c.includes(stack))).toEqual([]);
    expect(await plainPgQuery("SELECT 1 FROM information_schema.schemata WHERE schema_name = $1", [schema])).toEqual([]);
    const plainNessie = await fetch(`${endpoints().nessie.apiV2}/trees/main/contents/${schema}`);
    expect(plainNessie.status).toBe(404);
    // The warehouse bucket is on the HTTPS MinIO, not the plain one.
    const m = endpoints().minio;
    const plainS3 = new S3Client({
        endpoint: m.endpoint,
        region: m.region,
        forcePathStyle: true,
        credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey },
    });
    try {
        await expect(plainS3.send(new HeadBucketCommand({ Bucket: `tls-it-${id}` }))).rejects.toMatchObject({ name: "NotFound" });
    } finally {
        plainS3.destroy();
    }
    // ... and everything is on the secured ones.
    expect(await tlsPg("SELECT 1 FROM information_schema.schemata WHERE schema_name = $1", [schema])).toEqual([{ "?column?": 1 }]);
    const securedConnectors = (await (await fetch(`${secured()["connect-tls"].url}/connectors`)).json()) as string[];
    expect(securedConnectors).toContain(`cdc-lakehouse-${stack}-postgres-cdc`);
    const { caCert, token } = nessieTlsAccess(ctx);
    const namespace = await nessieRequest({ apiUrl: secured()["nessie-tls"].apiV2, caCert, token }, "GET", `/trees/main/contents/${schema}`);
    expect(namespace.content.type).toBe("NAMESPACE");
    // The jobs run on the Flink whose REST API and SQL Gateway speak HTTPS, none on the plain one.
    const jobsOn = async (target: HttpTarget) =>
        ((await flinkRequest("Flink REST", target, "GET", "/jobs/overview")).jobs as { name: string; state: string }[]).filter((j) => j.name.includes(stack));
    expect(await jobsOn(endpoints()["flink-jobmanager"].restUrl)).toEqual([]);
    const flinkTls = secured()["flink-tls-jobmanager"];
    expect(
        (await jobsOn({ url: flinkTls.restUrl, caCert: fs.readFileSync(flinkTls.caFile, "utf8") })).filter((j) => j.state === "RUNNING").length,
    ).toBeGreaterThan(0);
});

test("the periodic-savepoints job takes a savepoint of the table job over HTTPS, from inside the cluster", async () => {
    const outputs = JSON.parse((await pulumi(["stack", "output", "-s", stack, "--json"])).stdout);
    const flinkTls = secured()["flink-tls-jobmanager"];
    const target = { url: flinkTls.restUrl, caCert: fs.readFileSync(flinkTls.caFile, "utf8") };
    // Its first tick comes a minute after it started (pipeline.periodicSavepoints.intervalSeconds: 60).
    const savepoint = await pollFor(
        "a periodic savepoint of the demographics job",
        150_000,
        async () => (await checkpointStats(target, outputs.flinkJobs.demographics.jobId)).latest?.savepoint,
        (s) => Boolean(s?.external_path),
    );
    expect(savepoint.external_path).toMatch(/savepoint-/);
});
