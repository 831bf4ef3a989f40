package dev.interir.pipeline;

/** A source failure; fatal ones (no video, a frame too large to restore) are not retried. */
final class SourceException extends Exception {
    private final boolean fatal;

    SourceException(String message, boolean fatal) {
        super(message);
        this.fatal = fatal;
    }

    boolean fatal() {
        return fatal;
    }
}
