package dev.interir.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The service with a token configured: what is open, what is closed, and the viewer's cookie login. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityTest {
    private static final String TOKEN = "test-token-" + System.nanoTime();

    @TempDir
    static Path tmp;

    private InterirService service;
    private ServiceClient client;
    private final Vertx vertx = Vertx.vertx();
    private final WebSocketClient wsClient = vertx.createWebSocketClient();

    @BeforeAll
    void start() throws Exception {
        ServiceConfig cfg = ServiceClient.testConfig(tmp);
        cfg.server.token = TOKEN;
        service = InterirService.start(cfg);
        client = new ServiceClient(service.port());
    }

    @AfterAll
    void stop() {
        service.close();
        vertx.close();
    }

    @Test
    void dataNeedsTheTokenProbesDoNot() throws Exception {
        for (String path : List.of("/api/streams", "/metrics", "/hls/x/index.m3u8", "/api/jobs")) {
            HttpResponse<String> r = client.send(client.req(path).GET());
            assertEquals(401, r.statusCode(), path);
            assertFalse(r.body().contains(TOKEN));
        }
        assertEquals(401, client.send(client.req("/api/streams").header("authorization", "Bearer wrong-" + TOKEN).GET()).statusCode());
        assertEquals(401, client.send(client.req("/api/streams").header("authorization", "Bearer " + TOKEN.substring(1)).GET()).statusCode());
        assertEquals(200, client.send(client.req("/api/streams").header("authorization", "Bearer " + TOKEN).GET()).statusCode());
        assertEquals(200, client.send(client.req("/health").GET()).statusCode());
        assertEquals(200, client.send(client.req("/ready").GET()).statusCode());
        assertEquals(200, client.send(client.req("/login.html").GET()).statusCode());
    }

    @Test
    void metricsAreServedInPrometheusFormat() throws Exception {
        HttpResponse<String> r = client.send(client.req("/metrics").header("authorization", "Bearer " + TOKEN).GET());
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("interir_process_resident_memory_bytes"), r.body());
        assertTrue(r.body().contains("jvm_memory_used_bytes"));
    }

    @Test
    void theLoginPageSetsACookieThatOpensTheApi() throws Exception {
        HttpResponse<String> bad = client.send(client.req("/login").header("content-type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=nope")));
        assertEquals(303, bad.statusCode());
        assertTrue(bad.headers().firstValue("set-cookie").isEmpty());

        HttpResponse<String> ok = client.send(client.req("/login").header("content-type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + TOKEN)));
        assertEquals(303, ok.statusCode());
        String cookie = ok.headers().firstValue("set-cookie").orElseThrow();
        assertTrue(cookie.toLowerCase(java.util.Locale.ROOT).contains("httponly"), cookie);
        String pair = cookie.split(";")[0];
        assertEquals(200, client.send(client.req("/api/streams").header("cookie", pair).GET()).statusCode());
    }

    @Test
    void aWebSocketWithoutTheTokenIsRejected() throws Exception {
        Throwable failure = wsClient.connect(new WebSocketConnectOptions().setPort(service.port()).setHost("127.0.0.1")
                        .setURI("/ws/streams/any"))
                .toCompletionStage().toCompletableFuture()
                .handle((ws, e) -> e).get(20, TimeUnit.SECONDS);
        assertTrue(failure instanceof UpgradeRejectedException, String.valueOf(failure));
        assertEquals(401, ((UpgradeRejectedException) failure).getStatus());
    }



}
