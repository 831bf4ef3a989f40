package dev.interir.server.http;

import static dev.interir.server.Processes.ffmpeg;
import static dev.interir.server.Processes.probe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.interir.model.DjlRestorer;
import dev.interir.model.FrameRestorer;
import dev.interir.pipeline.SingleThreadRestorer;
import dev.interir.pipeline.file.JobQueue;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs API over real HTTP (JobRoutes on a bare Vert.x router, the bundled model behind a SingleThreadRestorer).
 * Files are made here with ffmpeg.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(VertxExtension.class)
class JobRoutesIT {
    @TempDir
    static Path tmp;

    private DjlRestorer model;
    private SingleThreadRestorer shared;
    private JobsServer jobs;
    private Path media;
    private final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start(Vertx vertx) throws Exception {
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
        jobs = new JobsServer(vertx, shared, media, tmp.resolve("jobs"), 1024 * 1024, new JobQueue.Limits(16, Duration.ofHours(1)));
        jobs.followEvents(events); // server-sent events, read for the whole class
    }

    @AfterAll
    void stop() throws Exception {
        jobs.close();
        shared.close();
        model.close();
    }

    @Test
    void submitProgressAndDownload() throws Exception {
        HttpResponse<Buffer> r = jobs.submit("{\"input\": \"clip.mp4\"}");
        assertEquals(201, r.statusCode(), r.bodyAsString());
        String id = r.bodyAsJsonObject().getString("id");
        JsonObject done = jobs.awaitJob(id, j -> j.getString("state").equals("done"));
        assertEquals(1.0, done.getDouble("progress"));
        assertEquals(10, done.getLong("framesDone"));
        assertEquals("/api/jobs/" + id + "/result", done.getString("result"));

        HttpResponse<Buffer> file = jobs.client.get(done.getString("result"));
        assertEquals(200, file.statusCode());
        Path got = tmp.resolve("downloaded.mp4");
        Files.write(got, file.body().getBytes());
        assertEquals("10", probe(got, "-count_frames", "-select_streams", "v", "stream=nb_read_frames"));
        assertEquals("aac", probe(got, "-select_streams", "a", "stream=codec_name"));

        JsonArray all = jobs.client.get("/api/jobs").bodyAsJsonArray();
        assertTrue(all.stream().anyMatch(o -> ((JsonObject) o).getString("id").equals(id)));
        jobs.client.awaitTrue(() -> events.stream().anyMatch(e -> e.contains(id) && e.contains("\"state\":\"done\"")),
                JobsServer.WAIT, "SSE 'done' event");
        assertTrue(events.stream().anyMatch(e -> e.startsWith("data: ") && e.contains(id) && e.contains("\"running\"")),
                "SSE 'running' event: " + events);
    }

    @Test
    void uploadIsRestoredToo() throws Exception {
        HttpResponse<Buffer> r = jobs.upload(media.resolve("clip.mp4"), "my clip.mp4");
        assertEquals(201, r.statusCode(), r.bodyAsString());
        JsonObject done = jobs.awaitJob(r.bodyAsJsonObject().getString("id"), j -> j.getString("state").equals("done"));
        assertEquals(10, done.getLong("framesDone"));
    }

    @Test
    void cancelStopsTheJobAndRemovesItsFiles() throws Exception {
        String id = jobs.submit("{\"input\": \"sub/long.mp4\"}").bodyAsJsonObject().getString("id");
        jobs.awaitJob(id, j -> j.getString("state").equals("running") && j.getLong("framesDone") > 0);
        HttpResponse<Buffer> d = jobs.cancel(id);
        assertEquals(200, d.statusCode(), d.bodyAsString());
        jobs.awaitState(id, "cancelled");
        assertEquals(409, jobs.client.get("/api/jobs/" + id + "/result").statusCode());
        assertFalse(Files.exists(tmp.resolve("jobs/results").resolve(id)), "the cancelled job's folder is gone");
        assertEquals(404, jobs.cancel("nope").statusCode());
    }

    @Test
    void pathsOutsideTheMediaFolderAndBadRequestsAreRefused() throws Exception {
        for (String input : List.of("../secret.mp4", "sub/../../secret.mp4", "/etc/passwd", "escape.mp4", "")) {
            HttpResponse<Buffer> r = jobs.submitInput(input);
            assertEquals(400, r.statusCode(), input + ": " + r.bodyAsString());
            assertTrue(r.bodyAsJsonObject().containsKey("error"));
        }
        assertEquals(404, jobs.submit("{\"input\": \"missing.mp4\"}").statusCode());
        assertEquals(400, jobs.submit("not json").statusCode());
        assertEquals(400, jobs.submit("{\"input\": \"clip.mp4\", \"extra\": 1}").statusCode());
        assertEquals(404, jobs.client.get("/api/jobs/unknown").statusCode());
        assertTrue(jobs.client.get("/api/jobs/unknown").bodyAsJsonObject().getString("error").contains("unknown"));
    }
}
