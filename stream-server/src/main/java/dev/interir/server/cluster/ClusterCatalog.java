package dev.interir.server.cluster;

import com.hazelcast.map.IMap;
import dev.interir.pipeline.Demand;
import dev.interir.pipeline.SourceSpec;
import dev.interir.pipeline.StreamRegistry;
import dev.interir.pipeline.StreamSnapshot;
import dev.interir.server.http.StreamCatalog;
import dev.interir.server.http.StreamJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The streams API of a cluster node: every camera of the cluster, each with its {@code owner} (the name of the node
 * that runs it, null while none does). Cameras this node runs show their live state; the others the state their
 * owner published at its latest lease round. Adding or removing a camera changes the cluster's camera map; the
 * leases then start or stop it on one node.
 */
final class ClusterCatalog implements StreamCatalog {
    private final Vertx vertx;
    private final IMap<String, String> cameras;
    private final Supplier<ClusterView> view;
    private final Function<String, Optional<JsonObject>> local;
    private final String selfName;
    private final int ownCapacity;

    /** @param local this node's own stream, as the API shows it, when it runs it */
    ClusterCatalog(Vertx vertx, IMap<String, String> cameras, Supplier<ClusterView> view,
                   Function<String, Optional<JsonObject>> local, String selfName, int ownCapacity) {
        this.ownCapacity = ownCapacity;
        this.vertx = vertx;
        this.cameras = cameras;
        this.view = view;
        this.local = local;
        this.selfName = selfName;
    }

    @Override
    public JsonArray list() {
        ClusterView v = view.get();
        JsonArray all = new JsonArray();
        v.cameras().keySet().stream().sorted().forEach(id -> all.add(json(v, v.cameras().get(id))));
        return all;
    }

    @Override
    public Optional<JsonObject> get(String id) {
        ClusterView v = view.get();
        CameraEntry c = v.cameras().get(id);
        return c == null ? Optional.empty() : Optional.of(json(v, c));
    }

    private JsonObject json(ClusterView v, CameraEntry c) {
        Optional<JsonObject> mine = local.apply(c.id());
        if (mine.isPresent()) {
            return mine.get().put("owner", selfName);
        }
        Optional<NodeRecord> owner = v.ownerOf(c.id());
        if (owner.isPresent()) {
            for (int i = 0; i < owner.get().streams().size(); i++) {
                JsonObject s = owner.get().streams().getJsonObject(i);
                if (c.id().equals(s.getString("id"))) {
                    return s.copy().put("owner", owner.get().name());
                }
            }
        }
        return waiting(c, owner.isPresent() ? "starting on " + owner.get().name() : "waiting for a node to take it")
                .put("owner", owner.map(NodeRecord::name).orElse(null));
    }

    /** A camera no node runs yet, in the API's shape. */
    private static JsonObject waiting(CameraEntry c, String why) {
        return StreamJson.of(new StreamSnapshot(c.id(), c.source(), "connecting", why,
                c.mode() == null ? Demand.Mode.WATCHED.label() : c.mode(), false, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                false, new float[0], new float[0]), false);
    }

    @Override
    public Future<JsonObject> add(String id, String source, SourceSpec spec, Demand.Mode mode) {
        StreamRegistry.checkId(id);
        CameraEntry c = new CameraEntry(id, source, mode.label(), false);
        // before this node's first lease round it knows no records: its own room is the least the cluster has
        int capacity = Math.max(ownCapacity, view.get().nodes().stream().mapToInt(NodeRecord::capacity).sum());
        return vertx.executeBlocking(() -> {
            if (cameras.size() >= capacity) {
                throw new IllegalStateException("stream limit reached (" + capacity + " in the cluster: "
                        + "pipeline.maxStreams of each node)");
            }
            if (cameras.putIfAbsent(id, c.json()) != null) {
                throw new IllegalStateException("stream '" + id + "' already exists");
            }
            return waiting(c, "waiting for a node to take it").put("owner", (String) null);
        });
    }

    @Override
    public Future<Boolean> remove(String id) {
        // its owner stops it at its next lease round
        return vertx.executeBlocking(() -> cameras.remove(id) != null);
    }
}
