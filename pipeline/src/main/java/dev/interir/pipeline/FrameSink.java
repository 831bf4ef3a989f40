package dev.interir.pipeline;

/**
 * Receives the restored frames of one stream, in order, on the deliver thread: it must hand blocking work to its
 * own thread and return at once, so one slow sink never stalls the pipeline.
 */
public interface FrameSink extends AutoCloseable {

    void accept(RestoredFrame frame);

    @Override
    default void close() {
    }
}
