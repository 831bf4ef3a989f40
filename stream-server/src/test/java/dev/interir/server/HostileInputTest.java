package dev.interir.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input against a running service: each one ends with a clear 4xx or with an error for that stream
 * alone, while a healthy stream keeps being restored. Prints what each input got.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputTest {
    @TempDir
    static Path tmp;

    private InterirService service;
    private Path media;
    private ServiceClient client;

    @BeforeAll
    void start() throws Exception {
        media = Files.createDirectories(tmp.resolve("media"));
        StreamServiceTest.run("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=10", "-t", "2",
                "-pix_fmt", "yuv420p", media.resolve("good.mp4").toString());
        byte[] good = Files.readAllBytes(media.resolve("good.mp4"));
        Files.write(media.resolve("truncated.mp4"), java.util.Arrays.copyOf(good, good.length / 3));
        byte[] garbage = new byte[64 * 1024];
        new java.util.Random(1).nextBytes(garbage);
        Files.write(media.resolve("garbage.mp4"), garbage);
        StreamServiceTest.run("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                media.resolve("audio-only.m4a").toString());
        // absurd resolution: over the configured frame-size limit
        StreamServiceTest.run("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:size=4096x2304:rate=1",
                "-t", "1", "-c:v", "mpeg4", media.resolve("huge.avi").toString());
        Files.createSymbolicLink(media.resolve("escape.mp4"), Path.of("/etc/passwd"));

        ServiceConfig cfg = ServiceClient.testConfig(tmp);
        cfg.media.dir = media.toString();
        cfg.pipeline.maxStreams = 6;
        ServiceConfig.StreamEntry steady = new ServiceConfig.StreamEntry();
        steady.id = "steady";
        steady.source = "file:" + media.resolve("good.mp4");
        cfg.streams = List.of(steady);
        service = InterirService.start(cfg);
        client = new ServiceClient(service.port());
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void refusedSourcesGet400() throws Exception {
        Map<String, HttpResponse<String>> got = new LinkedHashMap<>();
        for (String source : List.of("concat:good.mp4|good.mp4", "subfile:,,start,0,end,0,,:/etc/passwd",
                "http://169.254.169.254/latest/meta-data/", "https://example.com/x.mp4", "ftp://x/y", "gopher://x",
                "file:/etc/passwd", "file:../../etc/passwd", "file:escape.mp4", "file:nothere.mp4", "/etc/passwd",
                "v4l2:/etc/shadow", "rtsp://", "javascript:alert(1)", "")) {
            HttpResponse<String> r = client.addStream("x", source);
            got.put(source, r);
            assertEquals(400, r.statusCode(), source + " -> " + r.body());
            assertFalse(new JsonObject(r.body()).getString("error").isBlank());
        }
        got.forEach((k, v) -> System.out.printf("hostile source %-45s -> %d %s%n", "'" + k + "'", v.statusCode(), v.body()));
        assertSteadyKeepsServing();
    }

    @Test
    void brokenFilesFailTheirStreamOnly() throws Exception {
        for (String name : List.of("truncated.mp4", "garbage.mp4", "audio-only.m4a", "huge.avi")) {
            String id = name.replaceAll("[^a-z]", "");
            assertEquals(201, client.addStream(id, "file:" + name).statusCode(), name);
            JsonObject s = awaitFailedOrLive(id);
            System.out.printf("hostile file %-16s -> status %s, error: %s%n", name, s.getString("status"), s.getString("error"));
            if (!name.equals("truncated.mp4")) {
                // a truncated file may still yield its first frames; the others must fail with a reason
                assertEquals("failed", s.getString("status"), name + ": " + s.encode());
                assertFalse(s.getString("error", "").isBlank(), s.encode());
            }
            client.delete("/api/streams/" + id);
        }
        assertSteadyKeepsServing();
    }

    @Test
    void limitsAndMalformedRequests() throws Exception {
        assertEquals(413, client.post("/api/streams", "{\"id\":\"x\",\"source\":\"" + "a".repeat(200_000) + "\"}").statusCode());
        assertEquals(400, client.post("/api/streams", "{\"id\":\"x\",\"source\":\"rtsp://h/x\",\"id2\":1}").statusCode());
        assertEquals(400, client.post("/api/streams", "{\"id\":\"x\",").statusCode());
        assertEquals(400, client.post("/api/streams", "{\"id\":7,\"source\":\"rtsp://h/x\"}").statusCode());
        assertEquals(400, client.post("/api/streams", "{\"id\":\"" + "x".repeat(65) + "\",\"source\":\"rtsp://h/x\"}").statusCode());
        // fill up to the stream limit with unreachable cameras: the next one is refused with 409
        int added = 0;
        for (int i = 0; i < 10; i++) {
            if (client.addStream("cam" + i, "rtsp://127.0.0.1:1/none").statusCode() == 201) {
                added++;
            } else {
                break;
            }
        }
        HttpResponse<String> over = client.addStream("onemore", "rtsp://127.0.0.1:1/none");
        assertEquals(409, over.statusCode(), over.body());
        assertTrue(over.body().contains("limit"), over.body());
        for (int i = 0; i < added; i++) {
            client.delete("/api/streams/cam" + i);
        }
        assertSteadyKeepsServing();
    }

    private JsonObject awaitFailedOrLive(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonObject last = null;
        while (System.nanoTime() < deadline) {
            last = client.stream(id);
            if (last != null && ("failed".equals(last.getString("status"))
                    || "live".equals(last.getString("status")) && last.getLong("framesOut") > 0)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(id + " neither failed nor played; last: " + last);
    }

    private void assertSteadyKeepsServing() throws Exception {
        client.assertKeepsServing("steady");
    }






}
