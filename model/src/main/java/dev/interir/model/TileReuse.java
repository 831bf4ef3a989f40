package dev.interir.model;

/**
 * When a warm tile may do less than a warm ISN stage, judged per tile against the sequence's previous frame.
 *
 * @param skipThreshold  mean absolute change of the tile's input below which its last output is reused as it is
 *                       (nothing runs); 0 never skips. Noise changes every pixel, so this only fires on clean,
 *                       static views.
 * @param stillThreshold largest change of the tile's coarse luma (medians of an 8x8 grid of blocks, which ignore
 *                       noise and passing rain streaks) since the tile last ran a stage, below which it runs no
 *                       stage: its ISN state is kept and only the output layer runs on the new frame; 0: never
 * @param stillMaxFrames most frames in a row a tile may stay still before it runs a stage again
 */
public record TileReuse(float skipThreshold, float stillThreshold, int stillMaxFrames) {
    public static final TileReuse NONE = new TileReuse(0f, 0f, 0);

    public TileReuse {
        if (skipThreshold < 0 || skipThreshold > 1 || stillThreshold < 0 || stillThreshold > 1) {
            throw new IllegalArgumentException("skipThreshold and stillThreshold are changes of values in 0..1: give 0..1");
        }
        if (stillThreshold > 0 && stillMaxFrames < 1) {
            throw new IllegalArgumentException("stillMaxFrames must be at least 1 when stillThreshold is on");
        }
    }
}
