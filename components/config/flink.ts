/**
 * `lakehouse:flink`: the session cluster's size, checkpoints and high availability.
 */
import { DEFAULTS } from "../defaults";
import { parseFlinkTls } from "./flink-tls";
import { Reader } from "./reader";
import { FlinkConfig } from "./types";

/** A URI of durable storage Flink writes checkpoints, savepoints and HA metadata to. */
const STORAGE_URI = /^(s3a?|file|hdfs|gs|abfss?):\/\/\S+$/;

/** Reads `lakehouse:flink`; the durable URIs default to the warehouse bucket, and the parallelism must fit the slots; `tls` by ./flink-tls.ts. */
export function parseFlink(r: Reader, values: Record<string, string>, bucket: string): FlinkConfig {
    const f = r.object(values, "flink");
    const fd = DEFAULTS.flink;
    const flink: FlinkConfig = {
        taskManagers: r.integer(f.taskManagers, "flink.taskManagers", fd.taskManagers, 1, 64),
        slotsPerTaskManager: r.integer(f.slotsPerTaskManager, "flink.slotsPerTaskManager", fd.slotsPerTaskManager, 1, 64),
        parallelism: r.integer(f.parallelism, "flink.parallelism", fd.parallelism, 1, 1024),
        checkpointIntervalMs: r.integer(f.checkpointIntervalMs, "flink.checkpointIntervalMs", fd.checkpointIntervalMs, 100, 3_600_000),
        checkpointsUri: r.string(
            f.checkpointsUri,
            "flink.checkpointsUri",
            `s3://${bucket}/flink/checkpoints`,
            STORAGE_URI,
            "a durable URI such as s3://warehouse/flink/checkpoints (checkpoints must outlive a container)",
        ),
        savepointsUri: r.string(
            f.savepointsUri,
            "flink.savepointsUri",
            `s3://${bucket}/flink/savepoints`,
            STORAGE_URI,
            "a durable URI such as s3://warehouse/flink/savepoints",
        ),
        highAvailability: r.boolean(f.highAvailability, "flink.highAvailability", fd.highAvailability),
        highAvailabilityStorageUri: r.string(
            f.highAvailabilityStorageUri,
            "flink.highAvailabilityStorageUri",
            `s3://${bucket}/flink/ha`,
            STORAGE_URI,
            "a durable URI every JobManager reaches, such as s3://warehouse/flink/ha (job graphs and checkpoint metadata must outlive a JobManager)",
        ),
    };
    const tls = parseFlinkTls(r, f.tls);
    if (tls) flink.tls = tls;
    if (flink.parallelism > flink.taskManagers * flink.slotsPerTaskManager) {
        r.problem(
            "flink.parallelism",
            flink.parallelism,
            `at most flink.taskManagers x flink.slotsPerTaskManager = ${flink.taskManagers * flink.slotsPerTaskManager} (the job could never be scheduled)`,
        );
    }
    return flink;
}
