package dev.interir.pipeline;

import dev.interir.model.RestoredImage;

/**
 * A frame after the restore stage: the original, the restored pixels, and what the network did.
 *
 * @param doneNanos System.nanoTime() when restoration finished
 */
public record RestoredFrame(VideoFrame original, BgrImage restored, RestoredImage stats, long doneNanos) {

    public double latencyMillis() {
        return (doneNanos - original.grabNanos()) / 1e6;
    }
}
