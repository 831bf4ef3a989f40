package dev.interir.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interir.server.InterirService;
import dev.interir.server.ServiceClient;
import dev.interir.server.config.ServiceConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.internal.net.RFC3986;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The service with a token configured: what is open, what is closed, and the viewer's cookie login. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(VertxExtension.class)
class SecurityIT {
    private static final String TOKEN = "test-token-" + System.nanoTime();

    @TempDir
    static Path tmp;

    private InterirService service;
    private ServiceClient client;
    private WebSocketClient wsClient;

    @BeforeAll
    void start(Vertx vertx) throws Exception {
        wsClient = vertx.createWebSocketClient();
        ServiceConfig cfg = ServiceClient.testConfig(tmp);
        cfg.server.token = TOKEN;
        cfg.websocket.allowedOrigins = List.of("https://wall.example.com");
        service = InterirService.start(cfg);
        client = new ServiceClient(vertx, service.port());
        client.awaitReady();
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void dataNeedsTheTokenProbesDoNot() throws Exception {
        for (String path : List.of("/api/streams", "/metrics", "/hls/x/index.m3u8", "/api/jobs")) {
            HttpResponse<Buffer> r = client.get(path);
            assertEquals(401, r.statusCode(), path);
            assertFalse(r.bodyAsString().contains(TOKEN));
        }
        assertEquals(401, client.send(withToken("/api/streams", "wrong-" + TOKEN)).statusCode());
        assertEquals(401, client.send(withToken("/api/streams", TOKEN.substring(1))).statusCode());
        assertEquals(200, client.send(withToken("/api/streams", TOKEN)).statusCode());
        assertEquals(200, client.get("/health").statusCode());
        assertEquals(200, client.get("/ready").statusCode());
        assertEquals(200, client.get("/login.html").statusCode());
    }

    @Test
    void metricsAreServedInPrometheusFormat() throws Exception {
        HttpResponse<Buffer> r = client.send(withToken("/metrics", TOKEN));
        assertEquals(200, r.statusCode());
        assertTrue(r.bodyAsString().contains("interir_process_resident_memory_bytes"), r.bodyAsString());
        assertTrue(r.bodyAsString().contains("jvm_memory_used_bytes"));
    }

    private io.vertx.ext.web.client.HttpRequest<Buffer> withToken(String path, String token) {
        return client.request(HttpMethod.GET, path).putHeader("authorization", "Bearer " + token);
    }

    @Test
    void theLoginPageSetsACookieThatOpensTheApi() throws Exception {
        HttpResponse<Buffer> bad = client.send(login(), "token=nope");
        assertEquals(303, bad.statusCode());
        assertTrue(bad.cookies().isEmpty());

        HttpResponse<Buffer> ok = client.send(login(), "token=" + TOKEN);
        assertEquals(303, ok.statusCode());
        String cookie = Objects.requireNonNull(ok.getHeader("set-cookie"), "a login cookie");
        assertTrue(cookie.toLowerCase(java.util.Locale.ROOT).contains("httponly"), cookie);
        String pair = cookie.split(";")[0];
        assertEquals(200, client.send(client.request(HttpMethod.GET, "/api/streams").putHeader("cookie", pair)).statusCode());
    }

    private io.vertx.ext.web.client.HttpRequest<Buffer> login() {
        return client.request(HttpMethod.POST, "/login").putHeader("content-type", "application/x-www-form-urlencoded");
    }

    @Test
    void aWebSocketWithoutTheTokenIsRejected(VertxTestContext test) {
        wsClient.connect(new WebSocketConnectOptions().setPort(service.port()).setHost("127.0.0.1").setURI("/ws/streams/any"))
                .onComplete(test.failing(e -> test.verify(() -> {
                    assertTrue(e instanceof UpgradeRejectedException, String.valueOf(e));
                    assertEquals(401, ((UpgradeRejectedException) e).getStatus());
                    test.completeNow();
                })));
    }

    /**
     * Deny by default: every registered route, called without the token in every spelling a router or a proxy
     * might take for it, answers 401, except the public paths themselves (once /metrics/ served every figure).
     */
    @Test
    void everyRegisteredRouteNeedsTheTokenInEverySpelling() throws Exception {
        List<Route> routes = service.routes();
        assertTrue(routes.size() >= 15, "the route table: " + routes.size());
        int calls = 0;
        for (Route route : routes) {
            String path = concretePath(route);
            List<HttpMethod> methods = route.methods() == null || route.methods().isEmpty()
                    ? List.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE) : List.copyOf(route.methods());
            for (HttpMethod method : methods) {
                for (String spelling : spellings(path)) {
                    if (normalisesToPublic(spelling)) {
                        continue;
                    }
                    RawResponse r = RawResponse.send(service.port(), method.name(), spelling);
                    calls++;
                    assertEquals(401, r.status, method + " " + spelling + " (route " + route.getPath() + ") -> " + r.head);
                    assertFalse(r.body.contains("interir_"), spelling + " leaked metrics");
                }
            }
        }
        for (String open : List.of("/health", "/ready", "/login.html", "/", "/app.js", "/%68ealth", "/./ready")) {
            assertEquals(200, RawResponse.send(service.port(), "GET", open).status, open);
        }
        System.out.printf("route table: %d routes, %d unauthenticated calls, all 401%n", routes.size(), calls);
    }

