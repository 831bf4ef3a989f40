package dev.interir.server.http;

import io.vertx.ext.web.RoutingContext;

/**
 * Streams another node runs (a cluster): their WebSocket and HLS requests are passed on to that node, which checks
 * the token again. A request that was passed on once is never passed on again, so two nodes that disagree for a
 * moment about an owner cannot bounce it between them.
 */
public interface RemoteStreams {
    /** Marks a request one node passes to another. */
    String FORWARDED = "x-interir-forwarded";

    /**
     * Takes the request when another node runs the stream: proxies it there (or answers that its owner is not
     * reachable now). Called on the event loop, before the upgrade or file is handled here.
     *
     * @return false when no other node runs it: the caller answers as for an unknown stream
     */
    boolean forward(RoutingContext ctx, String id);
}
