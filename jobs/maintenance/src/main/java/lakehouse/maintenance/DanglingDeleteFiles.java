package lakehouse.maintenance;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.io.CloseableIterable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes a table's dangling delete files: those that apply to no live data file. Compaction applies
 * an upsert table's equality deletes to the data files it rewrites, but Iceberg's Flink maintenance
 * (1.11.0) leaves the delete files themselves in the table (Spark has a "remove dangling deletes" action,
 * Flink does not), so they pile up as the data files once did. A delete file that applies to no live
 * data file never applies to a file added later (later files have newer sequence numbers, and a
 * compaction's output only holds rows of files that are live when it commits), so removing it changes
 * no row. The removal is one RewriteFiles commit validated from the snapshot it was planned on: a
 * concurrent commit that conflicts makes it fail, and it is planned again at the next tick.
 *
 * <p>A map from a tick (the time) to the number of delete files removed, for the job's metrics and logs.
 */
public final class DanglingDeleteFiles extends RichMapFunction<Long, Integer> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DanglingDeleteFiles.class);

    private final TableLoader tableLoader;
    private final String tableName;
    private transient Table table;
    private transient long removed;

    public DanglingDeleteFiles(TableLoader tableLoader, String tableName) {
        this.tableLoader = tableLoader;
        this.tableName = tableName;
    }

    @Override
    public void open(OpenContext openContext) {
        tableLoader.open();
        table = tableLoader.loadTable();
        getRuntimeContext().getMetricGroup().addGroup("maintenance").addGroup("tableName", tableName).gauge("danglingDeleteFilesRemoved", () -> removed);
    }

    @Override
    public Integer map(Long tick) {
        try {
            table.refresh();
            Snapshot current = table.currentSnapshot();
            if (current == null) return 0;
            List<DeleteFile> dangling = danglingDeleteFiles(table, current);
            if (dangling.isEmpty()) return 0;
            RewriteFiles rewrite = table.newRewrite().validateFromSnapshot(current.snapshotId());
            for (DeleteFile file : dangling) rewrite.deleteFile(file);
            rewrite.commit();
            removed += dangling.size();
            LOG.info("Removed {} dangling delete file(s) of {} (planned on snapshot {})", dangling.size(), tableName, current.snapshotId());
            return dangling.size();
        } catch (RuntimeException | IOException e) {
            // A concurrent commit won (or a service was away): planned again at the next tick.
            LOG.warn("Removing the dangling delete files of {} failed; trying again at the next tick: {}", tableName, e.toString());
            return 0;
        }
    }

    /** Every live delete file of the snapshot that no data file's scan task applies. */
    static List<DeleteFile> danglingDeleteFiles(Table table, Snapshot snapshot) throws IOException {
        Set<String> applied = new HashSet<>();
        try (CloseableIterable<FileScanTask> tasks = table.newScan().useSnapshot(snapshot.snapshotId()).planFiles()) {
            for (FileScanTask task : tasks) for (DeleteFile d : task.deletes()) applied.add(d.location());
        }
        List<DeleteFile> dangling = new ArrayList<>();
        for (ManifestFile manifest : snapshot.deleteManifests(table.io())) {
            try (ManifestReader<DeleteFile> reader = ManifestFiles.readDeleteManifest(manifest, table.io(), table.specs())) {
                for (DeleteFile d : reader) if (!applied.contains(d.location())) dangling.add(d.copyWithoutStats());
            }
        }
        return dangling;
    }

    @Override
    public void close() throws IOException {
        tableLoader.close();
    }
}
