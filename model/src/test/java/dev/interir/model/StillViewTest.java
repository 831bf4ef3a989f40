package dev.interir.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundled network restores a still view with fresh noise in every frame better and better as its history grows,
 * through DJL and the tiling as the service runs it.
 */
class StillViewTest {
    private static final Logger LOG = LoggerFactory.getLogger(StillViewTest.class);
    private static final int SIZE = 128;
    private static final float SIGMA = 25f / 255f;

    @Test
    void aStillNoisyViewGetsCleanerFrameByFrame() {
        try (DjlRestorer restorer = DjlRestorer.loadBundled("live", Device.cpu())) {
            assertTrue(restorer.info().temporal());
            FloatImage clean = scene();
            FrameRestorer frames = new FrameRestorer(restorer);
            WarmStartState sequence = new WarmStartState();
            Random noise = new Random(7);
            double first = 0;
            double last = 0;
            double input = 0;
            for (int i = 0; i < 8; i++) {
                FloatImage noisy = noisy(clean, noise);
                RestoredImage r = frames.restore(noisy, sequence);
                double p = psnr(r.image(), clean);
                if (i == 0) {
                    first = p;
                    input = psnr(noisy, clean);
                }
                last = p;
            }
            LOG.info("input {} dB, first frame {} dB, eighth frame {} dB", fmt(input), fmt(first), fmt(last));
            assertTrue(first > input + 3, "the first frame " + fmt(first) + " dB, input " + fmt(input));
            assertTrue(last > first + 1, "the eighth frame " + fmt(last) + " dB, the first " + fmt(first));
        }
    }

    /** Smooth gradients and a few hard edges: something to keep and something to smooth. */
    private static FloatImage scene() {
        FloatImage img = FloatImage.blank(2 * SIZE, SIZE);
        float[] chw = img.chw();
        int plane = 2 * SIZE * SIZE;
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < 2 * SIZE; x++) {
                float base = 0.25f + 0.5f * x / (2f * SIZE);
                float square = ((x / 32) + (y / 32)) % 2 == 0 ? 0.15f : 0f;
                for (int c = 0; c < 3; c++) {
                    chw[c * plane + y * 2 * SIZE + x] = base + square + 0.05f * c;
                }
            }
        }
        return img;
    }

    /** The clean image with Gaussian noise, rounded to 8 bits as a camera delivers it. */
    private static FloatImage noisy(FloatImage clean, Random rnd) {
        FloatImage out = FloatImage.blank(clean.width(), clean.height());
        float[] src = clean.chw();
        float[] dst = out.chw();
        for (int i = 0; i < src.length; i++) {
            float v = src[i] + SIGMA * (float) rnd.nextGaussian();
            dst[i] = Math.round(Math.min(1f, Math.max(0f, v)) * 255f) / 255f;
        }
        return out;
    }

    private static double psnr(FloatImage a, FloatImage b) {
        double se = 0;
        float[] x = a.chw();
        float[] y = b.chw();
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - y[i];
            se += d * d;
        }
        return 10 * Math.log10(x.length / se);
    }

    private static String fmt(double db) {
        return String.format(Locale.ROOT, "%.2f", db);
    }
}
