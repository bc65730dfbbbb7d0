/**
 * A small stateful Flink SQL job for the job resources' tests: a count per key of generated rows
 * (datagen) into a blackhole, checkpointing every 2 s, as the inputs of a `FlinkSqlJob`.
 */

/** Where the job is submitted: the cluster's SQL Gateway and REST API, and their CA when they speak HTTPS. */
export interface CountingJobCluster {
    gatewayUrl: string;
    restUrl: string;
    flinkCaCert?: string;
}

/** The inputs of a counting job named `name`, its tables suffixed `suffix`. */
export function countingJobInputs(
    cluster: CountingJobCluster,
    name: string,
    suffix: string,
    options: { rowsPerSecond?: number; keys?: number; version?: number; deleteMode?: "savepoint" | "cancel" } = {},
): Record<string, any> {
    return {
        ...cluster,
        name,
        statements: [
            `CREATE TEMPORARY TABLE gen_${suffix} (k INT, v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '${options.rowsPerSecond ?? 20}', 'fields.k.min' = '1', 'fields.k.max' = '${options.keys ?? 10}')`,
            `CREATE TEMPORARY TABLE sink_${suffix} (k INT, n BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'blackhole')`,
            `INSERT INTO sink_${suffix} SELECT k, COUNT(*) FROM gen_${suffix} GROUP BY k`,
        ],
        settings: { "execution.checkpointing.interval": "2 s" },
        state: "RUNNING",
        deleteMode: options.deleteMode ?? "savepoint",
        waitTimeoutSeconds: 120,
        version: options.version ?? 1,
    };
}
