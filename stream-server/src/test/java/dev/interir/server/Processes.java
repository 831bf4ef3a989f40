package dev.interir.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The command-line tools the tests make and check their media with (ffmpeg, ffprobe). */
public final class Processes {
    private Processes() {
    }

    /** Runs a command to its end; its output, or an AssertionError with the output when it fails. */
    public static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    /** {@code ffmpeg -v error -y ARGS}: makes a test clip. */
    public static void ffmpeg(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-v", "error", "-y"));
        cmd.addAll(List.of(args));
        run(cmd.toArray(String[]::new));
    }

    /** One value ffprobe reports: the options before the last, then the last as {@code -show_entries}. */
    public static String probe(Path f, String... what) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ffprobe", "-v", "error"));
        for (int i = 0; i < what.length - 1; i++) {
            cmd.add(what[i]);
        }
        cmd.addAll(List.of("-show_entries", what[what.length - 1], "-of", "default=nw=1:nk=1", f.toString()));
        return run(cmd.toArray(String[]::new)).strip();
    }
}
