package dev.interir.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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

    /**
     * Strings that look like an allowed source to a person, or to a check that trims or folds case, but are not
     * well formed: each is refused outright, never cleaned up into a different source.
     */
    @ParameterizedTest
    @MethodSource("hostileSources")
    void refusesPaddedInvisibleLookAlikeAndOverlongSources(String source, @TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SourceSpec.parse(source, path -> dir.resolve("clip.mp4")), source);
        assertFalse(e.getMessage().isBlank());
        assertTrue(e.getMessage().length() < 400, "an error repeats at most the start of a long source");
    }

    static Stream<String> hostileSources() {
        return Stream.of(" file:clip.mp4", "\tfile:clip.mp4", "\nfile:/etc/passwd", "\u0001file:clip.mp4", "file:clip.mp4 ",
                "file:clip.mp4\n", "\u00a0file:clip.mp4", "\u200bfile:clip.mp4", "\ufefffile:clip.mp4", "\u2028file:clip.mp4",
                "\u202efile:clip.mp4", "file:clip.mp4\u0000", "file:cl\u0085ip.mp4", "\u3000rtsp://cam/x", "rtsp://cam/x\r",
                "rtsp://cam/a b", "rtsp://\u0000cam/x", "f\u0131le:clip.mp4", "\uff46\uff49\uff4c\uff45:clip.mp4",
                "rt\u017fp://cam/x", "file\uff1aclip.mp4", "%66ile:clip.mp4", "file%3Aclip.mp4", "\ud800file:clip.mp4",
                "rtsp://cam/" + "a".repeat(SourceText.MAX_LENGTH), "rtsp://" + "a".repeat(60_000), "file:", "rtsp:cam/x");
    }

    @Test
    void theFilePolicyDecidesWhatFfmpegGetsAndSchemesAreCaseInsensitive(@TempDir Path dir) {
        Path chosen = dir.resolve("chosen.mp4");
        SourceSpec s = SourceSpec.parse("FILE:whatever/it/says.mp4", path -> {
            assertEquals("whatever/it/says.mp4", path, "the policy sees the path exactly as written");
            return chosen;
        });
        assertEquals(SourceSpec.Kind.FILE, s.kind());
        assertEquals(chosen.toString(), s.ffmpegUrl());
        assertEquals(SourceSpec.Kind.RTSP, SourceSpec.parse("RTSP://cam/x").kind());
        assertEquals(2048, SourceSpec.parse("rtsp://cam/" + "a".repeat(2048 - 11)).original().length());
    }
}
