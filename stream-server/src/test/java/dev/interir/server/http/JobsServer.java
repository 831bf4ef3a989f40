package dev.interir.server.http;

import dev.interir.pipeline.SharedRestorer;
import dev.interir.pipeline.file.JobQueue;
import dev.interir.pipeline.file.VideoFileRestorer;
import dev.interir.server.ServiceClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.multipart.MultipartForm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * The jobs API alone over real HTTP: a {@link JobQueue} (one job at a time) on a shared restorer, its
 * {@link JobRoutes} on a bare Vert.x router, and a Vert.x client for it. Closed as the service closes it.
 */
final class JobsServer implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(90);

    final Path dir;
    final ServiceClient client;
    private final Vertx vertx;
    private final JobQueue queue;
    private final JobRoutes routes;
    private final HttpServer server;

    /** @param dir the jobs folder: {@code results/} and {@code uploads/} */
    JobsServer(Vertx vertx, SharedRestorer restorer, Path media, Path dir, long maxUploadBytes, JobQueue.Limits limits)
            throws Exception {
        this.vertx = vertx;
        this.dir = dir;
        queue = new JobQueue(new VideoFileRestorer(restorer, VideoFileRestorer.Options.defaults()), dir.resolve("results"),
                1, limits);
        routes = new JobRoutes(queue, new MediaFolder(media), dir.resolve("uploads"), maxUploadBytes);
        Router router = Router.router(vertx);
        routes.mount(router);
        server = ServiceClient.await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"),
                Duration.ofSeconds(30));
        client = new ServiceClient(vertx, server.actualPort());
    }

    HttpResponse<Buffer> submit(String json) throws Exception {
        return client.post("/api/jobs", json);
    }

    HttpResponse<Buffer> submitInput(String input) throws Exception {
        return submit(new JsonObject().put("input", input).encode());
    }

    HttpResponse<Buffer> upload(Path file, String name) throws Exception {
        return ServiceClient.await(client.request(HttpMethod.POST, "/api/jobs").sendMultipartForm(
                MultipartForm.create().binaryFileUpload("file", name, file.toString(), "video/mp4")), WAIT);
    }

    HttpResponse<Buffer> cancel(String id) throws Exception {
        return client.delete("/api/jobs/" + id);
    }

    /** The job's JSON once {@code condition} holds; fails at once if the job failed. */
    JsonObject awaitJob(String id, Predicate<JsonObject> condition) throws Exception {
        HttpResponse<Buffer> r = ServiceClient.await(client.until(
                () -> client.request(HttpMethod.GET, "/api/jobs/" + id).send(),
                got -> got.statusCode() != 200 || condition.test(got.bodyAsJsonObject())
                        || "failed".equals(got.bodyAsJsonObject().getString("state")),
                WAIT, "job " + id), WAIT.plusSeconds(5));
        if (r.statusCode() != 200 || "failed".equals(r.bodyAsJsonObject().getString("state"))) {
            throw new AssertionError("job " + id + ": " + r.statusCode() + " " + r.bodyAsString());
        }
        return r.bodyAsJsonObject();
    }

    String awaitState(String id, String state) throws Exception {
        awaitJob(id, j -> state.equals(j.getString("state")));
        return id;
    }

    /**
     * Follows {@code /api/jobs/events}: each line of the stream goes into {@code lines} as it comes; the future
     * completes when the server ends the stream.
     */
    Future<Void> followEvents(List<String> lines) {
        Promise<Void> ended = Promise.promise();
        vertx.createHttpClient().request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/api/jobs/events")
                .compose(req -> req.send())
                .onSuccess((HttpClientResponse resp) -> {
                    resp.handler(RecordParser.newDelimited("\n", line -> lines.add(line.toString())));
                    resp.endHandler(v -> ended.tryComplete());
                    resp.exceptionHandler(ended::tryFail);
                })
                .onFailure(ended::tryFail);
        return ended.future();
    }

    @Override
    public void close() throws Exception {
        queue.close(); // first, as the service does: the event streams hear each cancelled job end
        routes.close();
        ServiceClient.await(server.close(), Duration.ofSeconds(10));
    }
}
