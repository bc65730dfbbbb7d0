package lakehouse.maintenance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.maintenance.api.DeleteOrphanFiles;
import org.apache.iceberg.flink.maintenance.api.ExpireSnapshots;
import org.apache.iceberg.flink.maintenance.api.RewriteDataFiles;
import org.apache.iceberg.flink.maintenance.api.TableMaintenance;

/**
 * The stack's table maintenance: one Flink streaming job that runs Iceberg's maintenance tasks on each
 * of the pipeline's tables (Iceberg's TableMaintenance API): snapshot expiration, compaction of small
 * data files together with the upsert tables' delete files, and orphan-file cleanup, each on its own
 * schedule. Submitted by the Pulumi resource in components/dynamic/flink-jar-job.ts; the arguments are
 * rendered by components/maintenance/args.ts (every one is `--key=value`):
 *
 * <ul>
 *   <li>{@code --job-name}: the Flink job name (how the resource finds the job).
 *   <li>{@code --catalog.<property>}: the Iceberg catalog's properties, as in jobs/catalog.sql.
 *   <li>{@code --table=<namespace>.<table>}, repeated: the tables to maintain.
 *   <li>{@code --expire-snapshots.interval-seconds}, {@code .max-age-seconds}, {@code .retain-last}.
 *   <li>{@code --rewrite-data-files.interval-seconds}, {@code .commit-count}, {@code .target-file-size-bytes},
 *       {@code .min-input-files}, {@code .delete-file-threshold}; on the same interval, the delete files
 *       the compaction applied are removed ({@link DanglingDeleteFiles}).
 *   <li>{@code --delete-orphan-files.interval-seconds}, {@code .min-age-seconds}.
 *   <li>{@code --rate-limit-seconds}, {@code --lock-check-delay-seconds}, {@code --checkpoint-interval-seconds}.
 * </ul>
 *
 * A task whose interval is absent does not run. Expiring snapshots and deleting orphan files delete
 * files, which Iceberg allows only on tables with {@code gc.enabled=true}; Iceberg's Nessie catalog
 * creates tables with {@code gc.enabled=false}, so before the job starts it sets the property on each
 * table where such a task is declared (docs/maintenance.md says what that means for Nessie history).
 */
public final class TableMaintenanceJob {
    private TableMaintenanceJob() {}

    public static void main(String[] argv) throws Exception {
        Map<String, List<String>> args = parse(argv);
        String jobName = required(args, "job-name");
        Map<String, String> catalogProperties = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : args.entrySet()) {
            if (e.getKey().startsWith("catalog.")) catalogProperties.put(e.getKey().substring("catalog.".length()), last(e.getValue()));
        }
        String catalogImpl = catalogProperties.remove("catalog-impl");
        if (catalogImpl == null) throw new IllegalArgumentException("--catalog.catalog-impl is required");
        List<String> tables = args.getOrDefault("table", List.of());
        if (tables.isEmpty()) throw new IllegalArgumentException("at least one --table=<namespace>.<table> is required");

