package dev.interir.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PlacementTest {

    private static final List<String> SIX = List.of("c1", "c2", "c3", "c4", "c5", "c6");

    @Test
    void equalNodesGetEqualShares() {
        Map<String, String> plan = Placement.assign(SIX, List.of(load("a", 0, 100), load("b", 0, 100), load("c", 0, 100)));
        assertEquals(Map.of("a", 2, "b", 2, "c", 2), counts(plan));
    }

    @Test
    void aFasterNodeTakesMore() {
        // scores (owned+1) x ms: a at 50 ms fits 2 cameras in the time b restores 1
        Map<String, String> plan = Placement.assign(SIX, List.of(load("a", 0, 50), load("b", 0, 100)));
        assertEquals(Map.of("a", 4, "b", 2), counts(plan));
    }

    @Test
    void whatANodeAlreadyRunsCounts() {
        Map<String, String> plan = Placement.assign(List.of("x1", "x2", "x3"),
                List.of(load("busy", 3, 100), load("back", 0, 100)));
        assertEquals(Map.of("back", 3), counts(plan), "a node that came back takes the new cameras first");
    }

    @Test
    void aNodeNotYetMeasuredCountsAtTheMedianOfTheOthers() {
        Map<String, String> plan = Placement.assign(SIX, List.of(load("a", 0, 80), load("b", 0, 120), load("new", 0, 0)));
        assertEquals(2, counts(plan).get("new"), "median 100 ms: like the average node");
    }

    @Test
    void aFullNodeTakesNothingAndCamerasBeyondEveryNodesRoomStayUnplaced() {
        Map<String, String> plan = Placement.assign(SIX, List.of(new Placement.Load("a", 1, 10, 2),
                new Placement.Load("b", 0, 100, 2)));
        assertEquals(Map.of("a", 1, "b", 2), counts(plan));
        assertEquals(3, plan.size());
    }

    @Test
    void everyNodeComputesTheSamePlanWhateverOrderItReadsThingsIn() {
        List<Placement.Load> loads = new ArrayList<>(List.of(load("a", 1, 90), load("b", 0, 110), load("c", 2, 40)));
        Map<String, String> first = Placement.assign(SIX, loads);
        List<String> cams = new ArrayList<>(SIX);
        for (int i = 0; i < 5; i++) {
            Collections.shuffle(loads);
            Collections.shuffle(cams);
            assertEquals(first, Placement.assign(cams, loads));
        }
    }

    @Test
    void noNodesNoPlan() {
        assertEquals(Map.of(), Placement.assign(SIX, List.of()));
    }

    private static Placement.Load load(String node, int owned, double ms) {
        return new Placement.Load(node, owned, ms, 16);
    }

    private static Map<String, Integer> counts(Map<String, String> plan) {
        Map<String, Integer> n = new TreeMap<>();
        plan.values().forEach(node -> n.merge(node, 1, Integer::sum));
        return n;
    }
}
