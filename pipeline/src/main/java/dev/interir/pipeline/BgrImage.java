package dev.interir.pipeline;

import dev.interir.model.FloatImage;
import java.nio.ByteBuffer;
import org.bytedeco.javacv.Frame;

/** A frame as FFmpeg and OpenCV hand it over: 8-bit BGR, interleaved, no row padding. */
public record BgrImage(byte[] bgr, int width, int height) {

    /** Copies a decoded BGR24 frame out of FFmpeg's buffer (which the grabber reuses), dropping row padding. */
    public static BgrImage copyOf(Frame f) {
        int w = f.imageWidth;
        int h = f.imageHeight;
        ByteBuffer buf = (ByteBuffer) f.image[0];
        byte[] out = new byte[w * h * 3];
        int stride = f.imageStride;
        if (stride == w * 3) {
            buf.position(0);
            buf.get(out, 0, out.length);
        } else {
            for (int y = 0; y < h; y++) {
                buf.position(y * stride);
                buf.get(out, y * w * 3, w * 3);
            }
        }
        buf.position(0);
        return new BgrImage(out, w, h);
    }

    /**
     * Copies the picture into an 8-bit BGR frame for an FFmpeg encoder, row by row (the frame's rows may be padded).
     * A frame larger than the picture (H.264 4:2:0 needs even sizes) gets the last column and row replicated into
     * the extra pixels.
     */
    public void writeTo(Frame f) {
        if (f.imageWidth < width || f.imageHeight < height) {
            throw new IllegalArgumentException("a " + f.imageWidth + "x" + f.imageHeight + " frame cannot hold " + width
                    + "x" + height);
        }
        ByteBuffer buf = (ByteBuffer) f.image[0];
        int row = width * 3;
        for (int y = 0; y < f.imageHeight; y++) {
            int sy = Math.min(y, height - 1);
            buf.position(y * f.imageStride);
            buf.put(bgr, sy * row, row);
            for (int x = width; x < f.imageWidth; x++) {
                buf.put(bgr, sy * row + row - 3, 3);
            }
        }
        buf.position(0);
    }

    public FloatImage toFloatImage() {
        int plane = width * height;
        float[] chw = new float[3 * plane];
        final float inv = 1f / 255f;
        for (int p = 0, i = 0; p < plane; p++, i += 3) {
            chw[p] = (bgr[i + 2] & 0xff) * inv;
            chw[plane + p] = (bgr[i + 1] & 0xff) * inv;
            chw[2 * plane + p] = (bgr[i] & 0xff) * inv;
        }
        return new FloatImage(chw, width, height);
    }

    public static BgrImage fromFloatImage(FloatImage img) {
        int plane = img.width() * img.height();
        float[] chw = img.chw();
        byte[] bgr = new byte[3 * plane];
        for (int p = 0, i = 0; p < plane; p++, i += 3) {
            bgr[i + 2] = toByte(chw[p]);
            bgr[i + 1] = toByte(chw[plane + p]);
            bgr[i] = toByte(chw[2 * plane + p]);
        }
        return new BgrImage(bgr, img.width(), img.height());
    }

    private static byte toByte(float v) {
        // clamp first, then round half up with a cast: Math.round's special cases cost a third of this loop
        if (!(v > 0f)) {
            return 0;
        }
        return v >= 1f ? (byte) 255 : (byte) (int) (v * 255f + 0.5f);
    }
}
