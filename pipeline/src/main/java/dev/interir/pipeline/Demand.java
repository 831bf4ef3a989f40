package dev.interir.pipeline;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether anyone consumes a stream, so that nobody's stream costs nothing: its WebSocket viewers, and the time of
 * its last HLS request. A stream is wanted while it has a viewer and for {@code idle} after the last viewer left or
 * the last HLS request (a page reload or a player's next playlist poll must not stop it); a new stream starts
 * wanted for {@code idle} too (whoever added it is about to watch). An {@link Mode#ALWAYS} stream is always wanted.
 */
public final class Demand {

    /** What a stream does while nobody consumes it. */
    public enum Mode {
        /** Stops restoring; a camera stays connected (its frames are decoded and dropped), a file pauses. */
        WATCHED,
        /** Stops restoring and decoding: a camera is disconnected until the next viewer, a file pauses. */
        ON_DEMAND,
        /** Restores and records HLS all the time. */
        ALWAYS;

        /** Parses the config and API spelling: watched, onDemand, always. */
        public static Mode parse(String s) {
            if (s == null) {
                return WATCHED;
            }
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "watched" -> WATCHED;
                case "ondemand" -> ON_DEMAND;
                case "always" -> ALWAYS;
                default -> throw new IllegalArgumentException("stream mode must be watched, onDemand or always, not '" + s + "'");
            };
        }

        public String label() {
            return this == ON_DEMAND ? "onDemand" : name().toLowerCase(Locale.ROOT);
        }
    }

    private final Mode mode;
    private final long idleNanos;
    private final AtomicInteger viewers = new AtomicInteger();
    private volatile long lastUseNanos;
    private volatile long lastHlsNanos;

    public Demand(Mode mode, long idleMillis) {
        this.mode = mode;
        this.idleNanos = Math.max(0, idleMillis) * 1_000_000L;
        this.lastUseNanos = System.nanoTime();
        this.lastHlsNanos = System.nanoTime() - idleNanos - 1;
    }

    public Mode mode() {
        return mode;
    }

    public void viewerJoined() {
        viewers.incrementAndGet();
        used();
    }

    public void viewerLeft() {
        viewers.decrementAndGet();
        used();
    }

    public void hlsRequested() {
        lastHlsNanos = System.nanoTime();
        used();
    }

    public int viewers() {
        return viewers.get();
    }

    /** Whether the stream should be restored now. */
    public boolean wanted() {
        return mode == Mode.ALWAYS || viewers.get() > 0 || System.nanoTime() - lastUseNanos < idleNanos;
    }

    /** Whether the HLS encoder should run now. */
    public boolean hlsWanted() {
        return mode == Mode.ALWAYS || System.nanoTime() - lastHlsNanos < idleNanos;
    }

    /** Waits up to {@code millis} for the stream to be wanted; true when it is. */
    public boolean awaitWanted(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        synchronized (this) {
            while (!wanted()) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                wait(left);
            }
        }
        return true;
    }

    private void used() {
        lastUseNanos = System.nanoTime();
        synchronized (this) {
            notifyAll();
        }
    }
}
