package dev.interir.pipeline.file;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

import dev.interir.model.RestoredImage;
import dev.interir.model.WarmStartState;
import dev.interir.pipeline.BgrImage;
import dev.interir.pipeline.FfmpegErrors;
import dev.interir.pipeline.FpsMeter;
import dev.interir.pipeline.SceneCutDetector;
import dev.interir.pipeline.SharedRestorer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores one video file, every frame, into a new file beside nothing half-done:
 * <ol>
 *   <li>FFmpeg (JavaCV {@link FFmpegFrameGrabber}) decodes the video frames; each goes through the
 *       {@link SharedRestorer}, warm-started from the previous frame and reset at scene cuts
 *       ({@link SceneCutDetector}). Decoding/encoding of the neighbouring frames overlaps the model's work.</li>
 *   <li>The restored frames are encoded to H.264 (libopenh264, the only H.264 encoder of the bundled LGPL FFmpeg)
 *       into a hidden video-only temporary file in the target folder.</li>
 *   <li>{@link Remuxer} writes the final file: that video with every frame stamped with the input frame's exact
 *       timestamp (variable frame rate kept), and every audio stream of the input copied packet for packet
 *       (not re-encoded). The result is written as {@code .NAME.partial.EXT} and atomically renamed to
 *       {@code NAME.EXT} only when complete.</li>
 * </ol>
 * A stale partial file from a crashed run is deleted and the file restarted. Odd frame sizes: H.264 in 4:2:0
 * cannot represent them, so the picture is padded by one replicated row/column to the next even size.
 */
public final class VideoFileRestorer {
    private static final Logger LOG = LoggerFactory.getLogger(VideoFileRestorer.class);

