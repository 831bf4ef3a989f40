package dev.interir.server;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.interir.model.DjlRestorer;
import dev.interir.model.FrameRestorer;
import dev.interir.model.RestoredImage;
import dev.interir.model.WarmStartState;
import dev.interir.pipeline.BgrImage;
import dev.interir.pipeline.SourceSpec;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Model throughput on real frames of one clip, per configuration (cold, or warm with k stages). The multi-stream,
 * end-to-end benchmark (latency grab-to-sent, batching across streams) extends this in the live-engine work.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Restores consecutive frames of a clip as fast as possible and reports frames per second,",
                "per-frame latency percentiles and stages run, for a cold start and for each --warm value."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--source", defaultValue = "bundled:demo", description = "Video file, or bundled:demo (default).")
    String source;

    @Option(names = "--size", defaultValue = "640x360", description = "Frame size WxH the clip is scaled to (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--frames", defaultValue = "40", description = "Frames per configuration (default: ${DEFAULT-VALUE}).")
    int frameCount;

    @Option(names = "--warm", split = ",", defaultValue = "", description = "Warm-start stage counts to compare with cold, e.g. 1,2.")
    int[] warm;

    @Option(names = "--variant", defaultValue = "live", description = "Bundled model variant (default: ${DEFAULT-VALUE}).")
    String variant;

    @Option(names = "--model", paramLabel = "FILE", description = "TorchScript file exported by model/python/export.py.")
    String model;

    @Option(names = "--threads", defaultValue = "2", description = "libtorch threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
        String[] wh = size.toLowerCase(Locale.ROOT).split("x");
        int width = Integer.parseInt(wh[0]);
        int height = Integer.parseInt(wh[1]);
        List<BgrImage> frames = decode(SourceSpec.parse(BundledClip.resolve(source)).ffmpegUrl(), width, height, frameCount);
        if (frames.isEmpty()) {
            System.err.println("error: no frames decoded from " + source);
            return 2;
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        try (DjlRestorer restorer = ModelLoader.load(variant, model, threads)) {
            FrameRestorer fr = new FrameRestorer(restorer);
            fr.restore(frames.get(0).toFloatImage(), null, 0); // warm-up: first call builds libtorch's kernels
            System.out.printf(Locale.ROOT, "%d frames %dx%d of %s, model %s (K=%d, tile %d), %d threads%n",
                    frames.size(), width, height, source, restorer.info().variant(), restorer.info().stages(),
                    restorer.info().tile(), threads);
            System.out.printf("%-10s %8s %9s %9s %9s %8s%n", "config", "fps", "p50 ms", "p95 ms", "p99 ms", "stages");
            rows.add(run("cold", fr, frames, 0));
            for (int k : warm) {
                rows.add(run("warm-k" + k, fr, frames, k));
            }
        }
        if (json != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(),
                    Map.of("source", source, "size", size, "frames", frames.size(), "results", rows));
            System.out.println("wrote " + json);
        }
        return 0;
    }

    private static Map<String, Object> run(String name, FrameRestorer fr, List<BgrImage> frames, int warmStages) {
        WarmStartState state = new WarmStartState();
        double[] ms = new double[frames.size()];
        double stages = 0;
        long start = System.nanoTime();
        for (int i = 0; i < frames.size(); i++) {
            long t0 = System.nanoTime();
            RestoredImage r = fr.restore(frames.get(i).toFloatImage(), state, warmStages);
            BgrImage.fromFloatImage(r.image());
            ms[i] = (System.nanoTime() - t0) / 1e6;
            stages += r.stagesRun();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(ms);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("config", name);
        row.put("fps", frames.size() / seconds);
        row.put("p50Ms", pct(ms, 50));
        row.put("p95Ms", pct(ms, 95));
        row.put("p99Ms", pct(ms, 99));
        row.put("stagesPerFrame", stages / frames.size());
        System.out.printf(Locale.ROOT, "%-10s %8.2f %9.1f %9.1f %9.1f %8.2f%n", name, row.get("fps"), row.get("p50Ms"),
                row.get("p95Ms"), row.get("p99Ms"), row.get("stagesPerFrame"));
        return row;
    }

    private static double pct(double[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static List<BgrImage> decode(String file, int width, int height, int max) throws Exception {
        List<BgrImage> out = new ArrayList<>();
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file)) {
            g.start();
            Frame f;
            while (out.size() < max && (f = g.grabImage()) != null) {
                try (Mat src = new Mat(f.imageHeight, f.imageWidth, org.bytedeco.opencv.global.opencv_core.CV_8UC3,
                        new org.bytedeco.javacpp.BytePointer((ByteBuffer) f.image[0]), f.imageStride);
                     Mat dst = new Mat()) {
                    resize(src, dst, new Size(width, height), 0, 0, INTER_AREA);
                    byte[] bgr = new byte[width * height * 3];
                    dst.data().get(bgr);
                    out.add(new BgrImage(bgr, width, height));
                }
            }
        }
        return out;
    }
}
