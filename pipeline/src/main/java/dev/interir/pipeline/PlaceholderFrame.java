package dev.interir.pipeline;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.getTextSize;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/** The frame viewers see while their camera is away: dark, with the stream's status written in the middle. */
public final class PlaceholderFrame {
    private PlaceholderFrame() {
    }

    public static BgrImage render(int width, int height, String text) {
        int w = width > 0 ? width : 640;
        int h = height > 0 ? height : 360;
        try (Mat mat = new Mat(h, w, CV_8UC3, new Scalar(40, 32, 28, 0))) {
            double scale = Math.max(0.4, w / 900.0);
            int[] baseline = new int[1];
            try (Size size = getTextSize(text, FONT_HERSHEY_SIMPLEX, scale, 2, baseline);
                 Point at = new Point((w - size.width()) / 2, (h + size.height()) / 2);
                 Scalar colour = new Scalar(200, 200, 200, 0)) {
                putText(mat, text, at, FONT_HERSHEY_SIMPLEX, scale, colour, 2, LINE_AA, false);
            }
            byte[] bgr = new byte[w * h * 3];
            mat.data().get(bgr);
            return new BgrImage(bgr, w, h);
        }
    }
}
