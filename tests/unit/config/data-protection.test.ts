/**
 * Data safety under mocks: `lakehouse:allowDataLoss` parsing, the refusal a guarded resource gives at
 * preview, and the options the program registers data-bearing resources with on each platform
 * (captured from the registration the engine would receive).
 */
import * as path from "path";
import { ConfigValidationError, parseLakehouseConfig } from "../../../components/config";
import { DATA_KINDS, dataGuardFor, parseAllowDataLoss, protectsData } from "../../../components/data-protection";
import { dataLossRefusal, ownsObject, valueAtPath } from "../../../components/dynamic/data-guard";
import { Lakehouse, dataGuards } from "../../../components/lakehouse";
import { dataBearingProtected } from "../../../policy/rules";
import { RecordedResource, runWithMocks } from "../../support/mocks";

const repoRoot = path.resolve(__dirname, "../../..");
const DYNAMIC = (type: string) => `pulumi-nodejs:dynamic/lakehouse:${type}`;

function parse(values: Record<string, unknown>, stack = "prod") {
    const raw = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    return parseLakehouseConfig(raw, new Set(), { project: "cdc-lakehouse", stack });
}

async function render(values: Record<string, unknown>): Promise<RecordedResource[]> {
    const config = parse(values);
    const run = await runWithMocks(
        () => {
            new Lakehouse("lakehouse", { config, credentials: {}, repoRoot, checkExternalServices: false });
            return {};
        },
        { stack: "prod" },
    );
    return run.resources;
}

const one = (resources: RecordedResource[], type: string) => {
    const found = resources.filter((r) => r.type === type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0];
};

describe("lakehouse:allowDataLoss", () => {
    it("defaults to protecting every kind, and takes true, false or a list of kinds", () => {
        expect(parseAllowDataLoss(undefined)).toEqual({ allowed: [] });
        expect(parseAllowDataLoss("false")).toEqual({ allowed: [] });
        expect(parseAllowDataLoss("true")).toEqual({ allowed: [...DATA_KINDS] });
        expect(parseAllowDataLoss('["slot","bucket"]')).toEqual({ allowed: ["bucket", "slot"] });
        expect(parse({}).allowDataLoss).toEqual([]);
        expect(parse({ allowDataLoss: ["volumes"] }).allowDataLoss).toEqual(["volumes"]);
        expect(protectsData(["volumes"], "bucket")).toBe(true);
        expect(protectsData(["volumes"], "volumes")).toBe(false);
    });

    it("refuses anything else before a resource exists, naming the key and what is allowed", () => {
        let error: ConfigValidationError | undefined;
        try {
            parse({ allowDataLoss: ["bucket", "everything"] });
        } catch (err) {
            error = err as ConfigValidationError;
        }
        expect(error).toBeInstanceOf(ConfigValidationError);
        expect(error!.message).toContain(
            'lakehouse:allowDataLoss: found ["bucket","everything"]; expected false (the default), true (every kind: dev stacks), or a list of bucket, tables, slot, volumes',
        );
    });
});

describe("the refusal at preview", () => {
    const guard = dataGuardFor([], "bucket", 'the warehouse bucket "warehouse"', "The replacement is empty.", { bucket: "lakehouse:storage.bucket" })!;

    it("names the config key with both values, what would be lost, and the opt-in", () => {
        const message = dataLossRefusal("WarehouseBucket", ["bucket"], { bucket: "warehouse" }, { bucket: "lake", dataGuard: guard });
        expect(message).toBe(
            'WarehouseBucket: this change would replace the warehouse bucket "warehouse": lakehouse:storage.bucket ("warehouse" -> "lake"). The replacement is empty. ' +
                "Nothing was changed. Revert the change, or allow it with `pulumi config set --path 'lakehouse:allowDataLoss[0]' bucket` (or list \"bucket\" under lakehouse:allowDataLoss in the stack file), run `pulumi up`, then make the change and run again.",
        );
    });

    it("describes the existing object as the state recorded it, not as the new config names it", () => {
        const renamed = dataGuardFor([], "bucket", 'the warehouse bucket "lake"', "The replacement is empty.", { bucket: "lakehouse:storage.bucket" })!;
        const message = dataLossRefusal("WarehouseBucket", ["bucket"], { bucket: "warehouse", dataGuard: guard }, { bucket: "lake", dataGuard: renamed })!;
        expect(message).toContain('would replace the warehouse bucket "warehouse": lakehouse:storage.bucket ("warehouse" -> "lake")');
    });

    it("says nothing when nothing is replaced or the stack allows the loss", () => {
        expect(dataLossRefusal("WarehouseBucket", [], { bucket: "a" }, { bucket: "a", dataGuard: guard })).toBeUndefined();
        expect(dataLossRefusal("WarehouseBucket", ["bucket"], { bucket: "a" }, { bucket: "b" })).toBeUndefined();
        expect(dataGuardFor(["bucket"], "bucket", "x", "y", {})).toBeUndefined();
    });

    it("reads nested diff paths, and owner stamps decide what a delete may remove", () => {
        expect(valueAtPath({ config: { "slot.name": "s1" } }, 'config["slot.name"]')).toBe("s1");
        expect(valueAtPath({ name: "n" }, "name")).toBe("n");
        expect(ownsObject(undefined, "mine")).toBe(true);
        expect(ownsObject("mine", "mine")).toBe(true);
        expect(ownsObject("theirs", "mine")).toBe(false);
        expect(ownsObject("theirs", undefined)).toBe(false);
    });

    it("maps every input that replaces a guarded resource to the config key behind it", () => {
        const guards = dataGuards(parse({}));
        expect(guards.bucket!.configKeys).toEqual({ bucket: "lakehouse:storage.bucket" });
        expect(guards.namespace!.configKeys).toEqual({ namespace: "lakehouse:iceberg.namespace", branch: "lakehouse:nessie.branch" });
        expect(Object.keys(guards.connector!.configKeys).sort()).toEqual([
            'config["database.dbname"]',
            'config["slot.name"]',
            'config["topic.prefix"]',
            "name",
        ]);
        expect(guards.connector!.holds).toBe(
            'the CDC connector "cdc-lakehouse-prod-postgres-cdc" with its replication slot "cdc_lakehouse_prod_cdc" and offsets',
        );
        expect(dataGuards(parse({ allowDataLoss: true }))).toEqual({ bucket: undefined, namespace: undefined, branch: undefined, connector: undefined });
    });
});

