package dev.interir.server.cluster;

import dev.interir.server.http.JsonReplies;
import dev.interir.server.http.RemoteStreams;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Viewers of a camera another node runs are proxied to that node over HTTP and WebSocket (never the event bus):
 * the browser keeps talking to the one address it knows, with its one login, and its reconnect logic stays as it
 * is; when the owner dies its proxied socket closes, the viewer reconnects, and by then this node proxies to the
 * new owner. A redirect would instead send the browser to every node's own address (each needing its login, its
 * TLS name and a reachable port). The token travels with the proxied request and the owner checks it again.
 */
final class ClusterProxy implements RemoteStreams {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterProxy.class);
    /** Restored frames can be large (a 4K JPEG); the default WebSocket limits are 64 KiB frames. */
    private static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    private final Supplier<ClusterView> view;
    private final String selfName;
    private final String token;
    private final HttpClient http;
    private final WebSocketClient ws;

    /** @param token the service token (the same on every node), or null when none is configured */
    ClusterProxy(Vertx vertx, Supplier<ClusterView> view, String selfName, String token) {
        this.view = view;
        this.selfName = selfName;
        this.token = token;
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2000).setIdleTimeout(30));
        this.ws = vertx.createWebSocketClient(new WebSocketClientOptions().setConnectTimeout(2000)
                .setMaxFrameSize(MAX_MESSAGE_BYTES).setMaxMessageSize(MAX_MESSAGE_BYTES));
    }

    @Override
    public boolean forward(RoutingContext ctx, String id) {
        ClusterView v = view.get();
        if (!v.cameras().containsKey(id)) {
            return false;
        }
        NodeRecord owner = v.ownerOf(id).orElse(null);
        if (owner == null || owner.id().equals(v.self())) {
            // between owners (a takeover) or just added: the viewer retries
            ctx.response().putHeader("retry-after", "1");
            JsonReplies.error(ctx, 503, "camera '" + id + "' has no live owner right now; try again in a second");
            return true;
        }
        if (ctx.request().getHeader("upgrade") != null) {
            webSocket(ctx, id, owner);
        } else {
            get(ctx, owner, ctx.request().uri());
        }
        return true;
    }

    /**
     * The client's socket is accepted first, then the owner's opened: a failure on the owner's side is a close the
     * viewer answers by reconnecting, as it does when a node goes away.
     */
    private void webSocket(RoutingContext ctx, String id, NodeRecord owner) {
        HttpServerRequest req = ctx.request();
        WebSocketConnectOptions to = new WebSocketConnectOptions()
                .setAbsoluteURI(owner.httpUrl().replaceFirst("^http", "ws") + req.uri())
                .addHeader(FORWARDED, selfName);
        if (token != null) {
            to.addHeader("authorization", "Bearer " + token);
        }
        req.toWebSocket().onSuccess(down -> ws.connect(to).onSuccess(up -> pipe(up, down)).onFailure(e -> {
            LOG.info("viewer of {} not proxied to {}: {}", id, owner.name(), e.getMessage());
            down.close((short) 1011, "the node running this camera is not reachable");
        })).onFailure(e -> {
            if (!ctx.response().ended()) {
                JsonReplies.error(ctx, 400, "WebSocket upgrade failed: " + e.getMessage());
            }
        });
    }

    /** Frames one way, the client's close the other; a frame the viewer cannot take yet is skipped, as on the owner. */
    private static void pipe(WebSocket up, ServerWebSocket down) {
        up.binaryMessageHandler(b -> {
            if (!down.writeQueueFull()) {
                down.writeBinaryMessage(b);
            }
        });
        up.textMessageHandler(down::writeTextMessage);
        up.closeHandler(v -> {
            Short code = up.closeStatusCode();
            // an owner that died sends no close frame: 1012 (service restart) tells the viewer to come back
            down.close(code == null || code == 1006 ? (short) 1012 : code,
                    up.closeReason() == null ? "" : up.closeReason());
        });
        up.exceptionHandler(e -> up.close());
        down.closeHandler(v -> up.close());
        down.exceptionHandler(e -> down.close());
    }

    /** Proxies a GET (HLS files, a job's result) to {@code node}, status, type and body as the node answers. */
    void get(RoutingContext ctx, NodeRecord node, String uri) {
        RequestOptions to = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(node.httpUrl() + uri)
                .addHeader(FORWARDED, selfName).setTimeout(20_000);
        if (token != null) {
            to.addHeader("authorization", "Bearer " + token);
        }
        http.request(to).compose(r -> r.send()).onSuccess(resp -> {
            var out = ctx.response().setStatusCode(resp.statusCode());
            for (String h : new String[]{"content-type", "cache-control", "content-disposition", "content-length"}) {
                if (resp.getHeader(h) != null) {
                    out.putHeader(h, resp.getHeader(h));
                }
            }
            resp.pipeTo(out);
        }).onFailure(e -> {
            LOG.info("GET {} not proxied to {}: {}", uri, node.name(), e.getMessage());
            if (!ctx.response().headWritten()) {
                JsonReplies.error(ctx, 502, "the node holding this (" + node.name() + ") is not reachable: "
                        + e.getMessage());
            } else {
                ctx.response().reset();
            }
        });
    }

    void close() {
        http.close();
        ws.close();
    }

}
