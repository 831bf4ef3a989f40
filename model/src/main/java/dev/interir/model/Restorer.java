package dev.interir.model;

/**
 * Restores batches of image tiles with the InterIR network. It knows nothing of video or streams:
 * callers cut frames into tiles and keep the per-tile states between frames.
 * An instance runs at most {@link #lanes()} calls at once; further callers wait for a lane.
 */
public interface Restorer extends AutoCloseable {

    ModelInfo info();

    /**
     * How many forward passes may run at once (callers on different threads). On a CPU, several passes on one
     * libtorch thread each keep the cores busier than one pass on several threads: a pass over a few small tiles is
     * many short operations, too short to split across threads.
     */
    default int lanes() {
        return 1;
    }

    /**
     * One forward pass over tiles of identical shape.
     *
     * @param tiles      CHW floats in [0,1], each 3 x height x width
     * @param states     null for a cold start (all K stages from the tile itself); otherwise one state per tile
     *                   from a previous call on the same tile geometry (warm start)
     * @param warmStages stages to run on a warm start (the last k of K); 0 runs none, only the output layer on
     *                   the new tiles from their states; ignored on a cold start and by a temporal network,
     *                   which always runs all stages
     */
    TileBatchResult restore(float[][] tiles, int height, int width, float[][] states, int warmStages);

    @Override
    void close();
}
