package dev.interir.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interir.server.config.ServiceConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flaky camera and a stalled viewer, with real parts: the service must recover and keep everyone else served.
 * The camera test is also the recovery measurement: {@code -Dinterir.recoveryCycles=20} runs 20 kill/restart cycles
 * and prints p50 and worst time from the camera's return to the first restored frame at the viewer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(VertxExtension.class)
class ReliabilityIT {

    @TempDir
    static Path tmp;

    private InterirService service;
    private ServiceClient client;
    private WebSocketClient wsClient;

    @BeforeAll
    void start(Vertx vertx) throws Exception {
        wsClient = vertx.createWebSocketClient();
        ServiceConfig cfg = ServiceClient.testConfig(tmp);
        service = InterirService.start(cfg);
        client = new ServiceClient(vertx, service.port());
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void aCameraKilledAndRestartedRecoversWhileItsViewerStaysConnected() throws Exception {
        RtspCamera camera = RtspCamera.start(160, 120, 10);
        int port = camera.port();
        try {
            assertEquals(201, client.addStream("flaky", camera.url()).statusCode());
            client.awaitStream("flaky", s -> s.getLong("framesOut") > 0);
            AtomicInteger binary = new AtomicInteger();
            List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean closed = new AtomicBoolean();
            WebSocket viewer = ServiceClient.await(wsClient.connect(new WebSocketConnectOptions().setPort(service.port())
                    .setHost("127.0.0.1").setURI("/ws/streams/flaky")), Duration.ofSeconds(20));
            viewer.binaryMessageHandler(b -> {
                binary.incrementAndGet();
                arrivals.add(System.nanoTime());
            });
            viewer.closeHandler(v -> closed.set(true));

            List<Double> recoveries = new ArrayList<>();
            int cycles = Integer.getInteger("interir.recoveryCycles", 3);
            for (int cycle = 0; cycle < cycles; cycle++) {
                camera.close();
                client.awaitStream("flaky", s -> !"live".equals(s.getString("status")));
                int duringOutage = binary.get();
                client.awaitTrue(() -> binary.get() > duringOutage, Duration.ofSeconds(5),
                        "the viewer seeing a placeholder frame while the camera is away");
                long framesBefore = client.stream("flaky").getLong("framesOut");
                camera = RtspCamera.start(port, 160, 120, 10);
                long t0 = System.nanoTime(); // the camera accepts connections again
                client.awaitStream("flaky", s -> "live".equals(s.getString("status")) && s.getLong("framesOut") > framesBefore);
                client.awaitTrue(() -> firstRestoredFrame(arrivals, t0) > 0, Duration.ofSeconds(10),
                        "a restored frame at the viewer after the camera came back");
                recoveries.add((firstRestoredFrame(arrivals, t0) - t0) / 1e9);
            }
            assertFalse(closed.get(), "the viewer's WebSocket stays open through the outages");
            assertTrue(client.stream("flaky").getLong("reconnects") >= cycles, "each restart counts as a reconnect");
            List<Double> sorted = new ArrayList<>(recoveries);
            Collections.sort(sorted);
            double p50 = sorted.get((sorted.size() - 1) / 2);
            double worst = sorted.get(sorted.size() - 1);
            System.out.printf(Locale.ROOT, "camera recovery, return to first restored frame at the viewer, %d cycles: "
                    + "p50 %.2f s, worst %.2f s (%s)%n", cycles, p50, worst, recoveries);
            assertTrue(worst < 3.0, "a camera that came back was restored only after " + worst + " s");
            viewer.close();
        } finally {
            camera.close();
            client.delete("/api/streams/flaky");
        }
    }

    /**
     * The first frame of the restored stream after {@code t0}: restored frames come at the camera's 10 fps, the
     * offline placeholder once a second, so the first arrival followed by another within 0.4 s is a restored one.
     * 0 while there is none yet.
     */
    private static long firstRestoredFrame(List<Long> arrivals, long t0) {
        synchronized (arrivals) {
            for (int i = 0; i + 1 < arrivals.size(); i++) {
                long t = arrivals.get(i);
                if (t >= t0 && arrivals.get(i + 1) - t < 400_000_000L) {
                    return t;
                }
            }
        }
        return 0;
    }

    @Test
    void aViewerThatNeverReadsDoesNotSlowTheOthers() throws Exception {
        RtspCamera camera = RtspCamera.start(320, 240, 15);
        try (Socket stalled = new Socket()) {
            assertEquals(201, client.addStream("busy", camera.url()).statusCode());
            client.awaitStream("busy", s -> s.getLong("framesOut") > 0);
            // a WebSocket client that completes the handshake and then never reads a byte
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("127.0.0.1", service.port()));
            OutputStream out = stalled.getOutputStream();
            out.write(("GET /ws/streams/busy HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(3000); // its socket buffers fill meanwhile, which nothing here can observe

            AtomicInteger received = new AtomicInteger();
            WebSocket viewer = ServiceClient.await(wsClient.connect(new WebSocketConnectOptions().setPort(service.port())
                    .setHost("127.0.0.1").setURI("/ws/streams/busy")), Duration.ofSeconds(20));
            viewer.binaryMessageHandler(b -> received.incrementAndGet());
            long outBefore = client.stream("busy").getLong("framesOut");
            // the pipeline must keep restoring with the stalled viewer attached (however fast this machine is)
            client.awaitStream("busy", s -> s.getLong("framesOut") >= outBefore + 8);
            long restored = client.stream("busy").getLong("framesOut") - outBefore;
            // the reading viewer gets (nearly) every restored frame although the other one is stuck: the frames in
            // flight arrive within milliseconds, so 2 s leave no room for a viewer held up for long
            client.awaitTrue(() -> received.get() >= restored * 0.7, Duration.ofSeconds(2),
                    "the reading viewer to receive 70% of the " + restored + " frames restored (got " + received.get() + ")");
            viewer.close();
        } finally {
            camera.close();
            client.delete("/api/streams/busy");
        }
    }




}
