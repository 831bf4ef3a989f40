package dev.interir.model;

/**
 * A restored image and what the unfolding did to get there.
 *
 * @param image      the restored image
 * @param warm       whether the frame started from the previous frame's state
 * @param stagesRun  ISN stages run
 * @param residuals  mean ||F_k|| over the tiles, per stage run
 * @param routing    mean explainable-convolution routing weights over the tiles
 * @param tiles      number of tiles the image was cut into
 * @param forwardNanos time spent in the network's forward passes
 */
public record RestoredImage(FloatImage image, boolean warm, int stagesRun, float[] residuals, float[] routing,
                            int tiles, long forwardNanos) {
}
