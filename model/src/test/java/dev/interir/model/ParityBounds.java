package dev.interir.model;

import java.util.Locale;

/**
 * How far the Java side's output may lie from PyTorch's fixture and still count as the same network.
 *
 * <p>Each output is measured in units of its own scale, the RMS of the reference tensor (images, states,
 * residual norms and routing weights have different ranges, and a re-exported network may change the state's),
 * with three statistics of |actual - reference|: its maximum, its mean and its RMS.
 *
 * <p>Why these bounds, and not the 1e-4 absolute that held only on the processor that wrote the fixture:
 * <ul>
 *   <li>Rounding alone is far below them. The float32 forward pass agrees with the same network in float64
 *   to ~3e-7 on the image and ~1e-5 on the state (max), and relative input perturbations of 1e-6 move the
 *   image by ~2e-6 at most: the network is well conditioned, so summation order, FMA and the vector width's
 *   exp/softmax kernels can only explain differences of that size.</li>
 *   <li>What moves the output between processors is a discrete choice. The haze prior (network.py,
 *   haze_prior) takes {@code topk} of the dark channel, a min-pooled map with plateaus of exactly equal
 *   values (the fixture's second tile has 9 blocks tied for the top 2). Which tied blocks topk returns is up
 *   to the kernel libtorch picks for the vector unit, and each choice gives another airlight A. Running
 *   the fixture through every choice (the eager network with topk's indices replaced by each pair of tied
 *   blocks) moves the image by up to 8.1e-3 (max), 3.6e-4 (mean), 8.5e-4 (RMS), with an image RMS of 0.50:
 *   1.6e-2, 7e-4 and 1.7e-3 in units of the scale (figures for the live_nl fixture). The ~3e-3 seen on
 *   another CPU fits one of these choices. State, residuals and routing do not read the prior in live_nl
 *   and stay at rounding, but they get the same bounds, so a network that feeds the prior into its state
 *   still passes.</li>
 *   <li>So the maximum may be loose (a few pixels near the chosen blocks) while mean and RMS stay tight:
 *   the bounds sit about three times above the worst tie choice, and a real mismatch (wrong k, swapped
 *   channels, shifted or re-padded input, another state) lies an order of magnitude or more above them,
 *   which {@link ParityBoundsCatchMismatchTest} checks.</li>
 * </ul>
 */
final class ParityBounds {
    static final double MAX_ABS = 5e-2;
    static final double MEAN_ABS = 2e-3;
    static final double RMS = 5e-3;

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
