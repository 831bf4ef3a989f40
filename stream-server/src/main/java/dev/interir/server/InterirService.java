package dev.interir.server;

import dev.interir.model.DjlRestorer;
import dev.interir.pipeline.Demand;
import dev.interir.pipeline.FrameSink;
import dev.interir.pipeline.HlsLayout;
import dev.interir.pipeline.HlsSink;
import dev.interir.pipeline.JpegEncoder;
import dev.interir.pipeline.LiveStream;
import dev.interir.pipeline.PipelineSettings;
import dev.interir.pipeline.SourceSpec;
import dev.interir.pipeline.StreamRegistry;
import dev.interir.pipeline.file.JobQueue;
import dev.interir.pipeline.file.VideoFileRestorer;
import dev.interir.server.cluster.ClusterNode;
import dev.interir.server.config.ServiceConfig;
import dev.interir.server.http.AllowedOrigins;
import dev.interir.server.http.ApiRoutes;
import dev.interir.server.http.JobRoutes;
import dev.interir.server.http.MediaFolder;
import dev.interir.server.http.TokenAuth;
import dev.interir.server.http.WebSocketFanout;
import dev.interir.server.ops.ServiceMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service: model, stream registry, job queue and HTTP server wired together. `serve`, `bench` and the
 * tests start it the same way. It owns the one instance of each shared part (the media folder clients may name
 * files in, the job queue, the HLS folder layout) and hands it to the parts that use it, and it closes them in the
 * one order that loses nothing.
 */
