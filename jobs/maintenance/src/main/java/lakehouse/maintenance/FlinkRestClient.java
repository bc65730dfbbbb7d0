package lakehouse.maintenance;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The few calls of the JobManager's REST API the periodic savepoints need: the jobs, a savepoint's
 * trigger and status, a disposal's trigger and status. JDK's HTTP client and the Jackson that Flink
 * ships (shaded, on every Flink classpath): nothing added to the cluster. Every call is bounded.
 * Over https with a CA given (PEM), the client trusts exactly that CA; without one, the JVM's trust store.
 */
final class FlinkRestClient implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final String baseUrl;
    /** The CA of the REST API's certificate (PEM), or null for the JVM's trust store. */
    private final String caCertPem;
    private transient HttpClient http;
    private transient ObjectMapper json;

    FlinkRestClient(String baseUrl) {
        this(baseUrl, null);
    }

    FlinkRestClient(String baseUrl, String caCertPem) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.caCertPem = caCertPem == null || caCertPem.isBlank() ? null : caCertPem;
    }

    /** An SSL context whose only trusted certificates are those of {@code pem}. */
    static SSLContext trusting(String pem) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
            store.setCertificateEntry("ca-" + i++, cert);
        }
        if (i == 0) throw new GeneralSecurityException("the REST API's CA certificate (--rest-ca-cert-base64) holds no certificate");
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /** GET or POST (with a JSON body); the answer as JSON. A status of 400 or more throws with the server's own message. */
    JsonNode call(String method, String path, String body) throws IOException, InterruptedException {
        if (http == null) {
            HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT);
            if (caCertPem != null) {
                try {
                    builder.sslContext(trusting(caCertPem));
                } catch (GeneralSecurityException e) {
                    throw new IOException("the REST API's CA certificate cannot be used: " + e.getMessage(), e);
                }
            }
            http = builder.build();
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
