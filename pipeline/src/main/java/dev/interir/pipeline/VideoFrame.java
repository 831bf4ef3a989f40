package dev.interir.pipeline;

/**
 * One decoded frame of a stream, stamped when it was grabbed.
 *
 * @param seq       per-stream sequence number, from 0
 * @param ptsMicros the source's presentation time (microseconds), or -1 when unknown
 * @param grabNanos System.nanoTime() when the grabber returned it
 */
public record VideoFrame(String streamId, long seq, long ptsMicros, long grabNanos, BgrImage image) {
}
