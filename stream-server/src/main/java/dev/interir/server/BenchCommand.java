package dev.interir.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.interir.model.DjlRestorer;
import dev.interir.pipeline.BgrImage;
import dev.interir.pipeline.Demand;
import dev.interir.pipeline.SourceSpec;
import dev.interir.pipeline.StageClock;
import dev.interir.pipeline.StageClock.Stage;
import dev.interir.pipeline.StreamRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The live engine's benchmark, as a viewer sees it: for each configuration a real service (the one `serve` runs,
 * on a loopback port) restores N simulated cameras (the clip re-timed to --fps and encoded as a camera sends it,
 * played in real time, looping, dropping what the engine can't take), and real WebSocket viewers count the frames
 * they receive. It prints frames restored and frames delivered side by side, the time per restored frame in each
 * stage, the process's CPU split user/system, latency and PSNR, and what an unwatched stream costs.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures the live engine through the real service: per configuration, fps restored and fps",
                "delivered to WebSocket viewers, latency grab->restored (p50/p95/p99), ms per frame in each stage",
                "(decode, colour conversion, tiling, forward, blending, JPEG, H.264), CPU user/system, drops and PSNR",
                "against the clean clip; unwatched and on-demand streams too. --markdown prints the README table.",
                "A benchmark, not a test: run it on an otherwise idle machine."})
