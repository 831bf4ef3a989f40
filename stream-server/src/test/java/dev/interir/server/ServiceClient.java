package dev.interir.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/** What the service tests ask of a running service over real HTTP: requests, and waiting for a stream's state. */
final class ServiceClient {
    static final Duration WAIT = Duration.ofSeconds(60);

    private final int port;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    /**
     * The defaults made fit for a test: any free port, HLS under {@code tmp}, no configured streams, and streams that
     * keep restoring for 10 minutes without a viewer (tests that wait for frames need not watch; DemandTest sets
     * its own).
     */
    static ServiceConfig testConfig(java.nio.file.Path tmp) {
        ServiceConfig cfg = ServiceConfig.defaults();
        cfg.server.port = 0;
        cfg.pipeline.idleSeconds = 600;
        cfg.hls.dir = tmp.resolve("hls").toString();
        cfg.streams = java.util.List.of();
        return cfg;
    }

    ServiceClient(int port) {
        this.port = port;
    }

    HttpRequest.Builder req(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20));
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<byte[]> sendForBytes(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> get(String path) throws Exception {
        return send(req(path).GET());
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return send(req(path).header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<String> delete(String path) throws Exception {
        return send(req(path).DELETE());
    }

    HttpResponse<String> addStream(String id, String source) throws Exception {
        return post("/api/streams", new JsonObject().put("id", id).put("source", source).encode());
    }

    /** The stream's JSON from GET /api/streams, or null when there is no such stream. */
    JsonObject stream(String id) throws Exception {
        JsonArray all = new JsonArray(get("/api/streams").body());
        for (int i = 0; i < all.size(); i++) {
            if (id.equals(all.getJsonObject(i).getString("id"))) {
                return all.getJsonObject(i);
            }
        }
        return null;
    }

    JsonObject awaitStream(String id, Predicate<JsonObject> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonObject last = null;
        while (System.nanoTime() < deadline) {
            last = stream(id);
            if (last != null && condition.test(last)) {
                return last;
            }
            Thread.sleep(150);
        }
        throw new AssertionError("stream " + id + " never reached the expected state; last: " + last);
    }

    /** Fails unless the stream restores a few more frames within {@link #WAIT}: the service kept serving it. */
    void assertKeepsServing(String id) throws Exception {
        long before = stream(id).getLong("framesOut");
        awaitStream(id, s -> s.getLong("framesOut") > before + 2);
    }
}
