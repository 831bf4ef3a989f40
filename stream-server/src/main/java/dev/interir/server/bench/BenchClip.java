package dev.interir.server.bench;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

import dev.interir.pipeline.BgrImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/**
 * Prepares the benchmark's input: the clip scaled once to the measured size, re-timed, and encoded as a camera sends
 * it (H.264, one keyframe a second, 2 bits a pixel so the copy keeps the noise and rain of the original). Not a
 * lossless codec: FFV1 RGB costs ~9 ms a frame to decode against ~5 for H.264, so with four 30 fps cameras the
 * decoders alone would take most of a core, which no camera costs.
 */
final class BenchClip {
    private BenchClip() {
    }

    /** @param fps the frame rate the copy plays at (frames are re-timed, none added or dropped) */
    static Path transcode(String file, int width, int height, double fps, Path out) throws Exception {
        try (FFmpegFrameGrabber g = scaledGrabber(file, width, height)) {
            g.start();
            try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(out.toString(), width, height, 0)) {
                r.setFormat("matroska");
                r.setVideoCodec(AV_CODEC_ID_H264);
                r.setPixelFormat(AV_PIX_FMT_YUV420P);
                r.setFrameRate(fps);
                r.setGopSize((int) Math.max(1, Math.round(fps)));
                // 2 bits a pixel: the synthetic noise and rain survive (at 0.5 the encoder smoothed them away)
                r.setVideoBitrate((int) Math.min(50_000_000, width * (long) height * fps * 2));
                r.start();
                Frame f;
                while ((f = g.grabImage()) != null) {
                    r.record(f);
                }
            }
        }
        return out;
    }

    static List<BgrImage> decode(String file, int width, int height) throws Exception {
        List<BgrImage> frames = new ArrayList<>();
        try (FFmpegFrameGrabber g = scaledGrabber(file, width, height)) {
            g.start();
            Frame f;
            while ((f = g.grabImage()) != null) {
                frames.add(BgrImage.copyOf(f));
            }
        }
        return frames;
    }

    private static FFmpegFrameGrabber scaledGrabber(String file, int width, int height) {
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(file);
        g.setImageWidth(width);
        g.setImageHeight(height);
        return g;
    }
}
