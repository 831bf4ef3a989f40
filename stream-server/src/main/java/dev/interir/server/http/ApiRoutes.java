package dev.interir.server.http;

import static dev.interir.server.http.JsonReplies.error;
import static dev.interir.server.http.JsonReplies.failure;
import static dev.interir.server.http.JsonReplies.json;

import dev.interir.pipeline.Demand;
import dev.interir.pipeline.HlsLayout;
import dev.interir.pipeline.LiveStream;
import dev.interir.pipeline.SourceSpec;
import dev.interir.pipeline.StreamRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every HTTP route of the service in one place: the JSON API, the WebSocket upgrades, HLS files, the viewer.
 * Handlers only move bytes and state; nothing here grabs, infers or encodes.
 */
public final class ApiRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(ApiRoutes.class);
    private static final Set<String> STREAM_FIELDS = Set.of("id", "source", "mode");
    private static final long MAX_BODY_BYTES = 64 * 1024;

    private final StreamCatalog streams;
    private final RemoteStreams remote;
    private final StreamRegistry registry;
    private final Function<String, WebSocketFanout> fanouts;
    private final HlsLayout hls;
    private final Callable<String> metrics;
    private final TokenAuth auth;
    private final BooleanSupplier ready;
    private final JobRoutes jobs;
    private final MediaFolder media;
    private final AllowedOrigins origins;
    private final Consumer<Router> extraRoutes;

    /**
     * @param metrics the Prometheus text of /metrics (read off the event loop)
     * @param auth    null when no token is configured
     * @param media   null when no media folder is configured (then the API accepts no file: streams)
     * @param origins pages allowed to open WebSockets besides the service's own
     */
    public ApiRoutes(StreamRegistry registry, Function<String, WebSocketFanout> fanouts, HlsLayout hls,
                     Callable<String> metrics, TokenAuth auth, BooleanSupplier ready, JobRoutes jobs, MediaFolder media,
                     AllowedOrigins origins) {
        this(registry, fanouts, hls, metrics, auth, ready, jobs, media, origins, null, null, r -> { });
    }

    /**
     * @param streams     what the streams API lists and changes; null: this node's registry
     * @param remote      streams other nodes run (a cluster); null: none
     * @param extraRoutes mounted after the token check and before the job and stream routes (the cluster's)
     */
    public ApiRoutes(StreamRegistry registry, Function<String, WebSocketFanout> fanouts, HlsLayout hls,
                     Callable<String> metrics, TokenAuth auth, BooleanSupplier ready, JobRoutes jobs, MediaFolder media,
                     AllowedOrigins origins, StreamCatalog streams, RemoteStreams remote, Consumer<Router> extraRoutes) {
        this.streams = streams;
        this.remote = remote;
        this.extraRoutes = extraRoutes;
        this.origins = origins;
        this.jobs = jobs;
        this.media = media;
        this.registry = registry;
        this.fanouts = fanouts;
        this.hls = hls;
        this.metrics = metrics;
        this.auth = auth;
        this.ready = ready;
    }

    public Router router(Vertx vertx) {
        Router r = Router.router(vertx);
        StreamCatalog catalog = streams != null ? streams : new LocalStreams(vertx, registry, hls);
        if (auth != null) {
            r.route().order(-1).handler(auth);
            r.get("/login").handler(ctx -> ctx.redirect("login.html"));
            r.post("/login").handler(BodyHandler.create(false).setBodyLimit(4096)).handler(this::login);
        }
        r.get("/health").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "ok")));
        r.get("/ready").handler(ctx -> json(ctx, ready.getAsBoolean() ? 200 : 503,
                new JsonObject().put("ready", ready.getAsBoolean())));
        r.get("/metrics").handler(ctx -> ctx.vertx().executeBlocking(metrics).onSuccess(text -> ctx.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(text)));

        extraRoutes.accept(r);
        jobs.mount(r); // before the /api body limit: uploads are larger
        r.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
        r.get("/api/streams").handler(ctx -> json(ctx, 200, catalog.list()));
        r.post("/api/streams").handler(ctx -> addStream(ctx, catalog));
        r.get("/api/streams/:id").handler(ctx -> catalog.get(ctx.pathParam("id")).ifPresentOrElse(
                s -> json(ctx, 200, s), () -> error(ctx, 404, "no stream '" + ctx.pathParam("id") + "'")));
        r.delete("/api/streams/:id").handler(ctx -> removeStream(ctx, catalog));
        r.route("/api/*").handler(ctx -> error(ctx, 404, "no such API route: " + ctx.request().method() + " " + ctx.request().path()));

        r.get("/ws/streams/:id").handler(ctx -> upgrade(ctx, false));
        r.get("/ws/streams/:id/original").handler(ctx -> upgrade(ctx, true));

        r.get("/hls/:id/:file").handler(this::hlsFile);

        r.route("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
        r.route().failureHandler(ctx -> failure(ctx, "request body too large (limit " + MAX_BODY_BYTES + " bytes)"));
        return r;
    }

    private void login(RoutingContext ctx) {
        String token = ctx.request().getFormAttribute("token");
        if (auth.accepts(token)) {
            ctx.response().addCookie(TokenAuth.loginCookie(token, ctx.request().isSSL()));
            ctx.response().setStatusCode(303).putHeader("location", "./").end();
        } else {
            LOG.warn("failed login from {}", ctx.request().remoteAddress());
            ctx.response().setStatusCode(303).putHeader("location", "login.html?failed").end();
        }
    }

    private void addStream(RoutingContext ctx, StreamCatalog catalog) {
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            error(ctx, 400, "body must be a JSON object {\"id\": ..., \"source\": ...}");
            return;
        }
        if (body == null) {
            error(ctx, 400, "body must be a JSON object {\"id\": ..., \"source\": ...}");
            return;
        }
        for (String field : body.fieldNames()) {
            if (!STREAM_FIELDS.contains(field)) {
                error(ctx, 400, "unknown field '" + field + "' (allowed: id, source, mode)");
                return;
            }
        }
        if (!(body.getValue("id") instanceof String id) || !(body.getValue("source") instanceof String source)) {
            error(ctx, 400, "'id' and 'source' are required strings");
            return;
        }
        Object mode = body.getValue("mode");
        if (mode != null && !(mode instanceof String)) {
            error(ctx, 400, "'mode' must be a string: watched, onDemand or always");
            return;
        }
        SourceSpec spec;
        Demand.Mode parsedMode;
        try {
            spec = clientSource(media, source);
            parsedMode = Demand.Mode.parse((String) mode);
        } catch (IllegalArgumentException e) {
            error(ctx, 400, e.getMessage());
            return;
        }
        catalog.add(id, source, spec, parsedMode).onComplete(ar -> {
            if (ar.succeeded()) {
                LOG.info("stream {} added: {}", id, spec.shown());
                json(ctx, 201, ar.result());
            } else if (ar.cause() instanceof IllegalArgumentException e) {
                error(ctx, 400, e.getMessage());
            } else if (ar.cause() instanceof IllegalStateException e) {
                error(ctx, 409, e.getMessage());
            } else {
                error(ctx, 500, "adding the stream failed: " + ar.cause().getMessage());
            }
        });
    }

    /**
     * The source parsed once, with the file policy of clients: {@code file:} paths only inside the media folder
     * (the service's own config may name any file). The pipeline's allow list refuses every other protocol.
     */
    public static SourceSpec clientSource(MediaFolder media, String source) {
        return SourceSpec.parse(source, path -> {
            if (media == null) {
                throw new IllegalArgumentException("file: sources need a media folder (media.dir in the config)");
            }
            Path file = media.resolve(path);
            if (file == null) {
                throw new IllegalArgumentException("no such file in the media folder: " + path);
            }
            return file;
        });
    }

    private void removeStream(RoutingContext ctx, StreamCatalog catalog) {
        String id = ctx.pathParam("id");
        catalog.remove(id).onComplete(ar -> {
            if (ar.failed()) {
                error(ctx, 500, "removing stream failed: " + ar.cause().getMessage());
            } else if (ar.result()) {
                LOG.info("stream {} removed", id);
                ctx.response().setStatusCode(204).end();
            } else {
                error(ctx, 404, "no stream '" + id + "'");
            }
        });
    }

    private void upgrade(RoutingContext ctx, boolean original) {
        if (!origins.allows(ctx.request().getHeader("origin"), ctx.request().getHeader("host"))) {
            LOG.warn("WebSocket upgrade from foreign origin {} refused", ctx.request().getHeader("origin"));
            error(ctx, 403, "this origin may not open the viewer's WebSockets (see websocket.allowedOrigins)");
            return;
        }
        String id = ctx.pathParam("id");
        WebSocketFanout fanout = fanouts.apply(id);
        if (fanout == null) {
            if (!forwarded(ctx, id)) {
                error(ctx, 404, "no stream '" + id + "'");
            }
            return;
        }
        HttpServerRequest req = ctx.request();
        req.toWebSocket().onSuccess(ws -> {
            if (!fanout.join(ws, original)) {
                ws.close((short) 1013, "too many viewers");
            }
        }).onFailure(e -> {
            if (!ctx.response().ended()) {
                error(ctx, 400, "WebSocket upgrade failed: " + e.getMessage());
            }
        });
    }

    /** Whether another node runs the stream and took the request; a request passed on once is not passed again. */
    private boolean forwarded(RoutingContext ctx, String id) {
        return remote != null && ctx.request().getHeader(RemoteStreams.FORWARDED) == null && remote.forward(ctx, id);
    }

    private void hlsFile(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        String file = ctx.pathParam("file");
        LiveStream stream = registry.get(id).orElse(null);
        if (stream == null) {
            if (!forwarded(ctx, id)) {
                error(ctx, 404, "no stream '" + id + "'");
            }
            return;
        }
        // asking is demand, even before the playlist exists: it starts the stream and its encoder
        stream.demand().hlsRequested();
        Path path = hls.file(id, file);
        if (path == null) {
            error(ctx, 404, "no such HLS file");
            return;
        }
        boolean playlist = HlsLayout.isPlaylist(file);
        if (!Files.isRegularFile(path)) {
            error(ctx, 404, playlist ? "playlist not ready yet" : "segment gone");
            return;
        }
        ctx.response()
                .putHeader("content-type", playlist ? "application/vnd.apple.mpegurl" : "video/mp2t")
                .putHeader("cache-control", playlist ? "no-cache" : "max-age=60")
                .sendFile(path.toString())
                .onFailure(e -> LOG.debug("HLS {} not sent: {}", path, e.getMessage()));
    }
}
