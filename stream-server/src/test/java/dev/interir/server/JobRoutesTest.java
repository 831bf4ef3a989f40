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
import io.vertx.core.json.JsonArray;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The jobs API over real HTTP (JobRoutes on a bare Vert.x router, the bundled model behind a SingleThreadRestorer),
 * and the `restore` command on a folder with a good and a broken video. Files are made here with ffmpeg.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobRoutesTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    static Path tmp;

    private DjlRestorer model;
    private SingleThreadRestorer shared;
    private JobRoutes routes;
    private final Vertx vertx = Vertx.vertx();
    private HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private String base;
    private Path media;
    private final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() throws Exception {
        media = Files.createDirectories(tmp.resolve("media"));
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=128x96:rate=10", "-f", "lavfi", "-i", "sine", "-t", "1",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", media.resolve("clip.mp4").toString());
        Files.createDirectories(media.resolve("sub"));
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=128x96:rate=10", "-t", "30", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                media.resolve("sub/long.mp4").toString());
        Files.writeString(tmp.resolve("secret.mp4"), "outside the media folder");
        Files.createSymbolicLink(media.resolve("escape.mp4"), tmp.resolve("secret.mp4"));

        model = DjlRestorer.loadBundled("live", Device.cpu());
        shared = new SingleThreadRestorer(new FrameRestorer(model), true);
        routes = new JobRoutes(shared, VideoFileRestorer.Options.defaults(), media, tmp.resolve("jobs"), 1, 1024 * 1024,
                new JobQueue.Limits(16, Duration.ofHours(1)));
        Router router = Router.router(vertx);
        routes.mount(router);
        server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        base = "http://127.0.0.1:" + server.actualPort();
        // server-sent events, read for the whole class
        http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/api/jobs/events")).build(),
                HttpResponse.BodyHandlers.ofLines()).thenAccept(r -> r.body().forEach(events::add));
    }

    @AfterAll
    void stop() throws Exception {
        routes.close();
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close();
        shared.close();
        model.close();
    }

    @Test
    void submitProgressAndDownload() throws Exception {
        HttpResponse<String> r = post("{\"input\": \"clip.mp4\"}");
        assertEquals(201, r.statusCode(), r.body());
        String id = new JsonObject(r.body()).getString("id");
        JsonObject done = await(id, j -> j.getString("state").equals("done"));
        assertEquals(1.0, done.getDouble("progress"));
        assertEquals(10, done.getLong("framesDone"));
        assertEquals("/api/jobs/" + id + "/result", done.getString("result"));

        HttpResponse<byte[]> file = http.send(HttpRequest.newBuilder(URI.create(base + done.getString("result"))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, file.statusCode());
        Path got = tmp.resolve("downloaded.mp4");
        Files.write(got, file.body());
        assertEquals("10", probe(got, "-count_frames", "-select_streams", "v", "stream=nb_read_frames"));
        assertEquals("aac", probe(got, "-select_streams", "a", "stream=codec_name"));

        JsonArray all = new JsonArray(get("/api/jobs").body());
        assertTrue(all.stream().anyMatch(o -> ((JsonObject) o).getString("id").equals(id)));
        awaitTrue(() -> events.stream().anyMatch(e -> e.contains(id) && e.contains("\"state\":\"done\"")), "SSE 'done' event");
        assertTrue(events.stream().anyMatch(e -> e.startsWith("data: ") && e.contains(id) && e.contains("\"running\"")),
                "SSE 'running' event: " + events);
    }

    @Test
    void uploadIsRestoredToo() throws Exception {
        String boundary = "----interir" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"my clip.mp4\"\r\n"
                + "Content-Type: video/mp4\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(media.resolve("clip.mp4")));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs"))
                .header("content-type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        JsonObject done = await(new JsonObject(r.body()).getString("id"), j -> j.getString("state").equals("done"));
        assertEquals(10, done.getLong("framesDone"));
    }

    @Test
    void cancelStopsTheJobAndRemovesItsFiles() throws Exception {
        String id = new JsonObject(post("{\"input\": \"sub/long.mp4\"}").body()).getString("id");
        await(id, j -> j.getString("state").equals("running") && j.getLong("framesDone") > 0);
        HttpResponse<String> d = http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs/" + id)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, d.statusCode(), d.body());
        await(id, j -> j.getString("state").equals("cancelled"));
        assertEquals(409, get("/api/jobs/" + id + "/result").statusCode());
        assertFalse(Files.exists(tmp.resolve("jobs/results").resolve(id)), "the cancelled job's folder is gone");
        assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs/nope")).DELETE().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void pathsOutsideTheMediaFolderAndBadRequestsAreRefused() throws Exception {
        for (String input : List.of("../secret.mp4", "sub/../../secret.mp4", "/etc/passwd", "escape.mp4", "")) {
            HttpResponse<String> r = post(new JsonObject().put("input", input).encode());
            assertEquals(400, r.statusCode(), input + ": " + r.body());
            assertTrue(new JsonObject(r.body()).containsKey("error"));
        }
        assertEquals(404, post("{\"input\": \"missing.mp4\"}").statusCode());
        assertEquals(400, post("not json").statusCode());
        assertEquals(400, post("{\"input\": \"clip.mp4\", \"extra\": 1}").statusCode());
        assertEquals(404, get("/api/jobs/unknown").statusCode());
        assertTrue(new JsonObject(get("/api/jobs/unknown").body()).getString("error").contains("unknown"));
    }

    @Test
    void cliRestoresTheGoodFilesAndFailsForTheBrokenOne() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("cli-in"));
        Files.copy(media.resolve("clip.mp4"), in.resolve("a.mp4"));
        ffmpeg("-f", "lavfi", "-i", "sine", "-t", "1", "-c:a", "aac", in.resolve("b-audio-only.mp4").toString());
        Path out = tmp.resolve("cli-out");
        int code = new CommandLine(new RestoreCommand()).execute(in.toString(), "--out", out.toString(),
                "--progress", "lines", "--bitrate", "300k");
        assertEquals(1, code, "one file failed");
        assertEquals("10", probe(out.resolve("a.mp4"), "-count_frames", "-select_streams", "v", "stream=nb_read_frames"));
        try (var s = Files.list(out)) {
            assertEquals(List.of(out.resolve("a.mp4")), s.toList(), "nothing else, no partial files");
        }
    }

    // ---- helpers

    private HttpResponse<String> post(String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs")).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonObject await(String id, Predicate<JsonObject> until) throws Exception {
        long end = System.nanoTime() + WAIT.toNanos();
        JsonObject last = null;
        while (System.nanoTime() < end) {
            HttpResponse<String> r = get("/api/jobs/" + id);
            assertEquals(200, r.statusCode(), r.body());
            last = new JsonObject(r.body());
            if (until.test(last)) {
                return last;
            }
            assertFalse(last.getString("state").equals("failed"), "job failed: " + last);
            Thread.sleep(100);
        }
        throw new AssertionError("job " + id + " never got there: " + last);
    }

    private static void awaitTrue(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    static void ffmpeg(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-v", "error", "-y"));
        cmd.addAll(List.of(args));
        run(cmd);
    }

    static String probe(Path f, String... what) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ffprobe", "-v", "error"));
        for (int i = 0; i < what.length - 1; i++) {
            cmd.add(what[i]);
        }
        cmd.addAll(List.of("-show_entries", what[what.length - 1], "-of", "default=nw=1:nk=1", f.toString()));
        return run(cmd).strip();
    }

    static String run(List<String> cmd) throws Exception {
        return StreamServiceTest.run(cmd.toArray(String[]::new));
    }
}
