package dev.interir.server.cluster;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster as this node saw it at its latest lease round: live members, every camera, and who owns each. HTTP
 * handlers read it instead of asking Hazelcast, whose calls block and must stay off the event loop; it is at most
 * one round ({@code cluster.renewMillis}) old.
 *
 * @param nodes   the live members' records, by name
 * @param cameras every camera, by id
 * @param owners  camera id to the node id holding its lease (cameras without an owner are absent)
 */
record ClusterView(String self, List<NodeRecord> nodes, Map<String, CameraEntry> cameras, Map<String, String> owners) {
    static ClusterView empty(String self) {
        return new ClusterView(self, List.of(), Map.of(), Map.of());
    }

    Optional<NodeRecord> node(String id) {
        return nodes.stream().filter(n -> n.id().equals(id)).findFirst();
    }

    /** The record of the node that owns the camera, when it has one and that node is live. */
    Optional<NodeRecord> ownerOf(String camera) {
        String owner = owners.get(camera);
        return owner == null ? Optional.empty() : node(owner);
    }
}
