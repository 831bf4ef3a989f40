package dev.interir.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shipped TorchScript, run through DJL, must reproduce what PyTorch computed for the committed fixture
 * (model/python/interir/export.py writes both), cold and warm, so the Java and Python sides never drift apart.
 * "Reproduce" is within {@link ParityBounds}, which hold on any x86-64 processor; why they are what they are
 * is written there.
 */
class DjlRestorerFixtureTest {
    private static final Logger LOG = LoggerFactory.getLogger(DjlRestorerFixtureTest.class);
    private static DjlRestorer restorer;
    private static PyTorchFixture fixture;

    @BeforeAll
    static void load() {
        restorer = DjlRestorer.loadBundled("live", Device.cpu());
        fixture = PyTorchFixture.load();
    }

    @AfterAll
    static void close() {
        restorer.close();
    }

    @Test
    void coldAndWarmPassesMatchPyTorch() {
        float[][] input = fixture.rows("input");
        Map<String, float[][]> outputs = new LinkedHashMap<>(fixture.cold(restorer, input));
        // warm from the reference's cold state, not ours, so a cold-pass difference cannot hide in the warm one
        outputs.putAll(fixture.warm(restorer, input, fixture.rows("cold_state"), fixture.k()));

        StringBuilder report = new StringBuilder();
        boolean all = true;
        for (Map.Entry<String, float[][]> e : outputs.entrySet()) {
            assertShape(e.getKey(), e.getValue());
            ParityBounds.Deviation d = ParityBounds.Deviation.of(e.getKey(), fixture.flat(e.getKey()), e.getValue());
            report.append('\n').append(d.within() ? "  ok   " : "  FAIL ").append(d);
            all &= d.within();
        }
        LOG.info("parity with the PyTorch fixture:{}", report);
        assertTrue(all, "outputs outside the parity bounds:" + report);
    }

    @Test
    void restoresAFrameOfAnySizeWithTheBundledModel() {
        FloatImage img = FloatImage.blank(203, 97);
        Arrays.fill(img.chw(), 0.5f);
        RestoredImage r = new FrameRestorer(restorer).restore(img, new WarmStartState());
        assertEquals(203, r.image().width());
        assertEquals(97, r.image().height());
        for (float v : r.image().chw()) {
            assertTrue(v >= 0f && v <= 1f && !Float.isNaN(v));
        }
        assertEquals(restorer.info().bank(), r.routing().length);
    }

    /** The output has the shape fixture.json declares (batch first), whatever the network's state size or k. */
    private static void assertShape(String name, float[][] actual) {
        int[] shape = fixture.shape(name);
        int per = 1;
        for (int i = 1; i < shape.length; i++) {
            per *= shape[i];
        }
        assertEquals(shape[0], actual.length, name + ": batch");
        for (float[] row : actual) {
            assertEquals(per, row.length, name + ": values per sample (fixture shape " + Arrays.toString(shape) + ")");
        }
    }
}
