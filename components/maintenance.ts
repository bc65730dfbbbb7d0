/**
 * Table maintenance as code: what the stack's maintenance job (jobs/maintenance, a Flink job on
 * Iceberg's TableMaintenance API) is run with. Pure builders from config and endpoints; only
 * `maintenanceJarBuild` reads files (the job's sources, to hash them).
 *
 * The job expires snapshots, compacts small data files together with the upsert tables' delete files,
 * and deletes orphan files, each task on its own schedule, for every Iceberg table the pipeline writes.
 * docs/maintenance.md says what each setting does and what expiring snapshots means on Nessie.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { lakehouseCacheDir } from "./cache-dir";
import type { LakehouseConfig, MaintenanceConfig } from "./config";
import type { JarBuild } from "./dynamic/flink/jar";
import type { JobTemplateValues } from "./jobs";
import { icebergTableNames } from "./tables";

/** The job's Maven project, relative to the repository root. */
export const MAINTENANCE_PROJECT = "jobs/maintenance";
/** The jar `mvn package` builds (the pom's finalName). */
export const MAINTENANCE_ARTIFACT = "lakehouse-table-maintenance.jar";
/** The job's checkpoint interval: its state (when each task last ran) changes rarely. */
export const MAINTENANCE_CHECKPOINT_SECONDS = 60;
/** The job's main class. */
export const MAINTENANCE_ENTRY_CLASS = "lakehouse.maintenance.TableMaintenanceJob";

/** The Flink job name of a stack's maintenance job: stable, so the resource finds its job after a crash. */
export function maintenanceJobName(namePrefix: string): string {
    return `${namePrefix}-table-maintenance`;
}

/** Every Iceberg table the pipeline writes, as `<namespace>.<table>` (what the job's `--table` takes). */
export function maintainedTables(cfg: Pick<LakehouseConfig, "source" | "iceberg">): string[] {
    return cfg.source.tables.flatMap((t) =>
        Object.values(icebergTableNames(t, cfg.source.tableDefinitions[t].mode)).map((n) => `${cfg.iceberg.namespace}.${n}`),
    );
}

/**
 * The shortest checkpoint interval at which compaction kept the upsert tables bounded under a continuous
 * stream of changes: 1 s, 30 minutes at 1,000 changes/s (`npm run bench:soak`, docs/maintenance.md
 * "Compaction and the checkpoint interval"). Shorter intervals were not measured under such a stream.
 */
export const COMPACTION_MIN_CHECKPOINT_MS = 1000;

/**
 * The warning a preview prints when compaction is on for upsert tables whose writer commits more often
 * than COMPACTION_MIN_CHECKPOINT_MS: a compaction's commit has to land between two of the writer's, and
 * the shorter the gap the more of its attempts fail (undefined: nothing to warn of). A warning, not an
 * error: where changes arrive in bursts, the writer commits only when there is something to commit.
 */
export function compactionCadenceWarning(cfg: Pick<LakehouseConfig, "source" | "iceberg" | "maintenance" | "flink">): string | undefined {
    if (!cfg.maintenance.enabled || cfg.maintenance.rewriteDataFiles.intervalSeconds === 0) return undefined;
    if (cfg.flink.checkpointIntervalMs >= COMPACTION_MIN_CHECKPOINT_MS) return undefined;
    const upsert = cfg.source.tables.flatMap((t) => icebergTableNames(t, cfg.source.tableDefinitions[t].mode).upsert ?? []);
    if (!upsert.length) return undefined;
    return (
        `lakehouse:flink.checkpointIntervalMs is ${cfg.flink.checkpointIntervalMs} ms with compaction on (lakehouse:maintenance.rewriteDataFiles) ` +
        `for the upsert table${upsert.length > 1 ? "s" : ""} ${upsert.join(", ")}: every checkpoint commits to the table, and a compaction's commit ` +
        `has to land between two of them. Compaction was measured to keep up with a continuous stream of changes at ${COMPACTION_MIN_CHECKPOINT_MS} ms ` +
        `checkpoints, not shorter ones; when it does not, the table grows without bound (docs/maintenance.md, "Compaction and the checkpoint interval"). ` +
        `Where changes arrive continuously, set flink.checkpointIntervalMs to ${COMPACTION_MIN_CHECKPOINT_MS} or more, or watch iceberg.files.<table> in npm run health.`
    );
}

/** The catalog the job opens: the one of jobs/catalog.sql, with the S3 secret as a placeholder filled at submission. */
export type MaintenanceCatalog = Pick<
    JobTemplateValues,
    "nessieUri" | "nessieBranch" | "warehouse" | "s3Endpoint" | "s3PathStyle" | "s3AccessKeyId" | "awsRegion"
>;

/**
 * The job's arguments (`--key=value`, read by jobs/maintenance's TableMaintenanceJob): the catalog,
 * the tables, and each task that is on (an interval of 0 turns a task off). The S3 secret stays
 * `{{secret.s3SecretAccessKey}}`: the job resource fills it in only when it runs the job.
 */
