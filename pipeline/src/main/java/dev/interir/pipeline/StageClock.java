package dev.interir.pipeline;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where the time of the engine goes, stage by stage, summed over all streams since the start: the benchmark reads
 * differences of {@link #snapshot()}s, /metrics a histogram per stage through {@link #listener(Listener)}.
 * Decoding is the grab threads' CPU time (a live camera's grab also waits for the network, which costs nothing);
 * the other stages are wall time on the thread that does them.
 */
public final class StageClock {

    public enum Stage {
        /** FFmpeg decoding and the copy out of its buffer (grab thread CPU time). */
        DECODE,
        /** 8-bit BGR to planar float RGB before the network, and back after it. */
        COLOUR,
        /** Cutting frames into tiles. */
        TILING,
        /** The network's forward passes. */
        FORWARD,
        /** Blending the tiles back into a frame. */
        BLEND,
        /** JPEG for WebSocket viewers (restored and original views). */
        JPEG,
        /** H.264 for HLS. */
        H264;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Told every measurement (on the thread that measured it): must be cheap and thread-safe. */
    @FunctionalInterface
    public interface Listener {
        void recorded(Stage stage, long nanos);
    }

    /** Totals per stage (index: {@link Stage#ordinal()}). */
    public record Snapshot(long[] nanos, long[] counts) {
        /** What happened between {@code earlier} and this snapshot. */
        public Snapshot minus(Snapshot earlier) {
            long[] n = new long[nanos.length];
            long[] c = new long[counts.length];
            for (int i = 0; i < n.length; i++) {
                n[i] = nanos[i] - earlier.nanos[i];
                c[i] = counts[i] - earlier.counts[i];
            }
            return new Snapshot(n, c);
        }

        public double millis(Stage s) {
            return nanos[s.ordinal()] / 1e6;
        }
    }

    private final LongAdder[] nanos = new LongAdder[Stage.values().length];
    private final LongAdder[] counts = new LongAdder[Stage.values().length];
    private volatile Listener listener;

    public StageClock() {
        for (int i = 0; i < nanos.length; i++) {
            nanos[i] = new LongAdder();
            counts[i] = new LongAdder();
        }
    }

    public void record(Stage stage, long elapsedNanos) {
        if (elapsedNanos < 0) {
            return;
        }
        nanos[stage.ordinal()].add(elapsedNanos);
        counts[stage.ordinal()].increment();
        Listener l = listener;
        if (l != null) {
            l.recorded(stage, elapsedNanos);
        }
    }

    public void listener(Listener l) {
        this.listener = l;
    }

    public Snapshot snapshot() {
        long[] n = new long[nanos.length];
        long[] c = new long[counts.length];
        for (int i = 0; i < n.length; i++) {
            n[i] = nanos[i].sum();
            c[i] = counts[i].sum();
        }
        return new Snapshot(n, c);
    }
}
