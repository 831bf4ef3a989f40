package dev.interir.server.http;

import dev.interir.pipeline.Demand;
import dev.interir.pipeline.SourceSpec;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Optional;

/**
 * The streams the API lists, adds and removes: this node's own ({@link LocalStreams}), or, in a cluster, every
 * camera of the cluster with its owner.
 */
public interface StreamCatalog {
    /** Every stream as the API shows it (StreamJson), in id order. Called on the event loop: must not block. */
    JsonArray list();

    /** Called on the event loop: must not block. */
    Optional<JsonObject> get(String id);

    /**
     * Adds a stream; fails with IllegalArgumentException (a bad id or source: 400) or IllegalStateException (id taken,
     * no room: 409).
     *
     * @param source as the client gave it, already checked into {@code spec}
     */
    Future<JsonObject> add(String id, String source, SourceSpec spec, Demand.Mode mode);

    /** Removes a stream; false when there is none. */
    Future<Boolean> remove(String id);
}
