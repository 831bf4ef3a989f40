package dev.interir.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.Hazelcast;
import dev.interir.server.InterirService;
import dev.interir.server.ServiceClient;
import dev.interir.server.config.ServiceConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** With the cluster off (the default) a node runs as it always did: no Hazelcast, no cluster fields. */
@ExtendWith(VertxExtension.class)
class ClusterOffIT {

    @Test
    void noHazelcastStartsAndTheApiIsASingleNodes(Vertx vertx, @TempDir Path tmp) throws Exception {
        ServiceConfig cfg = ServiceClient.testConfig(tmp);
        assertFalse(cfg.cluster.enabled, "off by default");
        cfg.streams = List.of(ServiceClient.streamEntry("demo", "bundled:demo", "always"));
        try (InterirService service = InterirService.start(cfg)) {
            ServiceClient client = new ServiceClient(vertx, service.port());
            client.awaitStream("demo", s -> s.getLong("framesOut") > 0);
            assertEquals(List.of(), List.copyOf(Hazelcast.getAllHazelcastInstances()), "no Hazelcast instance");
            assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("hz.")
                    || t.getName().startsWith("cluster-")), "no Hazelcast or cluster threads");
            assertEquals(new JsonObject().put("enabled", false), client.get("/api/cluster").bodyAsJsonObject());
            assertFalse(client.stream("demo").containsKey("owner"), "a single node's streams have no owner field");
            assertFalse(client.get("/metrics").bodyAsString().contains("interir_cluster_"), "no cluster gauges");
        }
    }
}
