package dev.interir.pipeline;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a stream's restored frames as HLS (H.264, ~1 s segments, sliding window) into its own folder, on its
 * own thread. It keeps only the newest frame waiting: a slow encoder skips frames rather than delay the stream.
 * Frames are stamped by their grab time on a {@code timelineFps} grid, so the playlist keeps real time even when
 * frames are skipped. The encoder runs only while someone asks for the stream's HLS ({@code wanted}); when they
 * stop, the recorder is closed and the folder emptied, so a later player gets a fresh live playlist, not an old one.
 */
public final class HlsSink implements FrameSink, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(HlsSink.class);

    private final String streamId;
    private final HlsLayout layout;
    private final Path dir;
    private final double timelineFps;
    private final int segmentSeconds;
    private final int listSize;
    private final Thread thread;
    private final BooleanSupplier wanted;
    private final StageClock clock;
    private RestoredFrame pending;
    private boolean closed;

    private FFmpegFrameRecorder recorder;
    private Frame frame;
    private long firstGrabNanos;
    private long lastFrameIndex = -1;
    private long probeStartNanos = -1;
    private int probeFrames;

    /**
     * @param wanted whether anyone consumes the HLS output now
     * @param clock  where the encoding time is recorded
     */
    public HlsSink(String streamId, HlsLayout layout, double timelineFps, int segmentSeconds, int listSize,
                   BooleanSupplier wanted, StageClock clock) {
        this.streamId = streamId;
        this.layout = layout;
        this.wanted = wanted;
        this.clock = clock;
        this.dir = layout.dir(streamId);
        this.timelineFps = timelineFps > 0 ? timelineFps : 25;
        this.segmentSeconds = Math.max(1, segmentSeconds);
        this.listSize = Math.max(2, listSize);
        this.thread = new Thread(this, "hls-" + streamId);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    @Override
    public void accept(RestoredFrame f) {
        if (!wanted.getAsBoolean()) {
            return;
        }
        synchronized (this) {
            pending = f;
            notifyAll();
        }
    }

    private synchronized RestoredFrame next() throws InterruptedException {
        while (pending == null && !closed) {
            wait(1000);
            if (pending == null && recorder != null && !wanted.getAsBoolean()) {
                LOG.info("stream {}: nobody asks for HLS, encoder stopped", streamId);
                stopRecorder();
                deleteDir();
            }
        }
        RestoredFrame f = pending;
        pending = null;
        return f;
    }

    @Override
    public void run() {
        try {
            deleteDir();
            Files.createDirectories(dir);
            RestoredFrame f;
            while ((f = next()) != null) {
                try {
                    write(f);
                } catch (Exception e) {
                    LOG.warn("stream {}: HLS encoding failed ({}); restarting the recorder", streamId, e.getMessage());
                    stopRecorder();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.error("stream {}: cannot prepare HLS folder {}", streamId, dir, e);
        } finally {
            // closing the muxer ends the playlist (#EXT-X-ENDLIST), so players stop cleanly; the folder is cleaned
            // when a stream of the same id starts again
            stopRecorder();
        }
    }

    private void write(RestoredFrame f) throws Exception {
        BgrImage img = f.restored();
        if (recorder != null && (recorder.getImageWidth() != img.width() || recorder.getImageHeight() != img.height())) {
            stopRecorder();
        }
        if (recorder == null) {
            // H.264 keyframes come every N frames, not every N seconds: measure the rate frames actually arrive
            // at (restoration may be slower than the camera) so that segments last segmentSeconds
            long t = f.original().grabNanos();
            if (probeStartNanos < 0) {
                probeStartNanos = t;
                probeFrames = 0;
            }
            probeFrames++;
            long elapsed = t - probeStartNanos;
            if (elapsed < 1_000_000_000L || probeFrames < 3) {
                return;
            }
            double arrivalFps = (probeFrames - 1) * 1e9 / elapsed;
            startRecorder(img.width(), img.height(), t, arrivalFps);
            probeStartNanos = -1;
        }
        long index = Math.round((f.original().grabNanos() - firstGrabNanos) / 1e9 * timelineFps);
        if (index <= lastFrameIndex) {
            return; // two frames in one frame interval: the encoder needs strictly increasing timestamps
        }
        long t0 = System.nanoTime();
        lastFrameIndex = index;
        img.writeTo(frame);
        recorder.setFrameNumber((int) index);
        recorder.record(frame, AV_PIX_FMT_BGR24);
        clock.record(StageClock.Stage.H264, System.nanoTime() - t0);
    }

    private void startRecorder(int width, int height, long grabNanos, double arrivalFps) throws Exception {
        Files.createDirectories(dir); // emptied and removed when the encoder last went idle
        FFmpegFrameRecorder r = new FFmpegFrameRecorder(layout.playlist(streamId).toString(), width, height, 0);
        r.setFormat("hls");
        r.setVideoCodec(AV_CODEC_ID_H264);
        r.setPixelFormat(AV_PIX_FMT_YUV420P);
        r.setFrameRate(timelineFps);
        // a segment can't be shorter than a GOP
        r.setGopSize((int) Math.max(1, Math.round(Math.min(timelineFps, arrivalFps) * segmentSeconds)));
        r.setVideoBitrate(Math.max(400_000, width * height * 4));
        r.setOption("hls_time", Integer.toString(segmentSeconds));
        r.setOption("hls_list_size", Integer.toString(listSize));
        // temp_file: a segment (and the playlist) is written under a .tmp name and renamed when complete, so a
        // player never reads a half-written segment
        r.setOption("hls_flags", "delete_segments+independent_segments+temp_file");
        r.setOption("hls_segment_filename", layout.segmentPattern(streamId).toString());
        r.start();
        recorder = r;
        frame = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
        firstGrabNanos = grabNanos;
        lastFrameIndex = -1;
        LOG.info("stream {}: HLS {}x{}, frames arriving at {} fps, into {}", streamId, width, height,
                String.format("%.2f", arrivalFps), dir);
    }

    private void stopRecorder() {
        if (recorder != null) {
            try {
                recorder.close();
            } catch (Exception e) {
                LOG.debug("stream {}: closing HLS recorder: {}", streamId, e.getMessage());
            }
            recorder = null;
        }
        if (frame != null) {
            frame.close();
            frame = null;
        }
    }

    private void deleteDir() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debug("stream {}: cleaning {}: {}", streamId, dir, e.getMessage());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
