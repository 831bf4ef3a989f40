package dev.interir.server.http;

import dev.interir.pipeline.Demand;
import dev.interir.pipeline.HlsLayout;
import dev.interir.pipeline.LiveStream;
import dev.interir.pipeline.SourceSpec;
import dev.interir.pipeline.StreamRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Optional;

/** The streams of this node alone: the stream registry. */
public final class LocalStreams implements StreamCatalog {
    private final Vertx vertx;
    private final StreamRegistry registry;
    private final HlsLayout hls;

    public LocalStreams(Vertx vertx, StreamRegistry registry, HlsLayout hls) {
        this.vertx = vertx;
        this.registry = registry;
        this.hls = hls;
    }

    @Override
    public JsonArray list() {
        JsonArray all = new JsonArray();
        registry.list().forEach(s -> all.add(json(s)));
        return all;
    }

    @Override
    public Optional<JsonObject> get(String id) {
        return registry.get(id).map(this::json);
    }

    /** A stream of this node as the API shows it. */
    public JsonObject json(LiveStream s) {
        return StreamJson.of(s.snapshot(), hls.ready(s.id()));
    }

    @Override
    public Future<JsonObject> add(String id, String source, SourceSpec spec, Demand.Mode mode) {
        try {
            return Future.succeededFuture(StreamJson.of(registry.add(id, spec, mode).snapshot(), false));
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    @Override
    public Future<Boolean> remove(String id) {
        // stopping joins sink threads: keep it off the event loop
        return vertx.executeBlocking(() -> registry.remove(id));
    }
}
