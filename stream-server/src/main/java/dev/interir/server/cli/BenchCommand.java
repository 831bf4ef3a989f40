package dev.interir.server.cli;

import dev.interir.model.DjlRestorer;
import dev.interir.server.ModelLoader;
import dev.interir.server.bench.ForwardBench;
import dev.interir.server.bench.LiveBench;
import dev.interir.server.config.ServiceConfig;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `bench`: its options; the measuring is {@link LiveBench}'s and {@link ForwardBench}'s. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures the live engine through the real service: per configuration, fps restored and fps",
                "delivered to WebSocket viewers, latency grab->restored (p50/p95/p99), ms per frame in each stage",
                "(decode, colour conversion, tiling, forward, blending, JPEG, H.264), CPU user/system, drops and PSNR",
                "against the clean clip; unwatched and on-demand streams too. --markdown prints the README table.",
                "A benchmark, not a test: run it on an otherwise idle machine."})
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

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--forward-only", description = "Time only the network's forward passes on one frame's tiles "
            + "(random content, no video), --runs times each.")
    boolean forwardOnly;

    @Option(names = "--runs", defaultValue = "15", description = "Timed forward passes with --forward-only (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--sweep", defaultValue = "64", description = "Largest batch size in the cost-per-tile sweep of "
            + "--forward-only, doubling from 1 (default: ${DEFAULT-VALUE}).")
    int sweep;

    @Option(names = "--markdown", description = "Also print the results as the README's Markdown table.")
    boolean markdown;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
        String[] wh = size.toLowerCase(Locale.ROOT).split("x");
        int width = Integer.parseInt(wh[0]);
        int height = Integer.parseInt(wh[1]);
        ServiceConfig.Model model = modelOptions.resolved();
        if (forwardOnly) {
            try (DjlRestorer restorer = ModelLoader.load(model)) {
                System.out.printf(Locale.ROOT, "model %s, %d threads, allocator %s%n", restorer.info().variant(),
                        ModelLoader.threadsFor(model.threads), ModelLoader.allocator());
                ForwardBench.run(restorer, width, height, Math.max(1, runs), Math.max(1, sweep));
            }
            return 0;
        }
        new LiveBench(new LiveBench.Setup(source, clean, width, height, fps, streams, seconds, warmup, temporal, maxBatch,
                deadlineMs, model.variant, model.file, model.threads, model.lanes)).run(markdown, json);
        return 0;
    }
}
