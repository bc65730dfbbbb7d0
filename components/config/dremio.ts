/**
 * `lakehouse:dremio`: whether Dremio runs, its first admin and the catalog source it reads.
 */
import { DEFAULTS } from "../defaults";
import { DREMIO_SOURCE_NAME, DREMIO_USER_NAME } from "./patterns";
import { Reader } from "./reader";
import { DremioConfig } from "./types";

/** Reads `lakehouse:dremio`. */
export function parseDremio(r: Reader, values: Record<string, string>): DremioConfig {
    const dr = r.object(values, "dremio");
    return {
        enabled: r.boolean(dr.enabled, "dremio.enabled", DEFAULTS.dremio.enabled),
        standIn: r.boolean(dr.standIn, "dremio.standIn", DEFAULTS.dremio.standIn),
        adminUser: r.string(dr.adminUser, "dremio.adminUser", DEFAULTS.dremio.adminUser, DREMIO_USER_NAME, "a user name: letters, digits, '_', '.' or '-'"),
        sourceName: r.string(
            dr.sourceName,
            "dremio.sourceName",
            DEFAULTS.dremio.sourceName,
            DREMIO_SOURCE_NAME,
            "a Dremio source name: a letter, then letters, digits, '_' or '-' (it starts every table path in Dremio's SQL)",
        ),
    };
}
