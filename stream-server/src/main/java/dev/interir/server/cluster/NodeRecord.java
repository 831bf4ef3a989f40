package dev.interir.server.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What a node publishes about itself every lease round, for placement and for the other nodes' API: where its
 * HTTP server is, how loaded it is, and the state of the cameras it runs.
 *
 * @param msPerFrame its restore time per frame (0 until it has restored one)
 * @param capacity   most cameras it may run (pipeline.maxStreams)
 * @param freeJobs   job slots it has free now
 * @param streams    its cameras as the API shows them
 */
record NodeRecord(String id, String name, String httpUrl, int owned, double msPerFrame, int capacity, int freeJobs,
                  JsonArray streams) {

    String json() {
        return new JsonObject().put("id", id).put("name", name).put("httpUrl", httpUrl).put("owned", owned)
                .put("msPerFrame", msPerFrame).put("capacity", capacity).put("freeJobs", freeJobs)
                .put("streams", streams).encode();
    }

    static NodeRecord parse(String json) {
        JsonObject o = new JsonObject(json);
        return new NodeRecord(o.getString("id"), o.getString("name"), o.getString("httpUrl"), o.getInteger("owned"),
                o.getDouble("msPerFrame"), o.getInteger("capacity"), o.getInteger("freeJobs"),
                o.getJsonArray("streams", new JsonArray()));
    }

    Placement.Load load() {
        return new Placement.Load(id, owned, msPerFrame, capacity);
    }
}