    static {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    /**
     * Encoder settings.
     *
     * @param bitsPerPixel target video bitrate as bits per pixel per frame, used when {@code bitrate} is 0
     *                     (0.1 gives ~2.3 Mbit/s for 720p25)
     * @param bitrate      target video bitrate in bits per second; 0 derives it from {@code bitsPerPixel}
     * @param maxQp        worst H.264 quantiser the encoder may use (1..51, lower = better quality, bigger
     *                     file); 0 leaves the encoder's default
     * @param gopSeconds   a key frame at least this often (seconds)
     * @param sceneCutThreshold mean luma difference (0..1) that resets the warm start
     * @param maxFramePixels larger frames are refused
     */
    public record Options(double bitsPerPixel, long bitrate, int maxQp, double gopSeconds, double sceneCutThreshold,
                          long maxFramePixels) {
        public static Options defaults() {
            return new Options(0.1, 0, 0, 2, 0.12, 3840L * 2160);
        }

        public Options withBitsPerPixel(double value) {
            return new Options(value, bitrate, maxQp, gopSeconds, sceneCutThreshold, maxFramePixels);
        }

        public Options withBitrate(long value) {
            return new Options(bitsPerPixel, value, maxQp, gopSeconds, sceneCutThreshold, maxFramePixels);
        }

        public Options withMaxQp(int value) {
            return new Options(bitsPerPixel, bitrate, value, gopSeconds, sceneCutThreshold, maxFramePixels);
        }

        public Options withMaxFramePixels(long value) {
            return new Options(bitsPerPixel, bitrate, maxQp, gopSeconds, sceneCutThreshold, value);
        }

        long bitrateFor(int width, int height, double fps) {
            if (bitrate > 0) {
                return bitrate;
            }
            return Math.max(200_000L, Math.round(bitsPerPixel * width * height * fps));
        }
    }

    /**
     * How far a job is.
     *
     * @param framesDone  frames restored and encoded
     * @param framesTotal the container's frame count, or an estimate from duration x frame rate; -1 if unknown
     * @param fps         frames per second over the last few seconds
     * @param etaSeconds  estimated seconds left, -1 if unknown
     */
    public record Progress(long framesDone, long framesTotal, double fps, double etaSeconds) {
        public double fraction() {
            return framesTotal > 0 ? Math.min(1.0, (double) framesDone / framesTotal) : 0;
        }
    }

    /** What a finished job wrote. */
    public record Result(Path output, long frames, int width, int height, int audioStreams, double seconds) {
    }

    @FunctionalInterface
    public interface ProgressListener {
        void progress(Progress p);
    }

    /** A file that cannot be restored (not a video, corrupt, truncated); the message says why, for people. */
    public static final class VideoFileException extends IOException {
        public VideoFileException(String message) {
            super(message);
        }

        public VideoFileException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final SharedRestorer restorer;
    private final Options options;

    public VideoFileRestorer(SharedRestorer restorer, Options options) {
        this.restorer = restorer;
        this.options = options;
    }

    /** The name the restored file of {@code input} gets: the same base name, {@code .mp4}. */
    public static String outputName(Path input) {
        String n = input.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return (dot > 0 ? n.substring(0, dot) : n) + ".mp4";
    }

    /**
     * Restores {@code input} into {@code target} (its folder must exist). Blocks until done.
     *
     * @param cancelled polled once per frame; when true the job stops, its temporary files are removed and a
     *                  {@link CancellationException} is thrown
     * @throws VideoFileException the input is not a restorable video (message says why)
     * @throws IOException        the output cannot be written
     */
    public Result restore(Path input, Path target, ProgressListener listener, BooleanSupplier cancelled)
            throws IOException {
        Path videoTmp = PartialFile.of(target, "video." + PartialFile.PARTIAL);
        Path partial = PartialFile.of(target);
        Files.deleteIfExists(videoTmp); // stale leftovers of a crashed run: start over
        Files.deleteIfExists(partial);
        long t0 = System.nanoTime();
        boolean ok = false;
        try {
            if (!Files.isRegularFile(input)) {
                throw new VideoFileException("no such file: " + input);
            }
            if (Files.size(input) == 0) {
                throw new VideoFileException("empty file (0 bytes)");
            }
            Encoded enc = encodeVideo(input, videoTmp, listener, cancelled);
            int audio = Remuxer.mux(videoTmp, enc.timestamps, enc.count, input, partial);
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("cancelled");
            }
            PartialFile.commit(partial, target);
            ok = true;
            return new Result(target, enc.count, enc.width, enc.height, audio, (System.nanoTime() - t0) / 1e9);
        } finally {
            Files.deleteIfExists(videoTmp);
            if (!ok) {
                Files.deleteIfExists(partial);
            }
        }
    }

    private record Encoded(long[] timestamps, int count, int width, int height) {
    }

    private Encoded encodeVideo(Path input, Path videoTmp, ProgressListener listener, BooleanSupplier cancelled)
            throws IOException {
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(input.toFile());
        try {
            try {
                grabber.start();
            } catch (FFmpegFrameGrabber.Exception e) {
                throw new VideoFileException("not a readable video: " + FfmpegErrors.describe(e), e);
            }
            int w = grabber.getImageWidth();
            int h = grabber.getImageHeight();
            if (grabber.getVideoStream() < 0 || w <= 0 || h <= 0) {
                throw new VideoFileException("no video stream in this file" + (grabber.getAudioChannels() > 0 ? " (audio only)" : ""));
            }
            if ((long) w * h > options.maxFramePixels()) {
                throw new VideoFileException("frame size " + w + "x" + h + " exceeds the limit of " + options.maxFramePixels() + " pixels");
            }
            double fps = grabber.getFrameRate() > 0 && grabber.getFrameRate() < 1000 ? grabber.getFrameRate() : 25;
            long exactFrames = exactFrameCount(grabber);
            long total = exactFrames > 0 ? exactFrames : Math.max(-1, grabber.getLengthInVideoFrames());
            int ew = (w + 1) & ~1;
            int eh = (h + 1) & ~1;
            FFmpegFrameRecorder rec = new FFmpegFrameRecorder(videoTmp.toFile(), ew, eh, 0);
            rec.setFormat("mp4");
            rec.setVideoCodec(AV_CODEC_ID_H264);
            rec.setPixelFormat(AV_PIX_FMT_YUV420P);
            // frames are numbered 0,1,2.. at the nominal rate for the encoder's rate control; the Remuxer puts the
            // input's exact timestamps back, so variable frame rate survives
            rec.setFrameRate(fps);
            rec.setVideoBitrate((int) Math.min(Integer.MAX_VALUE, options.bitrateFor(w, h, fps)));
            rec.setGopSize((int) Math.max(1, Math.round(fps * options.gopSeconds())));
            rec.setVideoOption("allow_skip_frames", "0"); // every frame must be encoded
            if (options.maxQp() > 0) {
                rec.setVideoOption("qmax", Integer.toString(Math.min(51, options.maxQp())));
            }
            try {
                rec.start();
            } catch (FFmpegFrameRecorder.Exception e) {
                throw new IOException("cannot start the H.264 encoder for " + ew + "x" + eh + ": " + FfmpegErrors.describe(e), e);
            }
            long[] ts = new long[(int) Math.min(Math.max(total, 16), 1 << 20)];
            int n = 0;
            try (Frame out = new Frame(ew, eh, Frame.DEPTH_UBYTE, 3)) {
                SceneCutDetector cuts = new SceneCutDetector(options.sceneCutThreshold());
                WarmStartState warm = new WarmStartState();
                // over the last 64 frames or 10 s, whichever is fewer: a steady ETA for fast jobs, a rate at all for slow ones
                FpsMeter rate = new FpsMeter(64, Duration.ofSeconds(10));
                BgrImage current = grabNext(grabber);
                if (current == null) {
                    throw new VideoFileException("the video stream has no decodable frames");
                }
                long currentTs = grabber.getTimestamp();
                if (cuts.isCut(current)) {
                    warm.reset();
                }
                CompletableFuture<RestoredImage> pending = restorer.restore(current.toFloatImage(), warm);
                while (pending != null) {
                    if (cancelled.getAsBoolean()) {
                        pending.cancel(false);
                        join(pending);
                        throw new CancellationException("cancelled");
                    }
                    BgrImage next = grabNext(grabber); // decode the next frame while the model works
                    long nextTs = grabber.getTimestamp();
                    RestoredImage done = join(pending);
                    pending = null;
                    if (next != null) {
                        if (cuts.isCut(next)) {
                            warm.reset(); // safe: the previous frame is finished with the state
                        }
                        pending = restorer.restore(next.toFloatImage(), warm);
                    }
                    write(rec, out, BgrImage.fromFloatImage(done.image()), w, h);
                    if (n == ts.length) {
                        ts = Arrays.copyOf(ts, ts.length * 2);
                    }
                    ts[n++] = currentTs;
                    rate.tick();
                    if (listener != null) {
                        long tot = total > 0 ? Math.max(total, n) : -1;
                        double f = rate.fps();
                        listener.progress(new Progress(n, tot, f, tot > 0 && f > 0 ? (tot - n) / f : -1));
                    }
                    current = next;
                    currentTs = nextTs;
                }
                rec.stop();
            } catch (FFmpegFrameRecorder.Exception e) {
                throw new IOException("H.264 encoding failed: " + FfmpegErrors.describe(e), e);
            } finally {
                rec.release();
            }
            if (exactFrames > 0 && n < exactFrames - Math.max(2, exactFrames / 50)) {
                throw new VideoFileException("the file ends early: decoded " + n + " of the " + exactFrames
                        + " frames its header lists (truncated or corrupt)");
            }
            return new Encoded(ts, n, w, h);
        } finally {
            try {
                grabber.release();
            } catch (FFmpegFrameGrabber.Exception e) {
                LOG.debug("closing {}: {}", input, e.getMessage());
            }
        }
    }

    private static long exactFrameCount(FFmpegFrameGrabber g) {
        AVFormatContext fc = g.getFormatContext();
        if (fc == null || g.getVideoStream() < 0) {
            return -1;
        }
        AVStream st = fc.streams(g.getVideoStream());
        return st == null ? -1 : st.nb_frames();
    }

    private static BgrImage grabNext(FFmpegFrameGrabber g) throws VideoFileException {
        Frame f;
        try {
            f = g.grabImage();
        } catch (FFmpegFrameGrabber.Exception e) {
            throw new VideoFileException("corrupt video data: " + FfmpegErrors.describe(e), e);
        }
        if (f == null || f.image == null) {
            return null;
        }
        return BgrImage.copyOf(f);
    }

    /** Copies the picture into the (even-sized) encoder frame, replicating the last column/row into the padding. */
    private static void write(FFmpegFrameRecorder rec, Frame out, BgrImage img, int w, int h)
            throws FFmpegFrameRecorder.Exception {
        if (img.width() != w || img.height() != h) {
            throw new FFmpegFrameRecorder.Exception("frame size changed mid-file from " + w + "x" + h + " to "
                    + img.width() + "x" + img.height() + " (not supported)");
        }
        img.writeTo(out);
        rec.record(out, AV_PIX_FMT_BGR24);
    }

    private static RestoredImage join(CompletableFuture<RestoredImage> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted");
        } catch (CancellationException e) {
            throw e;
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw new IOException("restoring a frame failed: " + (c.getMessage() != null ? c.getMessage() : c), c);
        }
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
