package dev.interir.pipeline;

import dev.interir.model.FrameRestorer;
import dev.interir.model.RestoredImage;
import java.util.Collection;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one inference thread: takes the waiting frame of each stream in turn (round robin, so a busy stream
 * cannot starve the others), restores it, and hands the result to the stream's sinks.
 */
public final class RestoreStage implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(RestoreStage.class);

    private final FrameRestorer restorer;
    private final Supplier<Collection<LiveStream>> streams;
    private final int warmStages;
    private final Object wakeup = new Object();
    private final Thread thread;
    private volatile boolean running = true;
    private boolean frameArrived;

    public RestoreStage(FrameRestorer restorer, Supplier<Collection<LiveStream>> streams, int warmStages) {
        this.restorer = restorer;
        this.streams = streams;
        this.warmStages = warmStages;
        this.thread = new Thread(this, "restore");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Called by grabbers after they put a frame in a slot. */
    void frameArrived() {
        synchronized (wakeup) {
            frameArrived = true;
            wakeup.notifyAll();
        }
    }

    @Override
    public void run() {
        while (running) {
            boolean worked = false;
            for (LiveStream s : streams.get()) {
                VideoFrame frame = s.slot().poll();
                if (frame == null) {
                    continue;
                }
                worked = true;
                try {
                    s.deliver(restore(s, frame));
                } catch (RuntimeException e) {
                    // one bad frame must not take the inference thread (and every other stream) down
                    LOG.error("stream {}: restoring frame {} failed", s.id(), frame.seq(), e);
                }
            }
            if (!worked) {
                awaitFrame();
            }
        }
    }

    private RestoredFrame restore(LiveStream s, VideoFrame frame) {
        RestoredImage r = restorer.restore(frame.image().toFloatImage(), s.warmState(), warmStages);
        return new RestoredFrame(frame, BgrImage.fromFloatImage(r.image()), r, System.nanoTime());
    }

    private void awaitFrame() {
        synchronized (wakeup) {
            try {
                if (!frameArrived) {
                    wakeup.wait(100);
                }
            } catch (InterruptedException e) {
                running = false;
                Thread.currentThread().interrupt();
            }
            frameArrived = false;
        }
    }

    public void stop() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
