package dev.interir.pipeline;

import dev.interir.model.FloatImage;
import dev.interir.model.FrameRestorer;
import dev.interir.model.RestoredImage;
import dev.interir.model.WarmStartState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one inference thread, a scheduler. Each round it takes at most one waiting frame per stream (never two of one
 * stream: a frame warm-starts from its predecessor's result), starting from a different stream each round so none
 * is favoured, plus the frames submitted by file jobs; hands them to the restorer together, their tiles sharing
 * forward passes; and gives each result back to its stream (or its job's future). What a frame starts from and
 * what becomes of a result are the stream's ({@link LiveStream#request}, {@link LiveStream#deliver}).
 *
 * <p>Results go back to the streams on a second thread, "deliver", in order: blending the tiles, converting to
 * 8-bit and the sinks (JPEG for viewers) overlap the next round's forward passes on two cores. When delivery falls
 * two rounds behind, the inference thread waits for it, so nothing queues without bound.
 */
public final class RestoreStage implements Runnable, SharedRestorer {
    private static final Logger LOG = LoggerFactory.getLogger(RestoreStage.class);

    private final FrameRestorer restorer;
    private final Supplier<List<LiveStream>> streams;
    private final PipelineSettings settings;
    private final ConcurrentLinkedQueue<JobFrame> jobFrames = new ConcurrentLinkedQueue<>();
    private final Object wakeup = new Object();
    private final Thread thread;
    private final ThreadPoolExecutor delivery = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(2), r -> {
                Thread t = new Thread(r, "deliver");
                t.setDaemon(true);
                return t;
            }, RestoreStage::waitForRoom);
    private volatile boolean running = true;
    private volatile int lastBatchFrames;
    private boolean frameArrived;
    private int rotation;

    private record JobFrame(FrameRestorer.Request request, CompletableFuture<RestoredImage> result) {
    }

    private record LiveFrame(LiveStream stream, VideoFrame frame) {
    }

    public RestoreStage(FrameRestorer restorer, Supplier<List<LiveStream>> streams, PipelineSettings settings) {
        this.restorer = restorer;
        this.streams = streams;
        this.settings = settings;
        this.thread = new Thread(this, "restore");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    @Override
    public CompletableFuture<RestoredImage> restore(FloatImage frame, WarmStartState warm) {
        CompletableFuture<RestoredImage> result = new CompletableFuture<>();
        if (!running) {
            result.completeExceptionally(new IllegalStateException("the restore stage is stopped"));
            return result;
        }
        jobFrames.add(new JobFrame(new FrameRestorer.Request(frame, settings.temporal() ? warm : null), result));
        frameArrived();
        return result;
    }

    /** Whether the model has run its warm-up passes, so a first frame comes without a cold-start stall. */
    public boolean modelWarm() {
        return restorer.warmedUp();
    }

    /** Frames restored together in the latest round (for metrics). */
    public int lastBatchFrames() {
        return lastBatchFrames;
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
        try {
            restorer.warmUp();
        } catch (RuntimeException e) {
            LOG.warn("model warm-up failed; the first frames may be slow: {}", e.getMessage());
        }
        while (running) {
            List<LiveFrame> live = new ArrayList<>();
            List<JobFrame> jobs = new ArrayList<>();
            collect(live, jobs);
            if (live.isEmpty() && jobs.isEmpty()) {
                awaitFrame(100);
                continue;
            }
            if (settings.batchStreams()) {
                process(live, jobs);
            } else {
                live.forEach(f -> process(List.of(f), List.of()));
                jobs.forEach(j -> process(List.of(), List.of(j)));
            }
        }
        JobFrame j;
        while ((j = jobFrames.poll()) != null) {
            j.result().completeExceptionally(new IllegalStateException("the restore stage stopped"));
        }
    }

    private void collect(List<LiveFrame> live, List<JobFrame> jobs) {
        List<LiveStream> all = streams.get();
        int n = all.size();
        boolean[] taken = new boolean[n];
        int start = n == 0 ? 0 : Math.floorMod(rotation++, n);
        pollStreams(all, start, taken, live);
        if (settings.batchStreams() && settings.batchDeadlineMs() > 0 && !live.isEmpty()) {
            long waiting = all.stream().filter(LiveStream::framesComing).count();
            if (live.size() < waiting) {
                // the other cameras' frames are usually a few ms away: waiting for them fills the batch
                long deadline = System.nanoTime() + settings.batchDeadlineMs() * 1_000_000L;
                while (live.size() < waiting && System.nanoTime() < deadline) {
                    awaitFrame(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
                    pollStreams(all, start, taken, live);
                }
            }
        }
        JobFrame j;
        while ((j = jobFrames.poll()) != null) {
            jobs.add(j);
        }
    }

    private static void pollStreams(List<LiveStream> all, int start, boolean[] taken, List<LiveFrame> into) {
        for (int i = 0; i < all.size(); i++) {
            int k = (start + i) % all.size();
            if (taken[k]) {
                continue;
            }
            VideoFrame f = all.get(k).nextFrame();
            if (f != null) {
                taken[k] = true;
                into.add(new LiveFrame(all.get(k), f));
            }
        }
    }

    private void process(List<LiveFrame> live, List<JobFrame> jobs) {
        List<FrameRestorer.Request> requests = new ArrayList<>(live.size() + jobs.size());
        for (LiveFrame f : live) {
            requests.add(f.stream().request(f.frame()));
        }
        for (JobFrame j : jobs) {
            requests.add(j.request());
        }
        List<RestoredImage> results;
        try {
            lastBatchFrames = requests.size();
            results = restorer.restoreAll(requests);
        } catch (RuntimeException e) {
            // one bad batch must not take the inference thread (and every other stream) down
            if (running) {
                LOG.error("restoring a batch of {} frames failed", requests.size(), e);
            } else {
                // stop() interrupted a pass in flight: the service is shutting down, nothing failed
                LOG.debug("batch of {} frames abandoned at shutdown: {}", requests.size(), e.getMessage());
            }
            jobs.forEach(j -> j.result().completeExceptionally(e));
            live.forEach(f -> f.stream().restoreFailed());
            return;
        }
        if (!live.isEmpty()) {
            List<RestoredImage> liveResults = results.subList(0, live.size());
            delivery.execute(() -> deliver(live, liveResults));
        }
        for (int i = 0; i < jobs.size(); i++) {
            jobs.get(i).result().complete(results.get(live.size() + i));
        }
    }

    /** Backpressure that keeps the order (running it here instead would overtake the queued rounds). */
    private static void waitForRoom(Runnable task, ThreadPoolExecutor executor) {
        if (executor.isShutdown()) {
            return;
        }
        try {
            executor.getQueue().put(task);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deliver(List<LiveFrame> live, List<RestoredImage> results) {
        for (int i = 0; i < live.size(); i++) {
            LiveFrame f = live.get(i);
            try {
                f.stream().deliver(f.frame(), results.get(i));
            } catch (RuntimeException | Error e) {
                // caught here, not left to the executor: a dead worker would be replaced by one that starts with
                // the newest round and overtakes the queued ones
                LOG.error("stream {}: delivering frame {} failed", f.stream().id(), f.frame().seq(), e);
            }
        }
    }

    private void awaitFrame(long millis) {
        synchronized (wakeup) {
            try {
                if (!frameArrived) {
                    wakeup.wait(millis);
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
        } finally {
            delivery.shutdown();
        }
        try {
            delivery.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
