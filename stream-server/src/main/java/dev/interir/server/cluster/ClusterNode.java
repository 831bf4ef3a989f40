package dev.interir.server.cluster;

import com.hazelcast.core.HazelcastInstance;
import dev.interir.pipeline.Demand;
import dev.interir.pipeline.FrameSink;
import dev.interir.pipeline.HlsLayout;
import dev.interir.pipeline.LiveStream;
import dev.interir.pipeline.SourceSpec;
import dev.interir.pipeline.StreamRegistry;
import dev.interir.pipeline.file.JobQueue;
import dev.interir.server.BundledClip;
import dev.interir.server.config.ServiceConfig;
import dev.interir.server.http.ApiRoutes;
import dev.interir.server.http.MediaFolder;
import dev.interir.server.http.RemoteStreams;
import dev.interir.server.http.StreamCatalog;
import dev.interir.server.http.StreamJson;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This service as one node of a cluster: clustered Vert.x with the Hazelcast cluster manager, and the parts that
 * make the nodes one service, wired here: the camera leases and their placement, the cluster's streams API, the
 * proxy to other nodes' cameras, the cluster routes and gauges, and the cluster's job queue. Nothing of it is
 * created, and no Hazelcast started, while {@code cluster.enabled} is false (ClusterOffIT).
 *
 * <p>In order: {@link #join} before the service builds its parts (they need this Vert.x), {@link #attach} once
 * they exist, {@link #start} once HTTP listens (a camera taken here may get proxied viewers at once), {@link #close}
 * before the service closes its parts.
 */
public final class ClusterNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

    private final ServiceConfig cfg;
    private final Vertx vertx;
    private final HazelcastInstance hz;
    private final String self;
    private final String name;
    private final RestoreSpeed speed = new RestoreSpeed();
    private CameraLeases leases;
    private ClusterJobs jobs;
    private ClusterProxy proxy;
    private ClusterCatalog catalog;
    private ClusterRoutes routes;

    private ClusterNode(ServiceConfig cfg, Vertx vertx, HazelcastInstance hz) {
        this.cfg = cfg;
        this.vertx = vertx;
        this.hz = hz;
        this.self = hz.getCluster().getLocalMember().getUuid().toString();
        this.name = cfg.cluster.nodeName != null && !cfg.cluster.nodeName.isBlank() ? cfg.cluster.nodeName
                : cfg.cluster.host + ":" + cfg.cluster.port;
    }

    /** Starts clustered Vert.x and joins the cluster (or forms it, when no member answers). */
    public static ClusterNode join(ServiceConfig cfg) throws Exception {
        ServiceConfig.Cluster c = cfg.cluster;
        if (isLoopback(cfg.server.host) && !isLoopback(c.host)
                && (c.httpUrl == null || c.httpUrl.isBlank())) {
            LOG.warn("HTTP listens on {} only: the other nodes cannot reach it to proxy viewers of this node's cameras "
                    + "(set server.host, or cluster.httpUrl)", cfg.server.host);
        }
        HazelcastClusterManager manager = new HazelcastClusterManager(HazelcastSetup.config(c));
        VertxOptions options = new VertxOptions().setEventBusOptions(new EventBusOptions()
                .setHost(c.host).setPort(c.eventBusPort).setClusterPublicHost(c.host));
        Vertx vertx = Vertx.builder().with(options).withClusterManager(manager).buildClustered()
                .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        ClusterNode node = new ClusterNode(cfg, vertx, manager.getHazelcastInstance());
        LOG.info("node {} ({}) joined cluster '{}': {} member(s)", node.name, node.self, c.name,
                node.hz.getCluster().getMembers().size());
        return node;
    }

    private static boolean isLoopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    public Vertx vertx() {
        return vertx;
    }

    /** A sink for every stream: the restore time per frame placement weighs this node by. */
    public FrameSink speedSink(LiveStream stream) {
        return speed.sink();
    }

    /**
     * Builds the cluster's parts over the service's.
     *
     * @param httpPort the port HTTP listens on, read once it does
     */
    public void attach(StreamRegistry registry, HlsLayout hls, MediaFolder media, JobQueue queue, MeterRegistry meters,
                       String token, IntSupplier httpPort) {
        LeaseHistory history = new LeaseHistory(hz.getRingbuffer(HazelcastSetup.LEASE_HISTORY), self, name);
        CameraLeases.Settings settings = new CameraLeases.Settings(cfg.cluster.leaseSeconds * 1000L,
                cfg.cluster.renewMillis, cfg.cluster.minMembers);
        leases = new CameraLeases(hz, self, settings, new RegistryCameras(registry, media), history,
                () -> record(registry, hls, httpPort));
        proxy = new ClusterProxy(vertx, leases::view, name, token);
        catalog = new ClusterCatalog(vertx, hz.getMap(HazelcastSetup.CAMERAS), leases::view,
                id -> localJson(registry, hls, id), name, cfg.pipeline.maxStreams);
        routes = new ClusterRoutes(leases::view, history, leases);
        jobs = new ClusterJobs(hz, queue, media, cfg.jobs.concurrency, self, name, leases::view, proxy);
        ClusterMetrics.bind(meters, leases);
    }

    public StreamCatalog streams() {
        return catalog;
    }

    public RemoteStreams remote() {
        return proxy;
    }

    /** The cluster's routes: mounted before the service's job and stream routes, which they take over. */
    public void mount(Router r) {
        routes.mount(r);
        jobs.mount(r);
    }

    /** Adds the config's streams to the cluster's cameras (a camera already there is left as it is), then runs. */
    public void start(Iterable<ServiceConfig.StreamEntry> configured) {
        var cameras = hz.<String, String>getMap(HazelcastSetup.CAMERAS);
        for (ServiceConfig.StreamEntry e : configured) {
            try {
                StreamRegistry.checkId(e.id);
                Demand.Mode mode = Demand.Mode.parse(e.mode);
                cameras.putIfAbsent(e.id, new CameraEntry(e.id, e.source, mode.label(), true).json());
            } catch (RuntimeException ex) {
                LOG.error("configured stream {} not added to the cluster: {}", e.id, ex.getMessage());
            }
        }
        leases.start();
        jobs.start(cfg.cluster.renewMillis);
    }

    private NodeRecord record(StreamRegistry registry, HlsLayout hls, IntSupplier httpPort) {
        JsonArray streams = new JsonArray();
        for (String id : leases.ownedIds()) {
            localJson(registry, hls, id).ifPresent(streams::add);
        }
        return new NodeRecord(self, name, httpUrl(httpPort.getAsInt()), leases.owned(), speed.msPerFrame(),
                cfg.pipeline.maxStreams, jobs.freeSlots(), streams);
    }

    private String httpUrl(int port) {
        if (cfg.cluster.httpUrl != null && !cfg.cluster.httpUrl.isBlank()) {
            return cfg.cluster.httpUrl.replaceAll("/+$", "");
        }
        String host = cfg.cluster.host.contains(":") ? "[" + cfg.cluster.host + "]" : cfg.cluster.host;
        return "http://" + host + ":" + port;
    }

    private static Optional<JsonObject> localJson(StreamRegistry registry, HlsLayout hls, String id) {
        return registry.get(id).map(s -> StreamJson.of(s.snapshot(), hls.ready(id)));
    }

    /** Gives this node's cameras back (the others take them within a round) and stops taking jobs. */
    @Override
    public void close() {
        if (jobs != null) {
            jobs.close();
        }
        if (leases != null) {
            leases.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    /** Cameras this node runs are streams of its registry; a client's source is checked by this node's rules. */
    private record RegistryCameras(StreamRegistry registry, MediaFolder media) implements LocalCameras {
        @Override
        public void start(CameraEntry c) {
            SourceSpec spec = c.fromConfig() ? SourceSpec.parse(BundledClip.resolve(c.source()))
                    : ApiRoutes.clientSource(media, c.source());
            registry.add(c.id(), spec, Demand.Mode.parse(c.mode()));
        }

        @Override
        public void stop(String id) {
            registry.remove(id);
        }
    }
}
