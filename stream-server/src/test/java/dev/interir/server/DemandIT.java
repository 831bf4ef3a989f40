package dev.interir.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interir.server.config.ServiceConfig;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * No work nobody watches, with a real service, a real RTSP camera and real WebSocket viewers: an unwatched stream
 * stops restoring after pipeline.idleSeconds (an on-demand file stops decoding too, a camera stays connected), and
 * the next viewer gets frames again within a second or two; HLS is encoded only while it is asked for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(VertxExtension.class)
class DemandIT {
    private static final int IDLE_SECONDS = 2;

    @TempDir
    static Path tmp;

    private InterirService service;
    private ServiceClient client;
    private RtspCamera camera;
    private WebSocketClient wsClient;

    @BeforeAll
    void start(Vertx vertx) throws Exception {
        wsClient = vertx.createWebSocketClient();
        Path clip = tmp.resolve("clip.mp4");
        Processes.ffmpeg("-f", "lavfi", "-i", "testsrc2=size=256x144:rate=10", "-t", "5", "-pix_fmt", "yuv420p",
                clip.toString());
        camera = RtspCamera.start(160, 120, 10);
        ServiceConfig cfg = ServiceClient.testConfig(tmp);
        cfg.pipeline.idleSeconds = IDLE_SECONDS;
        cfg.streams = List.of(ServiceClient.streamEntry("clip", "file:" + clip, "onDemand"));
        service = InterirService.start(cfg);
        client = new ServiceClient(vertx, service.port());
        client.awaitReady();
    }

    @AfterAll
    void stop() throws Exception {
        service.close();
        camera.close();
    }

    @Test
    void anUnwatchedFileStopsDecodingAndItsNextViewerGetsFramesAtOnce() throws Exception {
        // decoded, then paused: whether its first 2 s wanted were enough to restore a frame depends on the machine's load
        JsonObject idle = client.awaitStream("clip", s -> "idle".equals(s.getString("status")) && s.getLong("framesIn") > 0);
        assertFalse(idle.getBoolean("restoring"));
        assertEquals("onDemand", idle.getString("mode"));
        Thread.sleep(1500); // proving that nothing happens takes a while of nothing happening
        JsonObject later = client.stream("clip");
        assertEquals(idle.getLong("framesIn"), later.getLong("framesIn"), "a paused file decodes nothing");
        assertEquals(idle.getLong("framesOut"), later.getLong("framesOut"), "nor is anything restored");

        double firstFrame = watch("clip");
        System.out.printf(Locale.ROOT, "on-demand file: first frame at the viewer %.2f s after it connected%n", firstFrame);
        assertTrue(firstFrame < 2.0, "the next viewer waits " + firstFrame + " s");
        assertTrue(client.stream("clip").getBoolean("restoring"));

        // the viewer has gone: after idleSeconds the stream rests again
        client.awaitStream("clip", s -> "idle".equals(s.getString("status")));
    }

    @Test
    void anUnwatchedCameraStaysConnectedButIsNotRestoredAndHlsRunsOnlyWhileAskedFor() throws Exception {
        assertEquals(201, client.addStream("cam", camera.url()).statusCode());
        try {
            // opening the camera may take longer than the 2 s a new stream is restored unwatched
            JsonObject resting = client.awaitStream("cam", s -> !s.getBoolean("restoring") && s.getLong("framesIn") > 0);
            assertEquals("watched", resting.getString("mode"));
            // its frames are still decoded
            JsonObject later = client.awaitStream("cam", s -> s.getLong("framesIn") > resting.getLong("framesIn") + 5);
            assertEquals("live", later.getString("status"), "the camera stays connected");
            long outBefore = later.getLong("framesOut");
            Thread.sleep(500); // a while of nothing restored
            assertTrue(client.stream("cam").getLong("framesOut") <= outBefore + 1, "but not restored");
            assertFalse(later.getBoolean("hlsReady"), "nobody asked for HLS: no encoder ran");

            double firstFrame = watch("cam");
            System.out.printf(Locale.ROOT, "watched camera: first frame at the viewer %.2f s after it connected%n", firstFrame);
            assertTrue(firstFrame < 2.0, "the next viewer waits " + firstFrame + " s");

            // an HLS player alone is demand too: polling the playlist starts the stream and its encoder
            client.awaitStream("cam", s -> !s.getBoolean("restoring"));
            ServiceClient.await(client.until(() -> client.request(HttpMethod.GET, "/hls/cam/index.m3u8").send(),
                    r -> r.statusCode() == 200, Duration.ofSeconds(30), "the playlist, which appears while it is asked for"),
                    Duration.ofSeconds(35));
            // the player stops asking: the encoder stops and its playlist goes, so a later player starts afresh
            client.awaitStream("cam", s -> !s.getBoolean("hlsReady") && !s.getBoolean("restoring"));
        } finally {
            client.delete("/api/streams/cam");
        }
    }

    /** Connects a viewer, waits for its first JPEG and closes it: seconds from connect to that frame. */
    private double watch(String id) throws Exception {
        long t0 = System.nanoTime();
        Promise<Long> first = Promise.promise();
        WebSocket ws = ServiceClient.await(wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
                .setPort(service.port()).setURI("/ws/streams/" + id)), Duration.ofSeconds(20));
        ws.binaryMessageHandler(b -> first.tryComplete(System.nanoTime()));
        long at = ServiceClient.await(first.future(), Duration.ofSeconds(30));
        ws.close();
        return (at - t0) / 1e9;
    }
}
