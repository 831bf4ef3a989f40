package dev.interir.server.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which node takes which unowned camera. Every node computes it from the same published loads, so they agree
 * without talking, and each takes only its own share. Only unowned cameras are placed: a camera keeps its node as
 * long as the node lives, so a node that joins (or comes back) gets new and orphaned cameras, never ones that run
 * elsewhere, and nothing moves back and forth.
 */
final class Placement {
    /** Assumed restore time of a node that has not restored a frame yet, when no node has. */
    static final double UNKNOWN_MS_PER_FRAME = 100;

    /**
     * @param owned      cameras it runs now
     * @param msPerFrame its restore time per frame; 0 or less: not measured yet
     * @param capacity   most cameras it may run
     */
    record Load(String node, int owned, double msPerFrame, int capacity) {
    }

    private Placement() {
    }

    /**
     * Greedy, one camera at a time in id order: each goes to the node with the lowest score, (cameras it owns + 1)
     * x its ms per frame, that is the time a round of its cameras would take with this one added; ties go to the
     * lowest node id. A node not yet measured counts at the median of the measured ones, so a new node is neither
     * flooded nor starved. A full node takes nothing.
     *
     * @return camera to node; cameras no node has room for are left out
     */
    static Map<String, String> assign(List<String> unowned, List<Load> nodes) {
        double fallback = median(nodes);
        List<Load> loads = new ArrayList<>(nodes);
        loads.sort(Comparator.comparing(Load::node));
        int[] owned = loads.stream().mapToInt(Load::owned).toArray();
        Map<String, String> placed = new LinkedHashMap<>();
        for (String camera : unowned.stream().sorted().toList()) {
            int best = -1;
            double bestScore = Double.MAX_VALUE;
            for (int i = 0; i < loads.size(); i++) {
                Load l = loads.get(i);
                if (owned[i] >= l.capacity()) {
                    continue;
                }
                double score = (owned[i] + 1) * (l.msPerFrame() > 0 ? l.msPerFrame() : fallback);
                if (score < bestScore) {
                    bestScore = score;
                    best = i;
                }
            }
            if (best >= 0) {
                owned[best]++;
                placed.put(camera, loads.get(best).node());
            }
        }
        return placed;
    }

    private static double median(List<Load> nodes) {
        double[] measured = nodes.stream().mapToDouble(Load::msPerFrame).filter(ms -> ms > 0).sorted().toArray();
        if (measured.length == 0) {
            return UNKNOWN_MS_PER_FRAME;
        }
        int mid = measured.length / 2;
        return measured.length % 2 == 1 ? measured[mid] : (measured[mid - 1] + measured[mid]) / 2;
    }
}
