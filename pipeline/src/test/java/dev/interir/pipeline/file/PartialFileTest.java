package dev.interir.pipeline.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartialFileTest {

    @Test
    void hiddenBesideItsTargetRecognisableAndRenamedWhenDone(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("clip.mp4");
        assertEquals(dir.resolve(".clip.partial.mp4"), PartialFile.of(target));
        assertEquals(dir.resolve(".clip.video.partial.mp4"), PartialFile.of(target, "video." + PartialFile.PARTIAL));
        assertEquals(dir.resolve(".photo.partial.png"), PartialFile.of(dir.resolve("photo.png")));
        assertTrue(PartialFile.isPartial(PartialFile.of(target)));
        assertTrue(PartialFile.isPartial(PartialFile.of(target, "video." + PartialFile.PARTIAL)));
        assertFalse(PartialFile.isPartial(target));
        assertFalse(PartialFile.isPartial(dir.resolve("partial.mp4")));

        Files.writeString(PartialFile.of(target), "whole");
        PartialFile.commit(PartialFile.of(target), target);
        assertEquals("whole", Files.readString(target));
        assertFalse(Files.exists(PartialFile.of(target)));
    }
}
