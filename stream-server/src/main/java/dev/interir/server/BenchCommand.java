package dev.interir.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.interir.model.DjlRestorer;
import dev.interir.model.FrameRestorer;
import dev.interir.pipeline.JpegEncoder;
import dev.interir.pipeline.PipelineSettings;
import dev.interir.pipeline.SourceSpec;
import dev.interir.pipeline.StreamRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The live engine's benchmark: N simulated cameras (the clip re-timed to --fps, played in real time, looping) through
 * the real pipeline (FFmpeg grabbers, slots dropping the oldest frame, the restore stage, a JPEG-encoding sink like
 * the WebSocket fan-out), so the output rate is what the engine sustains for live cameras. One run compares one
 * stream with several, batched and unbatched, side by side.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures the live engine: fps per stream and in total, latency grab->sent (p50/p95/p99),",
                "stages run per frame, drops, CPU use and PSNR against the clean clip, for one stream and for",
                "batched/unbatched streams. A benchmark, not a test: run it on an otherwise idle machine."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--source", defaultValue = "bundled:demo", description = "Degraded clip: a video file or bundled:demo (default).")
    String source;

    @Option(names = "--clean", defaultValue = "bundled:demo-clean",
            description = "Clean version of the clip for PSNR (default: ${DEFAULT-VALUE}); 'none' skips PSNR.")
    String clean;

    @Option(names = "--size", defaultValue = "640x360", description = "Frame size WxH (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--fps", defaultValue = "30", description = "Frame rate each simulated camera delivers (default: ${DEFAULT-VALUE}).")
    double fps;

    @Option(names = "--streams", defaultValue = "4", description = "Streams in the multi-stream runs (default: ${DEFAULT-VALUE}).")
    int streams;

    @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds per configuration (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured seconds before each (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--temporal", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "pipeline.temporal: pass each tile's state on to the next frame; --no-temporal restores every "
                    + "frame on its own (default: ${DEFAULT-VALUE}).")
    boolean temporal;

    @Option(names = "--batch", defaultValue = "8", description = "Most tiles per forward pass (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--deadline", defaultValue = "10", description = "Batch deadline in ms (default: ${DEFAULT-VALUE}).")
    int deadlineMs;

    @Option(names = "--variant", defaultValue = "live", description = "Bundled model variant (default: ${DEFAULT-VALUE}).")
    String variant;

    @Option(names = "--model", paramLabel = "FILE", description = "TorchScript file exported by model/python/export.py.")
    String model;

    @Option(names = "--threads", defaultValue = "0", description = "libtorch threads; 0: all cores but one (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--forward-only", description = "Time only the network's forward passes on one frame's tiles "
            + "(random content, no video), cold and warm, --runs times each.")
    boolean forwardOnly;

    @Option(names = "--runs", defaultValue = "15", description = "Timed forward passes with --forward-only (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    private record Config(String name, int streams, boolean batched) {
    }

    @Override
    public Integer call() throws Exception {
        String[] wh = size.toLowerCase(Locale.ROOT).split("x");
        int width = Integer.parseInt(wh[0]);
        int height = Integer.parseInt(wh[1]);
        if (forwardOnly) {
            try (DjlRestorer restorer = ModelLoader.load(variant, model, threads)) {
                System.out.printf(Locale.ROOT, "model %s, %d threads%n", restorer.info().variant(), ModelLoader.threadsFor(threads));
                ForwardBench.run(restorer, width, height, Math.max(1, runs));
            }
            return 0;
        }
        Path dir = Files.createTempDirectory("interir-bench");
        Path clip = BenchClip.transcode(SourceSpec.parse(BundledClip.resolve(source)).ffmpegUrl(), width, height, fps,
                dir.resolve("clip.mkv"));
        List<dev.interir.pipeline.BgrImage> cleanFrames = "none".equals(clean) ? List.of()
                : BenchClip.decode(SourceSpec.parse(BundledClip.resolve(clean)).ffmpegUrl(), width, height);
        List<Config> configs = List.of(
                new Config("1 stream", 1, false),
                new Config(streams + " streams unbatched", streams, false),
                new Config(streams + " streams batched", streams, true));

        List<Map<String, Object>> rows = new ArrayList<>();
        try (DjlRestorer restorer = ModelLoader.load(variant, model, threads)) {
            System.out.printf(Locale.ROOT, "clip %s at %dx%d, cameras at %.0f fps, model %s (K=%d, tile %d, untrained=%s), %d threads, "
                            + "%.0f s per configuration after %.0f s warm-up, %s, batch %d tiles, deadline %d ms%n",
                    source, width, height, fps, restorer.info().variant(), restorer.info().stages(), restorer.info().tile(),
                    restorer.info().untrained(), ModelLoader.threadsFor(threads), seconds, warmup,
                    temporal && restorer.info().temporal() ? "temporal" : "frame by frame", maxBatch, deadlineMs);
            System.out.printf("%-28s %7s %7s %8s %8s %8s %7s %7s %7s %6s %7s%n", "configuration", "fps/str", "fps tot",
                    "p50 ms", "p95 ms", "p99 ms", "stages", "fwd ms", "drops", "cpu%", "PSNR");
            FrameRestorer frames = new FrameRestorer(restorer, restorer.info().tile(), restorer.info().overlap(), maxBatch);
            frames.warmUp();
            for (Config c : configs) {
                rows.add(run(c, frames, clip, cleanFrames));
            }
        }
        if (json != null) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("source", source);
            doc.put("size", size);
            doc.put("secondsPerConfig", seconds);
            doc.put("fps", fps);
            doc.put("threads", ModelLoader.threadsFor(threads));
            doc.put("temporal", temporal);
            doc.put("maxBatch", maxBatch);
            doc.put("deadlineMs", deadlineMs);
            doc.put("results", rows);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), doc);
            System.out.println("wrote " + json);
        }
        return 0;
    }

    private Map<String, Object> run(Config c, FrameRestorer frames, Path clip, List<dev.interir.pipeline.BgrImage> cleanFrames)
            throws Exception {
        PipelineSettings settings = new PipelineSettings(frames.restorer().info().tile(), frames.restorer().info().overlap(),
                maxBatch, c.batched(), deadlineMs, temporal, 0.12f, 2, Long.MAX_VALUE, Math.max(16, c.streams()));
        BenchSink.Totals totals = new BenchSink.Totals(cleanFrames);
        JpegEncoder jpeg = new JpegEncoder(80);
        SourceSpec spec = SourceSpec.parse("file:" + clip).withPlayback(SourceSpec.FilePlayback.BENCHMARK);
        double cpuSeconds;
        double wall;
        long dropsBefore;
        long dropsAfter;
        try (StreamRegistry registry = new StreamRegistry(frames, settings, s -> List.of(new BenchSink(totals, jpeg)))) {
            for (int i = 0; i < c.streams(); i++) {
                registry.add("bench" + i, spec);
            }
            Thread.sleep((long) (warmup * 1000));
            dropsBefore = drops(registry);
            long cpu0 = cpuNanos();
            long t0 = System.nanoTime();
            totals.start();
            Thread.sleep((long) (seconds * 1000));
            totals.stop();
            wall = (System.nanoTime() - t0) / 1e9;
            cpuSeconds = (cpuNanos() - cpu0) / 1e9;
            dropsAfter = drops(registry);
        }
        Map<String, Object> row = totals.summary(wall);
        row.put("configuration", c.name());
        row.put("streams", c.streams());
        row.put("batched", c.batched());
        row.put("fpsPerStream", (double) row.get("fpsTotal") / c.streams());
        row.put("drops", dropsAfter - dropsBefore);
        row.put("cpuPercent", 100 * cpuSeconds / wall / Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%-28s %7.2f %7.2f %8.1f %8.1f %8.1f %7.2f %7.1f %7d %6.0f %7s%n", c.name(),
                row.get("fpsPerStream"), row.get("fpsTotal"), row.get("latencyP50Ms"), row.get("latencyP95Ms"),
                row.get("latencyP99Ms"), row.get("stagesPerFrame"), row.get("forwardMsPerFrame"), row.get("drops"), row.get("cpuPercent"),
                row.get("psnr") == null ? "-" : String.format(Locale.ROOT, "%.2f", (double) row.get("psnr")));
        return row;
    }

    private static long drops(StreamRegistry registry) {
        return registry.list().stream().mapToLong(s -> s.snapshot().dropped()).sum();
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

}
