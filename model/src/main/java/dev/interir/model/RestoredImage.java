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
    private final long tilingNanos;
    private final long forwardNanos;
    private FloatImage image;
    private long blendNanos;

    /**
     * @param blend        makes the restored image (called at most once)
     * @param warm         whether the image started from the previous image's state
     * @param stagesRun    ISN stages run per tile, averaged over the image's tiles
     * @param residuals    mean ||F_k|| per stage run, over the tiles
     * @param routing      mean explainable-convolution routing weights over the tiles
     * @param tiles        number of tiles the image was cut into
     * @param tilingNanos  time spent cutting the image into tiles
     * @param forwardNanos this image's share of the forward passes' time
     */
    public RestoredImage(Supplier<FloatImage> blend, boolean warm, double stagesRun, float[] residuals,
                         float[] routing, int tiles, long tilingNanos, long forwardNanos) {
        this.blend = blend;
        this.warm = warm;
        this.stagesRun = stagesRun;
        this.residuals = residuals;
        this.routing = routing;
        this.tiles = tiles;
        this.tilingNanos = tilingNanos;
        this.forwardNanos = forwardNanos;
    }

    /** An image that is already whole. */
    public RestoredImage(FloatImage image, boolean warm, double stagesRun, float[] residuals, float[] routing,
                         int tiles, long forwardNanos) {
        this(() -> image, warm, stagesRun, residuals, routing, tiles, 0, forwardNanos);
    }

    public synchronized FloatImage image() {
        if (image == null) {
            long t0 = System.nanoTime();
            image = blend.get();
            blendNanos = System.nanoTime() - t0;
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

    public long tilingNanos() {
        return tilingNanos;
    }

    /** Time {@link #image()} took to blend the tiles; 0 before it was called. */
    public synchronized long blendNanos() {
        return blendNanos;
    }

    public long forwardNanos() {
        return forwardNanos;
    }
}
