package dev.interir.pipeline.file;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The hidden file an output is written to before it is complete: {@code .NAME.KIND.EXT} beside {@code NAME.EXT},
 * renamed onto the target only once whole, so a reader never sees half a file and a crashed run leaves files that
 * are recognisably unfinished.
 */
public final class PartialFile {
    /** The kind of the file that becomes the target. */
    public static final String PARTIAL = "partial";
    private static final String MARK = "." + PARTIAL + ".";

    private PartialFile() {
    }

    /** @param kind {@link #PARTIAL}, or a longer name ending in it for intermediate files (e.g. video.partial) */
    public static Path of(Path target, String kind) {
        String n = target.getFileName().toString();
        int dot = n.lastIndexOf('.');
        String base = dot > 0 ? n.substring(0, dot) : n;
        String ext = dot > 0 ? n.substring(dot + 1) : "mp4";
        return target.resolveSibling("." + base + "." + kind + "." + ext);
    }

    public static Path of(Path target) {
        return of(target, PARTIAL);
    }

    /** Whether a file name is one of these unfinished files. */
    public static boolean isPartial(Path file) {
        return file.getFileName().toString().contains(MARK);
    }

    /** Renames the finished partial file onto its target, atomically where the file system allows. */
    public static void commit(Path partial, Path target) throws IOException {
        try {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
