package dev.interir.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** coldEvery with the bundled model: warm chains are cut by cold restarts that the tiles take in turns. */
class ColdEveryTest {
    private static DjlRestorer restorer;

    @BeforeAll
    static void load() {
        restorer = DjlRestorer.loadBundled("live", Device.cpu());
    }

    @AfterAll
    static void close() {
        restorer.close();
    }

    private static FloatImage noise(int w, int h, long seed) {
        Random rnd = new Random(seed);
        float[] chw = new float[3 * w * h];
        for (int i = 0; i < chw.length; i++) {
            chw[i] = 0.3f + 0.4f * rnd.nextFloat();
        }
        return new FloatImage(chw, w, h);
    }

    private static double stagesOf(FrameRestorer frames, WarmStartState warm, long seed) {
        return frames.restoreAll(List.of(new FrameRestorer.Request(noise(240, 240, seed), warm, 1))).get(0).stagesRun();
    }

    @Test
    void tilesRestartColdInTurnsEveryNFrames() {
        int stages = restorer.info().stages();
        FrameRestorer frames = new FrameRestorer(restorer, 128, 8, 8, TileReuse.NONE, 2);
        WarmStartState warm = new WarmStartState();
        assertEquals(stages, stagesOf(frames, warm, 1), 1e-9, "the first frame runs cold");
        // 4 tiles, coldEvery 2: the first frame gives them warm ages 0, 0, 1, 1, so every later frame restarts
        // exactly two of them cold (K stages) and runs the other two warm (1 stage)
        for (int f = 2; f <= 6; f++) {
            assertEquals((2.0 * stages + 2.0) / 4, stagesOf(frames, warm, f), 1e-9, "frame " + f);
        }
    }

    @Test
    void withoutALimitWarmTilesStayWarm() {
        FrameRestorer frames = new FrameRestorer(restorer, 128, 8, 8, TileReuse.NONE, 0);
        WarmStartState warm = new WarmStartState();
        stagesOf(frames, warm, 1);
        for (int f = 2; f <= 4; f++) {
            assertEquals(1.0, stagesOf(frames, warm, f), 1e-9, "frame " + f);
        }
    }

    @Test
    void aNegativeLimitIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FrameRestorer(restorer, 128, 8, 8, TileReuse.NONE, -1));
    }
}
