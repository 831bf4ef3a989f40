package dev.interir.server;

import dev.interir.server.config.ServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What the service tests ask of a running service over real HTTP, through Vert.x's {@link WebClient}: requests
 * (each waited for, so a test reads top to bottom), and waiting for a condition on the service's answers, polled on
 * the Vert.x timer rather than slept for.
 */
public final class ServiceClient {
    public static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration REQUEST = Duration.ofSeconds(20);
    private static final long POLL_MILLIS = 100;

    private final Vertx vertx;
    private final WebClient web;

    public ServiceClient(Vertx vertx, int port) {
        this.vertx = vertx;
        this.web = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
                .setFollowRedirects(false));
    }

    /**
     * The defaults made fit for a test: any free port, HLS and job files under {@code tmp}, no configured streams,
     * and streams that keep restoring for 10 minutes without a viewer (tests that wait for frames need not watch;
     * DemandIT sets its own).
     */
    public static ServiceConfig testConfig(Path tmp) {
        ServiceConfig cfg = ServiceConfig.defaults();
        cfg.server.port = 0;
        cfg.pipeline.idleSeconds = 600;
        cfg.hls.dir = tmp.resolve("hls").toString();
        cfg.jobs.outputDir = tmp.resolve("jobs").toString();
        cfg.streams = List.of();
        return cfg;
    }

    /** A stream of the config's {@code streams} list; {@code mode} null: the default (watched). */
    public static ServiceConfig.StreamEntry streamEntry(String id, String source, String mode) {
        ServiceConfig.StreamEntry e = new ServiceConfig.StreamEntry();
        e.id = id;
        e.source = source;
        e.mode = mode;
        return e;
    }

    public Vertx vertx() {
        return vertx;
    }

    public HttpRequest<Buffer> request(HttpMethod method, String path) {
        return web.request(method, path).timeout(REQUEST.toMillis());
    }

    public HttpResponse<Buffer> send(HttpRequest<Buffer> request) throws Exception {
        return await(request.send(), REQUEST);
    }

    public HttpResponse<Buffer> send(HttpRequest<Buffer> request, String body) throws Exception {
        return await(request.sendBuffer(Buffer.buffer(body)), REQUEST);
    }

    public HttpResponse<Buffer> get(String path) throws Exception {
        return send(request(HttpMethod.GET, path));
    }

    public HttpResponse<Buffer> post(String path, String json) throws Exception {
        return send(request(HttpMethod.POST, path).putHeader("content-type", "application/json"), json);
    }

    public HttpResponse<Buffer> delete(String path) throws Exception {
        return send(request(HttpMethod.DELETE, path));
    }

    public HttpResponse<Buffer> addStream(String id, String source) throws Exception {
        return post("/api/streams", new JsonObject().put("id", id).put("source", source).encode());
    }

    /** The stream's JSON from GET /api/streams, or null when there is no such stream. */
    public JsonObject stream(String id) throws Exception {
        return await(streamLater(id), REQUEST);
    }

    private Future<JsonObject> streamLater(String id) {
        return request(HttpMethod.GET, "/api/streams").send().map(r -> {
            JsonArray all = r.bodyAsJsonArray();
            for (int i = 0; i < all.size(); i++) {
                if (id.equals(all.getJsonObject(i).getString("id"))) {
                    return all.getJsonObject(i);
                }
            }
            return null;
        });
    }

    /**
     * Waits until {@code /ready} answers 200: the service is up and its model has run its warm-up passes (seconds on
     * a busy machine), so what a test times next is the service, not libtorch optimising its graphs.
     */
    public void awaitReady() throws Exception {
        await(until(() -> request(HttpMethod.GET, "/ready").send(), r -> r.statusCode() == 200, WAIT, "/ready"),
                WAIT.plusSeconds(5));
    }

    /** The stream's JSON once {@code condition} holds for it; fails after {@link #WAIT}. */
    public JsonObject awaitStream(String id, Predicate<JsonObject> condition) throws Exception {
        return await(until(() -> streamLater(id), s -> s != null && condition.test(s), WAIT, "stream " + id),
                WAIT.plusSeconds(5));
    }

    /** Fails unless the stream restores a few more frames within {@link #WAIT}: the service kept serving it. */
    public void assertKeepsServing(String id) throws Exception {
        long before = stream(id).getLong("framesOut");
        awaitStream(id, s -> s.getLong("framesOut") > before + 2);
    }

    /**
     * Asks {@code probe} again every 100 ms on the Vert.x timer until its answer satisfies {@code done}; fails
     * with the last answer after {@code within}. A failed probe counts as a "not yet".
     */
    public <T> Future<T> until(Supplier<Future<T>> probe, Predicate<T> done, Duration within, String what) {
        Promise<T> result = Promise.promise();
        long deadline = System.nanoTime() + within.toNanos();
        new Object() {
            void attempt() {
                probe.get().onComplete(ar -> {
                    if (ar.succeeded() && done.test(ar.result())) {
                        result.complete(ar.result());
                    } else if (System.nanoTime() > deadline) {
                        result.fail(new AssertionError(what + " never got there within " + within.toSeconds() + " s; last: "
                                + (ar.succeeded() ? ar.result() : ar.cause())));
                    } else {
                        vertx.setTimer(POLL_MILLIS, t -> attempt());
                    }
                });
            }
        }.attempt();
        return result.future();
    }

    /** Waits until {@code condition} (of state the test's handlers keep) holds, checking it on the Vert.x timer. */
    public void awaitTrue(BooleanSupplier condition, Duration within, String what) throws Exception {
        await(until(() -> Future.succeededFuture(condition.getAsBoolean()), ok -> ok, within, what),
                within.plusSeconds(5));
    }

    /** Waits for a future on the test's thread (never an event loop); its failure is rethrown as it is. */
    public static <T> T await(Future<T> future, Duration within) throws Exception {
        try {
            return future.await(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no answer within " + within.toSeconds() + " s", e);
        }
    }
}