final class BenchCommand implements Callable<Integer> {
    /** How long an unwatched stream goes on restoring in the benchmark (pipeline.idleSeconds). */
    private static final int IDLE_SECONDS = 1;

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
            + "(random content, no video), --runs times each.")
    boolean forwardOnly;

    @Option(names = "--runs", defaultValue = "15", description = "Timed forward passes with --forward-only (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--markdown", description = "Also print the results as the README's Markdown table.")
    boolean markdown;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    /**
     * @param viewers  one WebSocket viewer of the restored view per stream
     * @param extras   also a viewer of the original view and an HLS player (playlist polled) on the first stream
     * @param camera   a live camera (drops what the engine can't take; stays connected unwatched) rather than the
     *                 demo file in its default on-demand mode (pauses unwatched)
     */
    private record Config(String name, int streams, boolean batched, boolean viewers, boolean extras, boolean camera) {
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
        List<BgrImage> cleanFrames = "none".equals(clean) ? List.of()
                : BenchClip.decode(SourceSpec.parse(BundledClip.resolve(clean)).ffmpegUrl(), width, height);
        List<Config> configs = List.of(
                new Config("1 camera, nobody watching", 1, false, false, false, true),
                new Config("1 camera, 1 viewer", 1, false, true, false, true),
                new Config("1 camera, viewer + original + HLS", 1, false, true, true, true),
                new Config("demo file on demand, nobody watching", 1, false, false, false, false),
                new Config(streams + " cameras unbatched, 1 viewer each", streams, false, true, false, true),
                new Config(streams + " cameras batched, 1 viewer each", streams, true, true, false, true));

        System.out.printf(Locale.ROOT, "clip %s at %dx%d, cameras at %.0f fps, %d libtorch threads, %.0f s per configuration "
                        + "after %.0f s warm-up, %s, batch %d tiles, deadline %d ms, unwatched streams idle after %d s%n",
                source, width, height, fps, ModelLoader.threadsFor(threads), seconds, warmup,
                temporal ? "temporal" : "frame by frame", maxBatch, deadlineMs, IDLE_SECONDS);
        System.out.printf("%-38s %8s %8s %7s %7s %6s | %6s %6s %6s %7s %6s %6s %6s | %5s %5s %6s%n", "configuration",
                "restored", "viewer", "p50 ms", "p95 ms", "drops", "decode", "colour", "tiles", "forward", "blend", "jpeg",
                "h264", "user", "sys", "PSNR");
        List<Map<String, Object>> rows = new ArrayList<>();
        Vertx vertx = Vertx.vertx();
        try {
            for (Config c : configs) {
                rows.add(run(c, vertx, dir, clip, cleanFrames));
            }
        } finally {
            vertx.close();
        }
        if (markdown) {
            printMarkdown(rows);
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

    private ServiceConfig serviceConfig(Config c, Path dir) {
        ServiceConfig cfg = ServiceConfig.defaults();
        cfg.server.host = "127.0.0.1";
        cfg.server.port = 0;
        cfg.server.token = null;
        cfg.hls.dir = dir.resolve("hls").toString();
        cfg.jobs.outputDir = dir.resolve("jobs").toString();
        cfg.streams = List.of();
        cfg.model.variant = variant;
        cfg.model.file = model;
        cfg.model.threads = threads;
        cfg.pipeline.maxBatch = maxBatch;
        cfg.pipeline.batchStreams = c.batched();
        cfg.pipeline.batchDeadlineMs = deadlineMs;
        cfg.pipeline.temporal = temporal;
        cfg.pipeline.idleSeconds = IDLE_SECONDS;
        cfg.pipeline.maxFramePixels = Long.MAX_VALUE;
        cfg.pipeline.maxStreams = Math.max(16, c.streams());
        return cfg;
    }

    private Map<String, Object> run(Config c, Vertx vertx, Path dir, Path clip, List<BgrImage> cleanFrames) throws Exception {
        BenchSink.Totals totals = new BenchSink.Totals(cleanFrames);
        SourceSpec spec = SourceSpec.parse("file:" + clip);
        if (c.camera()) {
            spec = spec.withPlayback(SourceSpec.FilePlayback.BENCHMARK);
        }
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicLong delivered = new AtomicLong();
        List<WebSocket> sockets = new ArrayList<>();
        HttpClient http = HttpClient.newHttpClient();
        Map<String, Object> row;
        try (InterirService service = InterirService.start(serviceConfig(c, dir.resolve(Integer.toString(c.hashCode()))),
                s -> List.of(new BenchSink(totals)))) {
            StreamRegistry registry = service.registry();
            for (int i = 0; i < c.streams(); i++) {
                registry.add("bench" + i, spec, c.camera() ? Demand.Mode.WATCHED : Demand.Mode.ON_DEMAND);
            }
            WebSocketClient ws = vertx.createWebSocketClient();
            for (int i = 0; i < c.streams() && c.viewers(); i++) {
                sockets.add(connect(ws, service.port(), "/ws/streams/bench" + i, measuring, delivered));
            }
            if (c.extras()) {
                sockets.add(connect(ws, service.port(), "/ws/streams/bench0/original", new AtomicBoolean(), new AtomicLong()));
            }
            long hlsTimer = !c.extras() ? -1 : vertx.setPeriodic(300, t -> http.sendAsync(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + service.port() + "/hls/bench0/index.m3u8")).build(),
                    HttpResponse.BodyHandlers.discarding()));
            Thread.sleep((long) (warmup * 1000));
            long dropsBefore = drops(registry);
            StageClock.Snapshot stages0 = registry.stageClock().snapshot();
            ProcessCpu cpu0 = ProcessCpu.now();
            long t0 = System.nanoTime();
            totals.start();
            measuring.set(true);
            Thread.sleep((long) (seconds * 1000));
            measuring.set(false);
            totals.stop();
            double wall = (System.nanoTime() - t0) / 1e9;
            ProcessCpu cpu = ProcessCpu.now().minus(cpu0);
            StageClock.Snapshot stages = registry.stageClock().snapshot().minus(stages0);
            long drops = drops(registry) - dropsBefore;
            if (hlsTimer >= 0) {
                vertx.cancelTimer(hlsTimer);
            }
            sockets.forEach(WebSocket::close);
            row = totals.summary(wall);
            row.put("configuration", c.name());
            row.put("streams", c.streams());
            row.put("batched", c.batched());
            row.put("viewers", c.viewers());
            row.put("fpsPerStream", (double) row.get("fpsTotal") / c.streams());
            row.put("deliveredFpsPerStream", c.viewers() ? delivered.get() / wall / c.streams() : 0.0);
            row.put("drops", drops);
            long frames = ((Integer) row.get("frames")).longValue();
            Map<String, Object> perFrame = new LinkedHashMap<>();
            for (Stage s : Stage.values()) {
                perFrame.put(s.label(), frames == 0 ? null : stages.millis(s) / frames);
            }
            row.put("msPerFrame", perFrame);
            row.put("cpuUserCores", cpu.userSeconds() / wall);
            row.put("cpuSystemCores", cpu.systemSeconds() / wall);
        }
        printRow(row);
        return row;
    }

    private static WebSocket connect(WebSocketClient client, int port, String uri, AtomicBoolean measuring,
                                     AtomicLong received) throws Exception {
        WebSocket ws = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        ws.binaryMessageHandler(b -> {
            if (measuring.get()) {
                received.incrementAndGet();
            }
        });
        return ws;
    }

    @SuppressWarnings("unchecked")
    private static void printRow(Map<String, Object> r) {
        Map<String, Object> ms = (Map<String, Object>) r.get("msPerFrame");
        System.out.printf(Locale.ROOT, "%-38s %8.2f %8s %7.0f %7.0f %6d | %6s %6s %6s %7s %6s %6s %6s | %5.2f %5.2f %6s%n",
                r.get("configuration"), r.get("fpsPerStream"),
                (boolean) r.get("viewers") ? String.format(Locale.ROOT, "%.2f", (double) r.get("deliveredFpsPerStream")) : "-",
                r.get("latencyP50Ms"), r.get("latencyP95Ms"), r.get("drops"),
                ms(ms, "decode"), ms(ms, "colour"), ms(ms, "tiling"), ms(ms, "forward"), ms(ms, "blend"), ms(ms, "jpeg"),
                ms(ms, "h264"), r.get("cpuUserCores"), r.get("cpuSystemCores"),
                r.get("psnr") == null ? "-" : String.format(Locale.ROOT, "%.2f", (double) r.get("psnr")));
    }

    @SuppressWarnings("unchecked")
    private static void printMarkdown(List<Map<String, Object>> rows) {
        System.out.println();
        System.out.println("| configuration | fps restored (per stream) | fps at the viewer | latency p50 ms | decode | colour "
                + "| tiling | forward | blend | JPEG | H.264 | CPU user | CPU system | PSNR dB |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Map<String, Object> r : rows) {
            Map<String, Object> ms = (Map<String, Object>) r.get("msPerFrame");
            boolean restored = ((Integer) r.get("frames")) > 0;
            System.out.printf(Locale.ROOT, "| %s | %.1f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.2f | %.2f | %s |%n",
                    r.get("configuration"), r.get("fpsPerStream"),
                    (boolean) r.get("viewers") ? String.format(Locale.ROOT, "%.1f", (double) r.get("deliveredFpsPerStream")) : "-",
                    restored ? String.format(Locale.ROOT, "%.0f", (double) r.get("latencyP50Ms")) : "-",
                    ms(ms, "decode"), ms(ms, "colour"), ms(ms, "tiling"), ms(ms, "forward"), ms(ms, "blend"), ms(ms, "jpeg"),
                    ms(ms, "h264"), r.get("cpuUserCores"), r.get("cpuSystemCores"),
                    r.get("psnr") == null ? "-" : String.format(Locale.ROOT, "%.2f", (double) r.get("psnr")));
        }
        System.out.println("(stage columns: ms per restored frame, summed over the threads that do them; decode is the grab "
                + "threads' CPU time; CPU in cores of this process, viewers included)");
    }

    private static String ms(Map<String, Object> perFrame, String stage) {
        Object v = perFrame.get(stage);
        return v == null ? "-" : String.format(Locale.ROOT, "%.1f", (double) v);
    }

    private static long drops(StreamRegistry registry) {
        return registry.list().stream().mapToLong(s -> s.snapshot().dropped()).sum();
    }
}
