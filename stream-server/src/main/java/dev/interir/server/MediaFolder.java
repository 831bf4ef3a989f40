package dev.interir.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The configured folder (media.dir) that clients may name files in, for jobs and for {@code file:} streams. Only
 * relative paths that stay inside it are accepted: no absolute paths, no {@code ..}, no links leading out.
 */
final class MediaFolder {
    private final Path root;

    MediaFolder(Path dir) {
        try {
            this.root = dir.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("media folder " + dir + " is not readable: " + e.getMessage(), e);
        }
    }

    /** @return null when no media folder is configured */
    static MediaFolder of(String dir) {
        return dir == null || dir.isBlank() ? null : new MediaFolder(Path.of(dir));
    }

    /**
     * The file {@code relative} names inside the folder, or null if there is none.
     *
     * @throws IllegalArgumentException for a path that tries to leave the folder
     */
    Path resolve(String relative) {
        if (relative.isBlank() || relative.indexOf('\0') >= 0 || relative.startsWith("/") || relative.startsWith("\\")
                || relative.matches("^[A-Za-z]:.*")) {
            throw new IllegalArgumentException("the path must be relative to the media folder");
        }
        for (String part : relative.split("[/\\\\]")) {
            if (part.equals("..")) {
                throw new IllegalArgumentException("the path must not contain '..'");
            }
        }
        Path p = root.resolve(relative).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("the path must be relative to the media folder");
        }
        if (!Files.isRegularFile(p)) {
            return null;
        }
        try {
            if (!p.toRealPath().startsWith(root)) { // a link leading out
                throw new IllegalArgumentException("the path leads outside the media folder");
            }
        } catch (IOException e) {
            return null;
        }
        return p;
    }
}
