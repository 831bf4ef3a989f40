package dev.interir.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Still tiles with the bundled model: a fixed view with fresh noise runs no stage, a change runs one again. */
class StillTileTest {
    private static DjlRestorer restorer;

    @BeforeAll
    static void load() {
        restorer = DjlRestorer.loadBundled("live", Device.cpu());
    }

    @AfterAll
    static void close() {
        restorer.close();
    }

    /** A smooth scene (gradients) plus Gaussian noise of sigma 25/255, drawn afresh for every frame. */
    private static FloatImage noisyScene(int w, int h, long seed, boolean brightSquare) {
        Random rnd = new Random(seed);
        float[] chw = new float[3 * w * h];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = 0.2f + 0.5f * x / w + 0.1f * c + 0.1f * y / h;
                    if (brightSquare && x < 100 && y < 100) {
                        v = 0.95f;
                    }
                    v += (float) rnd.nextGaussian() * 25f / 255f;
                    chw[(c * h + y) * w + x] = Math.min(1f, Math.max(0f, v));
                }
            }
        }
        return new FloatImage(chw, w, h);
    }

    /** As the restore stage submits a live stream's frame: warm start k=1, tile reuse allowed. */
    private static RestoredImage live(FrameRestorer frames, WarmStartState warm, FloatImage img) {
        return frames.restoreAll(java.util.List.of(new FrameRestorer.Request(img, warm, 1, true))).get(0);
    }

    @Test
    void aFixedViewRunsOnlyTheOutputLayerUntilSomethingMoves() {
        FrameRestorer frames = new FrameRestorer(restorer, 128, 8, 16, new TileReuse(0f, 0.1f, 2));
        WarmStartState warm = new WarmStartState();
        RestoredImage first = live(frames, warm, noisyScene(240, 240, 1, false));
        assertEquals(4, first.tiles());
        assertEquals(0, first.stillTiles());
        assertEquals(restorer.info().stages(), first.stagesRun(), 1e-9, "the first frame runs cold");

        RestoredImage second = live(frames, warm, noisyScene(240, 240, 2, false));
        assertEquals(4, second.stillTiles(), "only the noise changed: every tile is still");
        assertEquals(0.0, second.stagesRun(), 1e-9);
        double diff = 0;
        for (int i = 0; i < first.image().chw().length; i++) {
            float v = second.image().chw()[i];
            assertTrue(v >= 0f && v <= 1f);
            diff += Math.abs(v - first.image().chw()[i]);
        }
        assertTrue(diff > 0, "the output layer ran on the new frame, not a copy of the last output");

        RestoredImage third = live(frames, warm, noisyScene(240, 240, 3, true));
        assertEquals(3, third.stillTiles(), "the tile the square appeared in runs a stage, the other three stay still");
        assertEquals(1.0 / 4, third.stagesRun(), 1e-9);

        // stillMaxFrames = 2: the three tiles still since frame 2 run a stage again, the square's tile stays still
        RestoredImage fourth = live(frames, warm, noisyScene(240, 240, 4, true));
        assertEquals(1, fourth.stillTiles());
    }

    @Test
    void filesAndOtherNonLiveRequestsNeverUseStillTiles() {
        FrameRestorer frames = new FrameRestorer(restorer, 128, 8, 16, new TileReuse(0f, 0.1f, 10));
        WarmStartState warm = new WarmStartState();
        frames.restore(noisyScene(240, 240, 1, false), warm, 1);
        RestoredImage second = frames.restore(noisyScene(240, 240, 2, false), warm, 1);
        assertEquals(0, second.stillTiles());
        assertEquals(1.0, second.stagesRun(), 1e-9);
    }
}
