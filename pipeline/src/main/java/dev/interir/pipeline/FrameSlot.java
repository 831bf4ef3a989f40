package dev.interir.pipeline;

import java.util.ArrayDeque;

/**
 * The small queue between a stream's grabber and the restore stage. A live source never waits: when the slot
 * is full the oldest frame is dropped and counted, so the viewer always sees the present. A file source waits
 * instead, so nothing of a file is lost.
 */
public final class FrameSlot {
    private final ArrayDeque<VideoFrame> frames = new ArrayDeque<>();
    private final int capacity;
    private final boolean dropOldest;
    private final Runnable onFrame;
    private long dropped;
    private boolean closed;

    public FrameSlot(int capacity, boolean dropOldest, Runnable onFrame) {
        this.capacity = Math.max(1, capacity);
        this.dropOldest = dropOldest;
        this.onFrame = onFrame;
    }

    /** @return false when the slot was closed (the stream is going away) */
    public boolean offer(VideoFrame frame) throws InterruptedException {
        synchronized (this) {
            while (!closed && frames.size() >= capacity) {
                if (dropOldest) {
                    frames.removeFirst();
                    dropped++;
                } else {
                    wait(200);
                }
            }
            if (closed) {
                return false;
            }
            frames.addLast(frame);
        }
        onFrame.run();
        return true;
    }

    public synchronized VideoFrame poll() {
        VideoFrame f = frames.pollFirst();
        if (f != null) {
            notifyAll();
        }
        return f;
    }

    public synchronized long dropped() {
        return dropped;
    }

    public synchronized void close() {
        closed = true;
        frames.clear();
        notifyAll();
    }
}
