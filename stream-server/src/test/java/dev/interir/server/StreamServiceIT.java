package dev.interir.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interir.server.config.ServiceConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service end to end with real parts: a GStreamer RTSP camera on loopback, the HTTP/WebSocket server, FFmpeg
 * writing HLS, ffprobe reading it back. One service (one model load) serves all tests; a looping file stream
 * ("steady") runs throughout and must keep advancing whatever the other tests do to the service.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(VertxExtension.class)
class StreamServiceIT {
    @TempDir
    static Path tmp;

    private InterirService service;
    private RtspCamera camera;
    private ServiceClient client;
    private WebSocketClient wsClient;

    @BeforeAll
    void startService(Vertx vertx) throws Exception {
        wsClient = vertx.createWebSocketClient();
        camera = RtspCamera.start(320, 240, 15);
        Path clip = tmp.resolve("steady.mp4");
        Processes.ffmpeg("-f", "lavfi", "-i", "testsrc2=size=256x144:rate=10", "-t", "3", "-pix_fmt", "yuv420p",
                clip.toString());
        ServiceConfig cfg = ServiceClient.testConfig(tmp);
        cfg.streams = List.of(ServiceClient.streamEntry("steady", "file:" + clip, null));
        service = InterirService.start(cfg);
        client = new ServiceClient(vertx, service.port());
        client.awaitStream("steady", s -> s.getLong("framesOut") > 0);
    }

    @AfterAll
    void stop() throws Exception {
        if (service != null) {
            service.close();
        }
        if (camera != null) {
            camera.close();
        }
    }

    @Test
    void rtspCameraIsRestoredToWebSocketAndHls(VertxTestContext viewer) throws Throwable {
        HttpResponse<Buffer> created = client.post("/api/streams", new JsonObject().put("id", "cam").put("source", camera.url()).encode());
        assertEquals(201, created.statusCode(), created.bodyAsString());
        client.awaitStream("cam", s -> "live".equals(s.getString("status")) && s.getLong("framesOut") > 0);

        List<byte[]> frames = new CopyOnWriteArrayList<>();
        List<JsonObject> stats = new CopyOnWriteArrayList<>();
        Checkpoint threeFrames = viewer.laxCheckpoint(3);
        Checkpoint aStatsMessage = viewer.laxCheckpoint();
        wsClient.connect(new WebSocketConnectOptions().setPort(service.port()).setHost("127.0.0.1").setURI("/ws/streams/cam"))
                .onComplete(viewer.succeeding(ws -> {
                    ws.binaryMessageHandler(b -> {
                        frames.add(b.getBytes());
                        threeFrames.flag();
                    });
                    ws.textMessageHandler(t -> {
                        stats.add(new JsonObject(t));
                        aStatsMessage.flag();
                    });
                }));
        assertTrue(viewer.awaitCompletion(ServiceClient.WAIT.toSeconds(), TimeUnit.SECONDS), "three frames and a stats message");
        if (viewer.failed()) {
            throw viewer.causeOfFailure();
        }

        BufferedImage img = ImageIO.read(new ByteArrayInputStream(frames.get(frames.size() - 1)));
        assertNotNull(img, "a binary WebSocket message must be a JPEG");
        assertEquals(320, img.getWidth());
        assertEquals(240, img.getHeight());
        JsonObject s = stats.get(0);
        assertEquals("stats", s.getString("type"));
        assertEquals("cam", s.getString("id"));

        String segment = awaitHlsSegment("cam");
        HttpResponse<Buffer> ts = client.get("/hls/cam/" + segment);
        assertEquals(200, ts.statusCode());
        Path seg = Files.write(tmp.resolve(segment), ts.body().getBytes());
        String probe = Processes.run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                "stream=codec_name,width,height", "-of", "csv=p=0", seg.toString());
        assertEquals("h264,320,240", probe.lines().filter(l -> !l.isBlank()).distinct().reduce((a, b) -> a + " | " + b).orElse(""));

