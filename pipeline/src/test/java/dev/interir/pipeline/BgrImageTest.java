package dev.interir.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.interir.model.FloatImage;
import java.nio.ByteBuffer;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;

class BgrImageTest {

    @Test
    void roundTripsThroughPlanarRgbFloats() {
        byte[] bgr = new byte[2 * 3 * 3];
        for (int i = 0; i < bgr.length; i++) {
            bgr[i] = (byte) (i * 37);
        }
        BgrImage img = new BgrImage(bgr, 3, 2);
        FloatImage f = img.toFloatImage();
        // the first pixel's red (third byte of BGR) lands in the red plane
        assertEquals((bgr[2] & 0xff) / 255f, f.chw()[0], 1e-6);
        assertEquals((bgr[0] & 0xff) / 255f, f.chw()[2 * 6], 1e-6);
        assertArrayEquals(bgr, BgrImage.fromFloatImage(f).bgr());
    }

    @Test
    void writesItsRowsIntoAnEvenFrameReplicatingTheLastColumnAndRow() {
        byte[] bgr = new byte[3 * 3 * 3];
        for (int i = 0; i < bgr.length; i++) {
            bgr[i] = (byte) i;
        }
        BgrImage img = new BgrImage(bgr, 3, 3);
        try (Frame f = new Frame(4, 4, Frame.DEPTH_UBYTE, 3)) {
            img.writeTo(f);
            ByteBuffer buf = (ByteBuffer) f.image[0];
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    int src = (Math.min(y, 2) * 3 + Math.min(x, 2)) * 3;
                    for (int c = 0; c < 3; c++) {
                        assertEquals(bgr[src + c], buf.get(y * f.imageStride + x * 3 + c), "pixel " + x + "," + y);
                    }
                }
            }
            assertEquals(0, buf.position(), "the encoder reads the buffer from its start");
        }
        try (Frame small = new Frame(2, 2, Frame.DEPTH_UBYTE, 3)) {
            assertThrows(IllegalArgumentException.class, () -> img.writeTo(small));
        }
    }
}
