/**
 * The policy pack through the real Pulumi engine (the harness's CLI, offline) on a throwaway copy of
 * the `local` stack: a clean preview passes every policy; the same stack with the replication slot's
 * cleanup disabled is stopped by the mandatory `replication-slot-cleanup` policy, naming the connector;
 * and with `allowDataLoss: true` (unprotected data outside a dev stack) by `data-bearing-protected` on
 * the bucket, the namespace and the connector.
 * The harness CLI's language host cannot start packs itself, so the pack runs through
 * `policy/run-pack.sh` (docs/policy.md).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { REPO_DIR } from "../../../harness/pulumi/cli";
import { pulumiOn } from "../../support/e2e";

describe("policy pack on a copy of the local stack (real engine, preview only)", () => {
    let stateDir: string;
    const pulumi = pulumiOn(() => stateDir);
    const id = `${Date.now().toString(36)}`;
    const stack = `policy-test-${id}`;
    const file = path.join(REPO_DIR, `Pulumi.${stack}.yaml`);
    const pack = path.join(REPO_DIR, "policy", "run-pack.sh");

    beforeAll(async () => {
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-policy-"));
        const local = yaml.load(fs.readFileSync(path.join(REPO_DIR, "Pulumi.local.yaml"), "utf8")) as any;
        Object.assign(local.config["lakehouse:storage"], { bucket: `policy-test-${id}` });
        local.config["lakehouse:iceberg"] = { namespace: `policy_test_${id}` };
        // A protected stack (not in the pack's devStacks): the local stack's dev opt-in is not copied.
        local.config["lakehouse:allowDataLoss"] = false;
        fs.writeFileSync(file, yaml.dump(local));
        await pulumi(["stack", "init", stack]);
    });
    afterAll(async () => {
        await pulumi(["stack", "rm", stack, "--yes", "--force"], false);
        fs.rmSync(file, { force: true });
        fs.rmSync(stateDir, { recursive: true, force: true });
    });

    it("passes the stack as declared and stops it when the replication slot would outlive its connector", async () => {
        const clean = await pulumi(["preview", "-s", stack, "--policy-pack", pack], false);
        expect(clean.code).toBe(0);
        expect(clean.stdout).toMatch(/Policies:\s*\n?\s*✅ cdc-lakehouse@v0\.1\.0/);
        expect(clean.stdout).not.toMatch(/\[mandatory\]|\[advisory\]/);

        const local = yaml.load(fs.readFileSync(file, "utf8")) as any;
        local.config["lakehouse:pipeline"] = { ...local.config["lakehouse:pipeline"], dropSlotOnDelete: false };
        fs.writeFileSync(file, yaml.dump(local));
        const stopped = await pulumi(["preview", "-s", stack, "--policy-pack", pack], false);
        expect(stopped.code).not.toBe(0);
        const text = `${stopped.stdout}\n${stopped.stderr}`;
        const violations = [...text.matchAll(/\[mandatory\] (?:\[severity: \w+\] +)?([a-z-]+) +\(([^)]*)\)/g)].map((m) => `${m[1]} on ${m[2]}`);
        // Exactly one violation: the slot rule, on the connector; its message names the setting to fix.
        expect(violations).toEqual(["replication-slot-cleanup on pulumi-nodejs:dynamic/lakehouse:DebeziumConnector: lakehouse-connector"]);
        expect(text).toContain("Set lakehouse:pipeline.dropSlotOnDelete to true");

        // The same stack allowing every data loss (as a dev stack may): each data-bearing resource is reported.
        local.config["lakehouse:pipeline"] = { ...local.config["lakehouse:pipeline"], dropSlotOnDelete: true };
        local.config["lakehouse:allowDataLoss"] = true;
        fs.writeFileSync(file, yaml.dump(local));
        const unprotected = await pulumi(["preview", "-s", stack, "--policy-pack", pack], false);
        expect(unprotected.code).not.toBe(0);
        const found = [...`${unprotected.stdout}\n${unprotected.stderr}`.matchAll(/\[mandatory\] (?:\[severity: \w+\] +)?([a-z-]+) +\(([^)]*)\)/g)].map(
            (m) => `${m[1]} on ${m[2]}`,
        );
        expect(found.sort()).toEqual([
            "data-bearing-protected on pulumi-nodejs:dynamic/lakehouse:DebeziumConnector: lakehouse-connector",
            "data-bearing-protected on pulumi-nodejs:dynamic/lakehouse:NessieNamespace: lakehouse-namespace",
            "data-bearing-protected on pulumi-nodejs:dynamic/lakehouse:WarehouseBucket: lakehouse-warehouse",
        ]);
    }, 900_000);
});
