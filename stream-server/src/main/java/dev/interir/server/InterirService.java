package dev.interir.server;

import dev.interir.model.DjlRestorer;
import dev.interir.model.FrameRestorer;
import dev.interir.pipeline.Demand;
import dev.interir.pipeline.FrameSink;
import dev.interir.pipeline.HlsSink;
import dev.interir.pipeline.JpegEncoder;
import dev.interir.pipeline.LiveStream;
import dev.interir.pipeline.PipelineSettings;
import dev.interir.pipeline.SourceSpec;
import dev.interir.pipeline.StreamRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service: model, stream registry and HTTP server wired together. `serve` and the tests start it
 * the same way.
 */
public final class InterirService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InterirService.class);

    private final DjlRestorer restorer;
    private final StreamRegistry registry;
    private final Vertx vertx;
    private final HttpServer http;
    private final Map<String, WebSocketFanout> fanouts;
    private final AtomicBoolean ready;
    private final JobRoutes jobs;
    private final Router router;

    private InterirService(DjlRestorer restorer, StreamRegistry registry, JobRoutes jobs, Vertx vertx, Router router,
                           HttpServer http, Map<String, WebSocketFanout> fanouts, AtomicBoolean ready) {
        this.router = router;
        this.ready = ready;
        this.jobs = jobs;
        this.restorer = restorer;
        this.registry = registry;
        this.vertx = vertx;
        this.http = http;
        this.fanouts = fanouts;
    }

    public static InterirService start(ServiceConfig cfg) throws Exception {
        return start(cfg, s -> List.of());
    }

    /** @param extraSinks more sinks for every stream (the benchmark's measurements) */
    static InterirService start(ServiceConfig cfg, Function<LiveStream, List<FrameSink>> extraSinks) throws Exception {
        DjlRestorer restorer = ModelLoader.load(cfg.model.variant, cfg.model.file, cfg.model.threads);
        PipelineSettings settings = cfg.pipelineSettings(restorer.info().tile(), restorer.info().overlap());
        FrameRestorer frames = new FrameRestorer(restorer, settings.tile(), settings.overlap(), settings.maxBatch());
        Path hlsRoot = hlsRoot(cfg.hls.dir);
        Vertx vertx = Vertx.vertx();
        JpegEncoder jpeg = new JpegEncoder(cfg.websocket.jpegQuality);
        Map<String, WebSocketFanout> fanouts = new ConcurrentHashMap<>();

        ServiceMetrics metrics = new ServiceMetrics();
        StreamRegistry registry = new StreamRegistry(frames, settings, (LiveStream s) -> {
            Path playlist = hlsRoot.resolve(s.id()).resolve("index.m3u8");
            WebSocketFanout ws = new WebSocketFanout(vertx, s, jpeg, cfg.websocket.maxViewers,
                    () -> Files.isRegularFile(playlist), () -> fanouts.remove(s.id()));
            fanouts.put(s.id(), ws);
            // the source's frame rate is known only once it opens; HLS stamps frames by grab time anyway
            List<FrameSink> sinks = new ArrayList<>(List.of(ws, new HlsSink(s.id(), hlsRoot, 25, cfg.hls.segmentSeconds,
                    cfg.hls.listSize, s.demand()::hlsWanted, s.clock()), metrics.track(s)));
            sinks.addAll(extraSinks.apply(s));
            return sinks;
        });
        metrics.watch(registry);

        String token = cfg.server.token == null || cfg.server.token.isBlank() ? null : cfg.server.token;
        AtomicBoolean ready = new AtomicBoolean();
        JobRoutes jobs = new JobRoutes(registry.sharedRestorer(), cfg);
        ApiRoutes routes = new ApiRoutes(registry, fanouts::get, hlsRoot, metrics,
                token == null ? null : new TokenAuth(token), ready::get, jobs, MediaFolder.of(cfg.media.dir),
                new AllowedOrigins(cfg.websocket.allowedOrigins));
        Router router = routes.router(vertx);
        HttpServer http = vertx.createHttpServer()
                .requestHandler(router)
                .listen(cfg.server.port, cfg.server.host)
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        InterirService service = new InterirService(restorer, registry, jobs, vertx, router, http, fanouts, ready);
        for (ServiceConfig.StreamEntry e : cfg.streams) {
            try {
                registry.add(e.id, SourceSpec.parse(BundledClip.resolve(e.source)), Demand.Mode.parse(e.mode));
            } catch (RuntimeException ex) {
                LOG.error("configured stream {} not started: {}", e.id, ex.getMessage());
            }
        }
        ready.set(true);
        LOG.info("serving on http://{}:{}/ (HLS files in {}){}", cfg.server.host, http.actualPort(), hlsRoot,
                token == null ? "" : ", token required");
        return service;
    }

    private static Path hlsRoot(String dir) {
        try {
            Path p = dir == null || dir.isBlank() ? Files.createTempDirectory("interir-hls") : Path.of(dir);
            Files.createDirectories(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create HLS folder: " + e.getMessage(), e);
        }
    }

    public int port() {
        return http.actualPort();
    }

    public StreamRegistry registry() {
        return registry;
    }

    /** Every registered route, for tests that must reach all of them. */
    List<Route> routes() {
        return router.getRoutes();
    }

    @Override
    public void close() {
        ready.set(false);
        // before HTTP closes, so the jobs' event streams still get each job's final state; cancelled jobs leave
        // no partial files and no uploads
        jobs.close();
        try {
            http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("closing HTTP server: {}", e.getMessage());
        }
        registry.close();
        restorer.close();
        vertx.close();
        fanouts.clear();
    }
}