public final class InterirService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InterirService.class);

    private final DjlRestorer restorer;
    private final StreamRegistry registry;
    private final JobQueue jobQueue;
    private final JobRoutes jobRoutes;
    private final Vertx vertx;
    private final Router router;
    private final HttpServer http;
    private final Map<String, WebSocketFanout> fanouts;
    private final AtomicBoolean ready;
    private final ClusterNode cluster;

    private InterirService(DjlRestorer restorer, StreamRegistry registry, JobQueue jobQueue, JobRoutes jobRoutes,
                           Vertx vertx, Router router, HttpServer http, Map<String, WebSocketFanout> fanouts,
                           AtomicBoolean ready, ClusterNode cluster) {
        this.cluster = cluster;
        this.restorer = restorer;
        this.registry = registry;
        this.jobQueue = jobQueue;
        this.jobRoutes = jobRoutes;
        this.vertx = vertx;
        this.router = router;
        this.http = http;
        this.fanouts = fanouts;
        this.ready = ready;
    }

    public static InterirService start(ServiceConfig cfg) throws Exception {
        return start(cfg, s -> List.of());
    }

    /** @param extraSinks more sinks for every stream (the benchmark's measurements) */
    public static InterirService start(ServiceConfig cfg, Function<LiveStream, List<FrameSink>> extraSinks)
            throws Exception {
        DjlRestorer restorer = ModelLoader.load(cfg.model);
        PipelineSettings settings = cfg.pipelineSettings(restorer.info().tile(), restorer.info().maxTile(),
                restorer.info().overlap());
        HlsLayout hls = new HlsLayout(folder(cfg.hls.dir, "interir-hls"));
        MediaFolder media = MediaFolder.of(cfg.media.dir);
        // a node of a cluster runs on clustered Vert.x; alone, nothing of the cluster is loaded
        ClusterNode cluster = cfg.cluster.enabled ? ClusterNode.join(cfg) : null;
        Vertx vertx = cluster != null ? cluster.vertx() : Vertx.vertx();
        JpegEncoder jpeg = new JpegEncoder(cfg.websocket.jpegQuality);
        Map<String, WebSocketFanout> fanouts = new ConcurrentHashMap<>();

        ServiceMetrics metrics = new ServiceMetrics();
        StreamRegistry registry = new StreamRegistry(settings.frameRestorer(restorer), settings, (LiveStream s) -> {
            WebSocketFanout ws = new WebSocketFanout(vertx, s, jpeg, cfg.websocket.maxViewers, () -> hls.ready(s.id()),
                    () -> fanouts.remove(s.id()));
            fanouts.put(s.id(), ws);
            // the source's frame rate is known only once it opens; HLS stamps frames by grab time anyway
            List<FrameSink> sinks = new ArrayList<>(List.of(ws, new HlsSink(s.id(), hls, 25, cfg.hls.segmentSeconds,
                    cfg.hls.listSize, s.demand()::hlsWanted, s.clock()), metrics.track(s)));
            sinks.addAll(extraSinks.apply(s));
            if (cluster != null) {
                sinks.add(cluster.speedSink(s));
            }
            return sinks;
        });
        metrics.watch(registry);

        Path jobsDir = folder(cfg.jobs.outputDir, "interir-jobs");
        JobQueue jobQueue = new JobQueue(new VideoFileRestorer(registry.sharedRestorer(), cfg.jobOptions()),
                jobsDir.resolve("results"), cfg.jobs.concurrency,
                new JobQueue.Limits(cfg.jobs.maxQueued, Duration.ofMinutes(cfg.jobs.keepFinishedMinutes)));
        JobRoutes jobRoutes = new JobRoutes(jobQueue, media, jobsDir.resolve("uploads"),
                cfg.jobs.maxUploadMegabytes * 1024 * 1024);

        String token = cfg.server.token == null || cfg.server.token.isBlank() ? null : cfg.server.token;
        AtomicBoolean ready = new AtomicBoolean();
        AtomicInteger httpPort = new AtomicInteger();
        if (cluster != null) {
            cluster.attach(registry, hls, media, jobQueue, metrics.meters(), token, httpPort::get);
        }
        ApiRoutes routes = new ApiRoutes(registry, fanouts::get, hls, metrics::scrape,
                token == null ? null : new TokenAuth(token), () -> ready.get() && registry.modelWarm(), jobRoutes, media,
                new AllowedOrigins(cfg.websocket.allowedOrigins), cluster == null ? null : cluster.streams(),
                cluster == null ? null : cluster.remote(), cluster == null ? SingleNode::mount : cluster::mount);
        Router router = routes.router(vertx);
        HttpServer http = vertx.createHttpServer()
                .requestHandler(router)
                .listen(cfg.server.port, cfg.server.host)
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        httpPort.set(http.actualPort());
        InterirService service = new InterirService(restorer, registry, jobQueue, jobRoutes, vertx, router, http,
                fanouts, ready, cluster);
        if (cluster != null) {
            cluster.start(cfg.streams); // the config's streams join the cluster's cameras; leases place them
        } else {
            for (ServiceConfig.StreamEntry e : cfg.streams) {
                try {
                    registry.add(e.id, SourceSpec.parse(BundledClip.resolve(e.source)), Demand.Mode.parse(e.mode));
                } catch (RuntimeException ex) {
                    LOG.error("configured stream {} not started: {}", e.id, ex.getMessage());
                }
            }
        }
        ready.set(true);
        LOG.info("serving on http://{}:{}/ (HLS files in {}){}", cfg.server.host, http.actualPort(), hls.root(),
                token == null ? "" : ", token required");
        return service;
    }

    /** The configured folder, or a new temporary one when none is configured. */
    private static Path folder(String dir, String tempPrefix) {
        try {
            return dir == null || dir.isBlank() ? Files.createTempDirectory(tempPrefix)
                    : Files.createDirectories(Path.of(dir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the folder " + (dir == null ? tempPrefix : dir) + ": "
                    + e.getMessage(), e);
        }
    }

    public int port() {
        return http.actualPort();
    }

    public StreamRegistry registry() {
        return registry;
    }

    /** Every registered route, for tests that must reach all of them. */
    public List<Route> routes() {
        return router.getRoutes();
    }

    @Override
    public void close() {
        ready.set(false);
        // first: this node's cameras go back to the cluster and it takes no more jobs; the jobs it runs are cancelled
        // below and, once it has left the cluster (Vert.x closing), requeued by the others
        if (cluster != null) {
            cluster.close();
        }
        // before HTTP closes, so the jobs' event streams still get each job's final state: the queue cancels its
        // jobs (each pushed to the streams as it ends, leaving no partial files), then the routes end the streams
        // and remove the uploads
        jobQueue.close();
        jobRoutes.close();
        try {
            http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("closing HTTP server: {}", e.getMessage());
        }
        registry.close();
        restorer.close();
        try {
            // a node of a cluster leaves it here: wait, so that the others see it go rather than time it out
            vertx.close().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("closing Vert.x: {}", e.getMessage());
        }
        fanouts.clear();
    }
}
