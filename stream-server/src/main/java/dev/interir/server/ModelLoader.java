package dev.interir.server;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.interir.model.DjlRestorer;
import java.nio.file.Path;

/** Loads the configured network on the best device here, with DJL kept offline. */
final class ModelLoader {
    private ModelLoader() {
    }

    static DjlRestorer load(String variant, String file, int threads) {
        // must be set before the engine starts; natives come from the Maven jars, never a download
        System.setProperty("ai.djl.offline", "true");
        if (threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        Device device = Engine.getEngine("PyTorch").defaultDevice();
        return file != null && !file.isBlank()
                ? DjlRestorer.load(Path.of(file), device)
                : DjlRestorer.loadBundled(variant, device);
    }
}
