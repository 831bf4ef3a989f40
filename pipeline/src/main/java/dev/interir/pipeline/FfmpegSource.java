package dev.interir.pipeline;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

/**
 * An RTSP camera, a V4L2 device or a file, decoded by FFmpeg through JavaCV. Each {@link #open()} starts a fresh
 * grabber with the options that keep a vanished camera from blocking and a camera's open short; what to do when
 * it fails is {@link SourceLoop}'s.
 */
final class FfmpegSource implements FrameSource {
    /** FFmpeg socket and I/O timeouts (microseconds): without them a vanished camera blocks grab() forever. */
    private static final String IO_TIMEOUT_MICROS = "5000000";
    private static final String ANALYZE_MICROS = "500000";
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    static {
        // FFmpeg prints every stream's headers to stderr by default; our own log says what matters
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    private final SourceSpec spec;
    private final StageClock clock;
    private FFmpegFrameGrabber grabber;

    /** @param clock where the decoding time is recorded */
    FfmpegSource(SourceSpec spec, StageClock clock) {
        this.spec = spec;
        this.clock = clock;
    }

    @Override
    public Format open() throws Exception {
        close();
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
        grabber = g;
        int w = g.getImageWidth();
        int h = g.getImageHeight();
        if (g.getVideoStream() < 0 || w <= 0 || h <= 0) {
            throw new SourceException("the source has no video stream", true);
        }
        double fps = g.getFrameRate() > 0 && g.getFrameRate() < 241 ? g.getFrameRate() : 25;
        return new Format(w, h, fps);
    }

    @Override
    public Grabbed grab() throws Exception {
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        Frame f = grabber.grabImage();
        if (f == null || f.image == null) {
            return null;
        }
        BgrImage image = BgrImage.copyOf(f);
        clock.record(StageClock.Stage.DECODE, THREADS.getCurrentThreadCpuTime() - cpu0);
        return new Grabbed(image, grabber.getTimestamp());
    }

    @Override
    public void close() throws Exception {
        FFmpegFrameGrabber g = grabber;
        grabber = null;
        if (g != null) {
            g.close();
        }
    }
}
