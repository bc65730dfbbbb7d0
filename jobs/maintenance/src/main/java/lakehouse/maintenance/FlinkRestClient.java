package lakehouse.maintenance;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The few calls of the JobManager's REST API the periodic savepoints need: the jobs, a savepoint's
 * trigger and status, a disposal's trigger and status. JDK's HTTP client and the Jackson that Flink
 * ships (shaded, on every Flink classpath): nothing added to the cluster. Every call is bounded.
 */
final class FlinkRestClient implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final String baseUrl;
    private transient HttpClient http;
    private transient ObjectMapper json;

    FlinkRestClient(String baseUrl) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
    }

    /** GET or POST (with a JSON body); the answer as JSON. A status of 400 or more throws with the server's own message. */
    JsonNode call(String method, String path, String body) throws IOException, InterruptedException {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
            json = new ObjectMapper();
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(REQUEST_TIMEOUT).header("Accept", "application/json");
        if (body == null) request.GET();
        else request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 400) {
            throw new IOException(method + " " + baseUrl + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body().isEmpty() ? json.createObjectNode() : json.readTree(response.body());
    }

    /** JSON text of a one-level object of strings and booleans. */
    String object(Object... keysAndValues) {
        if (json == null) json = new ObjectMapper();
        var node = json.createObjectNode();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            Object v = keysAndValues[i + 1];
            if (v instanceof Boolean) node.put((String) keysAndValues[i], (Boolean) v);
            else node.put((String) keysAndValues[i], String.valueOf(v));
        }
        return node.toString();
    }
}
