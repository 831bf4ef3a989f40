package dev.interir.pipeline;

/**
 * Receives the restored frames of one stream, on the restore thread: it must hand heavy or blocking work
 * to its own thread and return at once, so one slow sink never stalls the pipeline.
 */
public interface FrameSink extends AutoCloseable {

    void accept(RestoredFrame frame);

    @Override
    default void close() {
    }
}
