package dev.interir.pipeline;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The grabber loop of one stream, on its own thread: opens the source with FFmpeg, decodes frames into the
 * stream's slot, and on failure retries live sources with capped, jittered backoff. File sources play at their
 * own frame rate and loop (they stand in for a camera); a file that cannot be decoded fails for good.
 *
 * <p>While nobody consumes the stream ({@link Demand}) a file pauses and an on-demand camera is disconnected; the
 * next viewer wakes them. Between retries of a failed camera a cheap check (a TCP connect to its port, or the
 * device node's existence) runs every {@value #PROBE_INTERVAL_MS} ms, and the camera is opened as soon as it answers
 * again, so a camera that comes back is restored within a second or two while a dead one costs one connect
 * attempt per probe and a full open per backoff step.
 */
final class FfmpegSource implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(FfmpegSource.class);
    /** FFmpeg socket and I/O timeouts (microseconds): without them a vanished camera blocks grab() forever. */
    private static final String IO_TIMEOUT_MICROS = "5000000";
    private static final int OFFLINE_AFTER_ATTEMPTS = 3;
    private static final String ANALYZE_MICROS = "500000";
    static final long PROBE_INTERVAL_MS = 200;
    private static final int PROBE_TIMEOUT_MS = 500;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    static {
        // FFmpeg prints every stream's headers to stderr by default; our own log says what matters
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    private final LiveStream stream;
    private final SourceSpec spec;
    private final long maxFramePixels;
    private volatile boolean stopped;
    private boolean idled;

    FfmpegSource(LiveStream stream, long maxFramePixels) {
        this.stream = stream;
        this.spec = stream.spec();
        this.maxFramePixels = maxFramePixels;
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        int failures = 0;
        long seq = 0;
        while (!stopped) {
            if (disconnectsWhenUnwatched() && !stream.demand().wanted() && !awaitViewer()) {
                break;
            }
            stream.status(failures == 0 ? StreamStatus.CONNECTING : failures >= OFFLINE_AFTER_ATTEMPTS
                    ? StreamStatus.OFFLINE : StreamStatus.RECONNECTING, stream.error());
            try (FFmpegFrameGrabber grabber = open()) {
                int w = grabber.getImageWidth();
                int h = grabber.getImageHeight();
                if (grabber.getVideoStream() < 0 || w <= 0 || h <= 0) {
                    throw new SourceException("the source has no video stream", true);
                }
                if ((long) w * h > maxFramePixels) {
                    throw new SourceException("frame size " + w + "x" + h + " exceeds the limit of " + maxFramePixels + " pixels", true);
                }
                double fps = grabber.getFrameRate() > 0 && grabber.getFrameRate() < 241 ? grabber.getFrameRate() : 25;
                stream.opened(w, h, fps, failures > 0);
                failures = 0;
                LOG.info("stream {}: {} opened, {}x{} at {} fps", stream.id(), spec.kind(), w, h, String.format("%.2f", fps));
                long before = seq;
                seq = grabLoop(grabber, seq, fps);
                if (stopped) {
                    break;
                }
                if (idled) {
                    idled = false;
                    LOG.info("stream {}: nobody watches, disconnected until the next viewer", stream.id());
                    continue;
                }
                if (seq == before) {
                    throw new SourceException("no video frame could be decoded", true);
                }
                if (spec.kind() == SourceSpec.Kind.FILE) {
                    stream.requestWarmReset(); // looping a file is a seek
                    continue;
                }
                throw new SourceException("the source ended the stream", false);
            } catch (Exception e) {
                if (stopped) {
                    break;
                }
                String message = FfmpegErrors.describe(e);
                if (spec.kind() == SourceSpec.Kind.FILE || e instanceof SourceException se && se.fatal) {
                    LOG.warn("stream {}: {} failed: {}", stream.id(), spec.shown(), message);
                    stream.status(StreamStatus.FAILED, message);
                    return;
                }
                failures++;
                long delay = backoffMillis(failures);
                LOG.warn("stream {}: {} (attempt {}), retrying in {} ms", stream.id(), message, failures, delay);
                stream.requestWarmReset();
                stream.status(failures >= OFFLINE_AFTER_ATTEMPTS ? StreamStatus.OFFLINE : StreamStatus.RECONNECTING, message);
                awaitRetry(delay);
            }
        }
        stream.status(StreamStatus.STOPPED, null);
    }

    private FFmpegFrameGrabber open() throws Exception {
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(spec.ffmpegUrl());
        switch (spec.kind()) {
            case RTSP -> {
                g.setOption("rtsp_transport", "tcp");
                g.setOption("timeout", IO_TIMEOUT_MICROS);
                // FFmpeg reads 5 s of stream before it reports one by default: an open took 3 s, most of a
                // camera's recovery time; the SDP and the first keyframe say all we use (size and frame rate)
                g.setOption("analyzeduration", ANALYZE_MICROS);
            }
            case V4L2 -> g.setFormat("v4l2");
            case FILE -> { }
        }
        g.setOption("rw_timeout", IO_TIMEOUT_MICROS);
        try {
            g.start();
        } catch (Exception e) {
            g.close();
            throw e;
        }
        return g;
    }

    private long grabLoop(FFmpegFrameGrabber grabber, long seq, double fps) throws Exception {
        long startNanos = System.nanoTime();
        long firstPts = Long.MIN_VALUE;
        while (!stopped) {
            if (!stream.demand().wanted()) {
                if (disconnectsWhenUnwatched()) {
                    idled = true;
                    return seq;
                }
                if (pausesWhenUnwatched()) {
                    if (!awaitViewer()) {
                        return seq;
                    }
                    stream.status(StreamStatus.LIVE, null);
                    startNanos = System.nanoTime(); // play on from here, in real time again
                    firstPts = Long.MIN_VALUE;
                }
            }
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            Frame f = grabber.grabImage();
            if (f == null || f.image == null) {
                return seq;
            }
            BgrImage image = BgrImage.copyOf(f);
            stream.clock().record(StageClock.Stage.DECODE, THREADS.getCurrentThreadCpuTime() - cpu0);
            long now = System.nanoTime();
            long pts = grabber.getTimestamp();
            if (f.imageWidth * (long) f.imageHeight > maxFramePixels) {
                throw new SourceException("frame size " + f.imageWidth + "x" + f.imageHeight + " exceeds the limit", true);
            }
            if (spec.paced()) {
                // a file plays in real time like the camera it stands in for
                if (firstPts == Long.MIN_VALUE) {
                    firstPts = pts;
                }
                long due = startNanos + Math.max(0, pts - firstPts) * 1000L;
                long wait = due - now;
                if (wait > 0) {
                    sleep(Math.min(wait / 1_000_000L, 2000));
                    now = System.nanoTime();
                }
            }
            VideoFrame frame = new VideoFrame(stream.id(), seq++, pts, now, image);
            stream.frameGrabbed();
            if (!stream.slot().offer(frame)) {
                return seq;
            }
        }
        return seq;
    }

    /** A file pauses while nobody watches (it waits where it is); so does a paced file in on-demand mode. */
    private boolean pausesWhenUnwatched() {
        return spec.kind() == SourceSpec.Kind.FILE && (!spec.live() || stream.demand().mode() == Demand.Mode.ON_DEMAND);
    }

    /** An on-demand camera is disconnected while nobody watches. */
    private boolean disconnectsWhenUnwatched() {
        return spec.kind() != SourceSpec.Kind.FILE && stream.demand().mode() == Demand.Mode.ON_DEMAND;
    }

    /** Shows the stream idle until someone wants it; false when the stream was stopped meanwhile. */
    private boolean awaitViewer() {
        stream.status(StreamStatus.IDLE, null);
        stream.requestWarmReset(); // what comes after the pause does not follow on from what came before
        try {
            while (!stopped && !stream.demand().awaitWanted(1000)) {
                // checking stopped once a second
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        }
        return !stopped;
    }

    /**
     * Waits until the next open is due: {@code delayMillis}, or sooner when the camera's cheap check, which failed
     * since the failure, succeeds again (it came back).
     */
    private void awaitRetry(long delayMillis) {
        BooleanSupplier probe = probe();
        long deadline = System.nanoTime() + delayMillis * 1_000_000L;
        boolean sawItDown = false;
        while (!stopped) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
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

    /** The cheap check of whether the source can be there: null when there is none. */
    private BooleanSupplier probe() {
        return switch (spec.kind()) {
            case V4L2 -> () -> Files.exists(Path.of(spec.ffmpegUrl()));
            case RTSP -> {
                InetSocketAddress target = rtspAddress(spec.ffmpegUrl());
                yield target == null ? null : () -> answers(target);
            }
            case FILE -> null;
        };
    }

    /** Host and port of an rtsp:// or rtsps:// URL (default ports 554 and 322), unresolved; null if unparsable. */
    static InetSocketAddress rtspAddress(String url) {
        try {
            URI uri = URI.create(url);
            if (uri.getHost() == null) {
                return null;
            }
            int port = uri.getPort() > 0 ? uri.getPort() : "rtsps".equalsIgnoreCase(uri.getScheme()) ? 322 : 554;
            return InetSocketAddress.createUnresolved(uri.getHost(), port);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean answers(InetSocketAddress target) {
        try (Socket s = new Socket()) {
            // resolved on every check: a camera behind a name may come back at another address
            s.connect(new InetSocketAddress(target.getHostString(), target.getPort()), PROBE_TIMEOUT_MS);
            return true;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** First retry within a second, doubling up to 5 s, with +-20% jitter so many cameras do not retry in step. */
    static long backoffMillis(int failures) {
        long base = Math.min(5_000L, 500L << Math.min(failures - 1, 5));
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return Math.round(base * jitter);
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        }
    }

    /** A source failure; fatal ones (a frame too large to restore) are not retried. */
    static final class SourceException extends Exception {
        final boolean fatal;

        SourceException(String message, boolean fatal) {
            super(message);
            this.fatal = fatal;
        }
    }
}
