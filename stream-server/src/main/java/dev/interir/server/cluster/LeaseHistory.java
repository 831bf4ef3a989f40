package dev.interir.server.cluster;

import com.hazelcast.ringbuffer.OverflowPolicy;
import com.hazelcast.ringbuffer.ReadResultSet;
import com.hazelcast.ringbuffer.Ringbuffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every change of a camera's owner, cluster-wide, in a Hazelcast ring buffer (the oldest events fall out): a node
 * records {@code acquired} when it won a lease, before it starts the camera, and {@code released} (it gave the
 * camera up) or {@code lost} (its lease could not be renewed) after it stopped it. The times bracket the span the
 * node ran the camera, so an audit can check that no two spans of one camera overlap; a node that died records no
 * end, its span ends at its death.
 */
final class LeaseHistory {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseHistory.class);
    private static final int READ_BATCH = 1000;

    enum Event { ACQUIRED, RELEASED, LOST }

    private final Ringbuffer<String> ring;
    private final String node;
    private final String nodeName;

    LeaseHistory(Ringbuffer<String> ring, String node, String nodeName) {
        this.ring = ring;
        this.node = node;
        this.nodeName = nodeName;
    }

    /** @param from the node that ran the camera before and did not give it up (a takeover), or null */
    void record(String camera, Event event, String from) {
        JsonObject e = new JsonObject().put("camera", camera).put("event", event.name().toLowerCase(java.util.Locale.ROOT))
                .put("node", node).put("nodeName", nodeName).put("at", System.currentTimeMillis());
        if (from != null) {
            e.put("from", from);
        }
        // asynchronous: a partition in migration must not hold up stopping or starting a camera
        ring.addAsync(e.encode(), OverflowPolicy.OVERWRITE).whenComplete((seq, err) -> {
            if (err != null) {
                LOG.warn("lease event of {} not recorded: {}", camera, err.getMessage());
            }
        });
    }

    /** The events still in the ring, oldest first. Blocking: call it off the event loop. */
    JsonArray read() throws Exception {
        JsonArray all = new JsonArray();
        long seq = ring.headSequence();
        long tail = ring.tailSequence();
        while (seq <= tail) {
            ReadResultSet<String> batch = ring.readManyAsync(seq, 0, READ_BATCH, null).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            if (batch.readCount() == 0) {
                break;
            }
            batch.forEach(s -> all.add(new JsonObject(s)));
            seq = batch.getNextSequenceToReadFrom();
        }
        return all;
    }
}
