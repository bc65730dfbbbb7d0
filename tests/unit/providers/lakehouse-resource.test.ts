/** LakehouseResource registers exactly what pulumi.dynamic.Resource does (components/dynamic/lakehouse-resource.ts). */
import * as pulumi from "@pulumi/pulumi";
import { LakehouseResource } from "../../../components/dynamic/lakehouse-resource";
import { reachabilityCheckProvider } from "../../../components/dynamic/reachability-check";
import { runWithMocks } from "../../support/mocks";

/** Pulumi's own dynamic resource, the reference (abstract in its types, so a subclass that adds nothing). */
class PulumiDynamicResource extends pulumi.dynamic.Resource {}

test("the same type, inputs and serialized provider text as pulumi.dynamic.Resource, a secret input among them", async () => {
    const props = () => ({ workload: "kafka", addresses: ["127.0.0.1:9092"], timeoutSeconds: 5, password: pulumi.secret("s3cret") });
    const run = await runWithMocks(() => {
        new LakehouseResource(reachabilityCheckProvider, "ours", props(), undefined, "lakehouse", "ReachabilityCheck");
        new PulumiDynamicResource(reachabilityCheckProvider, "pulumis", props(), undefined, "lakehouse", "ReachabilityCheck");
        return {};
    });
    const ours = run.resources.find((r) => r.name === "ours")!;
    const theirs = run.resources.find((r) => r.name === "pulumis")!;
    expect(ours.type).toBe("pulumi-nodejs:dynamic/lakehouse:ReachabilityCheck");
    expect(ours.type).toBe(theirs.type);
    expect(typeof ours.inputs.__provider).toBe("string");
    expect(ours.inputs.__provider.length).toBeGreaterThan(1000);
    // Byte for byte, secret markers included (the password stays a secret, the provider text is not one).
    expect(ours.raw).toEqual(theirs.raw);
});

test("refuses a __provider input, as pulumi.dynamic.Resource does", () => {
    expect(() => new LakehouseResource(reachabilityCheckProvider, "bad", { __provider: "x" }, undefined, "lakehouse", "ReachabilityCheck")).toThrow(
        /must not define the __provider key/,
    );
});
