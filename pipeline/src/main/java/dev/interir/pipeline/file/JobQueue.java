package dev.interir.pipeline.file;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Video restoration jobs of the service: each restores one file with a {@link VideoFileRestorer} into its own
 * folder under the output folder; {@code concurrency} of them run at once, the rest wait in order, at most
 * {@link Limits#maxQueued()} of them. A finished job and its folder are removed {@link Limits#keepFinished()}
 * after it ended. Listeners hear of every state change and of progress (at most a few times a second per job).
 */
public final class JobQueue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobQueue.class);
    private static final long PROGRESS_EVERY_NANOS = 250_000_000L;

    public enum State { QUEUED, RUNNING, DONE, FAILED, CANCELLED;

        public boolean finished() {
            return this == DONE || this == FAILED || this == CANCELLED;
        }

        public String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param maxQueued    most jobs waiting to run; {@link #submit} refuses more with {@link QueueFullException}
     * @param keepFinished how long a finished job and its result are kept
     */
    public record Limits(int maxQueued, Duration keepFinished) {
        public Limits {
            if (maxQueued < 1 || keepFinished.isNegative() || keepFinished.isZero()) {
                throw new IllegalArgumentException("jobs need maxQueued >= 1 and a positive retention time");
            }
        }
    }

    /** Thrown by {@link #submit} when {@link Limits#maxQueued()} jobs are already waiting. */
    public static final class QueueFullException extends RuntimeException {
        public QueueFullException(int max) {
            super("the job queue is full (" + max + " waiting); try again when one has started");
        }
    }

    /** A job as the API shows it. {@code result} is set when done. */
    public record Snapshot(String id, String input, State state, double progress, long framesDone, long framesTotal,
                           double fps, double etaSeconds, String error, Path result, long createdMillis) {
    }

    private final class Job {
        final String id;
        final Path input;
        final String displayName;
        final boolean ownsInput;
        final long created = System.currentTimeMillis();
        volatile long finishedMillis;
        volatile State state = State.QUEUED;
        volatile VideoFileRestorer.Progress progress = new VideoFileRestorer.Progress(0, -1, 0, -1);
        volatile String error;
        volatile Path result;
        volatile boolean cancel;
        volatile Future<?> future;
        long lastPush;

        Job(String id, Path input, String displayName, boolean ownsInput) {
            this.id = id;
            this.input = input;
            this.displayName = displayName;
            this.ownsInput = ownsInput;
        }

        Snapshot snapshot() {
            VideoFileRestorer.Progress p = progress;
            double fraction = state == State.DONE ? 1.0 : p.fraction();
            return new Snapshot(id, displayName, state, fraction, p.framesDone(), p.framesTotal(),
                    state == State.RUNNING ? p.fps() : 0, state == State.RUNNING ? p.etaSeconds() : -1, error, result, created);
        }
    }

    private final VideoFileRestorer restorer;
    private final Path outputDir;
    private final ExecutorService workers;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final List<Consumer<Snapshot>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Limits limits;
    private final ScheduledExecutorService pruner;
    private boolean closed;

    /** Removes what an earlier run left in {@code outputDir} (see {@link #removeLeftovers}) before taking jobs. */
    public JobQueue(VideoFileRestorer restorer, Path outputDir, int concurrency, Limits limits) throws IOException {
        this.restorer = restorer;
        this.limits = limits;
        this.outputDir = Files.createDirectories(outputDir);
        removeLeftovers();
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(Math.max(1, concurrency), r -> {
            Thread t = new Thread(r, "job-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.pruner = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "job-pruner");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(100, Math.min(60_000, limits.keepFinished().toMillis() / 4));
        pruner.scheduleWithFixedDelay(this::pruneFinished, every, every, TimeUnit.MILLISECONDS);
    }

    public Limits limits() {
        return limits;
    }

    public Path outputDir() {
        return outputDir;
    }

    /** Called on a worker thread (or the caller's, for submit/cancel): must not block. */
    public void addListener(Consumer<Snapshot> l) {
        listeners.add(l);
    }

    public void removeListener(Consumer<Snapshot> l) {
        listeners.remove(l);
    }

    /** Whether {@link #submit} would take another job now (it may still refuse one when others came first). */
    public boolean acceptsMore() {
        return queued() < limits.maxQueued();
    }

    private int queued() {
        int n = 0;
        for (Job j : jobs.values()) {
            if (j.state == State.QUEUED) {
                n++;
            }
        }
        return n;
    }

    /**
     * Queues the restoration of {@code input}.
     *
     * @param displayName what the API shows as the job's input
     * @param ownsInput   delete {@code input} when the job ends (an upload); the caller deletes it when refused
     * @throws QueueFullException    when {@link Limits#maxQueued()} jobs are waiting
     * @throws IllegalStateException once the queue is closing
     */
    public Snapshot submit(Path input, String displayName, boolean ownsInput) {
        return submit(UUID.randomUUID().toString().substring(0, 8), input, displayName, ownsInput);
    }

    /**
     * Queues a job under an id chosen by the caller (a cluster's job keeps its id on whichever node runs it).
     *
     * @throws IllegalStateException also when the id is taken
     */
    public Snapshot submit(String id, Path input, String displayName, boolean ownsInput) {
        Job job = new Job(id, input, displayName, ownsInput);
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the service is shutting down");
            }
            if (!acceptsMore()) {
                throw new QueueFullException(limits.maxQueued());
            }
            if (jobs.containsKey(id)) {
                throw new IllegalStateException("job '" + id + "' already exists");
            }
            job.future = workers.submit(() -> run(job));
            jobs.put(id, job);
        }
        LOG.info("job {} queued: {}", id, displayName);
        Snapshot s = job.snapshot();
        notify(s);
        return s;
    }

    public List<Snapshot> list() {
        List<Snapshot> all = new ArrayList<>();
        jobs.values().forEach(j -> all.add(j.snapshot()));
        all.sort(Comparator.comparingLong(Snapshot::createdMillis).thenComparing(Snapshot::id));
        return all;
    }

    public Optional<Snapshot> get(String id) {
        Job j = jobs.get(id);
        return j == null ? Optional.empty() : Optional.of(j.snapshot());
    }

    /**
     * Cancels a queued or running job (a running one stops within a frame and its partial file is removed).
     *
     * @return the job after the request, empty when there is no such job
     */
    public Optional<Snapshot> cancel(String id) {
        Job j = jobs.get(id);
        if (j == null) {
            return Optional.empty();
        }
        synchronized (j) {
            if (!j.state.finished()) {
                j.cancel = true;
                if (j.state == State.QUEUED && j.future.cancel(false)) {
                    finish(j, State.CANCELLED, null);
                }
            }
        }
        return Optional.of(j.snapshot());
    }

    private void run(Job job) {
        synchronized (job) {
            if (job.state.finished()) {
                return;
            }
            if (job.cancel) { // cancelled while its worker was picking it up
                finish(job, State.CANCELLED, null);
                return;
            }
            job.state = State.RUNNING;
        }
        notify(job.snapshot());
        Path target = outputDir.resolve(job.id).resolve(VideoFileRestorer.outputName(job.input));
        try {
            Files.createDirectories(target.getParent());
            VideoFileRestorer.Result r = restorer.restore(job.input, target, p -> {
                job.progress = p;
                long now = System.nanoTime();
                if (now - job.lastPush >= PROGRESS_EVERY_NANOS) {
                    job.lastPush = now;
                    notify(job.snapshot());
                }
            }, () -> job.cancel);
            job.result = r.output();
            job.progress = new VideoFileRestorer.Progress(r.frames(), r.frames(), job.progress.fps(), 0);
            LOG.info("job {} done: {} frames in {} s", job.id, r.frames(), VideoFileRestorer.fmt(r.seconds()));
            finish(job, State.DONE, null);
        } catch (CancellationException e) {
            LOG.info("job {} cancelled", job.id);
            deleteQuietly(target.getParent());
            finish(job, State.CANCELLED, null);
        } catch (IOException | RuntimeException e) {
            LOG.warn("job {} ({}) failed: {}", job.id, job.displayName, e.getMessage());
            deleteQuietly(target.getParent());
            finish(job, State.FAILED, e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }

    private void finish(Job job, State state, String error) {
        job.error = error;
        job.finishedMillis = System.currentTimeMillis();
        job.state = state;
        if (job.ownsInput) {
            try {
                Files.deleteIfExists(job.input);
                Files.deleteIfExists(job.input.getParent()); // the upload's own folder, once empty
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                LOG.debug("upload folder of job {} not empty", job.id);
            } catch (IOException e) {
                LOG.debug("removing upload {}: {}", job.input, e.getMessage());
            }
        }
        notify(job.snapshot());
    }

    private static void deleteQuietly(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debug("cleaning {}: {}", dir, e.getMessage());
        }
    }

    private void notify(Snapshot s) {
        for (Consumer<Snapshot> l : listeners) {
            try {
                l.accept(s);
            } catch (RuntimeException e) {
                LOG.debug("job listener failed: {}", e.getMessage());
            }
        }
    }

    /** Removes finished jobs older than the retention time, with their folders. */
    public void pruneFinished() {
        long oldest = System.currentTimeMillis() - limits.keepFinished().toMillis();
        for (Job j : jobs.values()) {
            if (j.state.finished() && j.finishedMillis < oldest && jobs.remove(j.id, j)) {
                deleteQuietly(outputDir.resolve(j.id));
                LOG.debug("job {} pruned", j.id);
            }
        }
    }

    /**
     * No job of an earlier run can be reached any more: its folders are removed when they hold a partial file (the
     * run stopped before the job finished) or are older than the retention time.
     */
    private void removeLeftovers() throws IOException {
        long oldest = System.currentTimeMillis() - limits.keepFinished().toMillis();
        try (var dirs = Files.list(outputDir)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                if (Files.getLastModifiedTime(dir).toMillis() < oldest || holdsPartialFile(dir)) {
                    LOG.info("removing {}, left by an earlier run", dir);
                    deleteQuietly(dir);
                }
            }
        }
    }

    private static boolean holdsPartialFile(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.anyMatch(PartialFile::isPartial);
        }
    }

    /**
     * Cancels every unfinished job (listeners hear each one end, uploads of jobs that never ran are deleted) and
     * waits a little for the running ones to stop.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        pruner.shutdownNow();
        for (Job j : jobs.values()) {
            synchronized (j) {
                if (!j.state.finished()) {
                    j.cancel = true;
                    if (j.state == State.QUEUED && j.future.cancel(false)) {
                        finish(j, State.CANCELLED, null);
                    }
                }
            }
        }
        // no interrupt first: a running job notices the cancel flag within a frame and cleans up as cancelled
        workers.shutdown();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
