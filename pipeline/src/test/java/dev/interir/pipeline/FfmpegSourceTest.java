package dev.interir.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FfmpegSourceTest {

    @Test
    void backoffStartsUnderASecondIsCappedAndJittered() {
        for (int i = 0; i < 50; i++) {
            assertTrue(FfmpegSource.backoffMillis(1) <= 600);
            assertTrue(FfmpegSource.backoffMillis(20) <= 6000);
            assertTrue(FfmpegSource.backoffMillis(20) >= 4000);
        }
        long distinct = java.util.stream.IntStream.range(0, 20).mapToLong(i -> FfmpegSource.backoffMillis(3)).distinct().count();
        assertTrue(distinct > 1, "retries of many cameras must not fall in step");
    }

    @Test
    void theReachabilityCheckKnocksOnTheCamerasOwnPort() {
        assertEquals("cam.local:8554", text(FfmpegSource.rtspAddress("rtsp://admin:pw@cam.local:8554/stream?x=1")));
        assertEquals("10.0.0.7:554", text(FfmpegSource.rtspAddress("rtsp://10.0.0.7/live")));
        assertEquals("cam:322", text(FfmpegSource.rtspAddress("rtsps://cam/live")));
        assertEquals(null, FfmpegSource.rtspAddress("rtsp://bad host/x"));
    }

    private static String text(java.net.InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    @Test
    void ffmpegErrorsAreSpelledOut() {
        String m = FfmpegErrors.describe(new Exception("avformat_open_input() error -111: Could not open input \"rtsp://x\". "
                + "(Has setFormat() been called?) (For more details, make sure FFmpegLogCallback.set() has been called.)"));
        assertEquals("connection refused: avformat_open_input() error -111: Could not open input \"rtsp://x\".", m);
        String secret = FfmpegErrors.describe(new Exception("error -111: Could not open input \"rtsp://admin:hunter2@cam/x\""));
        assertEquals(false, secret.contains("hunter2"), secret);
        assertEquals("rtsp://***@cam/x", SourceSpec.parse("rtsp://admin:hunter2@cam/x").shown());
    }
}
