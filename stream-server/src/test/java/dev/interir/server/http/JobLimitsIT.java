package dev.interir.server.http;

import static dev.interir.server.Processes.ffmpeg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.interir.model.DjlRestorer;
import dev.interir.model.FrameRestorer;
import dev.interir.pipeline.SingleThreadRestorer;
import dev.interir.pipeline.file.JobQueue;
import dev.interir.server.ServiceClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs API's limits over real HTTP: the queue cap (429), the retention of finished jobs, what shutdown and
 * start remove, and the event stream's last word at shutdown. Each test runs its own JobRoutes on one model.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(VertxExtension.class)
class JobLimitsIT {
    @TempDir
    static Path tmp;

    private DjlRestorer model;
    private SingleThreadRestorer shared;
    private Vertx vertx;
    private Path media;

    /** One jobs API served over HTTP, closed by the test or at its end. */
    private JobsServer serve(Path dir, JobQueue.Limits limits) throws Exception {
        return new JobsServer(vertx, shared, media, dir, 64 * 1024 * 1024, limits);
    }

    @BeforeAll
    void start(Vertx vertx) throws Exception {
        this.vertx = vertx;
        media = Files.createDirectories(tmp.resolve("media"));
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=128x96:rate=10", "-t", "1", "-c:v", "libx264",
                "-pix_fmt", "yuv420p", media.resolve("clip.mp4").toString());
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=128x96:rate=10", "-t", "60", "-c:v", "libx264",
                "-pix_fmt", "yuv420p", media.resolve("long.mp4").toString());
        model = DjlRestorer.loadBundled("live", Device.cpu());
        shared = new SingleThreadRestorer(new FrameRestorer(model), true);
    }

    @AfterAll
    void stop() {
        shared.close();
        model.close();
    }

    @Test
    void pastTheQueueCapJobsAndUploadsGet429() throws Exception {
        try (JobsServer s = serve(tmp.resolve("cap"), new JobQueue.Limits(1, Duration.ofHours(1)))) {
            String running = id(s.submitInput("long.mp4"));
            s.awaitState(running, "running");
            HttpResponse<Buffer> queued = s.submitInput("clip.mp4");
            assertEquals(201, queued.statusCode(), queued.bodyAsString());
            for (HttpResponse<Buffer> r : List.of(s.submitInput("clip.mp4"), s.upload(media.resolve("clip.mp4"), "up.mp4"))) {
                assertEquals(429, r.statusCode(), r.bodyAsString());
                assertTrue(r.bodyAsJsonObject().getString("error").contains("full"), r.bodyAsString());
            }
            assertEquals(List.of(), listTree(s.dir.resolve("uploads")), "a refused upload leaves nothing");
            s.cancel(id(queued));
            s.awaitState(id(queued), "cancelled");
            assertEquals(201, s.submitInput("clip.mp4").statusCode(), "room again once the waiting job left");
            s.cancel(running);
        }
    }

    @Test
    void finishedJobsAndTheirFilesArePrunedAfterTheRetentionTime() throws Exception {
        try (JobsServer s = serve(tmp.resolve("prune"), new JobQueue.Limits(4, Duration.ofSeconds(1)))) {
            String id = s.awaitState(id(s.submitInput("clip.mp4")), "done");
            Path folder = s.dir.resolve("results").resolve(id);
            ServiceClient.await(s.client.until(() -> s.client.request(HttpMethod.GET, "/api/jobs/" + id).send(),
                    r -> r.statusCode() == 404 && !Files.exists(folder), JobsServer.WAIT, "job " + id + " pruned"),
                    JobsServer.WAIT.plusSeconds(5));
        }
    }

    @Test
    void shutdownCancelsJobsRemovesUploadsAndSendsEachSubscriberTheFinalState() throws Exception {
        JobsServer s = serve(tmp.resolve("shutdown"), new JobQueue.Limits(4, Duration.ofHours(1)));
        List<String> events = new CopyOnWriteArrayList<>();
        Future<Void> stream = s.followEvents(events);
        String running = s.awaitState(id(s.submitInput("long.mp4")), "running");
        HttpResponse<Buffer> up = s.upload(media.resolve("clip.mp4"), "up.mp4");
        assertEquals(201, up.statusCode(), up.bodyAsString());
        String queuedUpload = id(up);
        assertFalse(listTree(s.dir.resolve("uploads")).isEmpty(), "the queued job's upload waits on disk");

        s.close();

        ServiceClient.await(stream, Duration.ofSeconds(10)); // the event stream was ended, not cut
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

        try (JobsServer s = serve(dir, new JobQueue.Limits(4, Duration.ofHours(1)))) {
            assertEquals(List.of(), listTree(dir.resolve("uploads")));
            assertFalse(Files.exists(partial), "a job the last run did not finish");
            assertFalse(Files.exists(old), "a result past the retention time");
            assertTrue(Files.exists(recent.resolve("clip.mp4")), "a recent result stays for its retention time");
        }
    }

    private static String id(HttpResponse<Buffer> r) {
        assertEquals(201, r.statusCode(), r.bodyAsString());
        return r.bodyAsJsonObject().getString("id");
    }

    private static List<Path> listTree(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (var s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).toList();
        }
    }
}
