package dev.interir.pipeline;

import dev.interir.model.FloatImage;
import dev.interir.model.RestoredImage;
import dev.interir.model.WarmStartState;
import java.util.concurrent.CompletableFuture;

/**
 * Restores single frames for work outside the live streams (file jobs, the CLI) on whichever thread owns the
 * model, so one model serves everything. The caller owns {@code warm} and must not submit the next frame of the
 * same sequence before the previous one completed (a frame warm-starts from its predecessor).
 */
public interface SharedRestorer {

    CompletableFuture<RestoredImage> restore(FloatImage frame, WarmStartState warm);
}
