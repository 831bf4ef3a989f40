package dev.interir.pipeline;

/**
 * Tells when consecutive frames of a sequence no longer show the same scene, so the warm start (which assumes
 * the previous frame's solution is close) must be reset. Compares a coarse luma thumbnail of each frame with the
 * previous one: the mean absolute difference jumps at a cut and stays small under motion and noise.
 */
public final class SceneCutDetector {
    private static final int THUMB = 32;
    private final double threshold;
    private float[] previous;

    /** @param threshold mean absolute luma difference (0..1) above which a frame starts a new scene; 0.12 works */
    public SceneCutDetector(double threshold) {
        this.threshold = threshold;
    }

    /** @return true when {@code img} starts a new scene (the first frame, a size change or a cut) */
    public boolean isCut(BgrImage img) {
        float[] thumb = thumbnail(img);
        boolean cut = previous == null || previous.length != thumb.length || meanAbsDiff(previous, thumb) > threshold;
        previous = thumb;
        return cut;
    }

    public void reset() {
        previous = null;
    }

    private static float[] thumbnail(BgrImage img) {
        float[] t = new float[THUMB * THUMB + 2];
        int[] count = new int[THUMB * THUMB];
        int w = img.width();
        int h = img.height();
        byte[] px = img.bgr();
        // sample a sparse grid: enough for a scene's layout, cheap at any resolution
        int step = Math.max(1, Math.min(w, h) / (THUMB * 4));
        for (int y = 0; y < h; y += step) {
            int ty = y * THUMB / h;
            for (int x = 0; x < w; x += step) {
                int i = (y * w + x) * 3;
                float luma = (0.114f * (px[i] & 0xff) + 0.587f * (px[i + 1] & 0xff) + 0.299f * (px[i + 2] & 0xff)) / 255f;
                int cell = ty * THUMB + x * THUMB / w;
                t[cell] += luma;
                count[cell]++;
            }
        }
        for (int c = 0; c < count.length; c++) {
            t[c] = count[c] == 0 ? 0 : t[c] / count[c];
        }
        t[THUMB * THUMB] = w; // a size change is a cut
        t[THUMB * THUMB + 1] = h;
        return t;
    }

    private static double meanAbsDiff(float[] a, float[] b) {
        if (a[a.length - 2] != b[b.length - 2] || a[a.length - 1] != b[b.length - 1]) {
            return Double.POSITIVE_INFINITY;
        }
        double sum = 0;
        int n = a.length - 2;
        for (int i = 0; i < n; i++) {
            sum += Math.abs(a[i] - b[i]);
        }
        return sum / n;
    }
}
