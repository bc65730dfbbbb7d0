/**
 * `npm run health`: its options (the stack, `--json`, the thresholds of the checks) and their parsing.
 * Pure.
 */
import { OptionTable, UsageError, parseCommandLine } from "../args";
import { STACK_TARGET_OPTIONS, StackTarget, stackTarget } from "../stack-target";
import { DEFAULT_THRESHOLDS, HealthThresholds } from "./rules";

/** What `npm run health -- ...` was asked. */
export interface HealthArgs extends StackTarget {
    /** `--json`: one machine-readable object instead of the lines. */
    json: boolean;
    thresholds: HealthThresholds;
}

/** The text `npm run health -- --help` prints (and a usage error after its message). */
export const HEALTH_USAGE = `usage: npm run health -- --stack <name> [--json] [thresholds]
       npm run health -- --outputs-file <outputs.json> [--stack <name>] [--json] [thresholds]

Checks the stack's pipeline end to end and prints one PASS/WARN/FAIL line per check; exits 1 when
any check FAILs, 2 on a usage error or unreadable outputs.

  --stack <name>             stack whose outputs are read with the offline Pulumi CLI
                             (file backend ./.pulumi-state unless PULUMI_BACKEND_URL is set)
  --outputs-file <path>      read the outputs from this file instead (JSON of
                             \`pulumi stack output --json --show-secrets\`)
  --json                     print {stack, ok, checkedAt, summary, checks:[{name, status, detail, metrics}]}
  --max-checkpoint-age <d>   FAIL when a job's last completed checkpoint is older (default 300s)
  --max-consumer-lag <n>     FAIL when a consumer group is more messages behind (default 10000)
  --max-slot-lag <size>      FAIL when the replication slot holds more WAL (default 1GiB)
  --max-data-age <d>         FAIL when a table's newest data file is older (default: off)
  --max-commit-age <d>       FAIL when a table's last Nessie commit is older (default: off)
  --max-snapshots <n>        WARN when an Iceberg table keeps more snapshots (default 1500)
  --max-delete-files <n>     WARN when an Iceberg table has more delete files (default 500)
  --timeout <d>              bound of each service call (default 15s)
durations: 90, 90s, 5m, 1h; sizes: 1048576, 512MB, 1GiB`;

/** The options of `npm run health`. */
export const HEALTH_OPTIONS = {
    ...STACK_TARGET_OPTIONS,
    json: { type: "flag" },
    "max-checkpoint-age": { type: "seconds" },
    "max-consumer-lag": { type: "number", integer: true, min: 0 },
    "max-slot-lag": { type: "bytes" },
    "max-data-age": { type: "seconds" },
    "max-commit-age": { type: "seconds" },
    "max-snapshots": { type: "number", integer: true, min: 1 },
    "max-delete-files": { type: "number", integer: true, min: 0 },
    timeout: { type: "seconds" },
} as const satisfies OptionTable;

/** Parses `npm run health` arguments; UsageError on anything wrong. */
export function parseHealthArgs(argv: readonly string[]): HealthArgs {
    const { options: o } = parseCommandLine(argv, HEALTH_OPTIONS);
    const target = stackTarget(o);
    const thresholds: HealthThresholds = { ...DEFAULT_THRESHOLDS };
    if (o["max-checkpoint-age"] !== undefined) thresholds.maxCheckpointAgeSeconds = o["max-checkpoint-age"];
    if (o["max-consumer-lag"] !== undefined) thresholds.maxConsumerLag = o["max-consumer-lag"];
    if (o["max-slot-lag"] !== undefined) thresholds.maxSlotLagBytes = o["max-slot-lag"];
    if (o["max-data-age"] !== undefined) thresholds.maxDataAgeSeconds = o["max-data-age"];
    if (o["max-commit-age"] !== undefined) thresholds.maxCommitAgeSeconds = o["max-commit-age"];
    if (o["max-snapshots"] !== undefined) thresholds.maxSnapshots = o["max-snapshots"];
    if (o["max-delete-files"] !== undefined) thresholds.maxDeleteFiles = o["max-delete-files"];
    if (o.timeout !== undefined) {
        if (o.timeout <= 0) throw new UsageError("--timeout must be more than 0");
        thresholds.timeoutSeconds = o.timeout;
    }
    return { ...target, json: o.json, thresholds };
}
