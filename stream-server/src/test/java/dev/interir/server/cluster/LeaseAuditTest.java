package dev.interir.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The audit ClusterIT runs on the lease history finds overlaps, and only overlaps. */
class LeaseAuditTest {

    @Test
    void aTakeoverAfterTheOwnersDeathOrReleaseIsNoOverlap() {
        JsonArray history = new JsonArray(List.of(
                event("c", "acquired", "n1", 100), event("c", "released", "n1", 200), event("c", "acquired", "n2", 210),
                event("d", "acquired", "n3", 100), event("d", "acquired", "n1", 5000),
                event("e", "acquired", "n2", 100), event("e", "lost", "n2", 400), event("e", "acquired", "n3", 500)));
        assertEquals(List.of(), ClusterIT.overlaps(history, "n3", 4000));
    }

    @Test
    void anAcquisitionWhileAnotherNodeRunsTheCameraIsAnOverlap() {
        JsonArray history = new JsonArray(List.of(
                event("c", "acquired", "n1", 100), event("c", "acquired", "n2", 150), event("c", "released", "n1", 200),
                event("d", "acquired", "n3", 100), event("d", "acquired", "n1", 3000)));
        assertEquals(2, ClusterIT.overlaps(history, "n3", 4000).size(), "n3 was killed only after n1 took d");
    }

    private static JsonObject event(String camera, String event, String node, long at) {
        return new JsonObject().put("camera", camera).put("event", event).put("nodeName", node).put("at", at);
    }
}
