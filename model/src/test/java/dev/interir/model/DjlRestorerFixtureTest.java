package dev.interir.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped TorchScript, run through DJL, must reproduce what PyTorch computed for the committed fixture
 * (model/python/export.py writes both), cold and warm, so the Java and Python sides never drift apart.
 */
class DjlRestorerFixtureTest {
    private static final double TOLERANCE = 1e-4;
    private static DjlRestorer restorer;
    private static JsonNode fixture;

    @BeforeAll
    static void load() throws IOException {
        restorer = DjlRestorer.loadBundled("live", Device.cpu());
        try (InputStream in = DjlRestorerFixtureTest.class.getResourceAsStream("/fixture/fixture.json")) {
            fixture = new ObjectMapper().readTree(in);
        }
    }

    @AfterAll
    static void close() {
        restorer.close();
    }

    @Test
    void coldAndWarmPassesMatchPyTorch() throws IOException {
        int[] shape = shape("input");
        int n = shape[0];
        int h = shape[2];
        int w = shape[3];
        float[][] input = rows(read("input.bin"), n);

        TileBatchResult cold = restorer.restore(input, h, w, null, 0);
        assertClose("cold_y", cold.images());
        assertClose("cold_state", cold.states());
        assertClose("residuals_cold", cold.residuals());
        assertClose("routing_cold", cold.routing());

        int k = fixture.path("k").asInt();
        TileBatchResult warm = restorer.restore(input, h, w, rows(read("cold_state.bin"), n), k);
        assertClose("warm_y", warm.images());
        assertClose("warm_state", warm.states());
        assertClose("residuals_warm", warm.residuals());
        assertEquals(k, warm.residuals()[0].length, "a warm start runs k stages");
        assertEquals(restorer.info().stages(), cold.residuals()[0].length, "a cold start runs all K stages");
    }

    @Test
    void restoresAFrameOfAnySizeWithTheBundledModel() {
        FloatImage img = FloatImage.blank(203, 97);
        java.util.Arrays.fill(img.chw(), 0.5f);
        RestoredImage r = new FrameRestorer(restorer).restore(img, new WarmStartState(), 2);
        assertEquals(203, r.image().width());
        assertEquals(97, r.image().height());
        for (float v : r.image().chw()) {
            assertTrue(v >= 0f && v <= 1f && !Float.isNaN(v));
        }
        assertEquals(restorer.info().bank(), r.routing().length);
    }

    private void assertClose(String name, float[][] actual) throws IOException {
        float[] expected = read(name + ".bin");
        int per = expected.length / actual.length;
        double maxDiff = 0;
        for (int i = 0; i < actual.length; i++) {
            assertEquals(per, actual[i].length, name + ": element count per sample");
            for (int j = 0; j < per; j++) {
                maxDiff = Math.max(maxDiff, Math.abs(actual[i][j] - expected[i * per + j]));
            }
        }
        assertTrue(maxDiff <= TOLERANCE, name + ": max abs diff " + maxDiff + " > " + TOLERANCE);
    }

    private static int[] shape(String name) {
        JsonNode s = fixture.path("shapes").path(name);
        int[] out = new int[s.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.get(i).asInt();
        }
        return out;
    }

    private static float[] read(String file) throws IOException {
        try (InputStream in = DjlRestorerFixtureTest.class.getResourceAsStream("/fixture/" + file)) {
            if (in == null) {
                throw new IOException("missing fixture file " + file);
            }
            ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            float[] f = new float[b.remaining() / 4];
            b.asFloatBuffer().get(f);
            return f;
        }
    }

    private static float[][] rows(float[] flat, int n) {
        int per = flat.length / n;
        float[][] out = new float[n][per];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * per, out[i], 0, per);
        }
        return out;
    }
}