describe("what the program registers", () => {
    it("protects the bucket, the tables and the connector, and keeps the volumes, by default (docker)", async () => {
        const resources = await render({ nessie: { branch: "cdc" } });
        for (const type of ["WarehouseBucket", "NessieNamespace", "NessieBranch", "DebeziumConnector"]) {
            const r = one(resources, DYNAMIC(type));
            expect([type, r.protect]).toEqual([type, true]);
            expect(r.inputs.dataGuard).toEqual(expect.objectContaining({ optIn: expect.stringContaining("lakehouse:allowDataLoss") }));
        }
        const volumes = resources.filter((r) => r.type === "docker:index/volume:Volume");
        expect(volumes.length).toBeGreaterThanOrEqual(4);
        expect(volumes.every((v) => v.retainOnDelete)).toBe(true);
        // What holds no data is neither protected nor kept.
        expect(resources.filter((r) => r.type === "docker:index/container:Container").every((c) => !c.protect && !c.retainOnDelete)).toBe(true);
        expect(resources.filter((r) => r.type === DYNAMIC("FlinkSqlJob")).every((j) => !j.protect)).toBe(true);
    });

    it("allows exactly the kinds the stack lists", async () => {
        const resources = await render({ allowDataLoss: ["bucket", "volumes"] });
        const bucket = one(resources, DYNAMIC("WarehouseBucket"));
        expect([bucket.protect, bucket.inputs.dataGuard]).toEqual([false, undefined]);
        expect(one(resources, DYNAMIC("NessieNamespace")).protect).toBe(true);
        expect(one(resources, DYNAMIC("DebeziumConnector")).protect).toBe(true);
        expect(resources.filter((r) => r.type === "docker:index/volume:Volume").some((v) => v.retainOnDelete)).toBe(false);
    });

    it("a dev stack (allowDataLoss: true) registers nothing protected", async () => {
        const resources = await render({ allowDataLoss: true });
        expect(resources.filter((r) => r.protect || r.retainOnDelete).map((r) => r.name)).toEqual([]);
        expect(resources.filter((r) => r.inputs?.dataGuard !== undefined).map((r) => r.name)).toEqual([]);
    });

    it("keeps the Kubernetes namespace (and so its volume claims) on destroy unless volumes may be lost", async () => {
        const k8s = { platform: "kubernetes", kubernetes: { access: "none" } };
        const kept = one(await render(k8s), "kubernetes:core/v1:Namespace");
        expect(kept.retainOnDelete).toBe(true);
        const dropped = one(await render({ ...k8s, allowDataLoss: ["volumes"] }), "kubernetes:core/v1:Namespace");
        expect(dropped.retainOnDelete).toBe(false);
    });

    it("satisfies the policy rule by default, and a stack that allows a kind is reported on exactly those resources", async () => {
        const view = (r: RecordedResource) => ({ type: r.type, name: r.name, props: r.raw, protect: r.protect });
        expect((await render({ nessie: { branch: "cdc" } })).flatMap((r) => dataBearingProtected(view(r)))).toEqual([]);
        const reported = (await render({ nessie: { branch: "cdc" }, allowDataLoss: ["tables", "slot"] })).filter(
            (r) => dataBearingProtected(view(r)).length > 0,
        );
        expect(reported.map((r) => r.type.split(":").pop()).sort()).toEqual(["DebeziumConnector", "NessieBranch", "NessieNamespace"]);
        expect(dataBearingProtected(view(reported[0]))[0]).toMatch(/is not protected: .*Remove "(tables|slot)" from lakehouse:allowDataLoss/);
        // A view without options (what an older engine sends) is not guessed at.
        expect(dataBearingProtected({ ...view(reported[0]), protect: undefined })).toEqual([]);
    });

    it("protects the AWS warehouse bucket unless the bucket may be lost", async () => {
        const aws = { storage: { provider: "aws", bucket: "corp-lakehouse-warehouse" } };
        expect(one(await render(aws), "aws:s3/bucket:Bucket").protect).toBe(true);
        expect(one(await render({ ...aws, allowDataLoss: ["bucket"] }), "aws:s3/bucket:Bucket").protect).toBe(false);
    });
});
