package dev.interir.pipeline;

import dev.interir.model.WarmStartState;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the next restored frame of a stream starts from: the warm-start state its last frame left, kept only while
 * the frames follow on from each other. It is reset at a scene cut, when the source broke the sequence (a reconnect,
 * a file's loop, a pause), when the stream resumes after nobody watched, and after a failed restore.
 *
 * <p>Used on the restore thread, except {@link #requestReset()}, which the source's thread calls.
 */
final class TemporalState {
    private final AtomicBoolean resetRequested = new AtomicBoolean();
    private final WarmStartState warm = new WarmStartState();
    private final SceneCutDetector sceneCuts;

    /** @param sceneCutThreshold see {@link SceneCutDetector} */
    TemporalState(double sceneCutThreshold) {
        this.sceneCuts = new SceneCutDetector(sceneCutThreshold);
    }

    /** Any thread: the next frame does not follow on from the last one. */
    void requestReset() {
        resetRequested.set(true);
    }

    /** The state {@code frame} starts from: empty when the sequence broke before it or it starts a new scene. */
    WarmStartState forFrame(BgrImage frame) {
        if (resetRequested.getAndSet(false)) {
            warm.reset();
        }
        if (sceneCuts.isCut(frame)) {
            warm.reset();
        }
        return warm;
    }

    /** Forgets the state now (a failed restore, a stream that resumes). */
    void reset() {
        resetRequested.set(false);
        warm.reset();
    }
}
