package dev.interir.model;

/**
 * A restored image and what the unfolding did to get there.
 *
 * @param image        the restored image
 * @param warm         whether the image started from the previous image's state
 * @param stagesRun    ISN stages run per tile, averaged over the image's tiles (skipped tiles count 0)
 * @param residuals    mean ||F_k|| per stage run, over the tiles that ran
 * @param routing      mean explainable-convolution routing weights over the tiles that ran
 * @param tiles        number of tiles the image was cut into
 * @param skippedTiles tiles whose input had not changed, so their previous output was reused
 * @param forwardNanos this image's share of the forward passes' time
 */
public record RestoredImage(FloatImage image, boolean warm, double stagesRun, float[] residuals, float[] routing,
                            int tiles, int skippedTiles, long forwardNanos) {
}
