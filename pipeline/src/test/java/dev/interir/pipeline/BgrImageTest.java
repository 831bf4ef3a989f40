package dev.interir.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.interir.model.FloatImage;
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
}
