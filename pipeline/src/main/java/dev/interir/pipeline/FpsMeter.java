package dev.interir.pipeline;

/**
 * Frames per second over the recent frames: the last 16 within 10 s, so slow streams (under 1 fps) still read
 * true, and fast ones follow changes within a second. Reads 0 once no frame came for 3 frame intervals (at least
 * 2 s).
 */
final class FpsMeter {
    private static final long MAX_AGE_NANOS = 10_000_000_000L;
    private final long[] stamps = new long[16];
    private int head;
    private int size;

    synchronized void tick(long nanos) {
        stamps[head] = nanos;
        head = (head + 1) % stamps.length;
        size = Math.min(size + 1, stamps.length);
    }

    synchronized double fps(long now) {
        if (size < 2) {
            return 0;
        }
        long newest = stamps[(head - 1 + stamps.length) % stamps.length];
        int n = 1;
        long oldest = newest;
        for (int i = 2; i <= size; i++) {
            long t = stamps[(head - i + stamps.length) % stamps.length];
            if (now - t > MAX_AGE_NANOS) {
                break;
            }
            n++;
            oldest = t;
        }
        if (n < 2) {
            return 0;
        }
        double interval = (double) (newest - oldest) / (n - 1);
        if (now - newest > Math.max(2_000_000_000L, 3 * interval)) {
            return 0; // the stream has stalled
        }
        return 1e9 / interval;
    }
}
