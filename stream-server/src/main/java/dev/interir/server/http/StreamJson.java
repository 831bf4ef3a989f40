package dev.interir.server.http;

import dev.interir.pipeline.CredentialMask;
import dev.interir.pipeline.StreamSnapshot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The JSON shape of a stream in the API and in the WebSocket stats message. */
public final class StreamJson {
    private StreamJson() {
    }

    /** @param hlsReady whether the stream's HLS playlist exists yet (players asking earlier get a 404) */
    public static JsonObject of(StreamSnapshot s, boolean hlsReady) {
        JsonObject j = new JsonObject()
                .put("id", s.id())
                .put("source", CredentialMask.mask(s.source()))
                .put("status", s.status())
                .put("mode", s.mode())
                .put("restoring", s.restoring())
                .put("width", s.width())
                .put("height", s.height())
                .put("fps", round(s.fps()))
                .put("framesIn", s.framesIn())
                .put("framesOut", s.framesOut())
                .put("dropped", s.dropped())
                .put("reconnects", s.reconnects())
                .put("latencyMs", round(s.latencyMs()))
                .put("stagesRun", round(s.stagesRun()))
                .put("warm", s.warm())
                .put("hlsReady", hlsReady);
        if (s.error() != null) {
            j.put("error", s.error());
        }
        return j;
    }

    static JsonObject stats(StreamSnapshot s, boolean hlsReady, long viewers) {
        return of(s, hlsReady).put("type", "stats")
                .put("viewers", viewers)
                .put("residuals", array(s.residuals()))
                .put("routing", array(s.routing()));
    }

    private static JsonArray array(float[] v) {
        JsonArray a = new JsonArray();
        for (float x : v) {
            a.add(Math.round(x * 1e5) / 1e5);
        }
        return a;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
