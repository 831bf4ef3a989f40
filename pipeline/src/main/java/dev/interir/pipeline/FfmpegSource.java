package dev.interir.pipeline;

import java.util.concurrent.ThreadLocalRandom;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The grabber loop of one stream, on its own thread: opens the source with FFmpeg, decodes frames into the
 * stream's slot, and on failure retries live sources with capped, jittered backoff. File sources play at their
 * own frame rate and loop (they stand in for a camera); a file that cannot be decoded fails for good.
 */
final class FfmpegSource implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(FfmpegSource.class);
    /** FFmpeg socket and I/O timeouts (microseconds): without them a vanished camera blocks grab() forever. */
    private static final String IO_TIMEOUT_MICROS = "5000000";
    private static final int OFFLINE_AFTER_ATTEMPTS = 3;

    static {
        // FFmpeg prints every stream's headers to stderr by default; our own log says what matters
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    private final LiveStream stream;
    private final SourceSpec spec;
    private final long maxFramePixels;
    private volatile boolean stopped;

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
                sleep(delay);
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
            Frame f = grabber.grabImage();
            if (f == null || f.image == null) {
                return seq;
            }
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
            VideoFrame frame = new VideoFrame(stream.id(), seq++, pts, now, BgrImage.copyOf(f));
            stream.frameGrabbed();
            if (!stream.slot().offer(frame)) {
                return seq;
            }
        }
        return seq;
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
