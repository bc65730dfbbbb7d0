/**
 * The policy pack as @pulumi/policy runs it: the SDK's own analyze handlers (the functions its gRPC
 * server calls for each `Analyze` / `AnalyzeStack` request of the Pulumi CLI) fed with the program's
 * registrations in the engine's wire form, through the pack's deserializer hook. Also: how the pack
 * decides "dev", that the SDK alone loses secret marks (why the hook exists), and that index.ts boots
 * as a policy pack process.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseLakehouseConfig } from "../../../components/config";
import { Lakehouse } from "../../../components/lakehouse";
import { DEFAULT_DEV_STACKS, PACK_NAME, POLICY_NAMES, isDevStack, lakehousePolicies } from "../../../policy/policies";
import { installSecretKeepingDeserializer } from "../../../policy/secrets-hook";
import { ResourceView, SECRET_SIG, SIG_KEY, UNKNOWN_VALUES, unwrap } from "../../../policy/wire";
import { runWithMocks } from "../../support/mocks";

// The SDK modules the pack's server uses (same instances as @pulumi/policy's own requires).
const sdkDeserialize = require("@pulumi/policy/deserialize");
const server = require("@pulumi/policy/server");
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

const repoRoot = path.resolve(__dirname, "../../..");
const PROJECT = "cdc-lakehouse";
const UNKNOWN = [...UNKNOWN_VALUES][0];
const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });

interface Diagnostic {
    policy: string;
    message: string;
    level: "advisory" | "mandatory";
    urn: string;
}

async function render(stack: string, values: Record<string, unknown> = {}): Promise<ResourceView[]> {
    const raw = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    const config = parseLakehouseConfig(raw, new Set(), { project: PROJECT, stack });
    const run = await runWithMocks(
        () => {
            const lakehouse = new Lakehouse("lakehouse", { config, credentials: {}, repoRoot });
            return { credentials: lakehouse.outputs.credentials };
        },
        { stack },
    );
    // What the engine sends an analyzer: the properties in wire form, engine-internal keys (`__provider`) skipped.
    return run.resources.map((r) => ({
        type: r.type,
        name: r.name,
        urn: `urn:pulumi:${stack}::${PROJECT}::${r.type}::${r.name}`,
        props: JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(r.raw ?? {}).filter(([k]) => !k.startsWith("__"))))),
        protect: r.protect,
    }));
}

function resourceMessage(kind: "AnalyzeRequest" | "AnalyzerResource", r: ResourceView) {
    const m = new analyzerPb[kind]();
    m.setType(r.type);
    m.setUrn(r.urn);
    m.setName(r.name);
    m.setProperties(Struct.fromJavaScript(r.props));
    const options = new analyzerPb.AnalyzerResourceOptions();
    options.setProtect(r.protect === true);
    m.setOptions(options);
    return m;
}

function diagnostics(resp: any): Diagnostic[] {
    return resp.getDiagnosticsList().map((d: any) => ({
        policy: d.getPolicyname(),
        message: d.getMessage(),
        level: d.getEnforcementlevel() === analyzerPb.EnforcementLevel.MANDATORY ? "mandatory" : "advisory",
        urn: d.getUrn(),
    }));
}

/** The SDK's `Analyze` handler for the pack, on each resource (what `pulumi preview --policy-pack` does per registration). */
async function analyze(resources: ResourceView[], policies = lakehousePolicies({ secretsVisible: true })): Promise<Diagnostic[]> {
    const handler = server.makeAnalyzeRpcFun(PACK_NAME, "0.1.0", "mandatory", policies);
    const out: Diagnostic[] = [];
    for (const r of resources) {
        const resp = await new Promise<any>((done, fail) =>
            handler({ request: resourceMessage("AnalyzeRequest", r) }, (err: Error | undefined, res: any) => (err ? fail(err) : done(res))),
        );
        out.push(...diagnostics(resp).map((d) => ({ ...d, urn: d.urn || r.urn || "" })));
    }
    return out;
}

/** The SDK's `AnalyzeStack` handler (the end of a preview or update). */
async function analyzeStack(resources: ResourceView[]): Promise<Diagnostic[]> {
    const handler = server.makeAnalyzeStackRpcFun(PACK_NAME, "0.1.0", "mandatory", lakehousePolicies({ secretsVisible: true }));
    const req = new analyzerPb.AnalyzeStackRequest();
    req.setResourcesList(resources.map((r) => resourceMessage("AnalyzerResource", r)));
    return diagnostics(await new Promise<any>((done, fail) => handler({ request: req }, (err: Error | undefined, res: any) => (err ? fail(err) : done(res)))));
}

