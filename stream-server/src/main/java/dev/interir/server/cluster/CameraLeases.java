package dev.interir.server.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One camera, one node. A node runs a camera only while it holds the camera's lease: an entry in the cluster-wide
 * lease map whose time to live the owner renews every round. A lease is won with {@code putIfAbsent}, so of two
 * nodes reaching for a camera only one gets it; it is renewed with a compare-and-extend on its partition
 * ({@link RenewLease}), so a node whose lease lapsed cannot extend the next owner's. An owner that has not renewed
 * for most of the lease stops the camera on its own (the fence), before the lease can lapse and another node take
 * it: a camera never runs on two nodes, even when its owner is cut off from the cluster rather than dead.
 *
 * <p>Each round (one thread) this node publishes its {@link NodeRecord}, reads the cameras, leases and records,
 * gives up cameras that were removed, renews its leases and takes the unowned cameras {@link Placement} gives it
 * (or any camera left unowned for a whole lease period, should a node not take its share).
 */
final class CameraLeases implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CameraLeases.class);
    /** How long a camera this node failed to start is left to the others. */
    private static final long START_FAILURE_BACKOFF_MILLIS = 30_000;

    record Settings(long leaseMillis, long renewMillis, int minMembers) {
        /**
         * An owner stops its camera this long before its lease could lapse: more than the fence's own period (100 ms)
         * and the time a stop takes, and no more, since a loaded machine can delay renewals by seconds (a node
         * starting beside a busy one did, in the cluster benchmark) and every early stop moves a camera.
         */
        long fenceMargin() {
            return Math.min(300, leaseMillis / 4);
        }
    }

    /** A lease this node holds. validUntil: the earliest moment the lease could lapse, on this node's clock. */
    private static final class Held {
        final String lease;
        volatile long validUntil;
        final AtomicBoolean renewing = new AtomicBoolean();

        Held(String lease, long validUntil) {
            this.lease = lease;
            this.validUntil = validUntil;
        }
    }

    private final HazelcastInstance hz;
    private final IMap<String, String> cameras;
    private final IMap<String, String> leases;
    private final IMap<String, String> placed;
    private final IMap<String, String> nodes;
    private final String self;
    private final Settings settings;
    private final LocalCameras local;
    private final LeaseHistory history;
    private final Supplier<NodeRecord> record;
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private final Map<String, Long> unownedSince = new HashMap<>();
    private final Map<String, Long> failedAt = new HashMap<>();
    private final AtomicLong takeovers = new AtomicLong();
    private final ScheduledExecutorService rounds = daemon("cluster-leases");
    private final ScheduledExecutorService fence = daemon("cluster-fence");
    private volatile ClusterView view;

    /** @param record what this node publishes about itself, built fresh each round */
    CameraLeases(HazelcastInstance hz, String self, Settings settings, LocalCameras local, LeaseHistory history,
                 Supplier<NodeRecord> record) {
        this.hz = hz;
        this.cameras = hz.getMap(HazelcastSetup.CAMERAS);
        this.leases = hz.getMap(HazelcastSetup.LEASES);
        this.placed = hz.getMap(HazelcastSetup.PLACED);
        this.nodes = hz.getMap(HazelcastSetup.NODES);
        this.self = self;
        this.settings = settings;
        this.local = local;
        this.history = history;
        this.record = record;
        this.view = ClusterView.empty(self);
    }

    void start() {
        rounds.scheduleWithFixedDelay(this::round, 0, settings.renewMillis(), TimeUnit.MILLISECONDS);
        fence.scheduleWithFixedDelay(this::fence, 100, 100, TimeUnit.MILLISECONDS);
    }

    ClusterView view() {
        return view;
    }

    int owned() {
        return held.size();
    }

    Set<String> ownedIds() {
        return Set.copyOf(held.keySet());
    }

    long takeovers() {
        return takeovers.get();
    }

    private void round() {
        try {
            Set<String> members = hz.getCluster().getMembers().stream().map(m -> m.getUuid().toString())
                    .collect(Collectors.toSet());
            // a record outlives its node by half a lease at most: placement must not give cameras to the dead
            nodes.set(self, record.get().json(), settings.leaseMillis() / 2, TimeUnit.MILLISECONDS);
            Map<String, CameraEntry> cams = new TreeMap<>();
            cameras.values().forEach(json -> {
                CameraEntry c = CameraEntry.parse(json);
                cams.put(c.id(), c);
            });
            Map<String, String> owners = new HashMap<>();
            leases.entrySet().forEach(e -> owners.put(e.getKey(), e.getValue().split(" ", 2)[0]));
            List<NodeRecord> fresh = new ArrayList<>();
            nodes.values().forEach(json -> {
                NodeRecord n = NodeRecord.parse(json);
                if (members.contains(n.id())) {
                    fresh.add(n);
                }
            });
            // a member whose record lapsed is late, not gone (a loaded machine): it keeps its last record for the
            // API and the proxy, but gets no new cameras until it publishes again
            List<NodeRecord> live = new ArrayList<>(fresh);
            for (NodeRecord last : view.nodes()) {
                if (members.contains(last.id()) && fresh.stream().noneMatch(n -> n.id().equals(last.id()))) {
                    live.add(last);
                }
            }
            live.sort(Comparator.comparing(NodeRecord::name).thenComparing(NodeRecord::id));

            for (String id : List.copyOf(held.keySet())) {
                if (!cams.containsKey(id)) {
                    release(id);
                }
            }
            if (members.size() >= settings.minMembers()) {
                held.forEach(this::renew);
                take(cams, owners, fresh);
            } else {
                // the smaller side of a split: the larger side takes these cameras once their leases lapse there
                held.forEach((id, h) -> lose(id, h, "the cluster this node sees has fewer than "
                        + settings.minMembers() + " members"));
            }
            held.keySet().forEach(id -> owners.put(id, self));
            view = new ClusterView(self, List.copyOf(live), Map.copyOf(cams), Map.copyOf(owners));
        } catch (RuntimeException e) {
            // Hazelcast between members (a partition migrating, a member leaving): the next round tries again, and
            // the fence stops what cannot be renewed in time
            LOG.debug("lease round failed: {}", e.toString());
        }
    }

    private void take(Map<String, CameraEntry> cams, Map<String, String> owners, List<NodeRecord> live) {
        long now = nowMillis();
        List<String> unowned = cams.keySet().stream().filter(id -> !owners.containsKey(id) && !held.containsKey(id))
                .toList();
        unownedSince.keySet().retainAll(unowned);
        failedAt.values().removeIf(t -> now - t > START_FAILURE_BACKOFF_MILLIS);
        if (unowned.isEmpty()) {
            return;
        }
        Map<String, String> plan = Placement.assign(unowned, live.stream().map(NodeRecord::load).toList());
        for (String id : unowned) {
            long since = unownedSince.computeIfAbsent(id, k -> now);
            boolean mine = self.equals(plan.get(id));
            boolean orphaned = now - since >= settings.leaseMillis();
            if ((mine || orphaned) && !failedAt.containsKey(id)) {
                tryTake(cams.get(id));
            }
        }
    }

    private void tryTake(CameraEntry camera) {
        String id = camera.id();
        String lease = self + " " + UUID.randomUUID();
        long asked = nowMillis();
        if (leases.putIfAbsent(id, lease, settings.leaseMillis(), TimeUnit.MILLISECONDS) != null) {
            return; // another node was faster
        }
        Held h = new Held(lease, asked + settings.leaseMillis());
        held.put(id, h);
        String previous = placed.put(id, self);
        String from = previous != null && !previous.equals(self) ? previous : null;
        if (from != null) {
            takeovers.incrementAndGet();
        }
        history.record(id, LeaseHistory.Event.ACQUIRED, from);
        LOG.info("camera {} acquired{}", id, from == null ? "" : " (taken over from node " + from + ")");
        try {
            local.start(camera);
        } catch (RuntimeException e) {
            LOG.error("camera {} cannot run on this node, left to the others: {}", id, e.getMessage());
            failedAt.put(id, nowMillis());
            release(id);
        }
    }

    private void renew(String id, Held h) {
        if (!h.renewing.compareAndSet(false, true)) {
            return; // the previous renewal has not answered yet
        }
        long asked = nowMillis();
        leases.submitToKey(id, new RenewLease(h.lease, settings.leaseMillis())).whenComplete((ok, err) -> {
            h.renewing.set(false);
            if (err != null) {
                LOG.debug("renewing the lease of {} failed: {}", id, err.toString());
            } else if (ok) {
                h.validUntil = Math.max(h.validUntil, asked + settings.leaseMillis());
            } else {
                try {
                    rounds.execute(() -> lose(id, h, "its lease is no longer this node's"));
                } catch (java.util.concurrent.RejectedExecutionException closing) {
                    lose(id, h, "its lease is no longer this node's");
                }
            }
        });
    }

    private void fence() {
        long now = nowMillis();
        held.forEach((id, h) -> {
            if (now >= h.validUntil - settings.fenceMargin()) {
                lose(id, h, "its lease could not be renewed in time");
            }
        });
    }

    /** Stops a camera whose lease this node may no longer hold; the lease is left to lapse. */
    private void lose(String id, Held h, String why) {
        if (held.remove(id, h)) {
            local.stop(id);
            history.record(id, LeaseHistory.Event.LOST, null);
            LOG.warn("camera {} stopped: {}", id, why);
        }
    }

    /** Stops a camera and gives its lease back, so another node may take it at once. */
    private void release(String id) {
        Held h = held.remove(id);
        if (h == null) {
            return;
        }
        local.stop(id);
        history.record(id, LeaseHistory.Event.RELEASED, null);
        try {
            leases.remove(id, h.lease);
            placed.remove(id, self);
        } catch (RuntimeException e) {
            LOG.debug("lease of {} left to lapse: {}", id, e.toString());
        }
        LOG.info("camera {} released", id);
    }

    /** Members Hazelcast sees now (a local read). */
    int members() {
        Set<Member> m = hz.getCluster().getMembers();
        return m.size();
    }

    /** Gives every camera back (others take them within a round) and stops publishing this node. */
    @Override
    public void close() {
        rounds.shutdown();
        fence.shutdown();
        try {
            rounds.awaitTermination(5, TimeUnit.SECONDS);
            fence.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (String id : List.copyOf(held.keySet())) {
            release(id);
        }
        try {
            nodes.remove(self);
        } catch (RuntimeException e) {
            LOG.debug("node record left to lapse: {}", e.toString());
        }
    }

    private static long nowMillis() {
        return System.nanoTime() / 1_000_000;
    }

    private static ScheduledExecutorService daemon(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}
