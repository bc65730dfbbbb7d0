/**
 * The top-level scalar settings besides `platform`: published ports, region, timeouts and the
 * data-loss opt-in.
 */
import { DataKind, parseAllowDataLoss } from "../data-protection";
import { DEFAULTS, PORTS } from "../defaults";
import { AWS_REGION } from "./patterns";
import { Reader } from "./reader";

/** The top-level scalar settings `parseTopLevelSettings` reads. */
export interface TopLevelSettings {
    exposePorts: boolean;
    hostPortOffset: number;
    awsRegion: string;
    startTimeoutSeconds: number;
    allowDataLoss: DataKind[];
    externalCheckTimeoutSeconds: number;
}

/** Reads `exposePorts`, `hostPortOffset`, `awsRegion`, `startTimeoutSeconds`, `allowDataLoss` and `externalCheckTimeoutSeconds`. */
export function parseTopLevelSettings(r: Reader, values: Record<string, string>): TopLevelSettings {
    const exposePorts = r.boolean(values.exposePorts, "exposePorts", DEFAULTS.exposePorts);
    // The highest published base port is Dremio's Flight port; the offset must keep it a valid port.
    const hostPortOffset = r.integer(values.hostPortOffset, "hostPortOffset", DEFAULTS.hostPortOffset, 0, 65535 - PORTS.dremioFlight);
    const awsRegion = r.string(
        values.awsRegion,
        "awsRegion",
        DEFAULTS.awsRegion,
        AWS_REGION,
        'an AWS-style region such as "us-east-1" (S3 clients refuse to start without one)',
    );
    const startTimeoutSeconds = r.integer(values.startTimeoutSeconds, "startTimeoutSeconds", DEFAULTS.startTimeoutSeconds, 10, 3600);
    const dataLoss = parseAllowDataLoss(values.allowDataLoss);
    if (dataLoss.problem) r.problem("allowDataLoss", dataLoss.problem.found, dataLoss.problem.expected);
    const externalCheckTimeoutSeconds = r.integer(
        values.externalCheckTimeoutSeconds,
        "externalCheckTimeoutSeconds",
        DEFAULTS.externalCheckTimeoutSeconds,
        1,
        600,
    );
    return { exposePorts, hostPortOffset, awsRegion, startTimeoutSeconds, allowDataLoss: dataLoss.allowed, externalCheckTimeoutSeconds };
}
