/**
 * `lakehouse:nessie`: the catalog server's version store and branch.
 */
import { DEFAULTS } from "../defaults";
import { NESSIE_REF_NAME } from "./patterns";
import { Reader } from "./reader";
import { NESSIE_VERSION_STORES, NessieConfig, NessieVersionStore } from "./types";

/** Reads `lakehouse:nessie`. */
export function parseNessie(r: Reader, values: Record<string, string>): NessieConfig {
    const n = r.object(values, "nessie");
    return {
        versionStore: r.oneOf<NessieVersionStore>(n.versionStore, "nessie.versionStore", DEFAULTS.nessie.versionStore, NESSIE_VERSION_STORES),
        branch: r.string(n.branch, "nessie.branch", DEFAULTS.nessie.branch, NESSIE_REF_NAME, "a Nessie reference name, e.g. main or dev/cdc"),
    };
}