        CatalogLoader catalogLoader = CatalogLoader.custom("lakehouse", catalogProperties, new Configuration(), catalogImpl);
        boolean deletesFiles = args.containsKey("expire-snapshots.interval-seconds") || args.containsKey("delete-orphan-files.interval-seconds");
        if (deletesFiles) enableGarbageCollection(catalogLoader, tables);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        // The job's own cadence, whatever the cluster's: its state (when each task last ran) changes rarely.
        env.enableCheckpointing(seconds(args, "checkpoint-interval-seconds", 60).toMillis());
        for (String table : tables) {
            TableLoader tableLoader = TableLoader.fromCatalog(catalogLoader, TableIdentifier.parse(table));
            TableMaintenance.Builder builder =
                    TableMaintenance.forTable(env, tableLoader, new JobLocalLockFactory(jobName + "/" + table))
                            .uidSuffix(table)
                            .parallelism(1)
                            .rateLimit(seconds(args, "rate-limit-seconds", 60))
                            .lockCheckDelay(seconds(args, "lock-check-delay-seconds", 30));
            if (args.containsKey("expire-snapshots.interval-seconds")) {
                builder.add(
                        ExpireSnapshots.builder()
                                .scheduleOnInterval(seconds(args, "expire-snapshots.interval-seconds", 0))
                                .maxSnapshotAge(seconds(args, "expire-snapshots.max-age-seconds", 3600))
                                .retainLast(integer(args, "expire-snapshots.retain-last", 1))
                                .cleanExpiredMetadata(true));
            }
            if (args.containsKey("rewrite-data-files.interval-seconds")) {
                RewriteDataFiles.Builder rewrite =
                        RewriteDataFiles.builder()
                                .scheduleOnInterval(seconds(args, "rewrite-data-files.interval-seconds", 0))
                                .targetFileSizeBytes(longValue(args, "rewrite-data-files.target-file-size-bytes", 128L * 1024 * 1024))
                                .minInputFiles(integer(args, "rewrite-data-files.min-input-files", 5))
                                .deleteFileThreshold(integer(args, "rewrite-data-files.delete-file-threshold", 1))
                                .partialProgressEnabled(true);
                if (args.containsKey("rewrite-data-files.commit-count"))
                    rewrite.scheduleOnCommitCount(integer(args, "rewrite-data-files.commit-count", 0));
                builder.add(rewrite);
            }
            if (args.containsKey("delete-orphan-files.interval-seconds")) {
                builder.add(
                        DeleteOrphanFiles.builder()
                                .scheduleOnInterval(seconds(args, "delete-orphan-files.interval-seconds", 0))
                                // List through the table's FileIO (S3FileIO lists by prefix): no Hadoop S3 filesystem on the cluster.
                                .usePrefixListing(true)
                                .minAge(seconds(args, "delete-orphan-files.min-age-seconds", 3 * 24 * 3600)));
            }
            builder.append();
            // Compaction applies the upsert tables' equality deletes but leaves the files: remove them after it.
            if (args.containsKey("rewrite-data-files.interval-seconds")) {
                long everyMs = seconds(args, "rewrite-data-files.interval-seconds", 0).toMillis();
                env.addSource(new Ticks(everyMs), "dangling-delete-ticks-" + table)
                        .uid("dangling-delete-ticks-" + table)
                        .setParallelism(1)
                        .map(new DanglingDeleteFiles(tableLoader.clone(), table))
                        .name("remove-dangling-delete-files-" + table)
                        .uid("remove-dangling-delete-files-" + table)
                        .setParallelism(1)
                        .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>())
                        .name("dangling-delete-results-" + table)
                        .uid("dangling-delete-results-" + table)
                        .setParallelism(1);
            }
        }
        env.execute(jobName);
    }

    /** Sets gc.enabled=true where it is not (Iceberg refuses to delete files of a table without it). */
    private static void enableGarbageCollection(CatalogLoader catalogLoader, List<String> tables) throws Exception {
        Catalog catalog = catalogLoader.loadCatalog();
        try {
            for (String name : tables) {
                Table table = catalog.loadTable(TableIdentifier.parse(name));
                if (!"true".equals(table.properties().get(TableProperties.GC_ENABLED))) {
                    table.updateProperties().set(TableProperties.GC_ENABLED, "true").commit();
                }
            }
        } finally {
            if (catalog instanceof AutoCloseable) ((AutoCloseable) catalog).close();
        }
    }

    static Map<String, List<String>> parse(String[] argv) {
        Map<String, List<String>> args = new LinkedHashMap<>();
        for (String arg : argv) {
            if (!arg.startsWith("--") || !arg.contains("=")) throw new IllegalArgumentException("arguments are --key=value, got: " + arg.split("=", 2)[0]);
            String[] kv = arg.substring(2).split("=", 2);
            args.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(kv[1]);
        }
        return args;
    }

    private static String last(List<String> values) {
        return values.get(values.size() - 1);
    }

    static String required(Map<String, List<String>> args, String key) {
        List<String> v = args.get(key);
        if (v == null) throw new IllegalArgumentException("--" + key + " is required");
        return last(v);
    }

    private static Duration seconds(Map<String, List<String>> args, String key, long fallback) {
        return Duration.ofSeconds(longValue(args, key, fallback));
    }

    static long longValue(Map<String, List<String>> args, String key, long fallback) {
        List<String> v = args.get(key);
        return v == null ? fallback : Long.parseLong(last(v));
    }

    static int integer(Map<String, List<String>> args, String key, int fallback) {
        return Math.toIntExact(longValue(args, key, fallback));
    }
}
