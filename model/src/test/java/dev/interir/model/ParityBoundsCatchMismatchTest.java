package dev.interir.model;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parity bounds are loose enough for any processor (see {@link ParityBounds}); this shows they are still
 * tight enough to matter: each mistake the Java side could make in calling the network lands far outside
 * them on at least one output, not just past them.
 */
class ParityBoundsCatchMismatchTest {
    private static final Logger LOG = LoggerFactory.getLogger(ParityBoundsCatchMismatchTest.class);
    /**
     * An order of magnitude: legitimate processor differences sit far below the bounds, so a mistake at ten
     * times them cannot be mistaken for one.
     */
    private static final double MARGIN = 10.0;

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

    @TestFactory
    Stream<DynamicTest> everyCallingMistakeLandsFarOutsideTheBounds() {
        return Stream.of(
                mistake("another number of warm stages than the reference's k", this::wrongK),
                mistake("colour channels swapped (BGR for RGB)", () -> fixture.cold(restorer, swapRedBlue(input()))),
                mistake("input shifted one pixel to the right", () -> fixture.cold(restorer, shiftRight(input()))),
                mistake("last 4 rows and columns edge-padded instead of the image", () ->
                        fixture.cold(restorer, edgePadded(input(), 4))),
                mistake("each tile warmed from another tile's state", this::rotatedStates),
                mistake("warmed from a zero state", () ->
                        fixture.warm(restorer, input(), zerosLike(fixture.rows("cold_state")), fixture.k())),
                mistake("warmed from the state one frame later", () -> stateBound(() ->
                        fixture.warm(restorer, input(), fixture.rows("warm_state"), fixture.k()))),
                mistake("a cold call where the reference warmed", () -> stateBound(() ->
                        renamed(fixture.cold(restorer, input())))));
    }

    /**
     * A mistake about which state a frame gets, which the fixture can show only for a network whose state is
     * hidden: a temporal network's state is its previous picture, and the fixture warms it with the same frame,
     * whose restoration that picture already is, so a state one frame later (or none) changes little. For it the
     * rotated and the zero state stand for a wrong state.
     */
    private static Map<String, float[][]> stateBound(Supplier<Map<String, float[][]>> run) {
        assumeFalse(restorer.info().temporal(), "a temporal network warmed with the frame its state shows");
        return run.get();
    }

    private static DynamicTest mistake(String what, Supplier<Map<String, float[][]>> run) {
        return DynamicTest.dynamicTest(what, () -> {
            StringBuilder report = new StringBuilder();
            double worst = 0;
            boolean shapeDiffers = false;
            for (Map.Entry<String, float[][]> e : run.get().entrySet()) {
                float[] reference = fixture.flat(e.getKey());
                if (reference.length != e.getValue().length * e.getValue()[0].length) {
                    // fewer residuals for fewer stages: the fixture test's shape check already fails on this
                    report.append("\n  ").append(e.getKey()).append(": another shape than the reference's");
                    shapeDiffers = true;
                    continue;
                }
                ParityBounds.Deviation d = ParityBounds.Deviation.of(e.getKey(), reference, e.getValue());
                report.append("\n  ").append(d);
                worst = Math.max(worst, d.worstRatio());
            }
            LOG.info("{}: {}x the bounds{}", what, String.format("%.1f", worst), report);
            assertTrue(shapeDiffers || worst >= MARGIN, what + " stays within " + MARGIN + "x the parity bounds:" + report);
        });
    }

    private Map<String, float[][]> wrongK() {
        int k = fixture.k();
        int other = k > 1 ? k - 1 : k + 1;
        float[][] state = fixture.rows("cold_state");
        Map<String, float[][]> right = fixture.warm(restorer, input(), state, k);
        Map<String, float[][]> wrong = fixture.warm(restorer, input(), state, other);
        // a network that runs a fixed number of stages cannot be called with the wrong k
        assumeFalse(identical(right, wrong), "the network ignores k (same output for k=" + k + " and k=" + other + ")");
        return wrong;
    }

    private Map<String, float[][]> rotatedStates() {
        float[][] states = fixture.rows("cold_state");
        assumeTrue(states.length > 1, "the fixture holds one tile");
        float[][] rotated = new float[states.length][];
        for (int i = 0; i < states.length; i++) {
            rotated[i] = states[(i + 1) % states.length];
        }
        return fixture.warm(restorer, input(), rotated, fixture.k());
    }

    /** The cold call's outputs under the warm reference's names. */
    private static Map<String, float[][]> renamed(Map<String, float[][]> cold) {
        return Map.of(PyTorchFixture.WARM[0], cold.get(PyTorchFixture.COLD[0]),
                PyTorchFixture.WARM[1], cold.get(PyTorchFixture.COLD[1]),
                PyTorchFixture.WARM[3], cold.get(PyTorchFixture.COLD[3]));
    }

    private static float[][] input() {
        return fixture.rows("input");
    }

    private static float[][] swapRedBlue(float[][] tiles) {
        int plane = fixture.height() * fixture.width();
        float[][] out = new float[tiles.length][];
        for (int i = 0; i < tiles.length; i++) {
            out[i] = tiles[i].clone();
            System.arraycopy(tiles[i], 2 * plane, out[i], 0, plane);
            System.arraycopy(tiles[i], 0, out[i], 2 * plane, plane);
        }
        return out;
    }

    /** Column x takes column x-1; the first column repeats, as a tile cut one pixel off would. */
    private static float[][] shiftRight(float[][] tiles) {
        int h = fixture.height();
        int w = fixture.width();
        float[][] out = new float[tiles.length][];
        for (int i = 0; i < tiles.length; i++) {
            out[i] = tiles[i].clone();
            for (int row = 0; row < 3 * h; row++) {
                System.arraycopy(tiles[i], row * w, out[i], row * w + 1, w - 1);
            }
        }
        return out;
    }

    /** The last {@code band} rows and columns replaced by the edge of what is left, as a tile over a frame's edge is padded. */
    private static float[][] edgePadded(float[][] tiles, int band) {
        int h = fixture.height();
        int w = fixture.width();
        float[][] out = new float[tiles.length][];
        for (int i = 0; i < tiles.length; i++) {
            out[i] = tiles[i].clone();
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int sy = Math.min(y, h - band - 1);
                        int sx = Math.min(x, w - band - 1);
                        out[i][(c * h + y) * w + x] = tiles[i][(c * h + sy) * w + sx];
                    }
                }
            }
        }
        return out;
    }

    private static float[][] zerosLike(float[][] rows) {
        return new float[rows.length][rows[0].length];
    }

    private static boolean identical(Map<String, float[][]> a, Map<String, float[][]> b) {
        for (String name : a.keySet()) {
            if (!Arrays.deepEquals(a.get(name), b.get(name))) {
                return false;
            }
        }
        return true;
    }
}
