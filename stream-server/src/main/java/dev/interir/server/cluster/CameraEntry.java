package dev.interir.server.cluster;

import io.vertx.core.json.JsonObject;

/**
 * A camera as the cluster knows it: the same on every node, whichever runs it.
 *
 * @param source     as given: a client's source is checked again, with the client's rules, by the node that runs it
 * @param fromConfig it came from a node's YAML, whose sources are trusted (any file, {@code bundled:})
 */
record CameraEntry(String id, String source, String mode, boolean fromConfig) {

    String json() {
        return new JsonObject().put("id", id).put("source", source).put("mode", mode).put("fromConfig", fromConfig)
                .encode();
    }

    static CameraEntry parse(String json) {
        JsonObject o = new JsonObject(json);
        return new CameraEntry(o.getString("id"), o.getString("source"), o.getString("mode"),
                o.getBoolean("fromConfig", false));
    }
}
