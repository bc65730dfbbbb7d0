/**
 * Periodic savepoints as code: what the stack's periodic-savepoints job (jobs/maintenance's
 * PeriodicSavepointsJob, a small Flink job from the same jar as table maintenance) is run with. Flink
 * 1.20 takes no savepoints by itself; its Kubernetes operator triggers them from outside and keeps a
 * count. This job does the same through the JobManager's REST API on every platform: every
 * `pipeline.periodicSavepoints.intervalSeconds`, a savepoint of each table job, the newest
 * `pipeline.periodicSavepoints.kept` per job kept, older ones disposed of. Pure builders from config.
 */
import { flinkRestCaCert, type LakehouseConfig } from "./config";
import { jobName } from "./jobs";

/** The job's main class, in the maintenance jar. */
export const PERIODIC_SAVEPOINTS_ENTRY_CLASS = "lakehouse.maintenance.PeriodicSavepointsJob";
/** The job's own checkpoint interval: its state (the savepoints it took) changes once per interval. */
export const PERIODIC_SAVEPOINTS_CHECKPOINT_SECONDS = 60;
/**
 * How long one savepoint or disposal may take before the job logs it as failed and tries again at the
 * next tick: under the cluster's checkpoint timeout (5 min), since the job's own checkpoints wait while it waits.
 */
export const PERIODIC_SAVEPOINT_TIMEOUT_SECONDS = 240;

/** The Flink job name of a stack's periodic-savepoints job: stable, so the resource finds its job after a crash. */
export function periodicSavepointsJobName(namePrefix: string): string {
    return `${namePrefix}-periodic-savepoints`;
}

/** Whether the stack runs the periodic-savepoints job. */
export function periodicSavepointsEnabled(cfg: Pick<LakehouseConfig, "pipeline">): boolean {
    return cfg.pipeline.periodicSavepoints.intervalSeconds > 0;
}

/**
 * The job's arguments (`--key=value`, read by PeriodicSavepointsJob): the JobManager's REST URL as the
 * TaskManagers reach it, and the table jobs by their Flink job names. With a REST API over HTTPS with a
 * company CA (an external Flink's `external.flink.caCert`, or `flink.tls.caCert`), the CA too, base64 of the PEM: the job's
 * HTTP client trusts exactly it (a JVM's default trust store need not hold the CA of Flink's own REST
 * certificate, which Flink configures apart, in `security.ssl.rest.truststore`).
 */
export function periodicSavepointsProgramArgs(
    cfg: Pick<LakehouseConfig, "namePrefix" | "source" | "pipeline" | "external" | "flink">,
    restUrl: string,
): string[] {
    const p = cfg.pipeline.periodicSavepoints;
    const caCert = flinkRestCaCert(cfg);
    return [
        `--job-name=${periodicSavepointsJobName(cfg.namePrefix)}`,
        `--rest-url=${restUrl}`,
        ...(caCert !== undefined ? [`--rest-ca-cert-base64=${Buffer.from(caCert, "utf8").toString("base64")}`] : []),
        ...cfg.source.tables.map((t) => `--job=${jobName(cfg.namePrefix, t)}`),
        `--interval-seconds=${p.intervalSeconds}`,
        `--kept=${p.kept}`,
        `--timeout-seconds=${PERIODIC_SAVEPOINT_TIMEOUT_SECONDS}`,
        `--checkpoint-interval-seconds=${PERIODIC_SAVEPOINTS_CHECKPOINT_SECONDS}`,
    ];
}
