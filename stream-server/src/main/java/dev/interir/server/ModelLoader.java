package dev.interir.server;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.interir.model.DjlRestorer;
import dev.interir.server.config.ServiceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Loads the configured network on the best device here, with DJL kept offline. */
public final class ModelLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);

    private ModelLoader() {
    }

    /**
     * 0 means automatic: every core. The forward pass is 95% of a frame and the engine's other work (decode,
     * blending, JPEG) 10-15 ms, so a core kept free for it mostly idles.
     */
    public static int threadsFor(int configured) {
        return configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
    }

    /**
     * Forward passes at once on the CPU; 0 means automatic: one per thread. A pass over a frame's small tiles is many
     * short operations that libtorch cannot split well across threads (one camera restored 3.7 fps at 2 threads in
     * one lane), where two passes on one thread each keep both cores busy.
     */
    public static int lanesFor(int configuredLanes, int threads) {
        return configuredLanes > 0 ? configuredLanes : threads;
    }

    /** The configured network with its threads split into lanes (one lane on a GPU: it wants large passes). */
    public static DjlRestorer load(ServiceConfig.Model model) {
        int threads = threadsFor(model.threads);
        int lanes = lanesFor(model.lanes, threads);
        // must be set before the engine starts; natives come from the Maven jars, never a download
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(Math.max(1, threads / lanes)));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Device device = Engine.getEngine("PyTorch").defaultDevice();
        if (device.isGpu()) {
            lanes = 1;
        }
        logAllocator();
        return model.file != null && !model.file.isBlank()
                ? DjlRestorer.load(Path.of(model.file), device, lanes)
                : DjlRestorer.loadBundled(model.variant, device, lanes);
    }

    /** The malloc libtorch's tensors come from: "tcmalloc", "jemalloc", or "glibc" (or "unknown" off Linux). */
    public static String allocator() {
        try {
            String maps = Files.readString(Path.of("/proc/self/maps"));
            if (maps.contains("libtcmalloc")) {
                return "tcmalloc";
            }
            return maps.contains("libjemalloc") ? "jemalloc" : "glibc";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * glibc's malloc returns a large tensor's memory to the kernel when it is freed and faults it in again for the
     * next one; a forward pass allocates hundreds of them. Under tcmalloc the network took a third less time in
     * Python and the service spent less time in the kernel (README.md, "Performance"), so running without it is
     * worth a line in the log.
     */
    private static void logAllocator() {
        String allocator = allocator();
        if (allocator.equals("glibc")) {
            LOG.warn("libtorch allocates through glibc malloc, which returns its tensors' memory to the kernel and "
                    + "faults it in again: forward passes are slower than under tcmalloc. Start through scripts/interir (it preloads libtcmalloc_minimal.so.4 when installed: Debian "
                    + "package libtcmalloc-minimal4) or set LD_PRELOAD yourself");
        } else {
            LOG.info("memory allocator: {}", allocator);
        }
    }
}
