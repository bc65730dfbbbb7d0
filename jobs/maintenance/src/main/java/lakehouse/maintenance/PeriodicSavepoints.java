package lakehouse.maintenance;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On each tick, a savepoint of every RUNNING Flink job of the given names (through the JobManager's
 * REST API, the way Flink's Kubernetes operator takes its periodic savepoints), then the oldest ones
 * it took beyond the newest {@code kept} per name disposed of ({@code POST /savepoint-disposal}). The
 * savepoints it took are its state, so a restart of this job (from its own checkpoint or savepoint)
 * still knows them. A savepoint that fails (a job between restarts) or a disposal that fails is logged
 * and tried again at the next tick; this never fails the job. It disposes of nothing it did not take.
 *
 * <p>A map from a tick to the number of savepoints taken, for the job's metrics and logs.
 */
public final class PeriodicSavepoints extends RichMapFunction<Long, Integer> implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PeriodicSavepoints.class);
    /** Flink's answer when what is to be disposed of is not there (already gone). */
    private static final Pattern GONE = Pattern.compile("FileNotFoundException|Cannot find checkpoint or savepoint|does not exist");

    private final FlinkRestClient rest;
    private final List<String> jobNames;
    private final int kept;
    private final long timeoutMs;
    private transient ListState<String> historyState;
    /** The savepoints taken, oldest first, each as {@code <job name>\t<location>}. */
    private transient List<String> history;

    public PeriodicSavepoints(String restUrl, List<String> jobNames, int kept, long timeoutMs) {
        this(restUrl, null, jobNames, kept, timeoutMs);
    }

    /** With {@code restCaCertPem}: the CA of the REST API's https certificate (null: the JVM's trust store). */
    public PeriodicSavepoints(String restUrl, String restCaCertPem, List<String> jobNames, int kept, long timeoutMs) {
        this.rest = new FlinkRestClient(restUrl, restCaCertPem);
        this.jobNames = new ArrayList<>(jobNames);
        this.kept = kept;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public Integer map(Long tick) throws Exception {
        int taken = 0;
        JsonNode jobs;
        try {
            jobs = rest.call("GET", "/jobs/overview", null).path("jobs");
        } catch (IOException e) {
            LOG.warn("periodic savepoints: the JobManager's REST API did not answer, tried again at the next tick: {}", e.getMessage());
            return 0;
        }
        for (String name : jobNames) {
            List<String> running = new ArrayList<>();
            for (JsonNode job : jobs) if (name.equals(job.path("name").asText()) && "RUNNING".equals(job.path("state").asText())) running.add(job.path("jid").asText());
            if (running.isEmpty()) LOG.info("periodic savepoint of Flink job {}: no RUNNING job of that name, skipped", name);
            for (String jobId : running) {
                try {
                    String location = savepoint(jobId);
                    history.add(name + "\t" + location);
                    taken++;
                    LOG.info("periodic savepoint of Flink job {} ({}): {}", name, jobId, location);
                } catch (IOException | IllegalStateException e) {
                    LOG.warn("periodic savepoint of Flink job {} ({}) failed, tried again at the next tick: {}", name, jobId, e.getMessage());
                }
            }
            prune(name);
        }
        return taken;
    }

    /** Triggers a savepoint of the job (it keeps running) and waits for it; returns its location. */
    private String savepoint(String jobId) throws IOException, InterruptedException {
        String body = rest.object("cancel-job", false, "formatType", "CANONICAL");
        String request = rest.call("POST", "/jobs/" + jobId + "/savepoints", body).path("request-id").asText();
        JsonNode operation = await("/jobs/" + jobId + "/savepoints/" + request, "the savepoint of job " + jobId);
        String location = operation.path("location").asText("");
        if (!location.isEmpty()) return location;
        throw new IllegalStateException(firstLine(operation.path("failure-cause").path("stack-trace").asText("no location reported")));
    }

    /** Disposes of the oldest savepoints of {@code name} beyond the newest {@code kept}; stops at the first failure. */
    private void prune(String name) throws InterruptedException {
        List<String> ofName = new ArrayList<>();
        for (String entry : history) if (entry.startsWith(name + "\t")) ofName.add(entry);
        for (int i = 0; i < ofName.size() - kept; i++) {
            String entry = ofName.get(i);
            String location = entry.substring(name.length() + 1);
            try {
                String request = rest.call("POST", "/savepoint-disposal", rest.object("savepoint-path", location)).path("request-id").asText();
                JsonNode operation = await("/savepoint-disposal/" + request, "the disposal of " + location);
                String failure = operation.path("failure-cause").path("stack-trace").asText("");
                if (!failure.isEmpty() && !GONE.matcher(failure).find()) throw new IllegalStateException(firstLine(failure));
                history.remove(entry);
                LOG.info("periodic savepoints of Flink job {}: {} {} (keeping the newest {})", name, failure.isEmpty() ? "disposed of" : "already gone:", location, kept);
            } catch (IOException | IllegalStateException e) {
                LOG.warn("periodic savepoints of Flink job {}: could not dispose of {}, tried again at the next tick: {}", name, location, e.getMessage());
                return;
            }
        }
    }

    /** Polls an asynchronous operation until COMPLETED (backing off from 0.5 s to 5 s, bounded by the timeout); returns its `operation`. */
    private JsonNode await(String path, String what) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        long delay = 500;
        while (true) {
            JsonNode status = rest.call("GET", path, null);
            if ("COMPLETED".equals(status.path("status").path("id").asText())) return status.path("operation");
            if (System.currentTimeMillis() + delay > deadline) throw new IOException("timed out after " + timeoutMs / 1000 + " s waiting for " + what);
            Thread.sleep(delay);
            delay = Math.min(delay * 2, 5000);
        }
    }

    private static String firstLine(String text) {
        String[] lines = text.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) if (lines[i].startsWith("Caused by: ")) return lines[i].substring("Caused by: ".length());
        return lines[0];
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        historyState.update(new ArrayList<>(history));
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        historyState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("periodic-savepoints", Types.STRING));
        history = new ArrayList<>();
        if (context.isRestored()) for (String entry : historyState.get()) history.add(entry);
    }
}
