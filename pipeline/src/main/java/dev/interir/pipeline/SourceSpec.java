package dev.interir.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;

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

    /**
     * Turns the path of a {@code file:} source into the file FFmpeg will read, or refuses it with an
     * {@link IllegalArgumentException}. The caller decides which files a source may name.
     */
    @FunctionalInterface
    public interface FilePolicy {
        Path resolve(String path);
    }

    /** Any readable file, a relative path taken from the working directory: for the operator's config and the CLI. */
    public static final FilePolicy ANY_READABLE_FILE = text -> {
        Path path = Path.of(text).toAbsolutePath().normalize();
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new IllegalArgumentException("no readable file at " + path);
        }
        return path;
    };

    /** The source as it may be shown: credentials masked. */
    public String shown() {
        return CredentialMask.mask(original);
    }

    public SourceSpec withPlayback(FilePlayback p) {
        return new SourceSpec(kind, original, ffmpegUrl, p);
    }

    /** Parses a source whose {@code file:} paths may name any readable file (see {@link #ANY_READABLE_FILE}). */
    public static SourceSpec parse(String source) {
        return parse(source, ANY_READABLE_FILE);
    }

    /**
     * Checks and parses {@code source} once; {@code files} decides on the path of a {@code file:} source, and the
     * file it returns is exactly what FFmpeg is given.
     *
     * @throws IllegalArgumentException for anything but a well-formed rtsp://, rtsps://, file: or v4l2: source
     */
    public static SourceSpec parse(String source, FilePolicy files) {
        String s = SourceText.check(source);
        String scheme = scheme(s);
        String rest = scheme == null ? s : s.substring(scheme.length() + 1);
        if ("rtsp".equals(scheme) || "rtsps".equals(scheme)) {
            if (!rest.startsWith("//") || rest.length() == 2 || rest.charAt(2) == '/') {
                throw new IllegalArgumentException("RTSP URL has no host: " + SourceText.shown(s));
            }
            if (s.codePoints().anyMatch(cp -> Character.isWhitespace(cp) || Character.isSpaceChar(cp))) {
                throw new IllegalArgumentException("RTSP URL contains whitespace (encode it as %20)");
            }
            return new SourceSpec(Kind.RTSP, s, s, null);
        }
        if ("file".equals(scheme)) {
            if (rest.isEmpty()) {
                throw new IllegalArgumentException("file: source names no file");
            }
            return new SourceSpec(Kind.FILE, s, files.resolve(rest).toString(), FilePlayback.CAMERA);
        }
        if ("v4l2".equals(scheme)) {
            if (!rest.matches("/dev/video[0-9]{1,3}")) {
                throw new IllegalArgumentException("v4l2 source must name a device like /dev/video0, got " + SourceText.shown(rest));
            }
            return new SourceSpec(Kind.V4L2, s, rest, null);
        }
        throw new IllegalArgumentException("unsupported source '" + SourceText.shown(s)
                + "': use rtsp://, rtsps://, file:PATH or v4l2:/dev/videoN");
    }

    /**
     * The scheme before the first ':' in ASCII lower case, or null when there is none. Only ASCII letters and digits
     * count: case folding of other characters (dotless i, long s, Kelvin sign) would make look-alikes match.
     */
    private static String scheme(String s) {
        int colon = s.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        StringBuilder b = new StringBuilder(colon);
        for (int i = 0; i < colon; i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                b.append((char) (c + ('a' - 'A')));
            } else if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
                b.append(c);
            } else {
                return null;
            }
        }
        return b.toString();
    }
}
