package dev.interir.server.cluster;

import static dev.interir.server.http.JsonReplies.error;
import static dev.interir.server.http.JsonReplies.json;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.function.Supplier;

/**
 * {@code GET /api/cluster}: the members, this node marked, with their load; {@code GET /api/cluster/leases}: the
 * cluster's lease history ({@link LeaseHistory}).
 */
final class ClusterRoutes {
    private final Supplier<ClusterView> view;
    private final LeaseHistory history;
    private final CameraLeases leases;

    ClusterRoutes(Supplier<ClusterView> view, LeaseHistory history, CameraLeases leases) {
        this.view = view;
        this.history = history;
        this.leases = leases;
    }

    void mount(Router r) {
        r.get("/api/cluster").handler(ctx -> json(ctx, 200, members()));
        r.get("/api/cluster/leases").handler(ctx -> ctx.vertx().executeBlocking(history::read).onComplete(ar -> {
            if (ar.succeeded()) {
                json(ctx, 200, ar.result());
            } else {
                error(ctx, 503, "the lease history cannot be read now: " + ar.cause().getMessage());
            }
        }));
    }

    private JsonObject members() {
        ClusterView v = view.get();
        JsonArray nodes = new JsonArray();
        for (NodeRecord n : v.nodes()) {
            nodes.add(new JsonObject().put("id", n.id()).put("name", n.name()).put("self", n.id().equals(v.self()))
                    .put("url", n.httpUrl()).put("cameras", n.owned()).put("capacity", n.capacity())
                    .put("msPerFrame", Math.round(n.msPerFrame() * 10) / 10.0).put("freeJobSlots", n.freeJobs()));
        }
        return new JsonObject().put("enabled", true).put("self", v.self()).put("nodes", nodes)
                .put("cameras", v.cameras().size()).put("owned", leases.owned()).put("takeovers", leases.takeovers());
    }
}
