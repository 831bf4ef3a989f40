package dev.interir.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HlsLayoutTest {

    @Test
    void namesOnlyThePlaylistAndSegmentsOfTheStreamsFolder(@TempDir Path root) throws Exception {
        HlsLayout hls = new HlsLayout(root);
        assertEquals(root.resolve("cam/index.m3u8"), hls.file("cam", "index.m3u8"));
        assertEquals(root.resolve("cam/seg_00042.ts"), hls.file("cam", "seg_00042.ts"));
        for (String name : new String[]{"../x", "seg_1.ts", "seg_00001.ts.bak", "index.m3u8/", "other.txt", ""}) {
            assertNull(hls.file("cam", name), name);
        }
        // the encoder's segment pattern and the names served agree
        assertEquals(root.resolve("cam/seg_00007.ts"), hls.file("cam", String.format(
                hls.segmentPattern("cam").getFileName().toString(), 7)));
        assertFalse(hls.ready("cam"));
        Files.createDirectories(hls.dir("cam"));
        Files.writeString(hls.playlist("cam"), "#EXTM3U\n");
        assertTrue(hls.ready("cam"));
        assertTrue(HlsLayout.isPlaylist("index.m3u8"));
        assertFalse(HlsLayout.isPlaylist("seg_00001.ts"));
    }
}
