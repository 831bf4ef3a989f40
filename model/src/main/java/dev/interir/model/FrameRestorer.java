package dev.interir.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Restores whole images of any size with a {@link Restorer}: cuts them into overlapping tiles ({@link
 * TileGrid#forFrame}), runs the tiles of all images of one call together in forward passes of at most {@code maxBatch}
 * tiles of one shape (side by side when the restorer has several {@link Restorer#lanes() lanes}), and blends them back
 * without seams.
 *
 * <p>With a temporal network ({@link ModelInfo#temporal()}) each tile's state (a running mean of its earlier frames) is
 * passed on to the same tile of the sequence's next frame, which weighs it against its own restoration. Every tile of
 * every frame runs, with all stages: a tile left out or restarted would show as a ghost or a seam. A network that
 * is not temporal restores every frame on its own: its stage states drift when chained without periodic cold
 * restarts, so nothing is carried.
 */
public final class FrameRestorer {
    /**
     * The frame size whose tiles {@link #warmUp()} prepares: the bundled clip's, and a common camera size. A frame
     * of another size whose tiles differ pays TorchScript's first-call optimisation on its first frames.
     */
    static final int WARM_UP_WIDTH = 640;
    static final int WARM_UP_HEIGHT = 360;

    private final Restorer restorer;
    private final int tile;
    private final int maxTile;
    private final int overlap;
    private final int maxBatch;
    private volatile boolean warmedUp;
    private ExecutorService lanePool;

    /**
     * One image to restore.
     *
     * @param sequence the state of the sequence the image belongs to (updated by the call); null restores the image
     *                 on its own
     */
    public record Request(FloatImage image, WarmStartState sequence) {
    }

    /**
     * @param tile    the smallest tile side (a multiple of the model's tile step)
     * @param maxTile the longest tile side (see {@link TileGrid#side}); tile or less: square tiles of {@code tile}
     */
    public FrameRestorer(Restorer restorer, int tile, int maxTile, int overlap, int maxBatch) {
        int step = restorer.info().tileStep();
        if (tile % step != 0) {
            throw new IllegalArgumentException("tile size " + tile + " must be a multiple of " + step + " for model "
                    + restorer.info().variant());
        }
        this.restorer = restorer;
        this.tile = tile;
        this.maxTile = maxTile;
        this.overlap = overlap;
        this.maxBatch = Math.max(1, maxBatch);
    }

    /** Square tiles. */
    public FrameRestorer(Restorer restorer, int tile, int overlap, int maxBatch) {
        this(restorer, tile, tile, overlap, maxBatch);
    }

    /** The model's tiles, in passes of at most 8. */
    public FrameRestorer(Restorer restorer) {
        this(restorer, restorer.info().tile(), restorer.info().maxTile(), restorer.info().overlap(), 8);
    }

    public Restorer restorer() {
        return restorer;
    }

    /**
     * Runs a pass of every size this restorer makes for a {@link #WARM_UP_WIDTH} x {@link #WARM_UP_HEIGHT} frame (1 to
     * maxBatch of its tiles, without and with state) twice, once per instance. TorchScript's profiling executor
     * optimises the graph on the first calls of each input shape, which takes seconds on a busy machine: done here, it
     * does not stall the first frames a viewer waits for.
     */
    public synchronized void warmUp() {
        if (warmedUp) {
            return;
        }
        int stages = restorer.info().stages();
        TileGrid grid = TileGrid.forFrame(WARM_UP_WIDTH, WARM_UP_HEIGHT, tile, maxTile, overlap,
                restorer.info().tileStep());
        int tileHeight = grid.tileHeight();
        int tileWidth = grid.tileWidth();
        float[] grey = new float[3 * tileHeight * tileWidth];
        Arrays.fill(grey, 0.5f);
        for (int n = 1; n <= maxBatch; n++) {
            float[][] tiles = new float[n][];
            Arrays.fill(tiles, grey);
            for (int run = 0; run < 2; run++) {
                TileBatchResult first = restorer.restore(tiles, tileHeight, tileWidth, null, stages);
                if (restorer.info().temporal()) {
                    restorer.restore(tiles, tileHeight, tileWidth, first.states(), stages);
                }
            }
        }
        warmedUp = true;
    }

    /** Whether {@link #warmUp()} has finished: until then a first frame may stall for seconds. */
    public boolean warmedUp() {
        return warmedUp;
    }

    /** @param sequence per-sequence state; null restores the image on its own */
    public RestoredImage restore(FloatImage img, WarmStartState sequence) {
        return restoreAll(List.of(new Request(img, sequence))).get(0);
    }

    /** Restores several images (of one or many sequences, at most one per sequence) in shared forward passes. */
    public List<RestoredImage> restoreAll(List<Request> requests) {
        boolean temporal = restorer.info().temporal();
        List<Job> jobs = new ArrayList<>(requests.size());
        // a first frame has no state to pass: it runs in passes of its own (one call takes states for all or none);
        // and a pass takes tiles of one shape (frames of different sizes may have different tiles)
        Map<List<Integer>, List<TileWork>> first = new LinkedHashMap<>();
        Map<List<Integer>, List<TileWork>> next = new LinkedHashMap<>();
        for (Request r : requests) {
            long t0 = System.nanoTime();
            WarmStartState seq = temporal ? r.sequence() : null;
            Job job = new Job(seq, gridFor(r.image(), seq));
            job.warm = seq != null && seq.matches(job.grid);
            List<Integer> shape = List.of(job.grid.tileHeight(), job.grid.tileWidth());
            List<TileWork> work = (job.warm ? next : first).computeIfAbsent(shape, s -> new ArrayList<>());
            for (int i = 0; i < job.grid.count(); i++) {
                job.inputs[i] = job.grid.cut(r.image(), i);
                work.add(new TileWork(job, i));
            }
            job.tilingNanos = System.nanoTime() - t0;
            jobs.add(job);
        }
        for (List<TileWork> work : first.values()) {
            run(work, false);
        }
        for (List<TileWork> work : next.values()) {
            run(work, true);
        }
        List<RestoredImage> out = new ArrayList<>(jobs.size());
        for (Job job : jobs) {
            out.add(job.finish());
        }
        return out;
    }

    private void run(List<TileWork> work, boolean withState) {
        int stages = restorer.info().stages();
        int lanes = restorer.lanes();
        // equal passes: 18 tiles with maxBatch 16 run as 9 + 9, not 16 + 2; with lanes, a multiple of them, so that
        // every lane gets as many passes (18 tiles, maxBatch 8, 2 lanes: 4 passes of 5, 5, 4, 4, not 6, 6, 6)
        int passes = (work.size() + maxBatch - 1) / maxBatch;
        if (lanes > 1) {
            passes = Math.min(work.size(), (passes + lanes - 1) / lanes * lanes);
        }
        int perPass = passes == 0 ? 0 : (work.size() + passes - 1) / passes;
        List<List<TileWork>> chunks = new ArrayList<>();
        for (int start = 0; start < work.size(); start += perPass) {
            chunks.add(work.subList(start, Math.min(work.size(), start + perPass)));
        }
        List<Pass> done = new ArrayList<>(chunks.size());
        if (lanes > 1 && chunks.size() > 1) {
            List<Future<Pass>> running = new ArrayList<>(chunks.size());
            for (List<TileWork> chunk : chunks) {
                running.add(lanePool().submit(() -> pass(chunk, withState, stages)));
            }
            for (Future<Pass> f : running) {
                done.add(await(f));
            }
        } else {
            for (List<TileWork> chunk : chunks) {
                done.add(pass(chunk, withState, stages));
            }
        }
        // in pass order on this thread: the statistics sum the same way however the passes were scheduled
        for (Pass p : done) {
            long perTile = p.nanos / p.chunk.size();
            for (int j = 0; j < p.chunk.size(); j++) {
                TileWork w = p.chunk.get(j);
                w.job.outputs[w.index] = p.result.images()[j];
                w.job.states[w.index] = p.result.states()[j];
                w.job.addStats(p.result.residuals()[j], p.result.routing()[j], perTile);
            }
        }
    }

    private Pass pass(List<TileWork> chunk, boolean withState, int stages) {
        float[][] tiles = new float[chunk.size()][];
        float[][] states = withState ? new float[chunk.size()][] : null;
        for (int j = 0; j < chunk.size(); j++) {
            TileWork w = chunk.get(j);
            tiles[j] = w.job.inputs[w.index];
            if (states != null) {
                states[j] = w.job.sequence.state(w.index);
            }
        }
        TileGrid grid = chunk.get(0).job.grid;
        long t0 = System.nanoTime();
        TileBatchResult r = restorer.restore(tiles, grid.tileHeight(), grid.tileWidth(), states, stages);
        return new Pass(chunk, r, System.nanoTime() - t0);
    }

    private static Pass await(Future<Pass> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a forward pass", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** The threads that run the passes of one call side by side; created on first use, idle ones end. */
    private synchronized ExecutorService lanePool() {
        if (lanePool == null) {
            AtomicInteger count = new AtomicInteger();
            ThreadPoolExecutor pool = new ThreadPoolExecutor(restorer.lanes(), restorer.lanes(), 30, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "forward-" + count.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            pool.allowCoreThreadTimeOut(true);
            lanePool = pool;
        }
        return lanePool;
    }

    private record Pass(List<TileWork> chunk, TileBatchResult result, long nanos) {
    }

    private TileGrid gridFor(FloatImage image, WarmStartState sequence) {
        int step = restorer.info().tileStep();
        int th = TileGrid.side(image.height(), tile, overlap, maxTile, step);
        int tw = TileGrid.side(image.width(), tile, overlap, maxTile, step);
        TileGrid known = sequence == null ? null : sequence.grid();
        if (known != null && known.sameGeometry(image.width(), image.height(), th, tw, overlap)) {
            return known;
        }
        if (sequence != null) {
            sequence.reset(); // resolution changed: the old states belong to other tiles
        }
        return new TileGrid(image.width(), image.height(), th, tw, overlap);
    }

    private record TileWork(Job job, int index) {
    }

    /** One image on its way through a call. */
    private static final class Job {
        final WarmStartState sequence;
        final TileGrid grid;
        final float[][] inputs;
        final float[][] outputs;
        final float[][] states;
        boolean warm;
        int ran;
        int stageSum;
        float[] residuals;
        float[] routing;
        long tilingNanos;
        long forwardNanos;

        Job(WarmStartState sequence, TileGrid grid) {
            this.sequence = sequence;
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
            if (sequence != null) {
                sequence.remember(grid, states);
            }
            Supplier<FloatImage> blend = () -> grid.blend(outputs);
            return new RestoredImage(blend, warm, (double) stageSum / grid.count(), res, pi, grid.count(),
                    tilingNanos, forwardNanos);
        }
    }
}
