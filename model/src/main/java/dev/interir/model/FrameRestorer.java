package dev.interir.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Restores whole images of any size with a {@link Restorer}: cuts them into overlapping square tiles, runs the
 * tiles of all images of one call together in forward passes of at most {@code maxBatch} tiles, blends them
 * back without seams, and carries each sequence's per-tile state into its next call (temporal warm start).
 * A warm tile whose input has barely changed since the last frame is not run at all: its last output is reused.
 */
public final class FrameRestorer {
    private final Restorer restorer;
    private final int tile;
    private final int overlap;
    private final int maxBatch;
    private final float skipThreshold;

    /** One image to restore, with the state of its sequence (null: no sequence, restore it cold on its own). */
    public record Request(FloatImage image, WarmStartState warm, int warmStages) {
    }

    /**
     * @param skipThreshold mean absolute change (0..1) of a warm tile's input below which its last output is
     *                      reused; 0 never skips
     */
    public FrameRestorer(Restorer restorer, int tile, int overlap, int maxBatch, float skipThreshold) {
        int s = restorer.info().scale();
        if (tile % s != 0) {
            throw new IllegalArgumentException("tile size " + tile + " must be a multiple of the model scale " + s);
        }
        this.restorer = restorer;
        this.tile = tile;
        this.overlap = overlap;
        this.maxBatch = Math.max(1, maxBatch);
        this.skipThreshold = skipThreshold;
    }

    public FrameRestorer(Restorer restorer, int tile, int overlap, int maxBatch) {
        this(restorer, tile, overlap, maxBatch, 0f);
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
        return restoreAll(List.of(new Request(img, warm, warmStages))).get(0);
    }

    /** Restores several images (of one or many sequences, at most one per sequence) in shared forward passes. */
    public List<RestoredImage> restoreAll(List<Request> requests) {
        int stages = restorer.info().stages();
        List<Job> jobs = new ArrayList<>();
        // tiles wait in two queues: cold tiles and warm tiles run different stage counts, so never share a pass
        List<TileWork> cold = new ArrayList<>();
        List<TileWork> warm = new ArrayList<>();
        int warmStages = stages;
        for (Request r : requests) {
            Job job = new Job(r, gridFor(r));
            jobs.add(job);
            boolean isWarm = r.warm() != null && r.warmStages() > 0 && r.warm().matches(job.grid);
            job.warm = isWarm;
            for (int i = 0; i < job.grid.count(); i++) {
                float[] in = job.grid.cut(r.image(), i);
                job.inputs[i] = in;
                if (isWarm && skipThreshold > 0 && meanAbsDiff(in, r.warm().input(i)) < skipThreshold) {
                    // keep the input the reused output belongs to, so slow drift still adds up to a rerun
                    job.inputs[i] = r.warm().input(i);
                    job.outputs[i] = r.warm().output(i);
                    job.states[i] = r.warm().state(i);
                    job.skipped++;
                } else if (isWarm) {
                    warmStages = Math.min(stages, r.warmStages()); // one k per call: the last request's wins
                    warm.add(new TileWork(job, i));
                } else {
                    cold.add(new TileWork(job, i));
                }
            }
        }
        run(cold, 0);
        run(warm, warmStages);
        List<RestoredImage> out = new ArrayList<>(jobs.size());
        for (Job job : jobs) {
            out.add(job.finish());
        }
        return out;
    }

    private void run(List<TileWork> work, int warmStages) {
        // equal passes: 18 tiles with maxBatch 16 run as 9 + 9, not 16 + 2
        int passes = (work.size() + maxBatch - 1) / maxBatch;
        int perPass = passes == 0 ? 0 : (work.size() + passes - 1) / passes;
        for (int start = 0; start < work.size(); start += perPass) {
            List<TileWork> chunk = work.subList(start, Math.min(work.size(), start + perPass));
            float[][] tiles = new float[chunk.size()][];
            float[][] states = warmStages > 0 ? new float[chunk.size()][] : null;
            for (int j = 0; j < chunk.size(); j++) {
                TileWork w = chunk.get(j);
                tiles[j] = w.job.inputs[w.index];
                if (states != null) {
                    states[j] = w.job.request.warm().state(w.index);
                }
            }
            long t0 = System.nanoTime();
            TileBatchResult r = restorer.restore(tiles, tile, tile, states, warmStages);
            long perTile = (System.nanoTime() - t0) / chunk.size();
            for (int j = 0; j < chunk.size(); j++) {
                TileWork w = chunk.get(j);
                w.job.outputs[w.index] = r.images()[j];
                w.job.states[w.index] = r.states()[j];
                w.job.addStats(r.residuals()[j], r.routing()[j], perTile);
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
        boolean warm;
        int skipped;
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
                request.warm().remember(grid, states, inputs, outputs);
            }
            return new RestoredImage(() -> grid.blend(outputs), warm, (double) stageSum / grid.count(), res, pi,
                    grid.count(), skipped, forwardNanos);
        }
    }
}
