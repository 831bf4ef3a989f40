package dev.interir.model;

/**
 * Restores batches of image tiles with the InterIR network. It knows nothing of video or streams:
 * callers cut frames into tiles and keep the per-tile states between frames.
 * Implementations are not thread-safe; one inference thread owns an instance.
 */
public interface Restorer extends AutoCloseable {

    ModelInfo info();

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
