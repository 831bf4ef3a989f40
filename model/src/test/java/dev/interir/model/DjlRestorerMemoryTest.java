package dev.interir.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A forward pass must not leave direct memory behind for the garbage collector: the service runs one every few
 * milliseconds, and direct buffers released only by a collection let the process grow by hundreds of MiB between
 * two of them (issue 16, hole 4). The JVM's "direct" buffer pool is sampled after every call; its peak may not
 * climb with the number of calls. Small tiles keep the test quick: what is measured does not depend on their size.
 */
class DjlRestorerMemoryTest {
    private static final Logger LOG = LoggerFactory.getLogger(DjlRestorerMemoryTest.class);
    private static final int TILE = 32;
    /** Direct buffers other code of this JVM may take meanwhile (JUnit, logging, NIO's temporary buffers). */
    private static final int COUNT_SLACK = 8;
    private static final long BYTES_SLACK = 1 << 20;

    private static DjlRestorer restorer;

    @BeforeAll
    static void load() {
        restorer = DjlRestorer.loadBundled("live", Device.cpu());
    }

    @AfterAll
    static void close() {
        restorer.close();
    }

    @Test
    void directMemoryDoesNotGrowWithTheNumberOfCalls() {
        float[][] tiles = tiles(4, 1);
        int stages = restorer.info().stages();
        // every shape once first: buffers a restorer keeps for its lifetime are allocated here
        TileBatchResult cold = restorer.restore(tiles, TILE, TILE, null, stages);
        restorer.restore(tiles, TILE, TILE, cold.states(), stages);

        BufferPoolMXBean direct = directPool();
        long count0 = direct.getCount();
        long used0 = direct.getMemoryUsed();
        long maxCount = count0;
        long maxUsed = used0;
        int calls = 0;
        for (int i = 0; i < 40; i++) {
            TileBatchResult r = restorer.restore(tiles, TILE, TILE, null, stages);
            maxCount = Math.max(maxCount, direct.getCount());
            maxUsed = Math.max(maxUsed, direct.getMemoryUsed());
            restorer.restore(tiles, TILE, TILE, r.states(), stages);
            maxCount = Math.max(maxCount, direct.getCount());
            maxUsed = Math.max(maxUsed, direct.getMemoryUsed());
            calls += 2;
        }
        LOG.info("direct buffers over {} forward passes: count {} -> peak {}, bytes {} -> peak {}", calls, count0,
                maxCount, used0, maxUsed);
        assertTrue(maxCount - count0 <= COUNT_SLACK, "direct buffers grew from " + count0 + " to " + maxCount
                + " over " + calls + " forward passes: each call leaves buffers for the garbage collector");
        assertTrue(maxUsed - used0 <= BYTES_SLACK, "direct memory grew from " + used0 + " to " + maxUsed
                + " bytes over " + calls + " forward passes: each call leaves buffers for the garbage collector");
    }

    /**
     * The restorer reuses its input memory from call to call, growing it for a larger batch: a batch run after
     * larger and smaller ones, cold and warm, gives bit for bit what it gave before them.
     */
    @Test
    void reusedInputMemoryGivesTheSameOutputs() {
        int stages = restorer.info().stages();
        float[][] a = tiles(3, 2);
        float[][] big = tiles(7, 3);
        float[][] small = tiles(1, 4);
        TileBatchResult first = null;
        TileBatchResult firstWarm = null;
        // twice: TorchScript's profiling executor settles a shape's graph on its first calls
        for (int run = 0; run < 2; run++) {
            first = restorer.restore(a, TILE, TILE, null, stages);
            firstWarm = restorer.restore(a, TILE, TILE, first.states(), stages);
        }
        for (int run = 0; run < 2; run++) {
            TileBatchResult b = restorer.restore(big, TILE, TILE, null, stages);
            restorer.restore(big, TILE, TILE, b.states(), stages);
            TileBatchResult s = restorer.restore(small, TILE, TILE, null, stages);
            restorer.restore(small, TILE, TILE, s.states(), stages);
        }
        TileBatchResult again = restorer.restore(a, TILE, TILE, null, stages);
        TileBatchResult againWarm = restorer.restore(a, TILE, TILE, first.states(), stages);
        assertSame(first, again);
        assertSame(firstWarm, againWarm);
    }

    private static void assertSame(TileBatchResult expected, TileBatchResult actual) {
        assertEquals(expected.images().length, actual.images().length);
        for (int i = 0; i < expected.images().length; i++) {
            assertArrayEquals(expected.images()[i], actual.images()[i], "image of tile " + i);
            assertArrayEquals(expected.states()[i], actual.states()[i], "state of tile " + i);
            assertArrayEquals(expected.residuals()[i], actual.residuals()[i], "residuals of tile " + i);
            assertArrayEquals(expected.routing()[i], actual.routing()[i], "routing of tile " + i);
        }
    }

    private static float[][] tiles(int n, long seed) {
        Random random = new Random(seed);
        float[][] tiles = new float[n][3 * TILE * TILE];
        for (float[] t : tiles) {
            for (int i = 0; i < t.length; i++) {
                t[i] = random.nextFloat();
            }
        }
        return tiles;
    }

    private static BufferPoolMXBean directPool() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct"))
                .findFirst()
                .orElseThrow();
    }
}
