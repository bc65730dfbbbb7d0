/**
 * `lakehouse:connect`: the Kafka Connect workers.
 */
import { DEFAULTS } from "../defaults";
import { KAFKA_CONNECT_NAME } from "./patterns";
import { Reader } from "./reader";
import { ConnectConfig } from "./types";

/** Reads `lakehouse:connect`; the group id defaults to `<stack>-connect`. */
export function parseConnect(r: Reader, values: Record<string, string>, stack: string): ConnectConfig {
    const c = r.object(values, "connect");
    return {
        workers: r.integer(c.workers, "connect.workers", DEFAULTS.connect.workers, 1, 16),
        groupId: r.string(c.groupId, "connect.groupId", `${stack}-connect`, KAFKA_CONNECT_NAME, "letters, digits, '.', '_' or '-'"),
        autoRestart: r.boolean(c.autoRestart, "connect.autoRestart", DEFAULTS.connect.autoRestart),
    };
}
