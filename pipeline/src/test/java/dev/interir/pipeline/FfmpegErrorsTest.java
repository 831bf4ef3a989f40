package dev.interir.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FfmpegErrorsTest {

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