export function maintenanceProgramArgs(
    jobName: string,
    catalog: MaintenanceCatalog,
    tables: string[],
    m: MaintenanceConfig,
    nessieAuth: string[] = [],
): string[] {
    const args = [
        `--job-name=${jobName}`,
        "--catalog.catalog-impl=org.apache.iceberg.nessie.NessieCatalog",
        `--catalog.uri=${catalog.nessieUri}`,
        `--catalog.ref=${catalog.nessieBranch}`,
        `--catalog.warehouse=${catalog.warehouse}`,
        "--catalog.io-impl=org.apache.iceberg.aws.s3.S3FileIO",
        `--catalog.s3.endpoint=${catalog.s3Endpoint}`,
        `--catalog.s3.path-style-access=${catalog.s3PathStyle}`,
        `--catalog.s3.access-key-id=${catalog.s3AccessKeyId}`,
        "--catalog.s3.secret-access-key={{secret.s3SecretAccessKey}}",
        `--catalog.client.region=${catalog.awsRegion}`,
        ...nessieAuth,
        ...tables.map((t) => `--table=${t}`),
        `--rate-limit-seconds=${m.rateLimitSeconds}`,
        `--lock-check-delay-seconds=${m.lockCheckDelaySeconds}`,
        `--checkpoint-interval-seconds=${MAINTENANCE_CHECKPOINT_SECONDS}`,
    ];
    const e = m.expireSnapshots;
    if (e.intervalSeconds > 0)
        args.push(
            `--expire-snapshots.interval-seconds=${e.intervalSeconds}`,
            `--expire-snapshots.max-age-seconds=${e.maxSnapshotAgeSeconds}`,
            `--expire-snapshots.retain-last=${e.retainLast}`,
        );
    const r = m.rewriteDataFiles;
    if (r.intervalSeconds > 0)
        args.push(
            `--rewrite-data-files.interval-seconds=${r.intervalSeconds}`,
            ...(r.commitCount > 0 ? [`--rewrite-data-files.commit-count=${r.commitCount}`] : []),
            `--rewrite-data-files.target-file-size-bytes=${r.targetFileSizeMiB * 1024 * 1024}`,
            `--rewrite-data-files.min-input-files=${r.minInputFiles}`,
            `--rewrite-data-files.delete-file-threshold=${r.deleteFileThreshold}`,
        );
    const o = m.deleteOrphanFiles;
    if (o.intervalSeconds > 0)
        args.push(`--delete-orphan-files.interval-seconds=${o.intervalSeconds}`, `--delete-orphan-files.min-age-seconds=${o.minAgeSeconds}`);
    return args;
}

/** The sections of harness/versions.json the job is built against. */
export interface MaintenanceVersions {
    flink: { version: string; minor: string };
    iceberg: { version: string; hadoopVersion: string };
}

/** The `-D` properties the job's pom reads, from harness/versions.json (the one place versions are pinned). */
export function maintenanceMavenProperties(versions: MaintenanceVersions): Record<string, string> {
    return {
        "flink.version": versions.flink.version,
        "flink.minor": versions.flink.minor,
        "iceberg.version": versions.iceberg.version,
        "hadoop.version": versions.iceberg.hadoopVersion,
    };
}

/** Every file of the job's Maven project that goes into its jar (pom.xml and the sources), sorted. */
export function maintenanceSourceFiles(projectDirectory: string): string[] {
    const files: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else files.push(path.relative(projectDirectory, full));
        }
    };
    walk(path.join(projectDirectory, "src"));
    return ["pom.xml", ...files.sort()];
}

/**
 * How the job's jar is built, named by the hash of its sources and build properties (so a change to
 * either shows at preview as `jar.sourceHash`), into `<cache>/flink-jobs` (LAKEHOUSE_CACHE, default
 * ~/.cache/cdc-lakehouse, as the harness's), outside the repository.
 */
export function maintenanceJarBuild(repoRoot: string, mavenProperties: Record<string, string>, env: NodeJS.ProcessEnv = process.env): JarBuild {
    const projectDirectory = path.join(repoRoot, MAINTENANCE_PROJECT);
    const hash = crypto.createHash("sha256");
    for (const file of maintenanceSourceFiles(projectDirectory))
        hash.update(`${file}\0`)
            .update(fs.readFileSync(path.join(projectDirectory, file)))
            .update("\0");
    for (const [k, v] of Object.entries(mavenProperties).sort(([a], [b]) => a.localeCompare(b))) hash.update(`${k}=${v}\0`);
    return {
        projectDirectory,
        sourceHash: hash.digest("hex").slice(0, 16),
        mavenProperties,
        artifact: MAINTENANCE_ARTIFACT,
        cacheDirectory: path.join(lakehouseCacheDir(env), "flink-jobs"),
    };
}
