package dev.interir.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service end to end with real parts: a GStreamer RTSP camera on loopback, the HTTP/WebSocket server, FFmpeg
 * writing HLS, ffprobe reading it back. One service (one model load) serves all tests; a looping file stream
 * ("steady") runs throughout and must keep advancing whatever the other tests do to the service.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamServiceTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path tmp;

    private InterirService service;
    private RtspCamera camera;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Vertx vertx = Vertx.vertx();
    private final WebSocketClient wsClient = vertx.createWebSocketClient();

    @BeforeAll
    void startService() throws Exception {
        camera = RtspCamera.start(320, 240, 15);
        Path clip = tmp.resolve("steady.mp4");
        run("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=256x144:rate=10", "-t", "3",
                "-pix_fmt", "yuv420p", clip.toString());
        ServiceConfig cfg = ServiceConfig.defaults();
        cfg.server.port = 0;
        cfg.hls.dir = tmp.resolve("hls").toString();
        ServiceConfig.StreamEntry steady = new ServiceConfig.StreamEntry();
        steady.id = "steady";
        steady.source = "file:" + clip;
        cfg.streams = List.of(steady);
        service = InterirService.start(cfg);
        awaitStream("steady", s -> s.getLong("framesOut") > 0);
    }

    @AfterAll
    void stop() throws Exception {
        if (service != null) {
            service.close();
        }
        if (camera != null) {
            camera.close();
        }
        vertx.close();
    }

    @Test
    void rtspCameraIsRestoredToWebSocketAndHls() throws Exception {
        HttpResponse<String> created = post("/api/streams", new JsonObject().put("id", "cam").put("source", camera.url()).encode());
        assertEquals(201, created.statusCode(), created.body());
        awaitStream("cam", s -> "live".equals(s.getString("status")) && s.getLong("framesOut") > 0);

        List<byte[]> frames = new CopyOnWriteArrayList<>();
        List<JsonObject> stats = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> enough = new CompletableFuture<>();
        wsClient.connect(new WebSocketConnectOptions().setPort(service.port()).setHost("127.0.0.1").setURI("/ws/streams/cam"))
                .onSuccess(ws -> {
                    ws.binaryMessageHandler(b -> {
                        frames.add(b.getBytes());
                        if (frames.size() >= 3 && !stats.isEmpty()) {
                            enough.complete(null);
                        }
                    });
                    ws.textMessageHandler(t -> stats.add(new JsonObject(t)));
                })
                .onFailure(enough::completeExceptionally);
        enough.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        BufferedImage img = ImageIO.read(new ByteArrayInputStream(frames.get(frames.size() - 1)));
        assertNotNull(img, "a binary WebSocket message must be a JPEG");
        assertEquals(320, img.getWidth());
        assertEquals(240, img.getHeight());
        JsonObject s = stats.get(0);
        assertEquals("stats", s.getString("type"));
        assertEquals("cam", s.getString("id"));

        String segment = awaitHlsSegment("cam");
        HttpResponse<byte[]> ts = http.send(req("/hls/cam/" + segment).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, ts.statusCode());
        Path seg = Files.write(tmp.resolve(segment), ts.body());
        String probe = run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                "stream=codec_name,width,height", "-of", "csv=p=0", seg.toString());
        assertEquals("h264,320,240", probe.lines().filter(l -> !l.isBlank()).distinct().reduce((a, b) -> a + " | " + b).orElse(""));

        assertEquals(204, delete("/api/streams/cam").statusCode());
        assertEquals(404, get("/api/streams/cam").statusCode());
    }

    @Test
    void wrongUrlEndsInAClearStatus() throws Exception {
        int closedPort = RtspCamera.freePort();
        HttpResponse<String> created = post("/api/streams", new JsonObject().put("id", "nowhere")
                .put("source", "rtsp://127.0.0.1:" + closedPort + "/none").encode());
        assertEquals(201, created.statusCode(), created.body());
        JsonObject s = awaitStream("nowhere", j -> j.getString("error") != null);
        assertTrue(List.of("reconnecting", "offline").contains(s.getString("status")), s.encode());
        assertFalse(s.getString("error").isBlank());
        assertEquals(204, delete("/api/streams/nowhere").statusCode());
        assertSteadyKeepsServing();
    }

    @Test
    void sourceDyingMidStreamIsReportedAndTheRestGoesOn() throws Exception {
        RtspCamera dying = RtspCamera.start(160, 120, 10);
        assertEquals(201, post("/api/streams", new JsonObject().put("id", "dying").put("source", dying.url()).encode()).statusCode());
        awaitStream("dying", s -> s.getLong("framesOut") > 0);
        dying.close();
        JsonObject s = awaitStream("dying", j -> !"live".equals(j.getString("status")));
        assertTrue(List.of("reconnecting", "offline").contains(s.getString("status")), s.encode());
        assertNotNull(s.getString("error"), s.encode());
        assertSteadyKeepsServing();
        assertEquals(204, delete("/api/streams/dying").statusCode());
    }

    @Test
    void malformedRequestsGetJson4xx() throws Exception {
        assertError(post("/api/streams", "not json"), 400);
        assertError(post("/api/streams", "[1,2]"), 400);
        assertError(post("/api/streams", "{\"id\":\"x\"}"), 400);
        assertError(post("/api/streams", "{\"id\":\"x\",\"source\":\"rtsp://h/x\",\"extra\":1}"), 400);
        assertError(post("/api/streams", "{\"id\":\"../x\",\"source\":\"rtsp://h/x\"}"), 400);
        assertError(post("/api/streams", "{\"id\":\"x\",\"source\":\"http://169.254.169.254/latest\"}"), 400);
        assertError(post("/api/streams", "{\"id\":\"x\",\"source\":\"file:/no/such.mp4\"}"), 400);
        assertError(post("/api/streams", "{\"id\":\"steady\",\"source\":\"rtsp://h/x\"}"), 409);
        assertError(post("/api/streams", "{\"id\":\"x\",\"source\":\"" + "a".repeat(100_000) + "\"}"), 413);
        assertError(delete("/api/streams/nope"), 404);
        assertError(get("/api/nope"), 404);
        assertError(get("/ws/streams/nope"), 404);
        assertError(get("/hls/steady/..%2F..%2Fetc%2Fpasswd"), 404);
        assertEquals(200, get("/health").statusCode());
        assertSteadyKeepsServing();
    }

    private void assertSteadyKeepsServing() throws Exception {
        long before = stream("steady").getLong("framesOut");
        awaitStream("steady", s -> s.getLong("framesOut") > before + 2);
    }

    private static void assertError(HttpResponse<String> r, int code) {
        assertEquals(code, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"), r.body());
        assertFalse(new JsonObject(r.body()).getString("error").isBlank());
    }

    private String awaitHlsSegment(String id) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get("/hls/" + id + "/index.m3u8");
            if (r.statusCode() == 200) {
                assertTrue(r.body().startsWith("#EXTM3U"), r.body());
                for (String line : r.body().split("\n")) {
                    if (line.endsWith(".ts")) {
                        return line.trim();
                    }
                }
            }
            Thread.sleep(300);
        }
        throw new AssertionError("no HLS segment for " + id + " within " + WAIT);
    }

    private JsonObject awaitStream(String id, Predicate<JsonObject> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonObject last = null;
        while (System.nanoTime() < deadline) {
            last = stream(id);
            if (last != null && condition.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("stream " + id + " never reached the expected state; last: " + last);
    }

    private JsonObject stream(String id) throws Exception {
        JsonArray all = new JsonArray(get("/api/streams").body());
        for (int i = 0; i < all.size(); i++) {
            if (id.equals(all.getJsonObject(i).getString("id"))) {
                return all.getJsonObject(i);
            }
        }
        return null;
    }

    private HttpRequest.Builder req(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path)).timeout(Duration.ofSeconds(20));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(req(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(req(path).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> delete(String path) throws Exception {
        return http.send(req(path).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
