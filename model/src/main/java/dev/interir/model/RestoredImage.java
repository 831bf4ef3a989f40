package dev.interir.model;

import java.util.function.Supplier;

/**
 * A restored image and what the unfolding did to get there.
 * The image is blended from its tiles on the first call to {@link #image()}, by whichever thread makes it: the
 * inference thread hands results on as soon as the forward passes are done and goes on with the next batch
 * while another thread blends, converts and encodes (the two cores work at once).
 */
public final class RestoredImage {
    private final Supplier<FloatImage> blend;
    private final boolean warm;
    private final double stagesRun;
    private final float[] residuals;
    private final float[] routing;
    private final int tiles;
    private final int skippedTiles;
    private final int stillTiles;
    private final long forwardNanos;
    private FloatImage image;

    /**
     * @param blend        makes the restored image (called at most once)
     * @param warm         whether the image started from the previous image's state
     * @param stagesRun    ISN stages run per tile, averaged over the image's tiles (skipped tiles count 0)
     * @param residuals    mean ||F_k|| per stage run, over the tiles that ran
     * @param routing      mean explainable-convolution routing weights over the tiles that ran
     * @param tiles        number of tiles the image was cut into
     * @param skippedTiles tiles whose input had not changed, so their previous output was reused
     * @param stillTiles   tiles that ran no ISN stage, only the output layer from their kept state
     * @param forwardNanos this image's share of the forward passes' time
     */
    public RestoredImage(Supplier<FloatImage> blend, boolean warm, double stagesRun, float[] residuals,
                         float[] routing, int tiles, int skippedTiles, int stillTiles, long forwardNanos) {
        this.blend = blend;
        this.warm = warm;
        this.stagesRun = stagesRun;
        this.residuals = residuals;
        this.routing = routing;
        this.tiles = tiles;
        this.skippedTiles = skippedTiles;
        this.stillTiles = stillTiles;
        this.forwardNanos = forwardNanos;
    }

    /** An image that is already whole. */
    public RestoredImage(FloatImage image, boolean warm, double stagesRun, float[] residuals, float[] routing,
                         int tiles, int skippedTiles, int stillTiles, long forwardNanos) {
        this(() -> image, warm, stagesRun, residuals, routing, tiles, skippedTiles, stillTiles, forwardNanos);
    }

    public synchronized FloatImage image() {
        if (image == null) {
            image = blend.get();
        }
        return image;
    }

    public boolean warm() {
        return warm;
    }

    public double stagesRun() {
        return stagesRun;
    }

    public float[] residuals() {
        return residuals;
    }

    public float[] routing() {
        return routing;
    }

    public int tiles() {
        return tiles;
    }

    public int skippedTiles() {
        return skippedTiles;
    }

    public int stillTiles() {
        return stillTiles;
    }

    public long forwardNanos() {
        return forwardNanos;
    }
}
