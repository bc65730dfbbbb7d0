/**
 * The config loader as the program uses it: values and secret markers come from Pulumi's runtime,
 * and a bad stack stops the program before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadLakehouseConfig } from "../../../components/config";
import { isSecretOutput, resolve } from "../../support/mocks";
import { runProgramCatchingFailure } from "../../support/program";

describe("loadLakehouseConfig", () => {
    beforeEach(async () => {
        await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "cdc-lakehouse", "dev", false);
    });

    it("reads the stack's secret credentials as secret Outputs", async () => {
        pulumi.runtime.setAllConfig({ "lakehouse:postgresPassword": "from-the-stack-1", "lakehouse:platform": "docker" }, ["lakehouse:postgresPassword"]);
        const { config, credentials } = loadLakehouseConfig();
        expect(config.credentialsSet.postgresPassword).toBe(true);
        expect(Object.keys(credentials)).toEqual(["postgresPassword"]);
        expect(await isSecretOutput(credentials.postgresPassword)).toBe(true);
        expect(await resolve(credentials.postgresPassword)).toBe("from-the-stack-1");
    });

    it("refuses a credential stored in plain text with a RunError that names the key and not the value", () => {
        pulumi.runtime.setAllConfig({ "lakehouse:postgresPassword": "oops-plaintext-1" }, []);
        let caught: unknown;
        try {
            loadLakehouseConfig();
        } catch (err) {
            caught = err;
        }
        expect(pulumi.RunError.isInstance(caught)).toBe(true);
        expect((caught as Error).message).toContain("lakehouse:postgresPassword");
        expect((caught as Error).message).toContain("pulumi config set --secret");
        expect((caught as Error).message).not.toContain("oops-plaintext-1");
    });

    it("ignores other namespaces", () => {
        pulumi.runtime.setAllConfig({ "docker:host": "ssh://builder", "lakehouse:awsRegion": "eu-west-1" }, []);
        expect(loadLakehouseConfig().config.awsRegion).toBe("eu-west-1");
    });
});

describe("index.ts with a bad stack", () => {
    it("registers no resource at all", async () => {
        const { error, resources } = await runProgramCatchingFailure({
            config: { "lakehouse:flink": JSON.stringify({ taskManagers: 0 }), "lakehouse:platform": "docker" },
        });
        expect(pulumi.RunError.isInstance(error)).toBe(true);
        expect((error as Error).message).toContain("lakehouse:flink.taskManagers: found 0; expected an integer from 1 to 64");
        expect(resources).toEqual([]);
    });
});

describe("index.ts with an unreachable external service", () => {
    it("fails on the check, naming service and endpoint, before registering any resource", async () => {
        const secrets = { "lakehouse:postgresPassword": "a-long-secret-1", "lakehouse:replicationPassword": "a-long-secret-2" };
        const { error, resources } = await runProgramCatchingFailure({
            config: {
                "lakehouse:external": JSON.stringify({ postgres: { address: "db.invalid:5432" } }),
                "lakehouse:externalCheckTimeoutSeconds": "2",
                ...secrets,
            },
            secretKeys: Object.keys(secrets),
        });
        expect((error as Error).message).toContain('existing postgres at db.invalid:5432 refused user "lakehouse" or is unreachable: ENOTFOUND');
        expect((error as Error).message).not.toContain("a-long-secret-1");
        expect(resources).toEqual([]);
    });
});