describe("@pulumi/policy and secrets", () => {
    it("the SDK alone hands validations plain values: secret marks are gone (why the pack installs its hook)", () => {
        const struct = Struct.fromJavaScript({ envs: ["A=1", secret("POSTGRES_PASSWORD=p")] });
        expect(sdkDeserialize.deserializeProperties(struct, false)).toEqual({ envs: ["A=1", "POSTGRES_PASSWORD=p"] });
    });

    it("with the hook, validations get secrets in wire form; remediations (proxySecrets) are untouched", () => {
        const original = sdkDeserialize.deserializeProperties;
        expect(installSecretKeepingDeserializer()).toBe(true);
        expect(installSecretKeepingDeserializer()).toBe(true); // idempotent
        expect(sdkDeserialize.deserializeProperties).not.toBe(original);
        const struct = Struct.fromJavaScript({ envs: ["A=1", secret("POSTGRES_PASSWORD=p")], nested: { s: secret({ k: "v" }) }, n: 3 });
        expect(sdkDeserialize.deserializeProperties(struct, false)).toEqual({
            envs: ["A=1", secret("POSTGRES_PASSWORD=p")],
            nested: { s: secret({ k: "v" }) },
            n: 3,
        });
        const proxied = sdkDeserialize.deserializeProperties(struct, true);
        expect(proxied.envs[1]).toBe("POSTGRES_PASSWORD=p");
        // Other special values still go through the SDK's own deserialization (an asset).
        const asset = Struct.fromJavaScript({ a: { [SIG_KEY]: "c44067f5952c0a294b673a41bacd8c17", text: "hello" } });
        expect(pulumi.asset.StringAsset.isInstance(sdkDeserialize.deserializeProperties(asset, false).a)).toBe(true);
    });
});

describe("the pack through the SDK's analyze handlers", () => {
    beforeAll(() => {
        expect(installSecretKeepingDeserializer()).toBe(true);
    });

    it("has the documented policies, mandatory unless configured otherwise", () => {
        const policies = lakehousePolicies();
        expect(policies.map((p) => p.name)).toEqual([
            "flink-aws-region",
            "iceberg-catalog-impl",
            "flink-checkpointing",
            "nessie-persistent-version-store",
            "no-plaintext-secret-inputs",
            "no-plaintext-secret-outputs",
            "replication-slot-cleanup",
            "data-bearing-protected",
        ]);
        expect(policies.every((p) => p.enforcementLevel === undefined)).toBe(true); // the pack's level: mandatory
        expect(policies.filter((p) => p.configSchema).map((p) => p.name)).toEqual([
            POLICY_NAMES.nessieStore,
            POLICY_NAMES.slotCleanup,
            POLICY_NAMES.dataProtected,
        ]);
    });

    it("reports nothing for any resource of the dev stack as the program renders it", async () => {
        const resources = await render("dev");
        expect(resources.length).toBeGreaterThan(30);
        expect(await analyze(resources)).toEqual([]);
    });

    it("reports in-memory Nessie and a kept replication slot as mandatory violations on a non-dev stack, naming the resource", async () => {
        const resources = await render("staging", { nessie: { versionStore: "in-memory" }, pipeline: { dropSlotOnDelete: false } });
        const found = await analyze(resources);
        expect(found.map((d) => [d.policy, d.level, d.urn.split("::").pop()])).toEqual([
            [POLICY_NAMES.nessieStore, "mandatory", "cdc-lakehouse-staging-nessie"],
            [POLICY_NAMES.slotCleanup, "mandatory", "lakehouse-connector"],
        ]);
        expect(found[0].message).toContain("runs Nessie with the IN_MEMORY version store");
    });

    it("reports each unprotected data-bearing resource of a non-dev stack that allows data loss, naming the opt-in to remove", async () => {
        const found = await analyze(await render("staging", { allowDataLoss: true }));
        expect(found.map((d) => [d.policy, d.level, d.urn.split("::").pop()]).sort()).toEqual([
            [POLICY_NAMES.dataProtected, "mandatory", "lakehouse-connector"],
            [POLICY_NAMES.dataProtected, "mandatory", "lakehouse-namespace"],
            [POLICY_NAMES.dataProtected, "mandatory", "lakehouse-warehouse"],
        ]);
        expect(found.find((d) => d.urn.endsWith("lakehouse-warehouse"))!.message).toContain('Remove "bucket" from lakehouse:allowDataLoss');
        expect(await analyze(await render("dev", { allowDataLoss: true }))).toEqual([]);
    });

    it("lets a dev stack have them (the stack comes from the URN)", async () => {
        const resources = await render("dev", { nessie: { versionStore: "in-memory" }, pipeline: { dropSlotOnDelete: false } });
        expect(resources.find((r) => r.name === "cdc-lakehouse-dev-nessie")!.props.envs).toContain("NESSIE_VERSION_STORE_TYPE=IN_MEMORY");
        expect(await analyze(resources)).toEqual([]);
    });

    it("sees a Docker password env entry that is not a Pulumi secret (only because the hook keeps the marks)", async () => {
        const resources = await render("dev");
        const pg = JSON.parse(JSON.stringify(resources.find((r) => r.name === "cdc-lakehouse-dev-postgres")!));
        expect(await analyze([pg])).toEqual([]);
        pg.props.envs = pg.props.envs.map((e: unknown) => unwrap(e));
        expect(await analyze([pg])).toEqual([
            { policy: POLICY_NAMES.secretInputs, level: "mandatory", urn: pg.urn, message: expect.stringContaining("env POSTGRES_PASSWORD is plain text") },
            { policy: POLICY_NAMES.secretInputs, level: "mandatory", urn: pg.urn, message: expect.stringContaining("env REPLICATION_PASSWORD is plain text") },
        ]);
    });

    it("judges what is known during preview and skips unknown values, instead of giving up on the resource", async () => {
        const resources = await render("dev");
        const tm = JSON.parse(JSON.stringify(resources.find((r) => r.name === "cdc-lakehouse-dev-flink-taskmanager")!));
        // A secret entry not known yet (e.g. a password generated in the same update), and AWS_REGION removed.
        tm.props.envs = [...tm.props.envs.filter((e: unknown) => !String(unwrap(e)).startsWith("AWS_REGION=")), UNKNOWN];
        expect(await analyze([tm])).toEqual([]);
        const job = JSON.parse(JSON.stringify(resources.find((r) => r.type === "pulumi-nodejs:dynamic/lakehouse:FlinkSqlJob")!));
        job.props.settings = UNKNOWN;
        job.props.statements[0] = job.props.statements[0]
            .replace("'catalog-impl'", "'catalog-type'")
            .replace("org.apache.iceberg.nessie.NessieCatalog", "nessie");
        const found = await analyze([job]);
        expect(found.map((d) => [d.policy, d.level])).toEqual([[POLICY_NAMES.catalogImpl, "mandatory"]]);
    });

    it("checks the stack's outputs at the end (AnalyzeStack): plain-text credentials are reported on the stack", async () => {
        const resources = await render("staging");
        const stackUrn = `urn:pulumi:staging::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-staging`;
        const outputs = {
            warehouse: "s3://warehouse/",
            credentials: { postgres: { username: "lakehouse", password: "generated-lakehouse-credentials-postgresPassword-Aa11" } },
        };
        const stack = (props: Record<string, unknown>): ResourceView => ({ type: "pulumi:pulumi:Stack", name: `${PROJECT}-staging`, urn: stackUrn, props });
        expect(await analyzeStack([...resources, stack({ ...outputs, credentials: secret(outputs.credentials) })])).toEqual([]);
        expect(await analyzeStack([...resources, stack(outputs)])).toEqual([
            {
                policy: POLICY_NAMES.secretOutputs,
                level: "mandatory",
                urn: stackUrn,
                message: expect.stringContaining("Stack output credentials.postgres.password looks like a secret"),
            },
        ]);
    });
});

