package dev.interir.server;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.interir.model.DjlRestorer;
import java.nio.file.Path;

/** Loads the configured network on the best device here, with DJL kept offline. */
public final class ModelLoader {
    private ModelLoader() {
    }

    /**
     * 0 means automatic: every core. The forward pass is 95% of a frame and the engine's other work (decode,
     * blending, JPEG) 10-15 ms, so a core kept free for it mostly idles (bench on 2 cores with the video network:
     * one camera 4.7 fps at 2 threads, 3.2 at 1).
     */
    public static int threadsFor(int configured) {
        return configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
    }

    public static DjlRestorer load(String variant, String file, int threads) {
        // must be set before the engine starts; natives come from the Maven jars, never a download
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threadsFor(threads)));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Device device = Engine.getEngine("PyTorch").defaultDevice();
        return file != null && !file.isBlank()
                ? DjlRestorer.load(Path.of(file), device)
                : DjlRestorer.loadBundled(variant, device);
    }
}
