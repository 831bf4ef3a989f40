package dev.interir.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The sample clip inside the jar, so `serve` shows a restored stream on a fresh machine with no camera. */
public final class BundledClip {
    public static final String SCHEME = "bundled:";

    private BundledClip() {
    }

    /** Turns {@code bundled:NAME} into a {@code file:} source of the extracted clip; other sources pass through. */
    public static String resolve(String source) {
        if (source == null || !source.startsWith(SCHEME)) {
            return source;
        }
        String name = source.substring(SCHEME.length());
        if (!name.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("bad bundled clip name: " + name);
        }
        try (InputStream in = BundledClip.class.getResourceAsStream("/demo/" + name + ".mp4")) {
            if (in == null) {
                throw new IllegalArgumentException("no bundled clip '" + name + "'");
            }
            Path file = Files.createTempFile("interir-" + name, ".mp4");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return "file:" + file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
