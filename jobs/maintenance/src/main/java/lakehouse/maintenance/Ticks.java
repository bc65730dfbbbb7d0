package lakehouse.maintenance;

import org.apache.flink.streaming.api.functions.source.SourceFunction;

/**
 * A tick (the current time) every {@code intervalMs}: what schedules a step that Iceberg's
 * TableMaintenance has no task for (the dangling delete files). A legacy SourceFunction: Flink 1.20
 * still runs it, it needs no connector on the cluster's classpath, and it has no state to restore.
 */
public final class Ticks implements SourceFunction<Long> {
    private static final long serialVersionUID = 1L;

    private final long intervalMs;
    private volatile boolean running = true;

    public Ticks(long intervalMs) {
        this.intervalMs = intervalMs;
    }

    @Override
    public void run(SourceContext<Long> ctx) throws Exception {
        while (running) {
            Thread.sleep(intervalMs);
            synchronized (ctx.getCheckpointLock()) {
                ctx.collect(System.currentTimeMillis());
            }
        }
    }

    @Override
    public void cancel() {
        running = false;
    }
}
