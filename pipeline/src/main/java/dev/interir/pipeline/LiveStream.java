package dev.interir.pipeline;

import dev.interir.model.FloatImage;
import dev.interir.model.FrameRestorer;
import dev.interir.model.RestoredImage;
import dev.interir.model.WarmStartState;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One stream: its source loop and thread, its frame slot, its status and counters, what its next frame starts from,
 * and its sinks. The source loop reports to it through {@link SourceEvents}; the restore stage takes its frames as
 * requests and hands it the results; everyone else reads snapshots.
 */
public final class LiveStream {
    private final String id;
    private final SourceSpec spec;
    private final PipelineSettings settings;
    private final FrameSlot slot;
    private final SourceLoop loop;
    private final Thread thread;
    private final List<FrameSink> sinks = new CopyOnWriteArrayList<>();
    private volatile boolean stopped;
    private final AtomicLong framesIn = new AtomicLong();
    private final AtomicLong framesOut = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final FpsMeter outFps = new FpsMeter();
    private final TemporalState temporal;                      // restore thread, but for reset requests
    private final Demand demand;
    private final StageClock clock;
    private boolean restoring = true;                          // restore thread only

    private volatile StreamStatus status = StreamStatus.CONNECTING;
    private volatile String error;
    private volatile int width;
    private volatile int height;
    private volatile double sourceFps;
    private volatile RestoredFrame last;

    /** @param source what the stream's loop opens and reads; it belongs to the stream from here on */
    LiveStream(String id, SourceSpec spec, PipelineSettings settings, Runnable onFrame, Demand demand, StageClock clock,
               FrameSource source) {
        this.id = id;
        this.spec = spec;
        this.settings = settings;
        this.demand = demand;
        this.clock = clock;
        this.temporal = new TemporalState(settings.sceneCutThreshold());
        this.slot = new FrameSlot(settings.slotCapacity(), spec.live(), onFrame);
        this.loop = new SourceLoop(id, spec, demand, settings.maxFramePixels(), source, slot, new Events(),
                SourceLoop.Waits.of(spec));
        this.thread = new Thread(loop, "grab-" + id);
        this.thread.setDaemon(true);
    }

    /**
     * The loop's reports. A private class rather than LiveStream itself implementing {@link SourceEvents}, so that
     * setting a stream's status is not part of its public face.
     */
    private final class Events implements SourceEvents {
        @Override
        public void status(StreamStatus s, String message) {
            setStatus(s, message);
        }

        @Override
        public void opened(FrameSource.Format format, boolean afterFailure) {
            if (afterFailure) {
                reconnects.incrementAndGet();
            }
            width = format.width();
            height = format.height();
            sourceFps = format.fps();
        }

        @Override
        public void frameGrabbed() {
            framesIn.incrementAndGet();
        }

        @Override
        public void sequenceBroken() {
            temporal.requestReset();
        }
    }

    void start() {
        thread.start();
    }

    /** Stops grabbing and closes the sinks; the grabber thread ends within the FFmpeg I/O timeout. */
    void stop() {
        stopped = true;
        loop.stop();
        slot.close();
        thread.interrupt();
        for (FrameSink sink : sinks) {
            try {
                sink.close();
            } catch (Exception ignored) {
                // a sink that fails to close must not keep the others open
            }
        }
        sinks.clear();
        status = StreamStatus.STOPPED;
    }

    public String id() {
        return id;
    }

    public SourceSpec spec() {
        return spec;
    }

    /** Who consumes this stream; viewers and HLS requests report here. */
    public Demand demand() {
        return demand;
    }

    /** Where this stream's stages record their time (shared by all streams of the registry). */
    public StageClock clock() {
        return clock;
    }

    public void addSink(FrameSink sink) {
        sinks.add(sink);
    }

    public StreamStatus status() {
        return status;
    }

    public double sourceFps() {
        return sourceFps;
    }

    private void setStatus(StreamStatus s, String message) {
        if (this.status == StreamStatus.STOPPED) {
            return;
        }
        this.status = s;
        this.error = message;
    }

    /** Whether a frame of this stream is on its way: the restore stage waits for those to fill a batch. */
    boolean framesComing() {
        return status == StreamStatus.LIVE && demand.wanted();
    }

    /**
     * Restore thread: the waiting frame, if any and if someone consumes the stream (an unwanted stream's frames are
     * dropped before any work). A stream that resumes starts its sequence over: the state it kept is from before the
     * pause.
     */
    VideoFrame nextFrame() {
        VideoFrame f = slot.poll();
        if (f == null) {
            return null;
        }
        boolean wanted = demand.wanted();
        if (wanted && !restoring) {
            temporal.reset();
        }
        restoring = wanted;
        return wanted ? f : null;
    }

    /** Restore thread: {@code frame} as the restorer takes it, with the state it starts from. */
    FrameRestorer.Request request(VideoFrame frame) {
        WarmStartState warm = temporal.forFrame(frame.image());
        long t0 = System.nanoTime();
        FloatImage in = frame.image().toFloatImage();
        clock.record(StageClock.Stage.COLOUR, System.nanoTime() - t0);
        return new FrameRestorer.Request(in, settings.temporal() ? warm : null);
    }

    /** Restore thread: restoring a frame failed, so the next one cannot start from it. */
    void restoreFailed() {
        temporal.reset();
    }

    /** Deliver thread: blends a restored frame, converts it to 8 bits and hands it to every sink (none once stopped). */
    void deliver(VideoFrame original, RestoredImage result) {
        if (stopped) {
            return; // a round restored before the stream was removed; its sinks are closed
        }
        FloatImage restored = result.image(); // blends the tiles (timed by the result itself)
        long t0 = System.nanoTime();
        BgrImage bgr = BgrImage.fromFloatImage(restored);
        clock.record(StageClock.Stage.COLOUR, System.nanoTime() - t0);
        clock.record(StageClock.Stage.TILING, result.tilingNanos());
        clock.record(StageClock.Stage.FORWARD, result.forwardNanos());
        clock.record(StageClock.Stage.BLEND, result.blendNanos());
        RestoredFrame frame = new RestoredFrame(original, bgr, result, System.nanoTime());
        last = frame;
        framesOut.incrementAndGet();
        outFps.tick(frame.doneNanos());
        for (FrameSink sink : sinks) {
            sink.accept(frame);
        }
    }

    public StreamSnapshot snapshot() {
        RestoredFrame l = last;
        return new StreamSnapshot(id, spec.original(), status.label(), error, demand.mode().label(), demand.wanted(), width, height,
                outFps.fps(System.nanoTime()), framesIn.get(), framesOut.get(), slot.dropped(),
                reconnects.get(),
                l == null ? 0 : l.latencyMillis(),
                l == null ? 0 : l.stats().stagesRun(), l != null && l.stats().warm(),
                l == null ? new float[0] : l.stats().residuals(),
                l == null ? new float[0] : l.stats().routing());
    }
}
