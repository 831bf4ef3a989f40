package dev.interir.server.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The configured folder (media.dir) that clients may name files in, for jobs and for {@code file:} streams. Only
 * relative paths that stay inside it are accepted: no absolute paths, no {@code ..}, no links leading out.
 */
public final class MediaFolder {
    /** Longest relative path accepted (Linux allows 4096 bytes for a whole path). */
    static final int MAX_PATH_LENGTH = 1024;
    private static final String LEADS_OUT = "the path leads outside the media folder";

    private final Path root;

    public MediaFolder(Path dir) {
        try {
            this.root = dir.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("media folder " + dir + " is not readable: " + e.getMessage(), e);
        }
    }

    /** @return null when no media folder is configured */
    public static MediaFolder of(String dir) {
        return dir == null || dir.isBlank() ? null : new MediaFolder(Path.of(dir));
    }

    /**
     * The file {@code relative} names inside the folder, or null if there is none. Whether a path outside the
     * folder exists never changes the answer: every way out is refused before or without looking at its target.
     *
     * @throws IllegalArgumentException for a path that tries to leave the folder, or one too long to be a name
     */
    public Path resolve(String relative) {
        if (relative.length() > MAX_PATH_LENGTH) {
            throw new IllegalArgumentException("the path is longer than " + MAX_PATH_LENGTH + " characters");
        }
        if (relative.isBlank() || relative.indexOf('\0') >= 0 || relative.startsWith("/") || relative.startsWith("\\")
                || relative.matches("^[A-Za-z]:.*")) {
            throw new IllegalArgumentException("the path must be relative to the media folder");
        }
        for (String part : relative.split("[/\\\\]")) {
            if (part.equals("..")) {
                throw new IllegalArgumentException("the path must not contain '..'");
            }
        }
        Path p;
        try {
            p = root.resolve(relative).normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("the path is not a valid file name");
        }
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("the path must be relative to the media folder");
        }
        if (linksOut(p)) {
            throw new IllegalArgumentException(LEADS_OUT);
        }
        if (!Files.isRegularFile(p)) {
            return null;
        }
        try {
            if (!p.toRealPath().startsWith(root)) { // a chain of links leading out
                throw new IllegalArgumentException(LEADS_OUT);
            }
        } catch (IOException e) {
            return null;
        }
        return p;
    }

    /**
     * Whether a link on the way from the folder to {@code p} points outside it, judged on the link's own text, so
     * that a link to a missing outside file is refused the same way as a link to an existing one.
     */
    private boolean linksOut(Path p) {
        Path at = root;
        for (Path part : root.relativize(p)) {
            at = at.resolve(part);
            if (!Files.isSymbolicLink(at)) {
                continue;
            }
            try {
                Path target = at.getParent().resolve(Files.readSymbolicLink(at)).normalize();
                if (!target.startsWith(root)) {
                    return true;
                }
            } catch (IOException e) {
                return true;
            }
        }
        return false;
    }
}
