package lakehouse.maintenance;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * The stack's periodic savepoints: one small Flink job that, every interval, takes a savepoint of each
 * of the pipeline's table jobs and disposes of the oldest beyond a count ({@link PeriodicSavepoints}).
 * Flink 1.20 has no periodic savepoints of its own (its Kubernetes operator triggers them from outside);
 * this job is what the program runs on every platform instead. Submitted by the Pulumi resource in
 * components/dynamic/flink-jar-job.ts; the arguments are rendered by components/periodic-savepoints.ts:
 *
 * <ul>
 *   <li>{@code --job-name}: the Flink job name (how the resource finds the job).
 *   <li>{@code --rest-url}: the JobManager's REST API as the TaskManagers reach it.
 *   <li>{@code --rest-ca-cert-base64} (optional): base64 of the PEM of the CA that signed its https
 *       certificate; the job's client then trusts exactly it.
 *   <li>{@code --job=<name>}, repeated: the jobs to take savepoints of.
 *   <li>{@code --interval-seconds}, {@code --kept}, {@code --timeout-seconds}, {@code --checkpoint-interval-seconds}.
 * </ul>
 */
public final class PeriodicSavepointsJob {
    private PeriodicSavepointsJob() {}

    public static void main(String[] argv) throws Exception {
        Map<String, List<String>> args = TableMaintenanceJob.parse(argv);
        String jobName = TableMaintenanceJob.required(args, "job-name");
        String restUrl = TableMaintenanceJob.required(args, "rest-url");
        List<String> caArg = args.getOrDefault("rest-ca-cert-base64", List.of());
        String restCaCertPem = caArg.isEmpty() ? null : new String(Base64.getDecoder().decode(caArg.get(0).trim()), StandardCharsets.US_ASCII);
        List<String> jobs = args.getOrDefault("job", List.of());
        if (jobs.isEmpty()) throw new IllegalArgumentException("at least one --job=<Flink job name> is required");
        long intervalMs = TableMaintenanceJob.longValue(args, "interval-seconds", 3600) * 1000;
        int kept = TableMaintenanceJob.integer(args, "kept", 3);
        if (kept < 1) throw new IllegalArgumentException("--kept must be 1 or more");
        long timeoutMs = TableMaintenanceJob.longValue(args, "timeout-seconds", 240) * 1000;

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(TableMaintenanceJob.longValue(args, "checkpoint-interval-seconds", 60) * 1000);
        env.addSource(new Ticks(intervalMs), "savepoint-ticks")
                .uid("savepoint-ticks")
                .setParallelism(1)
                .map(new PeriodicSavepoints(restUrl, restCaCertPem, jobs, kept, timeoutMs))
                .name("periodic-savepoints")
                .uid("periodic-savepoints")
                .setParallelism(1)
                .sinkTo(new DiscardingSink<>())
                .name("periodic-savepoint-results")
                .uid("periodic-savepoint-results")
                .setParallelism(1);
        env.execute(jobName);
    }
}
