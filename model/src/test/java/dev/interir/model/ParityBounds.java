package dev.interir.model;

import java.util.Locale;

/**
 * How far the Java side's output may lie from PyTorch's fixture and still count as the same network.
 *
 * <p>Each output is measured in units of its own scale, the RMS of the reference tensor (images, states,
 * residual norms and routing weights have different ranges, and a re-exported network may change the state's),
 * with three statistics of |actual - reference|: its maximum, its mean and its RMS.
 *
 * <p>Why these bounds:
 * <ul>
 *   <li>Rounding alone is far below them. The float32 forward pass agrees with the same network in float64
 *   to ~3e-7 on the image and ~1e-5 on the state (max), and relative input perturbations of 1e-6 move the
 *   image by ~2e-6 at most: the network is well conditioned, so summation order, FMA and the vector width's
 *   exp/softmax kernels can only explain differences of that size. DJL's libtorch matches the fixture to about
 *   1e-6 (max) at one and at two threads.</li>
 *   <li>Nothing discrete depends on the processor any more: the haze prior picks its airlight blocks by a stable
 *   sort of a min-pooled map (exact values), not by {@code topk}, whose choice among tied blocks depended on the
 *   vector unit and moved the image by up to 8e-3.</li>
 *   <li>They are tight enough to catch a kernel that computes wrongly: libtorch 2.3.1's oneDNN convolution with
 *   18 input channels (dropped taps, docs/model.md) put the image off by 6e-3 (max) and 4e-4 (mean) in units of
 *   its scale at two threads, which looser bounds (5e-2, 2e-3, 5e-3) let pass. A calling mistake (wrong k,
 *   swapped channels, shifted or re-padded input, another state) lies orders of magnitude above them, which
 *   {@link ParityBoundsCatchMismatchTest} checks.</li>
 * </ul>
 */
final class ParityBounds {
    static final double MAX_ABS = 1e-3;
    static final double MEAN_ABS = 1e-4;
    static final double RMS = 1e-4;

    private ParityBounds() {
    }

    /** One output's difference from its reference; the ratios are the statistic over its bound (1 = at the bound). */
    record Deviation(String name, double maxAbs, double meanAbs, double rms, double scale) {

        static Deviation of(String name, float[] reference, float[][] actual) {
            int per = reference.length / actual.length;
            double max = 0;
            double sum = 0;
            double sq = 0;
            double refSq = 0;
            for (int i = 0; i < actual.length; i++) {
                if (actual[i].length != per) {
                    throw new AssertionError(name + ": " + actual[i].length + " values per sample, the fixture has " + per);
                }
                for (int j = 0; j < per; j++) {
                    float ref = reference[i * per + j];
                    double d = Math.abs((double) actual[i][j] - ref);
                    if (Double.isNaN(d)) {
                        d = Double.POSITIVE_INFINITY;
                    }
                    max = Math.max(max, d);
                    sum += d;
                    sq += d * d;
                    refSq += (double) ref * ref;
                }
            }
            int count = reference.length;
            double scale = Math.max(Math.sqrt(refSq / count), Double.MIN_NORMAL);
            return new Deviation(name, max, sum / count, Math.sqrt(sq / count), scale);
        }

        double maxRatio() {
            return maxAbs / (MAX_ABS * scale);
        }

        double meanRatio() {
            return meanAbs / (MEAN_ABS * scale);
        }

        double rmsRatio() {
            return rms / (RMS * scale);
        }

        /** The largest of the three ratios: above 1, the output does not match. */
        double worstRatio() {
            return Math.max(maxRatio(), Math.max(meanRatio(), rmsRatio()));
        }

        boolean within() {
            return worstRatio() <= 1.0;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT,
                    "%s: max %.3g (%.2f of bound), mean %.3g (%.2f), rms %.3g (%.2f), reference rms %.3g",
                    name, maxAbs, maxRatio(), meanAbs, meanRatio(), rms, rmsRatio(), scale);
        }
    }
}
