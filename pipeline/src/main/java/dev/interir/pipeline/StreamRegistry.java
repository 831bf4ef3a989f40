package dev.interir.pipeline;

import dev.interir.model.FrameRestorer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The set of streams and the restore stage they share. Adding a stream validates its id and source, attaches
 * the sinks the server asks for, and starts its grabber.
 */
public final class StreamRegistry implements AutoCloseable {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    private final Map<String, LiveStream> streams = new ConcurrentHashMap<>();
    private final PipelineSettings settings;
    private final RestoreStage stage;
    private final Function<LiveStream, List<FrameSink>> sinkFactory;
    private final StageClock clock = new StageClock();

    public StreamRegistry(FrameRestorer restorer, PipelineSettings settings,
                          Function<LiveStream, List<FrameSink>> sinkFactory) {
        this.settings = settings;
        this.sinkFactory = sinkFactory;
        this.stage = new RestoreStage(restorer, this::list, settings);
        this.stage.start();
    }

    /**
     * @throws IllegalArgumentException for a bad id or source (the message says which)
     * @throws IllegalStateException    when the id is taken or the stream limit is reached
     */
    public LiveStream add(String id, String source) {
        return add(id, SourceSpec.parse(source));
    }

    public LiveStream add(String id, SourceSpec spec) {
        return add(id, spec, Demand.Mode.WATCHED);
    }

    /** @param mode what the stream does while nobody consumes it */
    public synchronized LiveStream add(String id, SourceSpec spec, Demand.Mode mode) {
        checkId(id);
        if (streams.containsKey(id)) {
            throw new IllegalStateException("stream '" + id + "' already exists");
        }
        if (streams.size() >= settings.maxStreams()) {
            throw new IllegalStateException("stream limit reached (" + settings.maxStreams() + ")");
        }
        LiveStream s = new LiveStream(id, spec, settings, stage::frameArrived,
                new Demand(mode, settings.idleSeconds() * 1000L), clock, new FfmpegSource(spec, clock));
        sinkFactory.apply(s).forEach(s::addSink);
        streams.put(id, s);
        s.start();
        return s;
    }

    /** @throws IllegalArgumentException unless {@code id} is a valid stream id (the message says what is) */
    public static void checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("stream id must be 1-64 letters, digits, '-' or '_', starting with a letter or digit");
        }
    }

    public synchronized boolean remove(String id) {
        LiveStream s = streams.remove(id);
        if (s == null) {
            return false;
        }
        s.stop();
        return true;
    }

    /** Time per stage, all streams together. */
    public StageClock stageClock() {
        return clock;
    }

    /** Whether the model has run its warm-up passes (seconds after start on two cores): readiness waits for it. */
    public boolean modelWarm() {
        return stage.modelWarm();
    }

    /** Frames restored together in the inference thread's latest round. */
    public int lastBatchFrames() {
        return stage.lastBatchFrames();
    }

    /** The inference thread, for work that shares the model with the streams (file jobs). */
    public SharedRestorer sharedRestorer() {
        return stage;
    }

    public Optional<LiveStream> get(String id) {
        return Optional.ofNullable(streams.get(id));
    }

    public List<LiveStream> list() {
        List<LiveStream> all = new ArrayList<>(streams.values());
        all.sort((a, b) -> a.id().compareTo(b.id()));
        return all;
    }

    @Override
    public synchronized void close() {
        for (String id : new ArrayList<>(streams.keySet())) {
            remove(id);
        }
        stage.stop();
    }
}
