package dev.interir.pipeline;

import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of one stream's source, on its own thread: opens a {@link FrameSource}, puts its frames in the stream's
 * {@link FrameSlot}, and reports what happens through {@link SourceEvents}. A live source that fails is retried
 * with capped, jittered backoff ({@link Backoff}); between retries a cheap reachability probe runs every
 * {@value #PROBE_INTERVAL_MS} ms, and once it answers after having failed the source is opened at once, so a camera
 * that comes back is restored within about a second while a dead one costs one probe per interval and a full open
 * per backoff step. A file plays at its own frame rate and loops (it stands in for a camera); a file that fails, and
 * any fatal {@link SourceException}, fails the stream for good.
 *
 * <p>While nobody consumes the stream ({@link Demand}) a file pauses where it is and an on-demand camera is
 * disconnected; the next viewer wakes them. Time and sleeping go through {@link Clock}, and the probe is given, so
 * the loop runs in tests without FFmpeg and without waiting.
 */
final class SourceLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(SourceLoop.class);
    static final long PROBE_INTERVAL_MS = 200;
    static final int OFFLINE_AFTER_ATTEMPTS = 3;
    /** The longest single wait for a file frame's due time: a jump in its timestamps must not stall it long. */
    private static final long MAX_PACING_WAIT_MS = 2000;

    /** The loop's time and sleep. */
    interface Clock {
        long nanoTime();

        void sleep(long millis) throws InterruptedException;

        Clock SYSTEM = new Clock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleep(long millis) throws InterruptedException {
                Thread.sleep(millis);
            }
        };
    }

    /**
     * How the loop waits: its clock, the backoff between retries, and the reachability probe that ends a backoff early
     * (null: the source has none, every backoff is waited out).
     */
    record Waits(Clock clock, Backoff backoff, BooleanSupplier probe) {
        /** The real ones for this source: system time, jittered backoff, its {@link ReachabilityProbe}. */
        static Waits of(SourceSpec spec) {
            return new Waits(Clock.SYSTEM, Backoff.jittered(), ReachabilityProbe.forSource(spec));
        }
    }

    private final String id;
    private final SourceSpec spec;
    private final Demand demand;
    private final long maxFramePixels;
    private final FrameSource source;
    private final FrameSlot slot;
    private final SourceEvents events;
    private final Waits waits;
    private volatile boolean stopped;
    private boolean idled;
    private String error;
    /** The next frame's number: it goes on across reopens, so a stream's frames never share one. */
    private long seq;

    /** @param id the stream's id, for its frames and the log */
    SourceLoop(String id, SourceSpec spec, Demand demand, long maxFramePixels, FrameSource source, FrameSlot slot,
               SourceEvents events, Waits waits) {
        this.id = id;
        this.spec = spec;
        this.demand = demand;
        this.maxFramePixels = maxFramePixels;
        this.source = source;
        this.slot = slot;
        this.events = events;
        this.waits = waits;
    }

    /** Ends the loop at its next check; interrupting its thread as well cuts a sleep or a slot wait short. */
    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        int failures = 0;
        while (!stopped) {
            if (disconnectsWhenUnwatched() && !demand.wanted() && !awaitViewer()) {
                break;
            }
            report(failures == 0 ? StreamStatus.CONNECTING : failures >= OFFLINE_AFTER_ATTEMPTS
                    ? StreamStatus.OFFLINE : StreamStatus.RECONNECTING, error);
            long before = seq;
            // closed at the end of the block, before any backoff: a failed camera must not be held open while we
            // wait; the same source is opened again on the next turn
            try (FrameSource open = source) {
                FrameSource.Format format = open.open();
                checkSize(format.width(), format.height());
                events.opened(format, failures > 0);
                report(StreamStatus.LIVE, null);
                failures = 0;
                LOG.info("stream {}: {} opened, {}x{} at {} fps", id, spec.kind(), format.width(), format.height(),
                        String.format("%.2f", format.fps()));
                grabLoop();
                if (stopped) {
                    break;
                }
                if (idled) {
                    idled = false;
                    LOG.info("stream {}: nobody watches, disconnected until the next viewer", id);
                    continue;
                }
                if (seq == before) {
                    throw new SourceException("no video frame could be decoded", true);
                }
                if (spec.kind() == SourceSpec.Kind.FILE) {
                    events.sequenceBroken(); // looping a file is a seek
                    continue;
                }
                throw new SourceException("the source ended the stream", false);
            } catch (Exception e) {
                if (stopped) {
                    break;
                }
                String message = FfmpegErrors.describe(e);
                if (spec.kind() == SourceSpec.Kind.FILE || e instanceof SourceException se && se.fatal()) {
                    LOG.warn("stream {}: {} failed: {}", id, spec.shown(), message);
                    report(StreamStatus.FAILED, message);
                    return;
                }
                failures++;
                long delay = waits.backoff().delayMillis(failures);
                LOG.warn("stream {}: {} (attempt {}), retrying in {} ms", id, message, failures, delay);
                events.sequenceBroken();
                report(failures >= OFFLINE_AFTER_ATTEMPTS ? StreamStatus.OFFLINE : StreamStatus.RECONNECTING, message);
                awaitRetry(delay);
            }
        }
        report(StreamStatus.STOPPED, null);
    }

    /** Puts frames in the slot until the source ends, fails, or is left (stopped, nobody watches). */
    private void grabLoop() throws Exception {
        long startNanos = waits.clock().nanoTime();
        long firstPts = Long.MIN_VALUE;
        while (!stopped) {
            if (!demand.wanted()) {
                if (disconnectsWhenUnwatched()) {
                    idled = true;
                    return;
                }
                if (pausesWhenUnwatched()) {
                    if (!awaitViewer()) {
                        return;
                    }
                    report(StreamStatus.LIVE, null);
                    startNanos = waits.clock().nanoTime(); // play on from here, in real time again
                    firstPts = Long.MIN_VALUE;
                }
            }
            FrameSource.Grabbed grabbed = source.grab();
            if (grabbed == null) {
                return;
            }
            long now = waits.clock().nanoTime();
            checkSize(grabbed.image().width(), grabbed.image().height());
            long pts = grabbed.ptsMicros();
            if (spec.paced()) {
                // a file plays in real time like the camera it stands in for
                if (firstPts == Long.MIN_VALUE) {
                    firstPts = pts;
                }
                long wait = startNanos + Math.max(0, pts - firstPts) * 1000L - now;
                if (wait > 0) {
                    sleep(Math.min(wait / 1_000_000L, MAX_PACING_WAIT_MS));
                    now = waits.clock().nanoTime();
                }
            }
            VideoFrame frame = new VideoFrame(id, seq++, pts, now, grabbed.image());
            events.frameGrabbed();
            if (!slot.offer(frame)) {
                return;
            }
        }
    }

    private void checkSize(int w, int h) throws SourceException {
        if ((long) w * h > maxFramePixels) {
            throw new SourceException("frame size " + w + "x" + h + " exceeds the limit of " + maxFramePixels + " pixels", true);
        }
    }

    /** A file pauses while nobody watches (it waits where it is); so does a paced file in on-demand mode. */
    private boolean pausesWhenUnwatched() {
        return spec.kind() == SourceSpec.Kind.FILE && (!spec.live() || demand.mode() == Demand.Mode.ON_DEMAND);
    }

    /** An on-demand camera is disconnected while nobody watches. */
    private boolean disconnectsWhenUnwatched() {
        return spec.kind() != SourceSpec.Kind.FILE && demand.mode() == Demand.Mode.ON_DEMAND;
    }

    /** Shows the stream idle until someone wants it; false when the stream was stopped meanwhile. */
    private boolean awaitViewer() {
        report(StreamStatus.IDLE, null);
        events.sequenceBroken(); // what comes after the pause does not follow on from what came before
        try {
            while (!stopped && !demand.awaitWanted(1000)) {
                // checking stopped once a second
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        }
        return !stopped;
    }

    /**
     * Waits until the next open is due: {@code delayMillis}, or sooner when the probe, which failed since the
     * failure, succeeds again (the source came back). A probe that answers all along (the camera's port is open but
     * its stream fails) does not shorten the wait.
     */
    private void awaitRetry(long delayMillis) {
        BooleanSupplier probe = waits.probe();
        long deadline = waits.clock().nanoTime() + delayMillis * 1_000_000L;
        boolean sawItDown = false;
        while (!stopped) {
            long left = (deadline - waits.clock().nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return;
            }
            sleep(Math.min(left, PROBE_INTERVAL_MS));
            if (probe == null || stopped) {
                continue;
            }
            if (!probe.getAsBoolean()) {
                sawItDown = true;
            } else if (sawItDown) {
                return;
            }
        }
    }

    private void sleep(long millis) {
        try {
            waits.clock().sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        }
    }

    /** Keeps the latest error so a retry's status can still say why the source is not live. */
    private void report(StreamStatus status, String message) {
        error = message;
        events.status(status, message);
    }
}