    /**
     * Whether the router's own normalisation (the one {@code RoutingContext.normalizedPath()} applies) turns this
     * spelling into a public path, so that it is open by design.
     */
    private static boolean normalisesToPublic(String spelling) {
        int query = spelling.indexOf('?');
        return PublicPaths.contains(RFC3986.normalizePath(query < 0 ? spelling : spelling.substring(0, query)));
    }

    /** A path the route serves: parameters filled in, wildcards given a name. */
    private static String concretePath(Route route) {
        String p = route.getPath();
        if (p == null) {
            return "/anything";
        }
        p = p.replace(":id", "demo").replace(":file", "index.m3u8");
        if (p.endsWith("*")) {
            p = p.substring(0, p.length() - 1) + "anything";
        }
        return p.endsWith("/") && p.length() > 1 ? p + "anything" : p;
    }

    private static List<String> spellings(String path) {
        String tail = path.substring(1);
        List<String> all = new java.util.ArrayList<>(List.of(path, path + "/", path + "//", "/." + path, "/./" + tail + "/",
                "//" + tail, "/x/.." + path, path + "?token=" + TOKEN, path + "/.", path.toUpperCase(java.util.Locale.ROOT),
                path.replace("/", "//"), path + ";x"));
        if (!tail.isEmpty()) {
            all.add("/" + percentEncode(tail.charAt(0)) + tail.substring(1));
            all.add("/" + percentEncode(tail.charAt(0)) + tail.substring(1) + "/");
        }
        int slash = path.indexOf('/', 1);
        if (slash > 0) {
            all.add(path.substring(0, slash) + "%2F" + path.substring(slash + 1));
            all.add(path.substring(0, slash) + "%2f" + path.substring(slash + 1) + "/");
        }
        return all;
    }

    private static String percentEncode(char c) {
        return String.format("%%%02x", (int) c);
    }

    /** A request sent byte for byte, so no client library normalises the path first. */
    private record RawResponse(int status, String head, String body) {
        static RawResponse send(int port, String method, String path) throws Exception {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(20_000);
                s.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                        + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                int end = all.indexOf("\r\n\r\n");
                String head = end < 0 ? all : all.substring(0, end);
                return new RawResponse(Integer.parseInt(head.split(" ", 3)[1]), head.lines().findFirst().orElse(""),
                        end < 0 ? "" : all.substring(end + 4));
            }
        }
    }

    /** A page on another site must not open the viewer's WebSocket with the user's cookie; the service's own may. */
    @Test
    void aWebSocketFromAForeignOriginIsRefused() throws Exception {
        String own = "http://127.0.0.1:" + service.port();
        for (String origin : List.of("http://evil.example", "null", "http://127.0.0.1:1", "https://wall.example.com.evil.example",
                "http://127.0.0.1:" + service.port() + ".evil.example")) {
            assertEquals(403, upgradeStatus(origin), origin);
        }
        // allowed origins get past the check: the stream does not exist, so the answer is 404
        for (String origin : java.util.Arrays.asList(own, own.toUpperCase(java.util.Locale.ROOT), "https://wall.example.com",
                "https://WALL.example.com/", null)) {
            assertEquals(404, upgradeStatus(origin), String.valueOf(origin));
        }
    }

    private int upgradeStatus(String origin) throws Exception {
        WebSocketConnectOptions o = new WebSocketConnectOptions().setPort(service.port()).setHost("127.0.0.1")
                .setURI("/ws/streams/none").addHeader("authorization", "Bearer " + TOKEN);
        if (origin != null) {
            o.addHeader("origin", origin);
        }
        Throwable failure = ServiceClient.await(wsClient.connect(o).map(ws -> (Throwable) null).recover(
                io.vertx.core.Future::succeededFuture), Duration.ofSeconds(20));
        assertTrue(failure instanceof UpgradeRejectedException, String.valueOf(failure));
        return ((UpgradeRejectedException) failure).getStatus();
    }
}
