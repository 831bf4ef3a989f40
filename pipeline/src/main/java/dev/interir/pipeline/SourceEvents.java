package dev.interir.pipeline;

/** What a {@link SourceLoop} tells its stream. Called on the loop's thread. */
interface SourceEvents {

    /** The stream's state changed; {@code error} says why it is not live, or is null. */
    void status(StreamStatus status, String error);

    /** The source opened; {@code afterFailure}: it had failed since it last opened (a reconnect). */
    void opened(FrameSource.Format format, boolean afterFailure);

    /** A frame was decoded and is about to be offered to the slot. */
    void frameGrabbed();

    /**
     * The next frame does not follow on from the last one (a reconnect, a file's loop, a pause), so nothing carried
     * from frame to frame may be kept.
     */
    void sequenceBroken();
}
