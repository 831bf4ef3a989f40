package dev.interir.model;

/**
 * Restores whole images of any size with a {@link Restorer}: cuts them into overlapping square tiles,
 * runs the tiles in batches, blends them back, and carries the per-tile warm-start state across calls.
 */
public final class FrameRestorer {
    private final Restorer restorer;
    private final int tile;
    private final int overlap;
    private final int maxBatch;

    public FrameRestorer(Restorer restorer, int tile, int overlap, int maxBatch) {
        int s = restorer.info().scale();
        if (tile % s != 0) {
            throw new IllegalArgumentException("tile size " + tile + " must be a multiple of the model scale " + s);
        }
        this.restorer = restorer;
        this.tile = tile;
        this.overlap = overlap;
        this.maxBatch = Math.max(1, maxBatch);
    }

    public FrameRestorer(Restorer restorer) {
        this(restorer, restorer.info().tile(), restorer.info().overlap(), 16);
    }

    public Restorer restorer() {
        return restorer;
    }

    /**
     * @param warm       per-sequence state; null restores the image on its own (cold, nothing kept)
     * @param warmStages stages to run from the previous state; 0 or less forces a cold start
     */
    public RestoredImage restore(FloatImage img, WarmStartState warm, int warmStages) {
        TileGrid grid = gridFor(img, warm);
        int n = grid.count();
        float[][] previous = warm == null || warmStages <= 0 ? null : warm.statesFor(grid);
        float[][] outTiles = new float[n][];
        float[][] outStates = new float[n][];
        int stages = restorer.info().stages();
        int stagesRun = previous == null ? stages : Math.min(warmStages, stages);
        float[] residuals = new float[stagesRun];
        float[] routing = null;
        long forwardNanos = 0;
        for (int start = 0; start < n; start += maxBatch) {
            int m = Math.min(maxBatch, n - start);
            float[][] tiles = new float[m][];
            float[][] states = previous == null ? null : new float[m][];
            for (int j = 0; j < m; j++) {
                tiles[j] = grid.cut(img, start + j);
                if (states != null) {
                    states[j] = previous[start + j];
                }
            }
            long t0 = System.nanoTime();
            TileBatchResult r = restorer.restore(tiles, tile, tile, states, stagesRun);
            forwardNanos += System.nanoTime() - t0;
            for (int j = 0; j < m; j++) {
                outTiles[start + j] = r.images()[j];
                outStates[start + j] = r.states()[j];
                addInto(residuals, r.residuals()[j]);
                if (routing == null) {
                    routing = new float[r.routing()[j].length];
                }
                addInto(routing, r.routing()[j]);
            }
        }
        scale(residuals, 1f / n);
        scale(routing, 1f / n);
        if (warm != null) {
            warm.remember(grid, outStates);
        }
        return new RestoredImage(grid.blend(outTiles), previous != null, stagesRun, residuals, routing, n, forwardNanos);
    }

    private TileGrid gridFor(FloatImage img, WarmStartState warm) {
        TileGrid known = warm == null ? null : warm.grid();
        if (known != null && known.sameGeometry(img.width(), img.height(), tile, overlap)) {
            return known;
        }
        if (warm != null) {
            warm.reset(); // resolution changed: the old states belong to other tiles
        }
        return new TileGrid(img.width(), img.height(), tile, overlap);
    }

    private static void addInto(float[] acc, float[] v) {
        for (int i = 0; i < Math.min(acc.length, v.length); i++) {
            acc[i] += v[i];
        }
    }

    private static void scale(float[] v, float f) {
        if (v != null) {
            for (int i = 0; i < v.length; i++) {
                v[i] *= f;
            }
        }
    }
}
