package dev.interir.server;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;

import dev.interir.model.DjlRestorer;
import dev.interir.model.FrameRestorer;
import dev.interir.model.RestoredImage;
import dev.interir.pipeline.BgrImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restores image files (or every image in a folder) into --out, keeping their names.",
                "Each output is written to a temporary file first and renamed when complete."})
final class RestoreCommand implements Callable<Integer> {
    private static final Set<String> IMAGE_EXT = Set.of("png", "jpg", "jpeg", "bmp", "ppm", "pgm", "tif", "tiff", "webp");
    private static final Set<String> VIDEO_EXT = Set.of("mp4", "mkv", "mov", "avi", "webm", "ts", "m4v");

    @Parameters(arity = "1..*", paramLabel = "INPUT", description = "Image files or folders of images.")
    List<Path> inputs;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created if missing).")
    Path out;

    @Option(names = "--variant", defaultValue = "live", description = "Bundled model variant (default: ${DEFAULT-VALUE}).")
    String variant;

    @Option(names = "--model", paramLabel = "FILE", description = "TorchScript file exported by model/python/export.py.")
    String model;

    @Option(names = "--tile", defaultValue = "0", description = "Tile side in pixels; 0 = the model's recommendation.")
    int tile;

    @Option(names = "--threads", defaultValue = "2", description = "libtorch threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Override
    public Integer call() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path in : inputs) {
            if (Files.isDirectory(in)) {
                try (Stream<Path> s = Files.list(in)) {
                    s.filter(p -> IMAGE_EXT.contains(ext(p))).sorted().forEach(files::add);
                }
            } else if (VIDEO_EXT.contains(ext(in))) {
                System.err.println("error: " + in + ": video restoration is not implemented yet; images only for now");
                return 2;
            } else if (Files.isRegularFile(in)) {
                files.add(in);
            } else {
                System.err.println("error: no such file or folder: " + in);
                return 2;
            }
        }
        if (files.isEmpty()) {
            System.err.println("error: no images found in " + inputs);
            return 2;
        }
        Files.createDirectories(out);
        int failed = 0;
        try (DjlRestorer restorer = ModelLoader.load(variant, model, threads)) {
            int t = tile > 0 ? tile : restorer.info().tile();
            FrameRestorer frames = new FrameRestorer(restorer, t, Math.min(restorer.info().overlap(), t / 2), 16);
            for (int i = 0; i < files.size(); i++) {
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
        System.out.printf("restored %d of %d images into %s%n", files.size() - failed, files.size(), out);
        return failed == 0 ? 0 : 1;
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
        RestoredImage r = frames.restore(img.toFloatImage(), null, 0);
        BgrImage restored = BgrImage.fromFloatImage(r.image());
        String name = target.getFileName().toString();
        Path tmp = target.resolveSibling("." + name.substring(0, name.lastIndexOf('.')) + ".partial." + ext(target));
        try (Mat mat = new Mat(restored.height(), restored.width(), org.bytedeco.opencv.global.opencv_core.CV_8UC3)) {
            mat.data().put(restored.bgr());
            if (!imwrite(tmp.toString(), mat)) {
                throw new IOException("cannot write " + tmp);
            }
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return r;
    }

    private static String ext(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
