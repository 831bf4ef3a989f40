package dev.interir.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.interir.model.DjlRestorer;
import dev.interir.model.FrameRestorer;
import dev.interir.pipeline.SingleThreadRestorer;
import dev.interir.pipeline.file.JobQueue;
import dev.interir.pipeline.file.VideoFileRestorer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs API's limits over real HTTP: the queue cap (429), the retention of finished jobs, what shutdown and
 * start remove, and the event stream's last word at shutdown. Each test runs its own JobRoutes on one model.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobLimitsTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    static Path tmp;

    private DjlRestorer model;
    private SingleThreadRestorer shared;
    private final Vertx vertx = Vertx.vertx();
    private final HttpClient http = HttpClient.newHttpClient();
    private Path media;

    /** One JobRoutes served over HTTP, closed by the test or at its end. */
    private final class Served implements AutoCloseable {
        final JobRoutes routes;
        final HttpServer server;
        final String base;
        final Path dir;

        Served(Path dir, JobQueue.Limits limits) throws Exception {
            this.dir = dir;
            routes = new JobRoutes(shared, VideoFileRestorer.Options.defaults(), media, dir, 1, 64 * 1024 * 1024, limits);
            Router router = Router.router(vertx);
            routes.mount(router);
            server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            base = "http://127.0.0.1:" + server.actualPort();
        }

        HttpResponse<String> submit(String input) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs")).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("input", input).encode())).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> upload(Path file) throws Exception {
            String boundary = "----interir" + System.nanoTime();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"up.mp4\"\r\n"
                    + "Content-Type: video/mp4\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.write(Files.readAllBytes(file));
            body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            return http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs"))
                    .header("content-type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> get(String path) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
        }

        void cancel(String id) throws Exception {
            http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs/" + id)).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        String awaitState(String id, String state) throws Exception {
            await(() -> {
                try {
                    HttpResponse<String> r = get("/api/jobs/" + id);
                    return r.statusCode() == 200 && state.equals(new JsonObject(r.body()).getString("state"));
                } catch (Exception e) {
                    return false;
                }
            }, "job " + id + " " + state);
            return id;
        }

        @Override
        public void close() throws Exception {
            routes.close();
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @BeforeAll
    void start() throws Exception {
        media = Files.createDirectories(tmp.resolve("media"));
        JobRoutesTest.ffmpeg("-f", "lavfi", "-i", "testsrc2=size=128x96:rate=10", "-t", "1", "-c:v", "libx264",
                "-pix_fmt", "yuv420p", media.resolve("clip.mp4").toString());
        JobRoutesTest.ffmpeg("-f", "lavfi", "-i", "testsrc2=size=128x96:rate=10", "-t", "60", "-c:v", "libx264",
                "-pix_fmt", "yuv420p", media.resolve("long.mp4").toString());
        model = DjlRestorer.loadBundled("live", Device.cpu());
        shared = new SingleThreadRestorer(new FrameRestorer(model), true);
    }

    @AfterAll
    void stop() {
        vertx.close();
        shared.close();
        model.close();
    }

    @Test
    void pastTheQueueCapJobsAndUploadsGet429() throws Exception {
        try (Served s = new Served(tmp.resolve("cap"), new JobQueue.Limits(1, Duration.ofHours(1)))) {
            String running = id(s.submit("long.mp4"));
            s.awaitState(running, "running");
            HttpResponse<String> queued = s.submit("clip.mp4");
            assertEquals(201, queued.statusCode(), queued.body());
            for (HttpResponse<String> r : List.of(s.submit("clip.mp4"), s.upload(media.resolve("clip.mp4")))) {
                assertEquals(429, r.statusCode(), r.body());
                assertTrue(new JsonObject(r.body()).getString("error").contains("full"), r.body());
            }
            assertEquals(List.of(), listTree(s.dir.resolve("uploads")), "a refused upload leaves nothing");
            s.cancel(id(queued));
            s.awaitState(id(queued), "cancelled");
            assertEquals(201, s.submit("clip.mp4").statusCode(), "room again once the waiting job left");
            s.cancel(running);
        }
    }

    @Test
    void finishedJobsAndTheirFilesArePrunedAfterTheRetentionTime() throws Exception {
        try (Served s = new Served(tmp.resolve("prune"), new JobQueue.Limits(4, Duration.ofSeconds(1)))) {
            String id = s.awaitState(id(s.submit("clip.mp4")), "done");
            Path folder = s.dir.resolve("results").resolve(id);
            await(() -> {
                try {
                    return s.get("/api/jobs/" + id).statusCode() == 404 && !Files.exists(folder);
                } catch (Exception e) {
                    return false;
                }
            }, "job " + id + " pruned");
        }
    }

    @Test
    void shutdownCancelsJobsRemovesUploadsAndSendsEachSubscriberTheFinalState() throws Exception {
        Served s = new Served(tmp.resolve("shutdown"), new JobQueue.Limits(4, Duration.ofHours(1)));
        List<String> events = new CopyOnWriteArrayList<>();
        CompletableFuture<HttpResponse<Void>> stream = http.sendAsync(
                HttpRequest.newBuilder(URI.create(s.base + "/api/jobs/events")).build(),
                HttpResponse.BodyHandlers.ofLines()).thenApply(r -> {
                    r.body().forEach(events::add);
                    return null;
                });
        String running = s.awaitState(id(s.submit("long.mp4")), "running");
        HttpResponse<String> up = s.upload(media.resolve("clip.mp4"));
        assertEquals(201, up.statusCode(), up.body());
        String queuedUpload = id(up);
        assertFalse(listTree(s.dir.resolve("uploads")).isEmpty(), "the queued job's upload waits on disk");

        s.close();

        stream.get(10, TimeUnit.SECONDS); // the event stream was ended, not cut
        for (String id : List.of(running, queuedUpload)) {
            String last = events.stream().filter(e -> e.contains("\"id\":\"" + id + "\"")).reduce((a, b) -> b).orElseThrow();
            assertTrue(last.contains("\"state\":\"cancelled\""), "last event of " + id + ": " + last);
        }
        assertEquals(List.of(), listTree(s.dir.resolve("uploads")), "no upload outlives its unfinished job");
        assertEquals(List.of(), listTree(s.dir.resolve("results")), "no partial result is left");
    }

    @Test
    void whatAnEarlierRunLeftIsRemovedAtStart() throws Exception {
        Path dir = tmp.resolve("restart");
        Path upload = Files.createDirectories(dir.resolve("uploads/1234abcd")).resolve("x.mp4");
        Files.writeString(upload, "an upload whose job died with the last run");
        Files.writeString(dir.resolve("uploads/vertx-upload-in-flight"), "cut off mid-upload");
        Path partial = Files.createDirectories(dir.resolve("results/deadbeef"));
        Files.writeString(partial.resolve(".clip.partial.mp4"), "half written");
        Path old = Files.createDirectories(dir.resolve("results/0ld0ld00"));
        Files.writeString(old.resolve("clip.mp4"), "finished long ago");
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Path recent = Files.createDirectories(dir.resolve("results/fresh000"));
        Files.writeString(recent.resolve("clip.mp4"), "finished a moment ago");

        try (Served s = new Served(dir, new JobQueue.Limits(4, Duration.ofHours(1)))) {
            assertEquals(List.of(), listTree(dir.resolve("uploads")));
            assertFalse(Files.exists(partial), "a job the last run did not finish");
            assertFalse(Files.exists(old), "a result past the retention time");
            assertTrue(Files.exists(recent.resolve("clip.mp4")), "a recent result stays for its retention time");
        }
    }

    private static String id(HttpResponse<String> r) {
        assertEquals(201, r.statusCode(), r.body());
        return new JsonObject(r.body()).getString("id");
    }

    private static List<Path> listTree(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (var s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).toList();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
