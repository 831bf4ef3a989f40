package dev.interir.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceSpecTest {

    @Test
    void acceptsTheThreeKindsOfSource(@TempDir Path dir) throws Exception {
        Path clip = Files.writeString(dir.resolve("clip.mp4"), "x");
        assertEquals(SourceSpec.Kind.RTSP, SourceSpec.parse("rtsp://127.0.0.1:8554/cam").kind());
        assertTrue(SourceSpec.parse("rtsps://cam.example/x").live());
        SourceSpec file = SourceSpec.parse("file:" + clip);
        assertFalse(file.live());
        assertEquals(clip.toString(), file.ffmpegUrl());
        assertEquals("/dev/video0", SourceSpec.parse("v4l2:/dev/video0").ffmpegUrl());
    }

    @Test
    void refusesOtherProtocolsAndMissingFiles() {
        for (String bad : new String[]{"http://169.254.169.254/", "concat:a.mp4|b.mp4", "subfile:,,start,0,end,0,,:/etc/passwd",
                "/etc/passwd", "", "file:/no/such/file.mp4", "v4l2:/etc/passwd", "rtsp://"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SourceSpec.parse(bad), bad);
            assertFalse(e.getMessage().isBlank());
        }
    }
}
