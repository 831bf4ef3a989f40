package dev.interir.server;

import dev.interir.model.Restorer;
import dev.interir.model.TileBatchResult;
import dev.interir.model.TileGrid;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * {@code bench --forward-only}: times the network alone, through DJL and the libtorch the service ships, on the
 * tiles of one frame (random content): cold and warm passes, one forward call per frame. Python's
 * {@code interir.bench} times the same graph under Debian's PyTorch, which is a different libtorch.
 */
final class ForwardBench {
    private ForwardBench() {
    }

    static void run(Restorer restorer, int width, int height, int warmStages, int runs) {
        int tile = restorer.info().tile();
        TileGrid grid = new TileGrid(width, height, tile, restorer.info().overlap());
        int n = grid.count();
        Random rnd = new Random(1);
        float[][] tiles = new float[n][3 * tile * tile];
        for (float[] t : tiles) {
            for (int i = 0; i < t.length; i++) {
                t[i] = rnd.nextFloat();
            }
        }
        TileBatchResult cold = restorer.restore(tiles, tile, tile, null, 0);
        double[] coldMs = time(runs, () -> restorer.restore(tiles, tile, tile, null, 0));
        double[] warmMs = time(runs, () -> restorer.restore(tiles, tile, tile, cold.states(), warmStages));
        System.out.printf(Locale.ROOT, "forward only: %dx%d = %d tiles of %d px, %d runs each%n", width, height, n, tile, runs);
        System.out.printf(Locale.ROOT, "cold (K stages)  ms/frame min %7.1f  median %7.1f%n", coldMs[0], coldMs[runs / 2]);
        System.out.printf(Locale.ROOT, "warm (k=%d)       ms/frame min %7.1f  median %7.1f%n", warmStages, warmMs[0], warmMs[runs / 2]);
        // what pipeline.maxBatch buys: cost per tile by batch size
        for (boolean warm : new boolean[]{false, true}) {
            StringBuilder line = new StringBuilder(warm ? "warm ms/tile by batch size:" : "cold ms/tile by batch size:");
            for (int b = 1; b <= 64; b *= 2) {
                float[][] batch = new float[b][];
                float[][] states = warm ? new float[b][] : null;
                for (int i = 0; i < b; i++) {
                    batch[i] = tiles[i % n];
                    if (warm) {
                        states[i] = cold.states()[i % n];
                    }
                }
                double[] ms = time(Math.max(3, runs / 3), () -> restorer.restore(batch, tile, tile, states, warm ? warmStages : 0));
                line.append(String.format(Locale.ROOT, "  %d: %.2f", b, ms[ms.length / 2] / b));
            }
            System.out.println(line);
        }
    }

    /**
     * Runs cold, warm and still passes of {@code batch} random tiles a few times, so that the TorchScript profiling
     * executor's optimisation (seconds on a busy machine) happens before anything is measured.
     */
    static void warmUp(Restorer restorer, int warmStages, int batch) {
        int tile = restorer.info().tile();
        Random rnd = new Random(2);
        float[][] tiles = new float[Math.max(1, batch)][3 * tile * tile];
        for (float[] t : tiles) {
            for (int i = 0; i < t.length; i++) {
                t[i] = rnd.nextFloat();
            }
        }
        for (int i = 0; i < 3; i++) {
            TileBatchResult cold = restorer.restore(tiles, tile, tile, null, 0);
            restorer.restore(tiles, tile, tile, cold.states(), warmStages);
            restorer.restore(tiles, tile, tile, cold.states(), 0);
        }
    }

    private static double[] time(int runs, Runnable pass) {
        pass.run(); // warm-up: the TorchScript profiling executor optimises on the first calls
        pass.run();
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            pass.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }
}
