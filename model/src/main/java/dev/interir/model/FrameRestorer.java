package dev.interir.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Restores whole images of any size with a {@link Restorer}: cuts them into overlapping square tiles, runs the
 * tiles of all images of one call together in forward passes of at most {@code maxBatch} tiles, blends them
 * back without seams, and carries each sequence's per-tile state into its next call (temporal warm start).
 * A warm tile does less when it can ({@link TileReuse}): a still tile runs no ISN stage, only the output layer on
 * its new input; a tile whose input has not changed at all is not run. A tile restarts cold at least every
 * {@code coldEvery} frames, because a chain of warm starts is only as stable as the chains the model was trained
 * on; the tiles of one sequence take their turns, so no frame pays for more than a share of them.
 * A temporal network ({@link ModelInfo#temporal()}) keeps the tile's previous output as its state instead: every warm
 * tile runs, with all stages, and neither the reuse shortcuts nor the cold restarts apply (its state is a picture,
 * which does not drift, and a reused or restarted tile would show as a seam or a ghost).
 */
public final class FrameRestorer {
    private final Restorer restorer;
    private final int tile;
    private final int overlap;
    private final int maxBatch;
    private final TileReuse reuse;
    private final int coldEvery;

    /**
     * One image to restore, with the state of its sequence (null: no sequence, restore it cold on its own).
     *
     * @param reuseTiles whether this image may use the {@link TileReuse} shortcuts: live streams trade that little
     *                   quality for frame rate; files, which have no deadline, should not
     */
    public record Request(FloatImage image, WarmStartState warm, int warmStages, boolean reuseTiles) {
        public Request(FloatImage image, WarmStartState warm, int warmStages) {
            this(image, warm, warmStages, false);
        }
    }

    /** @param coldEvery most frames in a row a tile starts from its kept state before it restarts cold; 0: no limit */
    public FrameRestorer(Restorer restorer, int tile, int overlap, int maxBatch, TileReuse reuse, int coldEvery) {
        int s = restorer.info().scale();
        if (tile % s != 0) {
            throw new IllegalArgumentException("tile size " + tile + " must be a multiple of the model scale " + s);
        }
        if (coldEvery < 0) {
            throw new IllegalArgumentException("coldEvery must be 0 (no limit) or more, not " + coldEvery);
        }
        this.restorer = restorer;
        this.tile = tile;
        this.overlap = overlap;
        this.maxBatch = Math.max(1, maxBatch);
        boolean temporal = restorer.info().temporal();
        this.reuse = temporal ? TileReuse.NONE : reuse;
        this.coldEvery = temporal ? 0 : coldEvery;
    }

    public FrameRestorer(Restorer restorer, int tile, int overlap, int maxBatch, TileReuse reuse) {
        this(restorer, tile, overlap, maxBatch, reuse, 0);
    }

    public FrameRestorer(Restorer restorer, int tile, int overlap, int maxBatch) {
        this(restorer, tile, overlap, maxBatch, TileReuse.NONE);
    }

    public FrameRestorer(Restorer restorer) {
        this(restorer, restorer.info().tile(), restorer.info().overlap(), 8);
    }

    public Restorer restorer() {
        return restorer;
    }

    /**
     * @param warm       per-sequence state; null restores the image on its own (cold, nothing kept)
     * @param warmStages stages to run from the previous state; 0 or less forces a cold start
     */
    public RestoredImage restore(FloatImage img, WarmStartState warm, int warmStages) {
        return restoreAll(List.of(new Request(img, warm, warmStages))).get(0);
    }

    /** Restores several images (of one or many sequences, at most one per sequence) in shared forward passes. */
    public List<RestoredImage> restoreAll(List<Request> requests) {
        int stages = restorer.info().stages();
        List<Job> jobs = new ArrayList<>();
        // tiles wait in three queues: cold, warm and still tiles run different stage counts, so never share a pass
        List<TileWork> cold = new ArrayList<>();
        List<TileWork> warm = new ArrayList<>();
        List<TileWork> still = new ArrayList<>();
        int warmStages = stages;
        for (Request r : requests) {
            boolean reuses = r.reuseTiles() && r.warm() != null;
            Job job = new Job(r, gridFor(r));
            jobs.add(job);
            boolean isWarm = r.warm() != null && r.warmStages() > 0 && r.warm().matches(job.grid);
            job.warm = isWarm;
            for (int i = 0; i < job.grid.count(); i++) {
                float[] in = job.grid.cut(r.image(), i);
                job.inputs[i] = in;
                job.warmAges[i] = isWarm ? r.warm().warmAge(i) + 1 : staggeredAge(i, job.grid.count());
                job.coarse[i] = reuses && reuse.stillThreshold() > 0 ? coarseLuma(in, tile) : null;
                if (isWarm && reuses && reuse.skipThreshold() > 0 && meanAbsDiff(in, r.warm().input(i)) < reuse.skipThreshold()) {
                    // keep the input the reused output belongs to, so slow drift still adds up to a rerun
                    job.inputs[i] = r.warm().input(i);
                    job.outputs[i] = r.warm().output(i);
                    job.states[i] = r.warm().state(i);
                    job.coarse[i] = r.warm().coarse(i);
                    job.stillFrames[i] = r.warm().stillFrames(i);
                    job.skipped++;
                } else if (isWarm && coldEvery > 0 && job.warmAges[i] >= coldEvery) {
                    job.warmAges[i] = 0;
                    cold.add(new TileWork(job, i));
                } else if (isWarm && reuses && isStill(job.coarse[i], r.warm(), i)) {
                    // measured against the content of the tile's last stage, so slow drift adds up to a stage
                    job.coarse[i] = r.warm().coarse(i);
                    job.stillFrames[i] = r.warm().stillFrames(i) + 1;
                    still.add(new TileWork(job, i));
                } else if (isWarm) {
                    // one k per call: the last request's wins; a temporal network runs all its stages
                    warmStages = restorer.info().temporal() ? stages : Math.min(stages, r.warmStages());
                    warm.add(new TileWork(job, i));
                } else {
                    cold.add(new TileWork(job, i));
                }
            }
        }
        run(cold, false, 0);
        run(warm, true, warmStages);
        run(still, true, 0);
        List<RestoredImage> out = new ArrayList<>(jobs.size());
        for (Job job : jobs) {
            out.add(job.finish());
        }
        return out;
    }

    /** @param fromState start from each tile's kept state; with {@code k == 0} only the output layer runs */
    private void run(List<TileWork> work, boolean fromState, int k) {
        // equal passes: 18 tiles with maxBatch 16 run as 9 + 9, not 16 + 2
        int passes = (work.size() + maxBatch - 1) / maxBatch;
        int perPass = passes == 0 ? 0 : (work.size() + passes - 1) / passes;
        for (int start = 0; start < work.size(); start += perPass) {
            List<TileWork> chunk = work.subList(start, Math.min(work.size(), start + perPass));
            float[][] tiles = new float[chunk.size()][];
            float[][] states = fromState ? new float[chunk.size()][] : null;
            for (int j = 0; j < chunk.size(); j++) {
                TileWork w = chunk.get(j);
                tiles[j] = w.job.inputs[w.index];
                if (states != null) {
                    states[j] = w.job.request.warm().state(w.index);
                }
            }
            long t0 = System.nanoTime();
            TileBatchResult r = restorer.restore(tiles, tile, tile, states, k);
            long perTile = (System.nanoTime() - t0) / chunk.size();
            for (int j = 0; j < chunk.size(); j++) {
                TileWork w = chunk.get(j);
                w.job.outputs[w.index] = r.images()[j];
                w.job.states[w.index] = r.states()[j];
                if (fromState && k == 0) {
                    w.job.addStill(perTile);
                } else {
                    w.job.addStats(r.residuals()[j], r.routing()[j], perTile);
                }
            }
        }
    }

    private TileGrid gridFor(Request r) {
        TileGrid known = r.warm() == null ? null : r.warm().grid();
        if (known != null && known.sameGeometry(r.image().width(), r.image().height(), tile, overlap)) {
            return known;
        }
        if (r.warm() != null) {
            r.warm().reset(); // resolution changed: the old states belong to other tiles
        }
        return new TileGrid(r.image().width(), r.image().height(), tile, overlap);
    }

    /**
     * The warm age a tile gets when its whole sequence starts cold: spread over 0..coldEvery-1, so that the tiles
     * reach coldEvery on different frames and each frame restarts only about count/coldEvery of them.
     */
    private int staggeredAge(int tileIndex, int count) {
        return coldEvery == 0 ? 0 : (int) ((long) tileIndex * coldEvery / count);
    }

    private boolean isStill(float[] coarse, WarmStartState warm, int i) {
        return coarse != null && warm.coarse(i) != null && warm.stillFrames(i) < reuse.stillMaxFrames()
                && maxAbsDiff(coarse, warm.coarse(i)) < reuse.stillThreshold();
    }

    /**
     * Luma block medians of a CHW tile on an 8x8 grid of blocks, from every other pixel of each block. A median
     * of 64 samples shrinks sigma 25 noise to about 0.015, and unlike a mean it ignores the rain streaks that cross
     * a block from frame to frame (on the bundled demo, means of static blocks moved by 0.06-0.13 with the rain,
     * medians by about half that); anything that moves into a block shifts its median far more.
     */
    static float[] coarseLuma(float[] chw, int side) {
        int plane = side * side;
        float[] medians = new float[64];
        float[] samples = new float[(side / 8 / 2 + 1) * (side / 8 / 2 + 1)];
        for (int by = 0; by < 8; by++) {
            for (int bx = 0; bx < 8; bx++) {
                int n = 0;
                for (int y = by * side / 8; y < (by + 1) * side / 8; y += 2) {
                    for (int x = bx * side / 8; x < (bx + 1) * side / 8; x += 2) {
                        int p = y * side + x;
                        samples[n++] = 0.299f * chw[p] + 0.587f * chw[plane + p] + 0.114f * chw[2 * plane + p];
                    }
                }
                Arrays.sort(samples, 0, n);
                medians[by * 8 + bx] = n == 0 ? 0f : samples[n / 2];
            }
        }
        return medians;
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static float meanAbsDiff(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs(a[i] - b[i]);
        }
        return (float) (sum / a.length);
    }

    private record TileWork(Job job, int index) {
    }

    /** One image on its way through a call. */
    private static final class Job {
        final Request request;
        final TileGrid grid;
        final float[][] inputs;
        final float[][] outputs;
        final float[][] states;
        final float[][] coarse;
        final int[] stillFrames;
        final int[] warmAges;
        boolean warm;
        int skipped;
        int still;
        int ran;
        int stageSum;
        float[] residuals;
        float[] routing;
        long forwardNanos;

        Job(Request request, TileGrid grid) {
            this.request = request;
            this.grid = grid;
            int n = grid.count();
            this.inputs = new float[n][];
            this.outputs = new float[n][];
            this.states = new float[n][];
            this.coarse = new float[n][];
            this.stillFrames = new int[n];
            this.warmAges = new int[n];
        }

        void addStill(long nanos) {
            still++;
            forwardNanos += nanos;
        }

        void addStats(float[] res, float[] pi, long nanos) {
            if (residuals == null) {
                residuals = new float[res.length];
                routing = new float[pi.length];
            }
            for (int i = 0; i < Math.min(res.length, residuals.length); i++) {
                residuals[i] += res[i];
            }
            for (int i = 0; i < Math.min(pi.length, routing.length); i++) {
                routing[i] += pi[i];
            }
            ran++;
            stageSum += res.length;
            forwardNanos += nanos;
        }

        RestoredImage finish() {
            float[] res = residuals == null ? new float[0] : residuals;
            float[] pi = routing == null ? new float[0] : routing;
            for (int i = 0; i < res.length; i++) {
                res[i] /= ran;
            }
            for (int i = 0; i < pi.length; i++) {
                pi[i] /= ran;
            }
            if (request.warm() != null) {
                request.warm().remember(grid, states, inputs, outputs, coarse, stillFrames, warmAges);
            }
            return new RestoredImage(() -> grid.blend(outputs), warm, (double) stageSum / grid.count(), res, pi,
                    grid.count(), skipped, still, forwardNanos);
        }
    }
}
