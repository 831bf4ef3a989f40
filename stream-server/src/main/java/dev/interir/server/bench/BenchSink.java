package dev.interir.server.bench;

import dev.interir.pipeline.BgrImage;
import dev.interir.pipeline.FrameSink;
import dev.interir.pipeline.RestoredFrame;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's sink beside the service's own (WebSocket fan-out, HLS, metrics): records every restored frame's
 * latency, stages, forward time and PSNR against the clean clip. What viewers receive is counted by the
 * benchmark's WebSocket clients.
 */
final class BenchSink implements FrameSink {
    private final Totals totals;

    BenchSink(Totals totals) {
        this.totals = totals;
    }

    @Override
    public void accept(RestoredFrame frame) {
        totals.add(frame, (System.nanoTime() - frame.original().grabNanos()) / 1e6);
    }

    /** Measurements of all streams of one configuration, taken only between start() and stop(). */
    static final class Totals {
        private final List<BgrImage> clean;
        private final List<Double> latencies = new ArrayList<>();
        private double stages;
        private double forwardMs;
        private double psnrSum;
        private int psnrCount;
        private boolean measuring;

        Totals(List<BgrImage> clean) {
            this.clean = clean;
        }

        synchronized void start() {
            measuring = true;
        }

        synchronized void stop() {
            measuring = false;
        }

        synchronized void add(RestoredFrame f, double latencyMs) {
            if (!measuring) {
                return;
            }
            latencies.add(latencyMs);
            stages += f.stats().stagesRun();
            forwardMs += f.stats().forwardNanos() / 1e6;
            if (!clean.isEmpty()) {
                BgrImage ref = clean.get((int) (f.original().seq() % clean.size()));
                if (ref.width() == f.restored().width() && ref.height() == f.restored().height()) {
                    psnrSum += psnr(f.restored(), ref);
                    psnrCount++;
                }
            }
        }

        synchronized Map<String, Object> summary(double seconds) {
            List<Double> sorted = new ArrayList<>(latencies);
            sorted.sort(Double::compare);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("frames", sorted.size());
            m.put("fpsTotal", sorted.size() / seconds);
            m.put("latencyP50Ms", pct(sorted, 50));
            m.put("latencyP95Ms", pct(sorted, 95));
            m.put("latencyP99Ms", pct(sorted, 99));
            m.put("stagesPerFrame", sorted.isEmpty() ? 0 : stages / sorted.size());
            m.put("forwardMsPerFrame", sorted.isEmpty() ? 0 : forwardMs / sorted.size());
            m.put("psnr", psnrCount == 0 ? null : psnrSum / psnrCount);
            return m;
        }

        private static double pct(List<Double> sorted, int p) {
            if (sorted.isEmpty()) {
                return 0;
            }
            return sorted.get(Math.min(sorted.size() - 1, Math.max(0, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)));
        }

        static double psnr(BgrImage a, BgrImage b) {
            byte[] x = a.bgr();
            byte[] y = b.bgr();
            double se = 0;
            for (int i = 0; i < x.length; i++) {
                double d = (x[i] & 0xff) - (y[i] & 0xff);
                se += d * d;
            }
            double mse = se / x.length;
            return mse == 0 ? 99 : 10 * Math.log10(255.0 * 255.0 / mse);
        }
    }
}
