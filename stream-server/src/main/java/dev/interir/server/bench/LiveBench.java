package dev.interir.server.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.interir.pipeline.BgrImage;
import dev.interir.pipeline.Demand;
import dev.interir.pipeline.SourceSpec;
import dev.interir.pipeline.StageClock;
import dev.interir.pipeline.StageClock.Stage;
import dev.interir.pipeline.StreamRegistry;
import dev.interir.server.BundledClip;
import dev.interir.server.InterirService;
import dev.interir.server.ModelLoader;
import dev.interir.server.config.ServiceConfig;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live engine's benchmark, as a viewer sees it: for each configuration a real service (the one `serve` runs,
 * on a loopback port) restores N simulated cameras (the clip re-timed to --fps and encoded as a camera sends it,
 * played in real time, looping, dropping what the engine can't take), and real WebSocket viewers count the frames
 * they receive. It prints frames restored and frames delivered side by side, the time per restored frame in each
 * stage, the process's CPU split user/system, latency and PSNR, and what an unwatched stream costs.
 */
public final class LiveBench {
    /** How long an unwatched stream goes on restoring in the benchmark (pipeline.idleSeconds). */
    private static final int IDLE_SECONDS = 1;

    /**
     * What is measured and how.
     *
     * @param source   the degraded clip (a video file or bundled:NAME)
     * @param clean    its clean version for PSNR, or "none"
     * @param fps      the frame rate each simulated camera delivers
     * @param streams  streams in the multi-stream runs
     * @param seconds  measured seconds per configuration, after {@code warmup} unmeasured ones
     * @param model    a TorchScript file, or null for the bundled {@code variant}
     * @param threads  libtorch threads, 0: every core
     * @param lanes    forward passes at once, 0: one per thread
     */
    public record Setup(String source, String clean, int width, int height, double fps, int streams, double seconds,
                        double warmup, boolean temporal, int maxBatch, int deadlineMs, String variant, String model,
                        int threads, int lanes) {
    }

    private final Setup setup;

    public LiveBench(Setup setup) {
        this.setup = setup;
    }

    /**
     * @param viewers  one WebSocket viewer of the restored view per stream
     * @param extras   also a viewer of the original view and an HLS player (playlist polled) on the first stream
     * @param camera   a live camera (drops what the engine can't take; stays connected unwatched) rather than the
     *                 demo file in its default on-demand mode (pauses unwatched)
     */
    private record Config(String name, int streams, boolean batched, boolean viewers, boolean extras, boolean camera) {
    }

    /**
     * Runs every configuration and prints a row for each as it ends.
     *
     * @param markdown also print the rows as the README's Markdown table
     * @param json     also write the rows there as JSON; may be null
     */
    public void run(boolean markdown, Path json) throws Exception {
        Path dir = Files.createTempDirectory("interir-bench");
        Path clip = BenchClip.transcode(SourceSpec.parse(BundledClip.resolve(setup.source())).ffmpegUrl(), setup.width(), setup.height(), setup.fps(),
                dir.resolve("clip.mkv"));
        List<BgrImage> cleanFrames = "none".equals(setup.clean()) ? List.of()
                : BenchClip.decode(SourceSpec.parse(BundledClip.resolve(setup.clean())).ffmpegUrl(), setup.width(), setup.height());
        List<Config> configs = List.of(
                new Config("1 camera, nobody watching", 1, false, false, false, true),
                new Config("1 camera, 1 viewer", 1, false, true, false, true),
                new Config("1 camera, viewer + original + HLS", 1, false, true, true, true),
                new Config("demo file on demand, nobody watching", 1, false, false, false, false),
                new Config(setup.streams() + " cameras unbatched, 1 viewer each", setup.streams(), false, true, false, true),
                new Config(setup.streams() + " cameras batched, 1 viewer each", setup.streams(), true, true, false, true));

        int threads = ModelLoader.threadsFor(setup.threads());
        int lanes = ModelLoader.lanesFor(setup.lanes(), threads);
        System.out.printf(Locale.ROOT, "clip %s at %dx%d, cameras at %.0f fps, %d threads in %d lane%s (allocator %s), %.0f s "
                        + "per configuration after %.0f s warm-up, %s, batch %d tiles, deadline %d ms, unwatched streams "
                        + "idle after %d s%n",
                setup.source(), setup.width(), setup.height(), setup.fps(), threads, lanes, lanes == 1 ? "" : "s",
                ModelLoader.allocator(), setup.seconds(), setup.warmup(),
                setup.temporal() ? "temporal" : "frame by frame", setup.maxBatch(), setup.deadlineMs(), IDLE_SECONDS);
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
            doc.put("source", setup.source());
            doc.put("size", setup.width() + "x" + setup.height());
            doc.put("secondsPerConfig", setup.seconds());
            doc.put("fps", setup.fps());
            doc.put("threads", threads);
            doc.put("lanes", lanes);
            doc.put("allocator", ModelLoader.allocator());
            doc.put("temporal", setup.temporal());
            doc.put("maxBatch", setup.maxBatch());
            doc.put("deadlineMs", setup.deadlineMs());
            doc.put("results", rows);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), doc);
            System.out.println("wrote " + json);
        }
    }

    private ServiceConfig serviceConfig(Config c, Path dir) {
        ServiceConfig cfg = ServiceConfig.defaults();
        cfg.server.host = "127.0.0.1";
        cfg.server.port = 0;
        cfg.server.token = null;
        cfg.hls.dir = dir.resolve("hls").toString();
        cfg.jobs.outputDir = dir.resolve("jobs").toString();
        cfg.streams = List.of();
        cfg.model.variant = setup.variant();
        cfg.model.file = setup.model();
        cfg.model.threads = setup.threads();
        cfg.model.lanes = setup.lanes();
        cfg.pipeline.maxBatch = setup.maxBatch();
        cfg.pipeline.batchStreams = c.batched();
        cfg.pipeline.batchDeadlineMs = setup.deadlineMs();
        cfg.pipeline.temporal = setup.temporal();
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
            awaitModelWarm(registry);
            Thread.sleep((long) (setup.warmup() * 1000));
            long dropsBefore = drops(registry);
            StageClock.Snapshot stages0 = registry.stageClock().snapshot();
            ProcessCpu cpu0 = ProcessCpu.now();
            long t0 = System.nanoTime();
            totals.start();
            measuring.set(true);
            Thread.sleep((long) (setup.seconds() * 1000));
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

    /**
     * The model's warm-up passes (every batch size, seconds on a busy machine) hold the restore thread: a window
     * timed from the service's start would measure them, or on a slow machine see no frame at all.
     */
    private static void awaitModelWarm(StreamRegistry registry) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!registry.modelWarm()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the model's warm-up did not finish within 5 minutes");
            }
            Thread.sleep(50);
        }
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
