package dev.interir.server.cluster;

import dev.interir.pipeline.FrameSink;
import dev.interir.pipeline.RestoredFrame;

/**
 * This node's restore time per frame (its forward passes), smoothed over the last frames of all its cameras: what
 * placement weighs a node by. A GPU node shows a small figure and gets more cameras.
 */
final class RestoreSpeed {
    private static final double WEIGHT = 0.05;

    private double msPerFrame;

    /** A sink for one stream; all streams feed the one figure. */
    FrameSink sink() {
        return new FrameSink() {
            @Override
            public void accept(RestoredFrame f) {
                add(f.stats().forwardNanos() / 1e6);
            }

            @Override
            public void close() {
            }
        };
    }

    synchronized void add(double ms) {
        msPerFrame = msPerFrame == 0 ? ms : msPerFrame + WEIGHT * (ms - msPerFrame);
    }

    /** 0 until a frame was restored. */
    synchronized double msPerFrame() {
        return msPerFrame;
    }
}
