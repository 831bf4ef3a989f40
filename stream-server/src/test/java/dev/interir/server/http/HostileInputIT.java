package dev.interir.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interir.server.InterirService;
import dev.interir.server.Processes;
import dev.interir.server.ServiceClient;
import dev.interir.server.config.ServiceConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile input against a running service: each one ends with a clear 4xx or with an error for that stream
 * alone, while a healthy stream keeps being restored. Prints what each input got.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(VertxExtension.class)
class HostileInputIT {
    @TempDir
    static Path tmp;

    private InterirService service;
    private Path media;
    /** A playable video outside the media folder: what a client must not reach. */
    private Path outside;
    private ServiceClient client;

    @BeforeAll
    void start(Vertx vertx) throws Exception {
        media = Files.createDirectories(tmp.resolve("media"));
        Processes.ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=10", "-t", "2",
                "-pix_fmt", "yuv420p", media.resolve("good.mp4").toString());
        byte[] good = Files.readAllBytes(media.resolve("good.mp4"));
        Files.write(media.resolve("truncated.mp4"), java.util.Arrays.copyOf(good, good.length / 3));
        byte[] garbage = new byte[64 * 1024];
        new java.util.Random(1).nextBytes(garbage);
        Files.write(media.resolve("garbage.mp4"), garbage);
        Processes.ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                media.resolve("audio-only.m4a").toString());
        // absurd resolution: over the configured frame-size limit
        Processes.ffmpeg("-f", "lavfi", "-i", "color=c=gray:size=4096x2304:rate=1",
                "-t", "1", "-c:v", "mpeg4", media.resolve("huge.avi").toString());
        Files.createSymbolicLink(media.resolve("escape.mp4"), Path.of("/etc/passwd"));
        outside = Files.copy(media.resolve("good.mp4"), tmp.resolve("outside.mp4"));
        Files.createSymbolicLink(media.resolve("escape-to-video.mp4"), outside);
        Files.createSymbolicLink(media.resolve("escape-to-nothing.mp4"), tmp.resolve("missing-outside.mp4"));

        ServiceConfig cfg = ServiceClient.testConfig(tmp);
        cfg.media.dir = media.toString();
        cfg.pipeline.maxStreams = 6;
        cfg.streams = List.of(ServiceClient.streamEntry("steady", "file:" + media.resolve("good.mp4"), null));
        service = InterirService.start(cfg);
        client = new ServiceClient(vertx, service.port());
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void refusedSourcesGet400() throws Exception {
        Map<String, HttpResponse<Buffer>> got = new LinkedHashMap<>();
        for (String source : List.of("concat:good.mp4|good.mp4", "subfile:,,start,0,end,0,,:/etc/passwd",
                "http://169.254.169.254/latest/meta-data/", "https://example.com/x.mp4", "ftp://x/y", "gopher://x",
                "file:/etc/passwd", "file:../../etc/passwd", "file:escape.mp4", "file:nothere.mp4", "/etc/passwd",
                "v4l2:/etc/shadow", "rtsp://", "javascript:alert(1)", "")) {
            HttpResponse<Buffer> r = client.addStream("x", source);
            got.put(source, r);
            assertEquals(400, r.statusCode(), source + " -> " + r.bodyAsString());
            assertFalse(new JsonObject(r.bodyAsString()).getString("error").isBlank());
        }
        got.forEach((k, v) -> System.out.printf("hostile source %-45s -> %d %s%n", "'" + k + "'", v.statusCode(), v.bodyAsString()));
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
        HttpResponse<Buffer> over = client.addStream("onemore", "rtsp://127.0.0.1:1/none");
        assertEquals(409, over.statusCode(), over.bodyAsString());
        assertTrue(over.bodyAsString().contains("limit"), over.bodyAsString());
        for (int i = 0; i < added; i++) {
            client.delete("/api/streams/cam" + i);
        }
        assertSteadyKeepsServing();
    }

    /**
     * Whitespace, control and invisible characters, look-alike and encoded schemes, and over-long values: each is
     * refused with a 400 and no stream is created (once a leading space let a file outside the media folder play).
     */
    @ParameterizedTest
    @MethodSource("hostileSources")
    void paddedInvisibleEncodedAndOverlongSourcesGet400(String source) throws Exception {
        HttpResponse<Buffer> r = client.addStream("hostile", source);
        if (r.statusCode() == 201) {
            client.delete("/api/streams/hostile");
        }
        assertEquals(400, r.statusCode(), printable(source) + " -> " + r.bodyAsString());
        assertFalse(new JsonObject(r.bodyAsString()).getString("error").isBlank());
        assertFalse(r.bodyAsString().contains("no readable file"), "an error tells nothing about files outside: " + r.bodyAsString());
        assertEquals(null, client.stream("hostile"));
    }

    Stream<String> hostileSources() {
        String out = outside.toString();
        List<String> prefixes = List.of(" ", "\t", "\n", "\r\n", "\u0001", "\u0000", "\u007f", "\u0085", "\u00a0", "\u200b",
                "\ufeff", "\u2028", "\u202e", "\u3000", "\ud800");
        Stream<String> padded = prefixes.stream().flatMap(p -> Stream.of(p + "file:" + out, p + "file:good.mp4",
                "file:good.mp4" + p, p + "rtsp://127.0.0.1:1/x"));
        Stream<String> others = Stream.of("file:" + out, "FILE:" + out, "File:../outside.mp4", "file:sub/../../outside.mp4",
                "file:%2e%2e/outside.mp4", "file:..%2Foutside.mp4", "file:escape-to-video.mp4", "file:escape-to-nothing.mp4",
                "file:\\..\\outside.mp4", "file:C:/outside.mp4", "f\u0131le:" + out, "\uff46ile:" + out, "file\uff1a" + out,
                "%66ile:" + out, "file:good.mp4\u0000.txt", "file:" + "a/".repeat(600) + "good.mp4",
                "rtsp://127.0.0.1:1/" + "a".repeat(3000), "rtsp://127.0.0.1:1/a b", "rt\u017fp://127.0.0.1:1/x", "file:");
        return Stream.concat(padded, others);
    }

    /**
     * Whether a path outside the media folder exists never shows: a refused path gets the same answer whether its
     * target is a playable video or nothing at all.
     */
    @Test
    void refusalsDoNotTellWhetherAnOutsidePathExists() throws Exception {
        String missing = tmp.resolve("missing-outside.mp4").toString();
        for (String[] pair : new String[][]{
                {"file:" + outside, "file:" + missing},
                {" file:" + outside, " file:" + missing},
                {"file:../outside.mp4", "file:../missing-outside.mp4"},
                {"file:escape-to-video.mp4", "file:escape-to-nothing.mp4"}}) {
            HttpResponse<Buffer> exists = client.addStream("probe", pair[0]);
            HttpResponse<Buffer> absent = client.addStream("probe", pair[1]);
            assertEquals(400, exists.statusCode(), pair[0] + " -> " + exists.bodyAsString());
            assertEquals(exists.statusCode(), absent.statusCode(), pair[1] + " -> " + absent.bodyAsString());
            assertEquals(exists.bodyAsString(), absent.bodyAsString().replace("missing-outside", "outside").replace("nothing", "video"));
        }
    }

    /**
     * A source as long as the body cap allows is answered at once, and /health stays quick meanwhile: nothing on
     * the event loop takes time growing faster than the input (a 60,000-character source once froze the server).
     */
    @Test
    void aSixtyFourKibSourceIsAnsweredQuicklyAndHealthStaysResponsive() throws Exception {
        AtomicLong slowestHealthNanos = new AtomicLong();
        AtomicBoolean probing = new AtomicBoolean(true);
        Thread prober = new Thread(() -> {
            while (probing.get()) {
                long t0 = System.nanoTime();
                try {
                    assertEquals(200, client.get("/health").statusCode());
                } catch (Exception e) {
                    slowestHealthNanos.set(Long.MAX_VALUE);
                    return;
                }
                slowestHealthNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
                LockSupport.parkNanos(20_000_000);
            }
        }, "health-prober");
        prober.start();
        try {
            int fits = 64 * 1024 - "{\"id\":\"long\",\"source\":\"\"}".length() - "rtsp://".length() - 16;
            for (String source : List.of("rtsp://" + "a".repeat(fits), "rtsp://" + "a:".repeat(fits / 2),
                    "rtsp://" + "u".repeat(fits - 3) + "@h/", "rtsp://" + "a://".repeat(fits / 4))) {
                long t0 = System.nanoTime();
                HttpResponse<Buffer> r = client.addStream("long", source);
                long millis = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(400, r.statusCode(), r.bodyAsString());
                assertTrue(millis < 2000, source.length() + " characters took " + millis + " ms");
                assertTrue(r.bodyAsString().length() < 1000, "the error repeats at most the start of the source");
            }
            long t0 = System.nanoTime();
            assertEquals(413, client.addStream("long", "rtsp://" + "a".repeat(64 * 1024)).statusCode());
            assertEquals(200, client.get("/api/streams").statusCode());
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "over the body cap: refused at once");
        } finally {
            probing.set(false);
            prober.join();
        }
        assertTrue(slowestHealthNanos.get() < 1_000_000_000L, "slowest /health: " + slowestHealthNanos.get() / 1_000_000 + " ms");
        assertEquals(null, client.stream("long"));
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(80).forEach(cp -> b.append(cp < 0x20 || cp > 0x7e ? String.format("\\u%04x", cp) : String.valueOf((char) cp)));
        return b.append(s.length() > 80 ? "…(" + s.length() + " chars)" : "").toString();
    }

    private JsonObject awaitFailedOrLive(String id) throws Exception {
        return client.awaitStream(id, s -> "failed".equals(s.getString("status"))
                || "live".equals(s.getString("status")) && s.getLong("framesOut") > 0);
    }

    private void assertSteadyKeepsServing() throws Exception {
        client.assertKeepsServing("steady");
    }
}
