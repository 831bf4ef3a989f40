package dev.interir.server.cli;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;

import dev.interir.model.DjlRestorer;
import dev.interir.model.FrameRestorer;
import dev.interir.model.RestoredImage;
import dev.interir.pipeline.BgrImage;
import dev.interir.pipeline.PipelineSettings;
import dev.interir.pipeline.SingleThreadRestorer;
import dev.interir.pipeline.file.PartialFile;
import dev.interir.pipeline.file.VideoFileRestorer;
import dev.interir.server.ModelLoader;
import dev.interir.server.config.ServiceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restores image and video files (or every image and video in a folder) into --out.",
                "Images keep their names; a video NAME.EXT becomes NAME.mp4 (H.264, every frame, the input's timestamps,",
                "its audio streams copied untouched). Each output is written to a hidden temporary file first and renamed",
                "when complete; rerunning after a crash starts that file over. Exit code 1 if any file failed."})
final class RestoreCommand implements Callable<Integer> {
    private static final Set<String> IMAGE_EXT = Set.of("png", "jpg", "jpeg", "bmp", "ppm", "pgm", "tif", "tiff", "webp");
    private static final Set<String> VIDEO_EXT = Set.of("mp4", "mkv", "mov", "avi", "webm", "ts", "m4v");

    @Parameters(arity = "1..*", paramLabel = "INPUT", description = "Image or video files, or folders of them.")
    List<Path> inputs;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created if missing).")
    Path out;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--tile", defaultValue = "0", description = "Tile side in pixels; 0 = the model's recommendation.")
    int tile;

    @Option(names = "--bitrate", paramLabel = "BITS", description = {"H.264 bitrate of restored videos in bit/s,",
            "k/M suffixes allowed (e.g. 4M); default: --bpp bits per pixel per frame."})
    String bitrate;

    @Option(names = "--bpp", defaultValue = "0.1", description = "Bits per pixel per frame when --bitrate is not given "
            + "(default: ${DEFAULT-VALUE}, about 2.3 Mbit/s for 720p25).")
    double bitsPerPixel;

    @Option(names = "--max-qp", defaultValue = "0", description = "Worst H.264 quantiser allowed (1-51, lower = better "
            + "and bigger); 0 = the encoder's default.")
    int maxQp;

    @Option(names = "--temporal", negatable = true, description = {"Pass each tile's state (a temporal network's previous",
            "output) on to the next frame of a video, reset at scene cuts; --no-temporal restores every frame on its own.",
            "Default: pipeline.temporal of the config."})
    Boolean temporal;

    @Option(names = "--progress", defaultValue = "auto", description = "Progress on stderr: auto (a bar with \\r on a "
            + "terminal, a line every 5 s otherwise), bar, lines, none.")
    String progress;

    @Override
    public Integer call() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path in : inputs) {
            if (Files.isDirectory(in)) {
                try (Stream<Path> s = Files.list(in)) {
                    s.filter(p -> !p.getFileName().toString().startsWith("."))
                            .filter(p -> IMAGE_EXT.contains(ext(p)) || VIDEO_EXT.contains(ext(p))).sorted().forEach(files::add);
                }
            } else if (Files.isRegularFile(in)) {
                files.add(in);
            } else {
                System.err.println("error: no such file or folder: " + in);
                return 2;
            }
        }
        if (files.isEmpty()) {
            System.err.println("error: no images or videos found in " + inputs);
            return 2;
        }
        long bits;
        try {
            bits = bitrate == null ? 0 : parseBits(bitrate);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        Files.createDirectories(out);
        int failed = 0;
        ServiceConfig cfg = ServiceConfig.defaults();
        modelOptions.applyTo(cfg.model);
        try (DjlRestorer restorer = ModelLoader.load(cfg.model)) {
            cfg.pipeline.tile = tile;
            if (temporal != null) {
                cfg.pipeline.temporal = temporal;
            }
            PipelineSettings settings = cfg.pipelineSettings(restorer.info().tile(), restorer.info().maxTile(),
                    restorer.info().overlap());
            FrameRestorer frames = settings.frameRestorer(restorer);
            SingleThreadRestorer shared = new SingleThreadRestorer(frames, settings.temporal());
            VideoFileRestorer videos = new VideoFileRestorer(shared, VideoFileRestorer.Options.defaults()
                    .withBitsPerPixel(bitsPerPixel).withBitrate(bits).withMaxQp(maxQp));
            Set<Path> targets = new HashSet<>();
            try {
                for (int i = 0; i < files.size(); i++) {
                    Path in = files.get(i);
                    if (!VIDEO_EXT.contains(ext(in))) {
                        continue;
                    }
                    Path target = out.resolve(VideoFileRestorer.outputName(in));
                    String label = String.format(Locale.ROOT, "[%d/%d] %s", i + 1, files.size(), in.getFileName());
                    if (!targets.add(target)) {
                        failed++;
                        System.err.println(label + "  FAILED: another input also becomes " + target.getFileName());
                        continue;
                    }
                    ProgressBar bar = new ProgressBar(label, progress);
                    try {
                        VideoFileRestorer.Result r = videos.restore(in, target, bar::update, () -> false);
                        bar.end();
                        System.out.printf(Locale.ROOT, "%s  %dx%d  %d frames  %d audio stream(s)  %.1f s  %.2f fps  -> %s%n",
                                label, r.width(), r.height(), r.frames(), r.audioStreams(), r.seconds(),
                                r.frames() / Math.max(1e-9, r.seconds()), target);
                    } catch (IOException | RuntimeException e) {
                        bar.end();
                        failed++;
                        System.err.println(label + "  FAILED: " + e.getMessage());
                    }
                }
            } finally {
                shared.close();
            }
            for (int i = 0; i < files.size(); i++) {
                if (VIDEO_EXT.contains(ext(files.get(i)))) {
                    continue;
                }
                Path in = files.get(i);
                long t0 = System.nanoTime();
                try {
                    RestoredImage r = restoreOne(frames, in, out.resolve(in.getFileName()));
                    System.out.printf(Locale.ROOT, "[%d/%d] %s  %dx%d  %d tiles  %.0f ms%n", i + 1, files.size(),
                            in.getFileName(), r.image().width(), r.image().height(), r.tiles(), (System.nanoTime() - t0) / 1e6);
                } catch (RuntimeException | IOException e) {
                    failed++;
                    System.err.printf("[%d/%d] %s  FAILED: %s%n", i + 1, files.size(), in.getFileName(), e.getMessage());
                }
            }
        }
        System.out.printf("restored %d of %d files into %s%n", files.size() - failed, files.size(), out);
        return failed == 0 ? 0 : 1;
    }

    static long parseBits(String s) {
        String v = s.strip().toLowerCase(Locale.ROOT);
        long mult = v.endsWith("k") ? 1_000 : v.endsWith("m") ? 1_000_000 : 1;
        if (mult > 1) {
            v = v.substring(0, v.length() - 1);
        }
        try {
            double d = Double.parseDouble(v) * mult;
            if (d < 10_000 || d > 1e9) {
                throw new IllegalArgumentException("--bitrate " + s + " is out of range (10k..1000M)");
            }
            return Math.round(d);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--bitrate " + s + " is not a number of bits per second (e.g. 4M)");
        }
    }

    /** Progress on stderr: one line redrawn with \r on a terminal, a plain line every 5 s otherwise. */
    static final class ProgressBar {
        private final String label;
        private final boolean bar;
        private final boolean quiet;
        private long lastPrint;
        private boolean drawn;

        ProgressBar(String label, String mode) {
            this.label = label;
            this.quiet = "none".equals(mode);
            this.bar = "bar".equals(mode) || ("auto".equals(mode) && System.console() != null);
        }

        void update(VideoFileRestorer.Progress p) {
            if (quiet) {
                return;
            }
            long now = System.nanoTime();
            if (now - lastPrint < (bar ? 200_000_000L : 5_000_000_000L)) {
                return;
            }
            lastPrint = now;
            String eta = p.etaSeconds() >= 0 ? clock(p.etaSeconds()) : "?";
            String total = p.framesTotal() > 0 ? Long.toString(p.framesTotal()) : "?";
            if (bar) {
                int width = 30;
                int filled = (int) Math.round(p.fraction() * width);
                System.err.printf(Locale.ROOT, "\r%s [%s%s] %3.0f%% %d/%s  %.1f fps  ETA %s   ", label, "#".repeat(filled),
                        "-".repeat(width - filled), p.fraction() * 100, p.framesDone(), total, p.fps(), eta);
                drawn = true;
            } else {
                System.err.printf(Locale.ROOT, "%s %3.0f%% %d/%s frames  %.1f fps  ETA %s%n", label, p.fraction() * 100,
                        p.framesDone(), total, p.fps(), eta);
            }
            System.err.flush();
        }

        void end() {
            if (drawn) {
                System.err.print("\r\033[K");
                System.err.flush();
            }
        }

        static String clock(double seconds) {
            long s = Math.round(seconds);
            return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                    : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
        }
    }

    private static RestoredImage restoreOne(FrameRestorer frames, Path in, Path target) throws IOException {
        BgrImage img;
        try (Mat mat = imread(in.toString(), IMREAD_COLOR)) {
            if (mat == null || mat.empty()) {
                throw new IllegalArgumentException("not a readable image");
            }
            byte[] bgr = new byte[mat.cols() * mat.rows() * 3];
            mat.data().get(bgr);
            img = new BgrImage(bgr, mat.cols(), mat.rows());
        }
        RestoredImage r = frames.restore(img.toFloatImage(), null);
        BgrImage restored = BgrImage.fromFloatImage(r.image());
        Path tmp = PartialFile.of(target);
        try (Mat mat = new Mat(restored.height(), restored.width(), CV_8UC3)) {
            mat.data().put(restored.bgr());
            if (!imwrite(tmp.toString(), mat)) {
                throw new IOException("cannot write " + tmp);
            }
        }
        PartialFile.commit(tmp, target);
        return r;
    }

    private static String ext(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
