/**
 * A Lakehouse rendered under Pulumi's mocks from config values as a test writes them (keys without
 * the `lakehouse:` namespace, objects as objects): the resources it registers, to assert by type.
 */
import * as path from "path";
import { Lakehouse } from "../../components/lakehouse";
import { parseConfigValues } from "./lakehouse-config";
import { RecordedResource, runWithMocks } from "./mocks";

const repoRoot = path.resolve(__dirname, "../..");

/** The type token of one of the program's dynamic resources. */
export const dynamicType = (type: string) => `pulumi-nodejs:dynamic/lakehouse:${type}`;

/** The resources a `dev` stack of the values registers (external services not checked). */
export async function renderLakehouse(values: Record<string, unknown>): Promise<RecordedResource[]> {
    const config = parseConfigValues(values);
    const run = await runWithMocks(() => {
        new Lakehouse("lakehouse", { config, credentials: {}, repoRoot, checkExternalServices: false });
        return {};
    });
    return run.resources;
}

/** `lakehouse:source` with two captured tables, `demographics` and `orders`, and no seed table. */
export const TWO_TABLE_SOURCE = {
    tables: {
        demographics: { primaryKey: ["id"], columns: ["id INT", "name STRING"] },
        orders: { primaryKey: ["id"], columns: ["id INT", "total DECIMAL(10, 2)"] },
    },
    createSeedTable: false,
};
