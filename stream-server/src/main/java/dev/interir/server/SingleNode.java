package dev.interir.server;

import static dev.interir.server.http.JsonReplies.json;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/** {@code GET /api/cluster} of a node that runs alone: {@code {"enabled": false}}, so the viewer can always ask. */
final class SingleNode {
    private SingleNode() {
    }

    static void mount(Router r) {
        r.get("/api/cluster").handler(ctx -> json(ctx, 200, new JsonObject().put("enabled", false)));
    }
}
