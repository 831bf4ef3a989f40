package dev.interir.pipeline;

/** Frames per second over a sliding window of about two seconds, cheap enough to call per frame. */
final class FpsMeter {
    private static final long WINDOW_NANOS = 2_000_000_000L;
    private final long[] stamps = new long[256];
    private int head;
    private int size;

    synchronized void tick(long nanos) {
        stamps[head] = nanos;
        head = (head + 1) % stamps.length;
        size = Math.min(size + 1, stamps.length);
    }

    synchronized double fps(long now) {
        int n = 0;
        long oldest = now;
        for (int i = 1; i <= size; i++) {
            long t = stamps[(head - i + stamps.length) % stamps.length];
            if (now - t > WINDOW_NANOS) {
                break;
            }
            n++;
            oldest = t;
        }
        if (n < 2) {
            return 0;
        }
        return (n - 1) * 1e9 / Math.max(1, now - oldest);
    }
}
