package dev.interir.pipeline;

import dev.interir.model.FloatImage;
import dev.interir.model.FrameRestorer;
import dev.interir.model.RestoredImage;
import dev.interir.model.WarmStartState;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A {@link SharedRestorer} with its own inference thread, for the CLI where no live streams run. */
public final class SingleThreadRestorer implements SharedRestorer, AutoCloseable {
    private final FrameRestorer restorer;
    private final boolean temporal;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "restore");
        t.setDaemon(true);
        return t;
    });

    /** @param temporal pass each sequence's state on to its next frame; false restores every frame on its own */
    public SingleThreadRestorer(FrameRestorer restorer, boolean temporal) {
        this.restorer = restorer;
        this.temporal = temporal;
    }

    @Override
    public CompletableFuture<RestoredImage> restore(FloatImage frame, WarmStartState warm) {
        return CompletableFuture.supplyAsync(() -> restorer.restore(frame, temporal ? warm : null), thread);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
