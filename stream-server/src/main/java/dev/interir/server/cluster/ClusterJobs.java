package dev.interir.server.cluster;

import static dev.interir.server.http.JsonReplies.error;
import static dev.interir.server.http.JsonReplies.json;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.interir.pipeline.file.JobQueue;
import dev.interir.server.http.JobRoutes;
import dev.interir.server.http.MediaFolder;
import dev.interir.server.http.RemoteStreams;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * File jobs queued for the whole cluster. {@code POST /api/jobs {input}} on any node puts the job in the cluster's
 * job map; a node with a free job slot claims the oldest queued job (compare-and-set, so one node gets it) and runs
 * it in its own {@link JobQueue} under the same id, publishing its progress each round. A job whose node left the
 * cluster is put back in the queue by any node and starts over elsewhere; the partial file died with that node (its
 * {@link JobQueue} removes partial files when it starts again). The input is named in the media folder, which every
 * node must see at the same path (shared storage). Uploads stay with the node that received them: they are that
 * node's own jobs, listed with the cluster's. The result downloads from any node (proxied to the node that holds
 * it); {@code /api/jobs/events} reports this node's own jobs.
 */
final class ClusterJobs implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterJobs.class);

    private final HazelcastInstance hz;
    private final IMap<String, String> jobs;
    private final JobQueue queue;
    private final MediaFolder media;
    private final int slots;
    private final String self;
    private final String selfName;
    private final Supplier<ClusterView> view;
    private final ClusterProxy proxy;
    private final ScheduledExecutorService rounds = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cluster-jobs");
        t.setDaemon(true);
        return t;
    });

    /** @param slots jobs this node runs at once (jobs.concurrency) */
    ClusterJobs(HazelcastInstance hz, JobQueue queue, MediaFolder media, int slots, String self, String selfName,
                Supplier<ClusterView> view, ClusterProxy proxy) {
        this.hz = hz;
        this.jobs = hz.getMap(HazelcastSetup.JOBS);
        this.queue = queue;
        this.media = media;
        this.slots = Math.max(1, slots);
        this.self = self;
        this.selfName = selfName;
        this.view = view;
        this.proxy = proxy;
    }

    void start(long everyMillis) {
        rounds.scheduleWithFixedDelay(this::round, everyMillis, everyMillis, TimeUnit.MILLISECONDS);
    }

    /** Job slots free here now. */
    int freeSlots() {
        return Math.max(0, slots - (int) queue.list().stream().filter(s -> !s.state().finished()).count());
    }

    void mount(Router r) {
        BodyHandler jsonBody = BodyHandler.create(false).setBodyLimit(64 * 1024);
        // an upload goes on to the node's own job routes (their body handler stores the file); JSON is read here
        r.post("/api/jobs").handler(ctx -> {
            if (isUpload(ctx)) {
                ctx.next();
            } else {
                jsonBody.handle(ctx);
            }
        });
        r.post("/api/jobs").handler(this::submit);
        r.get("/api/jobs").handler(ctx -> ctx.vertx().executeBlocking(this::list)
                .onSuccess(all -> json(ctx, 200, all)).onFailure(e -> error(ctx, 503, e.getMessage())));
        r.get("/api/jobs/:id").handler(ctx -> clusterJob(ctx, j -> json(ctx, 200, j)));
        r.delete("/api/jobs/:id").handler(ctx -> clusterJob(ctx, j -> cancel(ctx, j)));
        r.get("/api/jobs/:id/result").handler(ctx -> clusterJob(ctx, j -> result(ctx, j)));
    }

    private static boolean isUpload(RoutingContext ctx) {
        String type = ctx.request().getHeader("content-type");
        return type != null && type.startsWith("multipart/");
    }

    private void submit(RoutingContext ctx) {
        if (isUpload(ctx)) {
            ctx.next();
            return;
        }
        JobRoutes.MediaInput in = JobRoutes.mediaInput(ctx, media);
        if (in == null) {
            return;
        }
        String input = in.input();
        String id = UUID.randomUUID().toString().substring(0, 8);
        JsonObject job = new JsonObject().put("id", id).put("input", input).put("state", "queued")
                .put("progress", 0.0).put("framesDone", 0).put("framesTotal", -1).put("fps", 0.0)
                .put("etaSeconds", (Object) null).put("node", null).put("attempts", 0)
                .put("created", System.currentTimeMillis());
        int maxQueued = queue.limits().maxQueued();
        ctx.vertx().executeBlocking(() -> {
            long waiting = jobs.values().stream().filter(j -> "queued".equals(new JsonObject(j).getString("state")))
                    .count();
            if (waiting >= maxQueued) {
                throw new JobQueue.QueueFullException(maxQueued);
            }
            jobs.set(id, job.encode());
            return job;
        }).onSuccess(j -> {
            LOG.info("cluster job {} queued: {}", id, input);
            json(ctx, 201, j);
        }).onFailure(e -> error(ctx, e instanceof JobQueue.QueueFullException ? 429 : 503, e.getMessage()));
    }

    /** Runs {@code then} with the cluster job the path names; a job the cluster does not know is this node's own. */
    private void clusterJob(RoutingContext ctx, java.util.function.Consumer<JsonObject> then) {
        String id = ctx.pathParam("id");
        ctx.vertx().executeBlocking(() -> Optional.ofNullable(jobs.get(id)).map(JsonObject::new)).onSuccess(j -> {
            if (j.isPresent()) {
                then.accept(j.get());
            } else {
                ctx.next();
            }
        }).onFailure(e -> error(ctx, 503, e.getMessage()));
    }

    private void cancel(RoutingContext ctx, JsonObject job) {
        String id = job.getString("id");
        ctx.vertx().executeBlocking(() -> Optional.ofNullable(jobs.computeIfPresent(id, (k, old) -> {
            JsonObject j = new JsonObject(old);
            String state = j.getString("state");
            if ("queued".equals(state)) {
                j.put("state", "cancelled").put("finishedAt", System.currentTimeMillis());
            } else if ("running".equals(state)) {
                j.put("cancel", true); // its node cancels it at its next round
            }
            return j.encode();
        })).map(JsonObject::new).orElse(job)).onSuccess(j -> json(ctx, 200, j))
                .onFailure(e -> error(ctx, 503, e.getMessage()));
    }

    private void result(RoutingContext ctx, JsonObject job) {
        if (!"done".equals(job.getString("state"))) {
            error(ctx, 409, "job " + job.getString("id") + " is " + job.getString("state") + ", no result to download");
            return;
        }
        String node = job.getString("node");
        if (self.equals(node) || ctx.request().getHeader(RemoteStreams.FORWARDED) != null) {
            ctx.next(); // this node holds the file: the local route sends it
            return;
        }
        Optional<NodeRecord> holder = view.get().node(node);
        if (holder.isEmpty()) {
            error(ctx, 410, "the node that restored job " + job.getString("id") + " (" + job.getString("nodeName")
                    + ") has left the cluster, and its result with it");
            return;
        }
        proxy.get(ctx, holder.get(), ctx.request().uri());
    }

    /** The cluster's jobs, then this node's own uploads, oldest first. */
    private JsonArray list() {
        List<JsonObject> all = new ArrayList<>();
        jobs.values().forEach(j -> all.add(new JsonObject(j)));
        Set<String> clusterIds = all.stream().map(j -> j.getString("id")).collect(Collectors.toSet());
        for (JobQueue.Snapshot s : queue.list()) {
            if (!clusterIds.contains(s.id())) {
                all.add(JobRoutes.jobJson(s).put("node", self).put("nodeName", selfName)
                        .put("created", s.createdMillis()));
            }
        }
        all.sort(Comparator.comparingLong((JsonObject j) -> j.getLong("created", 0L))
                .thenComparing(j -> j.getString("id")));
        JsonArray out = new JsonArray();
        all.forEach(out::add);
        return out;
    }

    private void round() {
        try {
            Set<String> members = hz.getCluster().getMembers().stream().map(m -> m.getUuid().toString())
                    .collect(Collectors.toSet());
            requeueOrphans(members);
            publishMine();
            forgetOld();
            claim();
        } catch (RuntimeException e) {
            LOG.debug("job round failed: {}", e.toString());
        }
    }

    /** A running job whose node left starts over: back in the queue, for any node. */
    private void requeueOrphans(Set<String> members) {
        for (var e : jobs.entrySet()) {
            JsonObject j = new JsonObject(e.getValue());
            if ("running".equals(j.getString("state")) && !members.contains(j.getString("node"))) {
                JsonObject back = j.copy().put("state", "queued").put("progress", 0.0).put("framesDone", 0)
                        .put("fps", 0.0).put("etaSeconds", (Object) null)
                        .put("requeuedFrom", j.getString("nodeName"));
                if (jobs.replace(e.getKey(), e.getValue(), back.encode())) {
                    LOG.info("cluster job {} requeued: its node {} left", e.getKey(), j.getString("nodeName"));
                }
            }
        }
    }

    /** The progress and end of the cluster jobs this node runs, and cancels asked for on other nodes. */
    private void publishMine() {
        for (JobQueue.Snapshot s : queue.list()) {
            jobs.computeIfPresent(s.id(), (k, old) -> {
                JsonObject j = new JsonObject(old);
                if (!self.equals(j.getString("node")) || !"running".equals(j.getString("state"))) {
                    return old;
                }
                if (j.getBoolean("cancel", false) && !s.state().finished()) {
                    queue.cancel(s.id());
                }
                JsonObject now = JobRoutes.jobJson(s);
                if (s.state().finished()) {
                    now.put("finishedAt", System.currentTimeMillis());
                }
                return j.mergeIn(now).encode();
            });
        }
    }

    /** A finished job is forgotten as long after it ended as its node keeps the result (jobs.keepFinishedMinutes). */
    private void forgetOld() {
        long oldest = System.currentTimeMillis() - queue.limits().keepFinished().toMillis();
        for (var e : jobs.entrySet()) {
            JsonObject j = new JsonObject(e.getValue());
            Long finished = j.getLong("finishedAt");
            if (finished != null && finished < oldest) {
                jobs.remove(e.getKey(), e.getValue());
            }
        }
    }

    private void claim() {
        int free = freeSlots();
        if (free == 0) {
            return;
        }
        List<java.util.Map.Entry<String, String>> queued = new ArrayList<>();
        for (var e : jobs.entrySet()) {
            if ("queued".equals(new JsonObject(e.getValue()).getString("state"))) {
                queued.add(e);
            }
        }
        queued.sort(Comparator.comparingLong(e -> new JsonObject(e.getValue()).getLong("created", 0L)));
        for (var e : queued.subList(0, Math.min(free, queued.size()))) {
            JsonObject j = new JsonObject(e.getValue());
            JsonObject mine = j.copy().put("state", "running").put("node", self).put("nodeName", selfName)
                    .put("attempts", j.getInteger("attempts", 0) + 1);
            if (!jobs.replace(e.getKey(), e.getValue(), mine.encode())) {
                continue; // another node claimed it first
            }
            run(e.getKey(), mine);
        }
    }

    private void run(String id, JsonObject job) {
        String input = job.getString("input");
        try {
            Path file = media == null ? null : media.resolve(input);
            if (file == null) {
                throw new IllegalArgumentException("the input " + input + " is not in this node's media folder");
            }
            queue.submit(id, file, input, false);
            LOG.info("cluster job {} runs here (attempt {})", id, job.getInteger("attempts"));
        } catch (RuntimeException e) {
            LOG.warn("cluster job {} failed here: {}", id, e.getMessage());
            jobs.set(id, job.put("state", "failed").put("error", e.getMessage())
                    .put("finishedAt", System.currentTimeMillis()).encode());
        }
    }

    @Override
    public void close() {
        rounds.shutdownNow();
    }
}
