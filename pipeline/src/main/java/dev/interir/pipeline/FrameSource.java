package dev.interir.pipeline;

/**
 * A video source as {@link SourceLoop} drives it, in the manner of JavaCV's {@code FrameGrabber}: open it, grab
 * frames until the end, close it; the loop opens it again after a failure or at the end of a file. An
 * implementation only decodes: retrying, pacing, pausing and reporting status are the loop's, so they can be tested
 * with a scripted source instead of FFmpeg.
 */
interface FrameSource extends AutoCloseable {

    /** What an open source delivers; {@code fps} is the source's nominal rate, already sanitised. */
    record Format(int width, int height, double fps) {
    }

    /** One decoded frame and the source's presentation time of it (microseconds). */
    record Grabbed(BgrImage image, long ptsMicros) {
    }

    /**
     * Opens (or reopens) the source.
     *
     * @throws SourceException a fatal one for what no retry can fix; anything else is worth a retry for a live source
     */
    Format open() throws Exception;

    /** The next frame, or null at the end of the stream. */
    Grabbed grab() throws Exception;

    /** Releases what {@link #open()} opened; harmless when nothing is open. */
    @Override
    void close() throws Exception;
}
