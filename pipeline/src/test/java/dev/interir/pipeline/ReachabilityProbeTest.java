package dev.interir.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReachabilityProbeTest {

    @Test
    void theCheckKnocksOnTheCamerasOwnPort() {
        assertEquals("cam.local:8554", text(ReachabilityProbe.rtspAddress("rtsp://admin:pw@cam.local:8554/stream?x=1")));
        assertEquals("10.0.0.7:554", text(ReachabilityProbe.rtspAddress("rtsp://10.0.0.7/live")));
        assertEquals("cam:322", text(ReachabilityProbe.rtspAddress("rtsps://cam/live")));
        assertNull(ReachabilityProbe.rtspAddress("rtsp://bad host/x"));
    }

    @Test
    void aCameraAnswersWhileItsPortIsOpenAndNotOnceItIsClosed() throws Exception {
        BooleanSupplier probe;
        try (ServerSocket camera = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            probe = ReachabilityProbe.forSource(SourceSpec.parse("rtsp://127.0.0.1:" + camera.getLocalPort() + "/live"));
            assertNotNull(probe);
            assertTrue(probe.getAsBoolean());
        }
        assertFalse(probe.getAsBoolean(), "the port is closed now");
    }

    @Test
    void aFileHasNoCheck(@TempDir Path dir) throws Exception {
        Path clip = java.nio.file.Files.createFile(dir.resolve("clip.mp4"));
        assertNull(ReachabilityProbe.forSource(SourceSpec.parse("file:" + clip)));
    }

    private static String text(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }
}
