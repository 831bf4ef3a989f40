package dev.interir.pipeline;

import java.time.Duration;

/**
 * Frames per second over the recent frames: by default the last 16 within 10 s, so slow streams (under 1 fps) still
 * read true, and fast ones follow changes within a second. Reads 0 once no frame came for 3 frame intervals (at
 * least 2 s).
 */
public final class FpsMeter {
    private final long maxAgeNanos;
    private final long[] stamps;
    private int head;
    private int size;

    public FpsMeter() {
        this(16, Duration.ofSeconds(10));
    }

    /** @param frames how many recent frames count at most; @param maxAge older frames do not count */
    public FpsMeter(int frames, Duration maxAge) {
        this.stamps = new long[Math.max(2, frames)];
        this.maxAgeNanos = maxAge.toNanos();
    }

    /** Counts a frame now. */
    public void tick() {
        tick(System.nanoTime());
    }

    /** The rate now. */
    public double fps() {
        return fps(System.nanoTime());
    }

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
            if (now - t > maxAgeNanos) {
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
