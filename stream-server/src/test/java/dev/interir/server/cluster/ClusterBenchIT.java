package dev.interir.server.cluster;

import static dev.interir.server.cluster.NodeApi.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.interir.server.RtspCamera;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's figures for the README, on this machine: total restored fps of six cameras on 1, 2 and 3 nodes,
 * and, on 2 and 3 nodes, the time from SIGKILL of the node running the most cameras to the first restored frame of
 * the last of its cameras on a survivor, over {@code interir.clusterKills} kills (the killed node is started again
 * after each, and takes no camera back). A run, not a check: skipped unless {@code -Dinterir.clusterBench=true}.
 * Prints a markdown table and writes it to target/cluster-bench.md.
 */
class ClusterBenchIT {
    private static final int CAMERAS = 6;
    private static final Duration STARTUP = Duration.ofSeconds(240);
    private static final Duration WARM_UP = Duration.ofSeconds(10);
    private static final Duration WINDOW = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    void fpsAndTakeoverByClusterSize() throws Exception {
        assumeTrue(Boolean.getBoolean("interir.clusterBench"), "a benchmark: -Dinterir.clusterBench=true runs it");
        int kills = Integer.getInteger("interir.clusterKills", 10);
        List<RtspCamera> cameras = new ArrayList<>();
        StringBuilder table = new StringBuilder("| nodes | total fps restored (6 cameras 128x96 at 10 fps) | "
                + "kill -> first frame p50 s | p95 s | max s | kills |\n|---|---|---|---|---|---|\n");
        try {
            for (int i = 0; i < CAMERAS; i++) {
                cameras.add(RtspCamera.start(128, 96, 10));
            }
            for (int size = 1; size <= 3; size++) {
                table.append(run(size, cameras, size == 1 ? 0 : kills)).append('\n');
                System.out.println(table);
            }
        } finally {
            for (RtspCamera c : cameras) {
                c.close();
            }
        }
        Files.writeString(Path.of("target", "cluster-bench.md"), table.toString());
        System.out.println(table);
    }

    private String run(int size, List<RtspCamera> cameras, int kills) throws Exception {
        NodeProcess.Ports ports = NodeProcess.Ports.free(size);
        Path dir = Files.createDirectories(tmp.resolve("cluster-" + size));
        List<NodeProcess> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                nodes.add(NodeProcess.start(dir, ports, i, ""));
            }
            for (NodeProcess n : nodes) {
                n.awaitReady(STARTUP);
            }
            NodeApi first = new NodeApi(nodes.get(0));
            await(() -> first.cluster().getJsonArray("nodes").size(), s -> s == size, STARTUP, "members");
            for (int i = 0; i < CAMERAS; i++) {
                first.post("/api/streams", new JsonObject().put("id", "cam" + i).put("source", cameras.get(i).url())
                        .put("mode", "always"));
            }
            List<NodeApi> apis = new ArrayList<>(nodes.stream().map(NodeApi::new).toList());
            await(() -> owned(apis).size(), n -> n == CAMERAS, STARTUP, "all cameras restoring");
            Thread.sleep(WARM_UP.toMillis());
            long before = framesOut(apis);
            long t0 = System.nanoTime();
            Thread.sleep(WINDOW.toMillis());
            double fps = (framesOut(apis) - before) / ((System.nanoTime() - t0) / 1e9);

            List<Double> takeovers = new ArrayList<>();
            for (int k = 0; k < kills; k++) {
                Map<String, JsonObject> owners = owned(apis);
                Map<String, Integer> count = new HashMap<>();
                owners.values().forEach(s -> count.merge(s.getString("owner"), 1, Integer::sum));
                String victimName = count.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
                int v = nodes.indexOf(nodes.stream().filter(n -> n.name.equals(victimName)).findFirst().orElseThrow());
                List<NodeApi> survivors = apis.stream().filter(a -> !a.name.equals(victimName)).toList();
                long killed = System.nanoTime();
                nodes.get(v).kill();
                await(() -> owned(survivors), m -> m.size() == CAMERAS
                        && m.values().stream().noneMatch(s -> victimName.equals(s.getString("owner"))),
                        Duration.ofSeconds(60), "takeover after killing " + victimName);
                takeovers.add((System.nanoTime() - killed) / 1e9);
                System.out.printf(Locale.ROOT, "%d nodes, kill %d (%s): %.2f s%n", size, k + 1, victimName,
                        takeovers.get(takeovers.size() - 1));
                nodes.set(v, NodeProcess.start(dir, ports, v, ""));
                nodes.get(v).awaitReady(STARTUP);
                await(() -> first(survivors).cluster().getJsonArray("nodes").size(), s -> s == size, STARTUP, "rejoined");
            }
            return kills == 0 ? String.format(Locale.ROOT, "| %d | %.1f | - | - | - | - |", size, fps)
                    : String.format(Locale.ROOT, "| %d | %.1f | %.2f | %.2f | %.2f | %d |", size, fps,
                    percentile(takeovers, 50), percentile(takeovers, 95), percentile(takeovers, 100), kills);
        } finally {
            for (NodeProcess n : nodes) {
                n.close();
            }
        }
    }

    private static NodeApi first(List<NodeApi> apis) {
        return apis.get(0);
    }

    /**
     * Each camera that has restored a frame on its owner, as its owner reports it (the owner's own figures are
     * current; other nodes' copies are a lease round old).
     */
    private static Map<String, JsonObject> owned(List<NodeApi> apis) {
        Map<String, JsonObject> found = new HashMap<>();
        for (NodeApi a : apis) {
            try {
                for (Object o : a.streams()) {
                    JsonObject s = (JsonObject) o;
                    if (a.name.equals(s.getString("owner")) && s.getLong("framesOut") > 0) {
                        found.put(s.getString("id"), s);
                    }
                }
            } catch (Exception e) {
                // a node just killed or starting
            }
        }
        return found;
    }

    private static long framesOut(List<NodeApi> apis) {
        return owned(apis).values().stream().mapToLong(s -> s.getLong("framesOut")).sum();
    }

    private static double percentile(List<Double> values, int p) {
        List<Double> sorted = values.stream().sorted(Comparator.naturalOrder()).toList();
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
