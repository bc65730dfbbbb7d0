/**
 * Services over HTTPS with a company CA (issue 19). Connect: `external.connect.caCert` reaches the
 * connector, the table snapshots and the settle check, the preflight and the outputs. Nessie with a
 * bearer token as well: the stack keys
 * (`external.nessie.caCert`, the secret `nessieToken`) refused with the key and the fix before anything
 * is created; and, rendered under mocks, where the CA and the token go: the Nessie resources' inputs,
 * the Flink jobs' catalog (the token a `{{secret.nessieToken}}` placeholder, its value a secret), the
 * maintenance job's arguments, Dremio's source (BEARER, the token a secret field), the preflight's
 * check and the outputs. The token is never a plain string in any resource's inputs. Flink:
 * `external.flink.caCert` reaches every Flink job resource, the settle check, the periodic-savepoints
 * job's arguments, the preflight and the outputs.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Lakehouse, externalServiceChecks, flinkExtraCaCerts } from "../../../components/lakehouse";
import { flinkWorkloads } from "../../../components/flink";
import { flinkWorkloadArgs } from "../../support/flink-workload-args";
import { connectionSecurity } from "../../../components/outputs/build";
import { nessieCatalogAuthArgs, nessieCatalogAuthOptions } from "../../../components/secured-clients";
import { checkNessieInputs } from "../../../components/dynamic/nessie";
import { checkConnectorInputs } from "../../../components/dynamic/connector";
import { checkFlinkJobInputs, diffFlinkJob, needsResubmit } from "../../../components/dynamic/flink-job";
import { checkFlinkJarJobInputs, diffFlinkJarJob } from "../../../components/dynamic/flink-jar-job";
import { periodicSavepointsProgramArgs } from "../../../components/periodic-savepoints";
import { caCertProblem, httpsFix } from "../../../components/dynamic/toolkit/http";
import { stackCatalogStatement } from "../../../ops/canary";
import { nessieAccess, parseStackOutputs } from "../../../ops/outputs";
import { RecordedResource, isSerializedSecret, plainStrings, runWithMocks } from "../../support/mocks";
import { configRejection, expectProblemAt, parseConfigValues } from "../../support/lakehouse-config";
import * as fs from "fs";

const repoRoot = path.resolve(__dirname, "../../..");
const CA = "-----BEGIN CERTIFICATE-----\nMIIBCAnessieca\n-----END CERTIFICATE-----\n";
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.nessie-bearer-token-42.sig";
const EXTERNAL = {
    nessie: { url: "https://nessie.corp:443", caCert: CA },
    flink: { restUrl: "http://flink.corp:8081", sqlGatewayUrl: "http://flink.corp:8083" },
};
const SECRETS = { nessieToken: TOKEN };

describe("lakehouse:external.nessie.caCert and lakehouse:nessieToken", () => {
    const parse = (values: Record<string, unknown>, secrets: string[] = []) =>
        parseConfigValues({ dremio: { enabled: false }, ...values }, { secretKeys: secrets });
    const problemAt = (values: Record<string, unknown>, key: string, expected: RegExp, secrets: string[] = []) =>
        expectProblemAt({ dremio: { enabled: false }, ...values }, key, expected, { secretKeys: secrets });

    it("takes an https Nessie with its CA and a token, with an existing Flink to trust it", () => {
        const cfg = parse({ external: EXTERNAL, ...SECRETS }, ["nessieToken"]);
        expect(cfg.external.nessie).toEqual({ url: "https://nessie.corp:443", caCert: CA });
        expect(cfg.clientSecretsSet.nessieToken).toBe(true);
    });

    it("refuses a CA that is not PEM, a CA for a plain http URL, and a CA where the program runs Dremio", () => {
        problemAt(
            { external: { ...EXTERNAL, nessie: { url: "https://nessie.corp", caCert: "/etc/ca.pem" } } },
            "lakehouse:external.nessie.caCert",
            /must be PEM text.*cat ca\.pem/,
        );
        problemAt(
            { external: { ...EXTERNAL, nessie: { url: "http://nessie.corp:19120", caCert: CA } } },
            "lakehouse:external.nessie.caCert",
            /plain http \(use https:\/\//,
        );
        // A Flink the program runs is given the CA (the image's EXTRA_CA_CERTS); a Dremio it runs is not.
        expect(parse({ external: { nessie: EXTERNAL.nessie } }).external.nessie).toEqual({ url: "https://nessie.corp:443", caCert: CA });
        expectProblemAt(
            { external: { nessie: EXTERNAL.nessie } },
            "lakehouse:external.nessie.caCert",
            /does not install a CA into the Dremio it runs: set external\.dremio to a Dremio whose JVM trusts it \(docs\/security\.md\), or dremio\.enabled: false/,
            {},
        );
        expect(configRejection({ external: EXTERNAL }).message).toContain("reach Nessie trust the CA");
    });

    it("refuses a token in plain text, and a token without an external Nessie", () => {
        problemAt({ external: EXTERNAL, nessieToken: TOKEN }, "lakehouse:nessieToken", /a secret: run `pulumi config set --secret lakehouse:nessieToken/);
        problemAt({ nessieToken: TOKEN }, "lakehouse:nessieToken", /is used only with external\.nessie/, ["nessieToken"]);
    });
});

describe("the toolkit's HTTPS rules", () => {
    it("names the fix of each TLS failure", () => {
        expect(httpsFix("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "https://n:1", "lakehouse:external.nessie.caCert")).toMatch(
            /not signed by a CA this client trusts: give the CA's certificate \(PEM\) in lakehouse:external\.nessie\.caCert/,
        );
        expect(httpsFix("ERR_SSL_PACKET_LENGTH_TOO_LONG", "https://n:1")).toMatch(/speaks plain HTTP on that port: use http:\/\//);
        expect(httpsFix("ERR_SSL_WRONG_VERSION_NUMBER", "https://n:1")).toMatch(/speaks plain HTTP on that port: use http:\/\//);
        expect(httpsFix("UND_ERR_SOCKET", "http://n:1")).toMatch(/if it speaks HTTPS on that port, use https:\/\//);
        expect(httpsFix("ERR_TLS_CERT_ALTNAME_INVALID", "https://n:1")).toMatch(/does not name the host/);
        expect(httpsFix("ECONNREFUSED", "https://n:1")).toBeUndefined();
        // A certificate failure on a plain-http URL: the server redirected it to https (Flink's REST endpoints do).
        expect(httpsFix("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "http://n:1", "lakehouse:external.flink.caCert")).toBe(
            "the server sent the request on to https: use https:// in the URL, with the CA that signed its certificate (PEM) in lakehouse:external.flink.caCert",
        );
    });

    it("checks a CA against its URLs; the Nessie resources take the same rule and refuse a token that is not one", () => {
        expect(caCertProblem(undefined, ["http://x"])).toBeUndefined();
        expect(caCertProblem(CA, ["http://x", "https://y"])).toBeUndefined();
        expect(caCertProblem(CA, ["http://x"])).toMatch(/plain http/);
        expect(checkNessieInputs({ apiUrl: "http://n/api/v2", branch: "main", namespace: "cdc", caCert: CA }, "namespace")).toEqual([
            { property: "caCert", reason: expect.stringMatching(/plain http/) },
        ]);
        expect(checkNessieInputs({ apiUrl: "https://n/api/v2", branch: "main", namespace: "cdc", credentials: { token: "Bearer abc" } }, "namespace")).toEqual([
            { property: "credentials.token", reason: expect.stringMatching(/without the word Bearer/) },
        ]);
    });
});

describe("a stack on an external Nessie with a CA and a token, under mocks", () => {
    let resources: RecordedResource[];
    const ofType = (suffix: string) => resources.filter((r) => r.type.endsWith(suffix));
    const config = parseConfigValues(
        {
            external: { ...EXTERNAL, dremio: { url: "http://dremio.corp:9047" } },
            dremioAdminPassword: "dremio-admin-pw-1",
            maintenance: { enabled: true },
            ...SECRETS,
        },
        { secretKeys: ["nessieToken", "dremioAdminPassword"] },
    );

    beforeAll(async () => {
        const run = await runWithMocks(() => {
            new Lakehouse("lakehouse", {
                config,
                credentials: { dremioAdminPassword: pulumi.secret("dremio-admin-pw-1") },
                clientSecrets: { nessieToken: pulumi.secret(TOKEN) },
                repoRoot,
                checkExternalServices: false,
            });
            return {};
        });
        resources = run.resources;
    });

    it("never holds the token as a plain string", () => {
        expect(resources.length).toBeGreaterThan(10);
        for (const r of resources)
            expect({ resource: r.name, leaks: plainStrings(r.raw).join("\n").includes(TOKEN) }).toEqual({ resource: r.name, leaks: false });
    });

    it("gives the namespace the CA and the token (a secret)", () => {
        const [ns] = ofType("lakehouse:NessieNamespace");
        expect(ns.inputs.apiUrl).toBe("https://nessie.corp:443/api/v2");
        expect(ns.inputs.caCert).toBe(CA);
        expect(isSerializedSecret(ns.raw.credentials)).toBe(true);
        expect(ns.inputs.credentials).toEqual({ token: TOKEN });
    });

    it("logs the jobs' catalog in with the token as a placeholder, its value among the job's secrets", () => {
        const jobs = ofType("lakehouse:FlinkSqlJob");
        expect(jobs.length).toBeGreaterThan(0);
        for (const job of jobs) {
            const catalog = (job.inputs.statements as string[])[0];
            expect(catalog).toContain("'authentication.type' = 'BEARER'");
            expect(catalog).toContain("'authentication.token' = '{{secret.nessieToken}}'");
            expect(job.inputs.secrets.nessieToken).toBe(TOKEN);
            expect(isSerializedSecret(job.raw.secrets)).toBe(true);
        }
        const [maintenance] = ofType("lakehouse:FlinkJarJob").filter((j) => String(j.inputs.name).includes("maintenance"));
        expect(maintenance.inputs.programArgs).toEqual(expect.arrayContaining(nessieCatalogAuthArgs(true)));
        expect(maintenance.inputs.secrets.nessieToken).toBe(TOKEN);
    });

    it("gives Dremio's Nessie source BEARER with the token as a secret field", () => {
        const [source] = ofType("lakehouse:DremioSource");
        expect(source.inputs.config.nessieAuthType).toBe("BEARER");
        expect(source.inputs.secretConfig.nessieAccessToken).toBe(TOKEN);
        expect(isSerializedSecret(source.raw.secretConfig)).toBe(true);
    });

    it("checks the existing Nessie with its CA and the token, naming the stack's keys", () => {
        const [check] = externalServiceChecks(config, { nessieToken: TOKEN }).filter((c) => c.service === "nessie");
        expect(check).toEqual({
            service: "nessie",
            kind: "http",
            url: "https://nessie.corp:443/api/v2/config",
            access: { caCert: CA, token: TOKEN, caCertKey: "lakehouse:external.nessie.caCert", tokenKey: "lakehouse:nessieToken" },
        });
    });
});

describe("outputs and the canary", () => {
    const config = parseConfigValues({ dremio: { enabled: false }, external: EXTERNAL, ...SECRETS }, { secretKeys: ["nessieToken"] });

    it("connectionSecurity names Nessie only when it is secured", () => {
        expect(connectionSecurity(config, true).nessie).toEqual({ auth: "bearer", caCert: CA });
        expect(connectionSecurity(parseConfigValues({}), false)).toEqual({ kafka: { protocol: "PLAINTEXT" }, postgres: { sslmode: "disable" } });
    });

    it("the canary's catalog statement logs in with the token from the outputs", () => {
        const { outputs } = parseStackOutputs({
            connectionSecurity: { kafka: { protocol: "PLAINTEXT" }, postgres: { sslmode: "disable" }, nessie: { auth: "bearer", caCert: CA } },
            credentials: {
                postgres: { username: "u", password: "p" },
                replication: { username: "r", password: "p" },
                s3: { accessKeyId: "AK", secretAccessKey: "s3-secret" },
                nessieToken: TOKEN,
            },
            nessieApiUri: { internal: "https://nessie.corp:443/api/v2", host: "https://nessie.corp:443/api/v2" },
            warehouse: "s3://lake/warehouse",
            s3Endpoint: { internal: "http://minio:9000", host: "http://localhost:9000" },
        });
        expect(nessieAccess(outputs)).toEqual({ caCert: CA, token: TOKEN });
        const template = fs.readFileSync(path.join(repoRoot, "jobs/catalog.sql"), "utf8");
        const tp = { table: "demographics", icebergTables: [{ kind: "upsert" as const, identifier: "lake.cdc.demographics", key: "cdc.demographics" }] };
        const statement = stackCatalogStatement(outputs, tp as never, template);
        expect(statement).toContain(`'authentication.token' = '${TOKEN}'`);
        expect(statement).toContain("'s3.secret-access-key' = 's3-secret'");
        expect(nessieCatalogAuthOptions(false)).toBe("");
    });
});

describe("an external Connect over HTTPS with a company CA, under mocks", () => {
    let resources: RecordedResource[];
    const ofType = (suffix: string) => resources.filter((r) => r.type.endsWith(suffix));
    const values = {
        dremio: { enabled: false },
        external: { connect: { url: "https://connect.corp:8443", caCert: CA }, postgres: { address: "db.corp:5432" } },
        postgresPassword: "admin-password-1",
        replicationPassword: "replication-pw-1",
        pipeline: { replicationPasswordReference: "${env:LAKEHOUSE_REPLICATION_PASSWORD}" },
    };
    const config = parseConfigValues(values, { secretKeys: ["postgresPassword", "replicationPassword"] });

    beforeAll(async () => {
        const run = await runWithMocks(() => {
            new Lakehouse("lakehouse", {
                config,
                credentials: { postgresPassword: pulumi.secret("admin-password-1"), replicationPassword: pulumi.secret("replication-pw-1") },
                repoRoot,
                checkExternalServices: false,
            });
            return {};
        });
        resources = run.resources;
    });

    it("gives the connector and the settle check the CA beside the URL", () => {
        const [connector] = ofType("lakehouse:DebeziumConnector");
        expect(connector.inputs).toMatchObject({ connectUrl: "https://connect.corp:8443", connectCaCert: CA });
        const [check] = ofType("lakehouse:PipelineSettleCheck");
        expect(check.inputs).toMatchObject({ connectUrl: "https://connect.corp:8443", connectCaCert: CA });
    });

    it("checks Connect with its CA before anything is created, and says it in the outputs", () => {
        const [check] = externalServiceChecks(config, {}).filter((c) => c.service === "connect");
        expect(check).toEqual({
            service: "connect",
            kind: "http",
            url: "https://connect.corp:8443/connector-plugins",
            access: { caCert: CA, caCertKey: "lakehouse:external.connect.caCert" },
        });
        expect(connectionSecurity(config, false)).toEqual({ kafka: { protocol: "PLAINTEXT" }, postgres: { sslmode: "disable" }, connect: { caCert: CA } });
    });

    it("refuses a CA for a plain http Connect, naming the key", () => {
        expectProblemAt(
            { ...values, external: { ...values.external, connect: { url: "http://connect.corp:8083", caCert: CA } } },
            "lakehouse:external.connect.caCert",
            /plain http/,
            {
                secretKeys: ["postgresPassword", "replicationPassword"],
            },
        );
    });

    it("the connector resource refuses a CA that is not PEM", () => {
        const failures = checkConnectorInputs({ connectUrl: "https://c:8443", connectCaCert: "ca.pem" });
        expect(failures.filter((f) => f.property === "connectCaCert")).toEqual([
            { property: "connectCaCert", reason: expect.stringMatching(/must be PEM text/) },
        ]);
    });
});

describe("an external Dremio over HTTPS with a company CA", () => {
    const values = {
        external: { dremio: { url: "https://dremio.corp:9443", caCert: CA } },
        dremioAdminPassword: "dremio-admin-pw-1",
    };
    const config = parseConfigValues(values, { secretKeys: ["dremioAdminPassword"] });

    it("gives the admin and the source the CA beside the URL", async () => {
        const run = await runWithMocks(() => {
            new Lakehouse("lakehouse", {
                config,
                credentials: { dremioAdminPassword: pulumi.secret("dremio-admin-pw-1") },
                repoRoot,
                checkExternalServices: false,
            });
            return {};
        });
        const ofType = (suffix: string) => run.resources.filter((r) => r.type.endsWith(suffix));
        for (const r of [...ofType("lakehouse:DremioAdmin"), ...ofType("lakehouse:DremioSource")])
            expect({ type: r.type, url: r.inputs.url, caCert: r.inputs.caCert }).toEqual({ type: r.type, url: "https://dremio.corp:9443", caCert: CA });
        expect(ofType("lakehouse:DremioSource")).toHaveLength(1);
    });

    it("checks Dremio with its CA before anything is created, says it in the outputs, refuses a CA for plain http", () => {
        const [check] = externalServiceChecks(config, {}).filter((c) => c.service === "dremio");
        expect(check).toEqual({
            service: "dremio",
            kind: "http",
            url: "https://dremio.corp:9443/apiv2/server_status",
            access: { caCert: CA, caCertKey: "lakehouse:external.dremio.caCert" },
        });
        expect(connectionSecurity(config, false).dremio).toEqual({ caCert: CA });
        expectProblemAt({ ...values, external: { dremio: { url: "http://dremio.corp:9047", caCert: CA } } }, "lakehouse:external.dremio.caCert", /plain http/, {
            secretKeys: ["dremioAdminPassword"],
        });
    });
});

describe("an external S3 store over HTTPS with a company CA", () => {
    const flink = { restUrl: "http://flink.corp:8081", sqlGatewayUrl: "http://flink.corp:8083" };
    const values = {
        dremio: { enabled: false },
        external: { minio: { endpoint: "https://s3.corp:9000", caCert: CA }, flink },
        minioRootPassword: "minio-root-pw-1",
    };
    const config = parseConfigValues(values, { secretKeys: ["minioRootPassword"] });

    it("gives the bucket and the settle check the CA, checks the store with it, and says it in the outputs", async () => {
        const run = await runWithMocks(() => {
            new Lakehouse("lakehouse", {
                config,
                credentials: { minioRootPassword: pulumi.secret("minio-root-pw-1") },
                repoRoot,
                checkExternalServices: false,
            });
            return {};
        });
        const [bucket] = run.resources.filter((r) => r.type.endsWith("lakehouse:WarehouseBucket"));
        expect(bucket.inputs).toMatchObject({ endpoint: "https://s3.corp:9000", caCert: CA });
        const [check] = externalServiceChecks(config, { s3Secret: "minio-root-pw-1" }).filter((c) => c.service === "minio");
        expect(check).toMatchObject({ kind: "s3", endpoint: "https://s3.corp:9000", caCert: CA });
        expect(connectionSecurity(config, false).s3).toEqual({ caCert: CA });
    });

    it("refuses a CA the Dremio the program runs would not trust, naming the ways out", () => {
        expectProblemAt(
            { ...values, dremio: { enabled: true }, external: { minio: values.external.minio } },
            "lakehouse:external.minio.caCert",
            /when the JVMs that reach the S3 store trust the CA, and the program does not install a CA into the Dremio it runs: set external\.dremio .*, or dremio\.enabled: false/,
            { secretKeys: ["minioRootPassword"] },
        );
    });
});

describe("an external Flink whose REST API and SQL Gateway speak HTTPS with a company CA, under mocks", () => {
    let resources: RecordedResource[];
    const ofType = (suffix: string) => resources.filter((r) => r.type.endsWith(suffix));
    const flink = { restUrl: "https://flink.corp:8443", sqlGatewayUrl: "https://flink-gateway.corp:8443", caCert: CA };
    const values = {
        dremio: { enabled: false },
        external: { flink },
        maintenance: { enabled: true },
        pipeline: { periodicSavepoints: { intervalSeconds: 600, kept: 2 } },
    };
    const config = parseConfigValues(values);

    beforeAll(async () => {
        const run = await runWithMocks(() => {
            new Lakehouse("lakehouse", { config, credentials: {}, repoRoot, checkExternalServices: false });
            return {};
        });
        resources = run.resources;
    });

    it("gives every Flink job resource and the settle check the CA beside the URLs", () => {
        const sqlJobs = ofType("lakehouse:FlinkSqlJob");
        expect(sqlJobs.length).toBeGreaterThan(0);
        for (const job of sqlJobs)
            expect(job.inputs).toMatchObject({ restUrl: "https://flink.corp:8443", gatewayUrl: "https://flink-gateway.corp:8443", flinkCaCert: CA });
        const jarJobs = ofType("lakehouse:FlinkJarJob");
        expect(jarJobs.map((j) => String(j.inputs.name)).sort()).toEqual([
            expect.stringMatching(/periodic-savepoints$/),
            expect.stringMatching(/maintenance$/),
        ]);
        for (const job of jarJobs) expect(job.inputs).toMatchObject({ restUrl: "https://flink.corp:8443", flinkCaCert: CA });
        const [check] = ofType("lakehouse:PipelineSettleCheck");
        expect(check.inputs).toMatchObject({ flinkRestUrl: "https://flink.corp:8443", flinkCaCert: CA });
    });

    it("gives the periodic-savepoints job the CA, base64 of the PEM, for its calls from inside the cluster", () => {
        const [periodic] = ofType("lakehouse:FlinkJarJob").filter((j) => String(j.inputs.name).endsWith("periodic-savepoints"));
        expect(periodic.inputs.programArgs).toEqual(
            expect.arrayContaining(["--rest-url=https://flink.corp:8443", `--rest-ca-cert-base64=${Buffer.from(CA).toString("base64")}`]),
        );
        expect(periodicSavepointsProgramArgs(parseConfigValues({ pipeline: values.pipeline }), "http://jm:8081").join(" ")).not.toContain("--rest-ca-cert");
    });

    it("checks both endpoints with the CA before anything is created, and says it in the outputs", () => {
        const checks = externalServiceChecks(config, {}).filter((c) => c.service.startsWith("flink"));
        const access = { caCert: CA, caCertKey: "lakehouse:external.flink.caCert" };
        expect(checks).toEqual([
            { service: "flink", kind: "http", url: "https://flink.corp:8443/overview", access },
            { service: "flink-sql-gateway", kind: "http", url: "https://flink-gateway.corp:8443/v1/info", access },
        ]);
        expect(connectionSecurity(config, false)).toEqual({ kafka: { protocol: "PLAINTEXT" }, postgres: { sslmode: "disable" }, flink: { caCert: CA } });
        const { outputs, problems } = parseStackOutputs({
            connectionSecurity: { kafka: { protocol: "PLAINTEXT" }, postgres: { sslmode: "disable" }, flink: { caCert: CA } },
        });
        expect(problems).toEqual([]);
        expect(outputs.connectionSecurity?.flink).toEqual({ caCert: CA });
    });

    it("refuses a CA when neither URL is https, and the resources refuse one that is not PEM", () => {
        expectProblemAt(
            { ...values, external: { flink: { restUrl: "http://flink.corp:8081", sqlGatewayUrl: "http://flink.corp:8083", caCert: CA } } },
            "lakehouse:external.flink.caCert",
            /plain http/,
            {},
        );
        expect(
            checkFlinkJobInputs({ restUrl: "https://f:8443", gatewayUrl: "https://f:8444", flinkCaCert: "ca.pem" }).filter((f) => f.property === "flinkCaCert"),
        ).toEqual([{ property: "flinkCaCert", reason: expect.stringMatching(/must be PEM text/) }]);
        expect(checkFlinkJarJobInputs({ restUrl: "http://f:8081", flinkCaCert: CA }).filter((f) => f.property === "flinkCaCert")).toEqual([
            { property: "flinkCaCert", reason: expect.stringMatching(/plain http/) },
        ]);
    });

    it("a new CA is an update of the job that leaves it running", () => {
        const job = { gatewayUrl: flink.sqlGatewayUrl, restUrl: flink.restUrl, name: "j", statements: ["INSERT INTO t SELECT 1"] };
        const diff = diffFlinkJob({ ...job, flinkCaCert: CA }, { ...job, flinkCaCert: `${CA}\n` });
        expect(diff.changedKeys).toEqual(["flinkCaCert"]);
        expect(needsResubmit(diff.changedKeys)).toBe(false);
        expect(diffFlinkJarJob({ restUrl: flink.restUrl, name: "m" }, { restUrl: flink.restUrl, name: "m", flinkCaCert: CA }).changedKeys).toEqual([
            "flinkCaCert",
        ]);
    });
});

describe("the CAs of an external Nessie and S3 store, in a Flink the program runs", () => {
    const OTHER_CA = "-----BEGIN CERTIFICATE-----\nMIIBCAs3ca\n-----END CERTIFICATE-----\n";
    const minio = (caCert: string) => ({ endpoint: "https://s3.corp:9000", caCert });
    const stack = (external: Record<string, unknown>) =>
        parseConfigValues({ dremio: { enabled: false }, external, minioRootPassword: "minio-root-pw-1" }, { secretKeys: ["minioRootPassword"] });
    const flinkArgsOf = (cfg: ReturnType<typeof stack>) => flinkWorkloadArgs(cfg.flink, { s3Endpoint: "https://s3.corp:9000", ...flinkExtraCaCerts(cfg) });

    it("gives every Flink process both CAs through the image's EXTRA_CA_CERTS, a CA given twice once", () => {
        const both = flinkWorkloads(flinkArgsOf(stack({ nessie: EXTERNAL.nessie, minio: minio(OTHER_CA) })));
        expect(both.map((w) => w.name)).toEqual(["flink-jobmanager", "flink-taskmanager", "flink-sql-gateway"]);
        for (const w of both) expect(w.env.EXTRA_CA_CERTS).toBe(`${CA.trim()}\n${OTHER_CA.trim()}\n`);
        const same = flinkWorkloads(flinkArgsOf(stack({ nessie: EXTERNAL.nessie, minio: minio(CA) })));
        for (const w of same) expect(w.env.EXTRA_CA_CERTS).toBe(CA);
    });

    it("adds nothing without a CA (no change to the Flink processes of other stacks)", () => {
        const cfg = stack({ nessie: { url: "https://nessie.corp:443" } });
        expect(flinkExtraCaCerts(cfg)).toEqual({});
        for (const w of flinkWorkloads(flinkArgsOf(cfg))) expect(Object.keys(w.env)).not.toContain("EXTRA_CA_CERTS");
    });
});
