/**
 * `lakehouse:iceberg`: the catalog and namespace the tables are written to.
 */
import { DEFAULTS } from "../defaults";
import { POSTGRES_IDENTIFIER, POSTGRES_IDENTIFIER_RULE } from "./patterns";
import { Reader } from "./reader";
import { IcebergConfig } from "./types";

/** Reads `lakehouse:iceberg`: both names are plain lower-case identifiers. */
export function parseIceberg(r: Reader, values: Record<string, string>): IcebergConfig {
    const i = r.object(values, "iceberg");
    return {
        catalog: r.string(i.catalog, "iceberg.catalog", DEFAULTS.iceberg.catalog, POSTGRES_IDENTIFIER, POSTGRES_IDENTIFIER_RULE),
        namespace: r.string(i.namespace, "iceberg.namespace", DEFAULTS.iceberg.namespace, POSTGRES_IDENTIFIER, POSTGRES_IDENTIFIER_RULE),
    };
}
