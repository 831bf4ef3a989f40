package dev.interir.server.bench;

import dev.interir.model.Restorer;
import dev.interir.model.TileBatchResult;
import dev.interir.model.TileGrid;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * {@code bench --forward-only}: times the network alone, through DJL and the libtorch the service ships, on the
 * tiles of one frame (random content): a sequence's first frame (no state) and its next frames (each tile's state
 * passed on; a network that is not temporal is only timed on first frames, as the pipeline runs it), one forward
 * call per frame. Python's
 * {@code interir.bench} times the same graph under Debian's PyTorch, which is a different libtorch.
 */
public final class ForwardBench {
    private ForwardBench() {
    }

    public static void run(Restorer restorer, int width, int height, int runs, int sweepUpTo) {
        int stages = restorer.info().stages();
        boolean temporal = restorer.info().temporal();
        TileGrid grid = TileGrid.forFrame(width, height, restorer.info().tile(), restorer.info().maxTile(),
                restorer.info().overlap(), restorer.info().tileStep());
        int th = grid.tileHeight();
        int tw = grid.tileWidth();
        int n = grid.count();
        Random rnd = new Random(1);
        float[][] tiles = new float[n][3 * th * tw];
        for (float[] t : tiles) {
            for (int i = 0; i < t.length; i++) {
                t[i] = rnd.nextFloat();
            }
        }
        TileBatchResult cold = restorer.restore(tiles, th, tw, null, stages);
        double[] coldMs = time(runs, () -> restorer.restore(tiles, th, tw, null, stages));
        System.out.printf(Locale.ROOT, "forward only: %dx%d = %d tile%s of %dx%d px, %d runs each, %s network%n",
                width, height, n, n == 1 ? "" : "s", th, tw, runs, temporal ? "temporal" : "frame-by-frame");
        System.out.printf(Locale.ROOT, "first frame      ms/frame min %7.1f  median %7.1f%n", coldMs[0], coldMs[runs / 2]);
        if (temporal) {
            double[] nextMs = time(runs, () -> restorer.restore(tiles, th, tw, cold.states(), stages));
            System.out.printf(Locale.ROOT, "next frame       ms/frame min %7.1f  median %7.1f%n", nextMs[0], nextMs[runs / 2]);
        }
        // what pipeline.maxBatch buys: cost per tile by batch size
        for (boolean warm : temporal ? new boolean[]{false, true} : new boolean[]{false}) {
            StringBuilder line = new StringBuilder(warm ? "next-frame ms/tile by batch size:" : "first-frame ms/tile by batch size:");
            for (int b = 1; b <= sweepUpTo; b *= 2) {
                float[][] batch = new float[b][];
                float[][] states = warm ? new float[b][] : null;
                for (int i = 0; i < b; i++) {
                    batch[i] = tiles[i % n];
                    if (warm) {
                        states[i] = cold.states()[i % n];
                    }
                }
                double[] ms = time(Math.max(3, runs / 3), () -> restorer.restore(batch, th, tw, states, stages));
                line.append(String.format(Locale.ROOT, "  %d: %.2f", b, ms[ms.length / 2] / b));
            }
            System.out.println(line);
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
