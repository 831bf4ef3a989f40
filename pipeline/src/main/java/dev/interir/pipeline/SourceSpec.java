package dev.interir.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A parsed source string: {@code rtsp://…}, {@code rtsps://…}, {@code file:PATH} or {@code v4l2:/dev/videoN}.
 * Anything else is refused here, before FFmpeg (whose other protocols could read arbitrary resources) sees it.
 */
public record SourceSpec(Kind kind, String original, String ffmpegUrl, FilePlayback playback) {

    public enum Kind { RTSP, FILE, V4L2 }

    /** How a file source plays. */
    public enum FilePlayback {
        /** In real time and looping, losing nothing: the file stands in for a camera. */
        CAMERA,
        /** In real time and looping, but dropping what the restore stage can't take, like a live camera. */
        BENCHMARK
    }

    /** Live sources drop old frames to stay current; a camera-like file waits instead, so nothing is lost. */
    public boolean live() {
        return kind != Kind.FILE || playback == FilePlayback.BENCHMARK;
    }

    /** Whether frames are released at the source's own frame rate rather than as fast as they decode. */
    public boolean paced() {
        return kind == Kind.FILE;
    }

    /** Camera URLs often carry a password: logs, errors and the API show {@code rtsp://***@host/...} instead. */
    public static String maskCredentials(String text) {
        return text == null ? null : text.replaceAll("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\\s\"]*@", "$1***@");
    }

    /** The source as it may be shown: credentials masked. */
    public String shown() {
        return maskCredentials(original);
    }

    public SourceSpec withPlayback(FilePlayback p) {
        return new SourceSpec(kind, original, ffmpegUrl, p);
    }

    public static SourceSpec parse(String source) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("source is empty");
        }
        String s = source.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.startsWith("rtsp://") || lower.startsWith("rtsps://")) {
            if (s.length() <= lower.indexOf("//") + 2) {
                throw new IllegalArgumentException("RTSP URL has no host: " + s);
            }
            return new SourceSpec(Kind.RTSP, s, s, null);
        }
        if (lower.startsWith("file:")) {
            Path path = Path.of(s.substring("file:".length())).toAbsolutePath().normalize();
            if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                throw new IllegalArgumentException("no readable file at " + path);
            }
            return new SourceSpec(Kind.FILE, s, path.toString(), FilePlayback.CAMERA);
        }
        if (lower.startsWith("v4l2:")) {
            String dev = s.substring("v4l2:".length());
            if (!dev.matches("/dev/video[0-9]{1,3}")) {
                throw new IllegalArgumentException("v4l2 source must name a device like /dev/video0, got " + dev);
            }
            return new SourceSpec(Kind.V4L2, s, dev, null);
        }
        throw new IllegalArgumentException("unsupported source '" + s + "': use rtsp://, rtsps://, file:PATH or v4l2:/dev/videoN");
    }
}
