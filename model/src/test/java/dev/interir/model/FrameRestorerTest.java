package dev.interir.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** What FrameRestorer hands the network from frame to frame, with a stand-in network that records its calls. */
class FrameRestorerTest {

    /** Returns each tile's input as its output and a state that names the call and the tile; one call at a time. */
    private static final class Recording implements Restorer {
        final ModelInfo info;
        final List<float[][]> statesSeen = new ArrayList<>();
        final List<Integer> kSeen = new ArrayList<>();
        final List<List<Integer>> shapesSeen = new ArrayList<>();
        int calls;

        Recording(boolean temporal) {
            info = new ModelInfo("fake", 4, 4, 2, 64, 8, false, temporal, null);
        }

        @Override
        public ModelInfo info() {
            return info;
        }

        @Override
        public synchronized TileBatchResult restore(float[][] tiles, int height, int width, float[][] states,
                                                    int warmStages) {
            calls++;
            shapesSeen.add(List.of(height, width));
            statesSeen.add(states);
            kSeen.add(warmStages);
            float[][] out = new float[tiles.length][];
            float[][] next = new float[tiles.length][];
            float[][] res = new float[tiles.length][];
            float[][] pi = new float[tiles.length][];
            for (int i = 0; i < tiles.length; i++) {
                out[i] = tiles[i].clone();
                next[i] = new float[]{calls, i};
                res[i] = new float[]{1, 1, 1, 1};
                pi[i] = new float[]{0.5f, 0.5f};
            }
            return new TileBatchResult(out, next, res, pi);
        }

        @Override
        public void close() {
        }
    }

    private static FloatImage image(int w, int h) {
        FloatImage img = FloatImage.blank(w, h);
        for (int i = 0; i < img.chw().length; i++) {
            img.chw()[i] = (i % 97) / 97f;
        }
        return img;
    }

    @Test
    void aTemporalNetworkGetsEachTilesPreviousStateAndRunsEveryTileWithAllStages() {
        Recording net = new Recording(true);
        FrameRestorer frames = new FrameRestorer(net, 64, 8, 16);
        WarmStartState seq = new WarmStartState();
        RestoredImage first = frames.restore(image(120, 64), seq);
        assertFalse(first.warm());
        assertNull(net.statesSeen.get(0), "the first frame of a sequence has no state");
        RestoredImage second = frames.restore(image(120, 64), seq);
        assertTrue(second.warm());
        assertEquals(2, first.tiles());
        assertArrayEquals(new float[]{1, 0}, net.statesSeen.get(1)[0], "tile 0 gets tile 0's state of the last frame");
        assertArrayEquals(new float[]{1, 1}, net.statesSeen.get(1)[1]);
        assertEquals(List.of(4, 4), net.kSeen, "every frame runs all K stages");
        assertEquals(4.0, second.stagesRun(), 1e-9);
        assertArrayEquals(image(120, 64).chw(), second.image().chw(), 1e-6f, "tiles blend back without seams");
    }

    @Test
    void aResolutionChangeOrAResetStartsTheSequenceOver() {
        Recording net = new Recording(true);
        FrameRestorer frames = new FrameRestorer(net, 64, 8, 16);
        WarmStartState seq = new WarmStartState();
        frames.restore(image(120, 64), seq);
        assertFalse(frames.restore(image(64, 64), seq).warm(), "another size: the old states belong to other tiles");
        assertTrue(frames.restore(image(64, 64), seq).warm());
        seq.reset();
        assertFalse(frames.restore(image(64, 64), seq).warm());
        assertNull(net.statesSeen.get(3));
    }

    @Test
    void aNetworkThatIsNotTemporalRestoresEveryFrameOnItsOwn() {
        Recording net = new Recording(false);
        FrameRestorer frames = new FrameRestorer(net, 64, 8, 16);
        WarmStartState seq = new WarmStartState();
        for (int i = 0; i < 3; i++) {
            assertFalse(frames.restore(image(120, 64), seq).warm());
        }
        net.statesSeen.forEach(s -> assertNull(s, "no state is ever passed"));
        assertTrue(seq.isEmpty());
    }

    @Test
    void framesOfSeveralSequencesShareForwardPasses() {
        Recording net = new Recording(true);
        FrameRestorer frames = new FrameRestorer(net, 64, 8, 16);
        WarmStartState a = new WarmStartState();
        WarmStartState b = new WarmStartState();
        frames.restoreAll(List.of(new FrameRestorer.Request(image(120, 64), a), new FrameRestorer.Request(image(64, 64), b)));
        assertEquals(1, net.calls, "3 tiles, one pass");
        frames.restoreAll(List.of(new FrameRestorer.Request(image(120, 64), a), new FrameRestorer.Request(image(64, 64), null)));
        assertEquals(3, net.calls, "a frame with state and one without cannot share a pass");
    }

    @Test
    void framesOfDifferentSizesGetTheirOwnTilesInPassesOfTheirOwn() {
        Recording net = new Recording(true);
        FrameRestorer frames = new FrameRestorer(net, 64, 128, 8, 16);
        FrameRestorer.Request small = new FrameRestorer.Request(image(120, 64), new WarmStartState());
        FrameRestorer.Request large = new FrameRestorer.Request(image(200, 100), new WarmStartState());
        List<RestoredImage> out = frames.restoreAll(List.of(small, large));
        assertEquals(List.of(List.of(64, 120), List.of(100, 104)), net.shapesSeen,
                "one tile of 64x120, then two of 100x104 (the fewest of at most 128 px, evened out)");
        assertEquals(1, out.get(0).tiles());
        assertEquals(2, out.get(1).tiles());
        assertArrayEquals(image(120, 64).chw(), out.get(0).image().chw(), 1e-6f);
        assertArrayEquals(image(200, 100).chw(), out.get(1).image().chw(), 1e-6f);
    }

    @Test
    void aRestorerWithTwoLanesRunsTwoPassesAtOnceAndEachTileComesBackToItsPlace() {
        // both passes must be in the network at the same time to get past the barrier
        CyclicBarrier bothInFlight = new CyclicBarrier(2);
        Recording net = new Recording(true);
        Restorer lanes = new Restorer() {
            @Override
            public ModelInfo info() {
                return net.info();
            }

            @Override
            public int lanes() {
                return 2;
            }

            @Override
            public TileBatchResult restore(float[][] tiles, int height, int width, float[][] states, int warmStages) {
                try {
                    bothInFlight.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                    throw new AssertionError("the second pass never started while the first waited", e);
                }
                return net.restore(tiles, height, width, states, warmStages);
            }

            @Override
            public void close() {
            }
        };
        FrameRestorer frames = new FrameRestorer(lanes, 64, 8, 16);
        WarmStartState seq = new WarmStartState();
        RestoredImage first = frames.restore(image(120, 64), seq);
        assertEquals(2, net.calls, "2 tiles fit one pass of 16, but each lane gets one");
        assertArrayEquals(image(120, 64).chw(), first.image().chw(), 1e-6f, "each tile is blended back in its place");
        frames.restore(image(120, 64), seq);
        assertEquals(4, net.calls);
        for (float[][] states : net.statesSeen.subList(2, 4)) {
            assertEquals(1, states.length);
            assertTrue(states[0][0] <= 2, "a state from the first frame's passes");
        }
    }
}
