package dev.interir.server.cli;

import static dev.interir.server.Processes.ffmpeg;
import static dev.interir.server.Processes.probe;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `restore` on a folder with a good and a broken video: the good one is restored, the run says one failed. */
class RestoreCommandIT {

    @Test
    void restoresTheGoodFilesAndFailsForTheBrokenOne(@TempDir Path tmp) throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=128x96:rate=10", "-f", "lavfi", "-i", "sine", "-t", "1",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", in.resolve("a.mp4").toString());
        ffmpeg("-f", "lavfi", "-i", "sine", "-t", "1", "-c:a", "aac", in.resolve("b-audio-only.mp4").toString());
        Path out = tmp.resolve("out");
        int code = new CommandLine(new Main()).execute("restore", in.toString(), "--out", out.toString(),
                "--progress", "lines", "--bitrate", "300k");
        assertEquals(1, code, "one file failed");
        assertEquals("10", probe(out.resolve("a.mp4"), "-count_frames", "-select_streams", "v", "stream=nb_read_frames"));
        try (var s = Files.list(out)) {
            assertEquals(List.of(out.resolve("a.mp4")), s.toList(), "nothing else, no partial files");
        }
    }
}
