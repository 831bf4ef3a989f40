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
     * 0 means automatic: all cores but one. The spare core decodes, blends, encodes JPEG and H.264 while the
     * forward pass runs; libtorch's threads wait for each other at every operator, so one of them stalled by
     * that work stalls the whole pass (bench on 2 cores: 1 thread plus the deliver thread beat 2 threads).
     */
    public static int threadsFor(int configured) {
        return configured > 0 ? configured : Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
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
