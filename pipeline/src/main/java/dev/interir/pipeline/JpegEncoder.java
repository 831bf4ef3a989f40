package dev.interir.pipeline;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;

/** JPEG encoding with OpenCV's libjpeg-turbo (several times faster than ImageIO at these sizes). */
public final class JpegEncoder {
    private final int quality;

    public JpegEncoder(int quality) {
        this.quality = Math.max(1, Math.min(100, quality));
        // loading OpenCV's native libraries takes a second or two: pay it now, not on a first viewer's first frame
        encode(new BgrImage(new byte[8 * 8 * 3], 8, 8));
    }

    public byte[] encode(BgrImage img) {
        try (Mat mat = new Mat(img.height(), img.width(), CV_8UC3);
             BytePointer out = new BytePointer();
             IntPointer params = new IntPointer(IMWRITE_JPEG_QUALITY, quality)) {
            mat.data().put(img.bgr());
            if (!imencode(".jpg", mat, out, params)) {
                throw new IllegalStateException("JPEG encoding failed");
            }
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        }
    }
}