        assertEquals(204, client.delete("/api/streams/cam").statusCode());
        assertEquals(404, client.get("/api/streams/cam").statusCode());
    }

    @Test
    void wrongUrlEndsInAClearStatus() throws Exception {
        int closedPort = RtspCamera.freePort();
        HttpResponse<Buffer> created = client.post("/api/streams", new JsonObject().put("id", "nowhere")
                .put("source", "rtsp://127.0.0.1:" + closedPort + "/none").encode());
        assertEquals(201, created.statusCode(), created.bodyAsString());
        JsonObject s = client.awaitStream("nowhere", j -> j.getString("error") != null);
        assertTrue(List.of("reconnecting", "offline").contains(s.getString("status")), s.encode());
        assertFalse(s.getString("error").isBlank());
        assertEquals(204, client.delete("/api/streams/nowhere").statusCode());
        assertSteadyKeepsServing();
    }

    @Test
    void sourceDyingMidStreamIsReportedAndTheRestGoesOn() throws Exception {
        RtspCamera dying = RtspCamera.start(160, 120, 10);
        assertEquals(201, client.post("/api/streams", new JsonObject().put("id", "dying").put("source", dying.url()).encode()).statusCode());
        client.awaitStream("dying", s -> s.getLong("framesOut") > 0);
        dying.close();
        JsonObject s = client.awaitStream("dying", j -> !"live".equals(j.getString("status")));
        assertTrue(List.of("reconnecting", "offline").contains(s.getString("status")), s.encode());
        assertNotNull(s.getString("error"), s.encode());
        assertSteadyKeepsServing();
        assertEquals(204, client.delete("/api/streams/dying").statusCode());
    }

    @Test
    void malformedRequestsGetJson4xx() throws Exception {
        assertError(client.post("/api/streams", "not json"), 400);
        assertError(client.post("/api/streams", "[1,2]"), 400);
        assertError(client.post("/api/streams", "{\"id\":\"x\"}"), 400);
        assertError(client.post("/api/streams", "{\"id\":\"x\",\"source\":\"rtsp://h/x\",\"extra\":1}"), 400);
        assertError(client.post("/api/streams", "{\"id\":\"../x\",\"source\":\"rtsp://h/x\"}"), 400);
        assertError(client.post("/api/streams", "{\"id\":\"x\",\"source\":\"http://169.254.169.254/latest\"}"), 400);
        assertError(client.post("/api/streams", "{\"id\":\"x\",\"source\":\"file:/no/such.mp4\"}"), 400);
        assertError(client.post("/api/streams", "{\"id\":\"steady\",\"source\":\"rtsp://h/x\"}"), 409);
        assertError(client.post("/api/streams", "{\"id\":\"x\",\"source\":\"" + "a".repeat(100_000) + "\"}"), 413);
        assertError(client.delete("/api/streams/nope"), 404);
        assertError(client.get("/api/nope"), 404);
        assertError(client.get("/ws/streams/nope"), 404);
        assertError(client.get("/hls/steady/..%2F..%2Fetc%2Fpasswd"), 404);
        assertEquals(200, client.get("/health").statusCode());
        assertSteadyKeepsServing();
    }

    private void assertSteadyKeepsServing() throws Exception {
        client.assertKeepsServing("steady");
    }

    private static void assertError(HttpResponse<Buffer> r, int code) {
        assertEquals(code, r.statusCode(), r.bodyAsString());
        assertTrue(Objects.toString(r.getHeader("content-type"), "").startsWith("application/json"), r.bodyAsString());
        assertFalse(r.bodyAsJsonObject().getString("error").isBlank());
    }

    /**
     * The newest segment of the stream's playlist once it lists two: the first segment may hold the recorder's
     * start alone, too short for ffprobe to find a frame in.
     */
    private String awaitHlsSegment(String id) throws Exception {
        HttpResponse<Buffer> playlist = ServiceClient.await(client.until(
                () -> client.request(io.vertx.core.http.HttpMethod.GET, "/hls/" + id + "/index.m3u8").send(),
                r -> r.statusCode() == 200 && r.bodyAsString().lines().filter(l -> l.endsWith(".ts")).count() >= 2,
                ServiceClient.WAIT, "two HLS segments of " + id), ServiceClient.WAIT.plusSeconds(5));
        assertTrue(playlist.bodyAsString().startsWith("#EXTM3U"), playlist.bodyAsString());
        return playlist.bodyAsString().lines().filter(l -> l.endsWith(".ts")).reduce((a, b) -> b).orElseThrow().trim();
    }
}
