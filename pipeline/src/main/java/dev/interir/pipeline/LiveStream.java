package dev.interir.pipeline;

import dev.interir.model.WarmStartState;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One stream: its source thread, its frame slot, its state machine and counters, and its sinks.
 * The restore stage reads the slot and writes the results; everyone else reads snapshots.
 */
public final class LiveStream {
    private final String id;
    private final SourceSpec spec;
    private final FrameSlot slot;
    private final FfmpegSource source;
    private final Thread thread;
    private final List<FrameSink> sinks = new CopyOnWriteArrayList<>();
    private volatile boolean stopped;
    private final AtomicLong framesIn = new AtomicLong();
    private final AtomicLong framesOut = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final FpsMeter outFps = new FpsMeter();
    private final AtomicBoolean warmResetRequested = new AtomicBoolean();
    private final WarmStartState warm = new WarmStartState(); // restore thread only
    private final SceneCutDetector sceneCuts;                  // restore thread only
    private final Demand demand;
    private final StageClock clock;
    private boolean restoring = true;                          // restore thread only

    private volatile StreamStatus status = StreamStatus.CONNECTING;
    private volatile String error;
    private volatile int width;
    private volatile int height;
    private volatile double sourceFps;
    private volatile RestoredFrame last;

    LiveStream(String id, SourceSpec spec, PipelineSettings settings, Runnable onFrame, Demand demand, StageClock clock) {
        this.id = id;
        this.demand = demand;
        this.clock = clock;
        this.sceneCuts = new SceneCutDetector(settings.sceneCutThreshold());
        this.spec = spec;
        this.slot = new FrameSlot(settings.slotCapacity(), spec.live(), onFrame);
        this.source = new FfmpegSource(this, settings.maxFramePixels());
        this.thread = new Thread(source, "grab-" + id);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Stops grabbing and closes the sinks; the grabber thread ends within the FFmpeg I/O timeout. */
    void stop() {
        stopped = true;
        source.stop();
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

    /**
     * Restore thread: whether this stream's frames are restored now (someone consumes it). A stream that resumes
     * starts its sequence over: the state it kept is from before the pause.
     */
    boolean restoring() {
        boolean wanted = demand.wanted();
        if (wanted && !restoring) {
            warm.reset();
        }
        restoring = wanted;
        return wanted;
    }

    public void addSink(FrameSink sink) {
        sinks.add(sink);
    }

    FrameSlot slot() {
        return slot;
    }

    String error() {
        return error;
    }

    public StreamStatus status() {
        return status;
    }

    public double sourceFps() {
        return sourceFps;
    }

    void status(StreamStatus s, String message) {
        if (this.status == StreamStatus.STOPPED) {
            return;
        }
        this.status = s;
        this.error = message;
    }

    void opened(int w, int h, double fps, boolean afterFailure) {
        if (afterFailure) {
            reconnects.incrementAndGet();
        }
        this.width = w;
        this.height = h;
        this.sourceFps = fps;
        status(StreamStatus.LIVE, null);
    }

    void frameGrabbed() {
        framesIn.incrementAndGet();
    }

    void requestWarmReset() {
        warmResetRequested.set(true);
    }

    /** Restore thread: the warm-start state, cleared first if the source reconnected or looped. */
    WarmStartState warmState() {
        if (warmResetRequested.getAndSet(false)) {
            warm.reset();
        }
        return warm;
    }

    /** Restore thread: whether this frame starts a new scene (then its warm start must be reset). */
    boolean isSceneCut(BgrImage frame) {
        return sceneCuts.isCut(frame);
    }

    /** Deliver thread: hands a restored frame to every sink (none once the stream is stopped). */
    void deliver(RestoredFrame frame) {
        if (stopped) {
            return; // a round restored before the stream was removed; its sinks are closed
        }
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