describe("which stacks are dev", () => {
    it("reads the stack from the URN; devStacks defaults to dev", () => {
        expect(DEFAULT_DEV_STACKS).toEqual(["dev", "local"]);
        expect(isDevStack(`urn:pulumi:dev::${PROJECT}::docker:index/container:Container::x`)).toBe(true);
        expect(isDevStack(`urn:pulumi:prod::${PROJECT}::docker:index/container:Container::x`)).toBe(false);
        expect(isDevStack(`urn:pulumi:qa::${PROJECT}::docker:index/container:Container::x`, ["dev", "qa"])).toBe(true);
        expect(isDevStack("not-a-urn")).toBe(false);
    });

    it("takes devStacks from the policy's config (--policy-pack-config)", () => {
        const policy: any = lakehousePolicies().find((p) => p.name === POLICY_NAMES.slotCleanup);
        const connector = (stack: string) => ({
            type: "pulumi-nodejs:dynamic/lakehouse:DebeziumConnector",
            name: "c",
            urn: `urn:pulumi:${stack}::${PROJECT}::pulumi-nodejs:dynamic/lakehouse:DebeziumConnector::c`,
            props: { dropSlotOnDelete: false, config: { "slot.name": "s" } },
        });
        const run = (stack: string, config: object) => {
            const reported: string[] = [];
            policy.validateResource({ ...connector(stack), getConfig: () => config }, (m: string) => reported.push(m));
            return reported;
        };
        expect(run("qa", {})).toHaveLength(1);
        expect(run("qa", { devStacks: ["dev", "qa"] })).toEqual([]);
        expect(run("dev", { devStacks: ["qa"] })).toHaveLength(1);
    });
});

describe("policy/index.ts as a policy pack process", () => {
    let child: ChildProcess | undefined;
    afterEach(() => {
        if (child && child.exitCode === null) child.kill("SIGTERM");
    });

    it("boots (hook installed, no warning) and serves on the port it prints, as the CLI expects", async () => {
        const policyDir = path.join(repoRoot, "policy");
        child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], { cwd: policyDir, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stderr!.on("data", (d) => (stderr += d));
        const port = await new Promise<string>((done, fail) => {
            const timer = setTimeout(() => fail(new Error(`no port within 30 s; stderr: ${stderr}`)), 30_000);
            child!.stdout!.on("data", (d) => {
                stdout += d;
                const m = /^(\d+)\s*$/m.exec(stdout);
                if (m) {
                    clearTimeout(timer);
                    done(m[1]);
                }
            });
            child!.on("exit", (code) => fail(new Error(`exited with ${code}; stderr: ${stderr}`)));
        });
        expect(Number(port)).toBeGreaterThan(0);
        expect(stderr).not.toContain("could not keep secret marks");
    }, 40_000);
});
