package dev.interir.server.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A node's HTTP API as the cluster tests use it, over the JDK's blocking client (the nodes are other processes):
 * requests with the token, and polling a condition on the answers rather than sleeping.
 */
final class NodeApi {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    final String name;
    final int port;

    NodeApi(String name, int port) {
        this.name = name;
        this.port = port;
    }

    NodeApi(NodeProcess node) {
        this(node.name, node.httpPort);
    }

    HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<byte[]> getBytes(String path) throws Exception {
        return HTTP.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> post(String path, JsonObject body) throws Exception {
        return HTTP.send(request(path).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonArray streams() throws Exception {
        return new JsonArray(ok(get("/api/streams")));
    }

    JsonObject cluster() throws Exception {
        return new JsonObject(ok(get("/api/cluster")));
    }

    JsonArray leases() throws Exception {
        return new JsonArray(ok(get("/api/cluster/leases")));
    }

    JsonObject job(String id) throws Exception {
        return new JsonObject(ok(get("/api/jobs/" + id)));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20))
                .header("authorization", "Bearer " + NodeProcess.TOKEN);
    }

    private String ok(HttpResponse<String> r) {
        if (r.statusCode() != 200) {
            throw new IllegalStateException(name + " " + r.uri().getPath() + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    /** A viewer on {@code /ws/streams/ID} through this node: counts binary frames and keeps the last one. */
    Viewer view(String id, boolean withToken) throws Exception {
        Viewer v = new Viewer();
        WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (withToken) {
            b.header("authorization", "Bearer " + NodeProcess.TOKEN);
        }
        v.socket = b.buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/streams/" + id), v)
                .get(20, TimeUnit.SECONDS);
        return v;
    }

    static final class Viewer implements WebSocket.Listener, AutoCloseable {
        final AtomicInteger frames = new AtomicInteger();
        final List<String> texts = new CopyOnWriteArrayList<>();
        volatile byte[] last;
        volatile boolean closed;
        WebSocket socket;
        private ByteBuffer partial = ByteBuffer.allocate(0);

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean lastPart) {
            ByteBuffer all = ByteBuffer.allocate(partial.remaining() + data.remaining()).put(partial).put(data).flip();
            if (lastPart) {
                byte[] b = new byte[all.remaining()];
                all.get(b);
                last = b;
                frames.incrementAndGet();
                partial = ByteBuffer.allocate(0);
            } else {
                partial = all;
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean lastPart) {
            texts.add(data.toString());
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            closed = true;
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed = true;
        }

        @Override
        public void close() {
            socket.abort();
        }
    }

    /** Polls {@code probe} every 250 ms until {@code done} holds; fails with the last answer after {@code within}. */
    static <T> T await(Probe<T> probe, Predicate<T> done, Duration within, String what) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        Object last = null;
        while (true) {
            try {
                T v = probe.get();
                if (done.test(v)) {
                    return v;
                }
                last = v;
            } catch (Exception | AssertionError e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " never within " + within.toSeconds() + " s; last: " + last);
            }
            Thread.sleep(250);
        }
    }

    interface Probe<T> {
        T get() throws Exception;
    }
}
