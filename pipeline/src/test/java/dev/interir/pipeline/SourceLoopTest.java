package dev.interir.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The source's state machine on a scripted {@link FrameSource} and a fake clock: each test runs the loop on its own
 * thread to the end, and time passes only when the loop sleeps, so the waits it chose can be read off exactly.
 */
class SourceLoopTest {
    private static final FrameSource.Format SMALL = new FrameSource.Format(4, 2, 10);
    private static final SourceSpec CAMERA = SourceSpec.parse("rtsp://cam.example/live");
    private static final SourceSpec FILE = new SourceSpec(SourceSpec.Kind.FILE, "file:clip.mp4", "/media/clip.mp4",
            SourceSpec.FilePlayback.CAMERA);
    private static final BooleanSupplier DOWN = () -> false;

    private final FakeClock clock = new FakeClock();
    private final Events events = new Events();
    private final ScriptedSource source = new ScriptedSource(clock);
    private FrameSlot slot;

    @Test
    void aCameraThatRefusesTheFirstOpenIsOpenedOnTheFirstRetryWithinASecond() {
        source.refuses("connection refused").opens(SMALL).frames(2);

        run(CAMERA, always(), DOWN);

        assertEquals(List.of("connecting", "reset", "reconnecting: connection refused",
                "reconnecting: connection refused", "reopened 4x2", "live", "stopped"), events.log);
        assertEquals(List.of(0L, 500L), source.openedAt);
        assertEquals(List.of(0L, 1L), seqs(drain()));
        assertEquals(2, source.closes, "the refused open is closed too");
    }

    @Test
    void aCameraThatDiesMidStreamIsReopenedAsSoonAsItsPortAnswersNotWhenTheBackoffEnds() {
        source.opens(SMALL).frames(3).dies("timed out")
                .refuses("connection refused").refuses("connection refused")
                .opens(SMALL).frames(1);
        long cameraBackAt = 2000;

        run(CAMERA, always(), () -> clock.millis() >= cameraBackAt);

        assertEquals(List.of("connecting", "opened 4x2", "live",
                "reset", "reconnecting: timed out", "reconnecting: timed out",
                "reset", "reconnecting: connection refused", "reconnecting: connection refused",
                "reset", "offline: connection refused", "offline: connection refused",
                "reopened 4x2", "live", "stopped"), events.log);
        // retries at 0.5 s and 1 s; the third backoff (2 s, due at 3.5 s) is cut short by the probe at 2.1 s
        assertEquals(List.of(0L, 500L, 1500L, 2100L), source.openedAt);
        assertEquals(List.of(0L, 1L, 2L, 3L), seqs(drain()), "numbering goes on across the reconnect");
    }

    @Test
    void aCameraWhosePortAnswersButWhoseStreamFailsWaitsOutEachBackoff() {
        source.refuses("not found").refuses("not found").opens(SMALL).frames(1);

        run(CAMERA, always(), () -> true);

        assertEquals(List.of(0L, 500L, 1500L), source.openedAt, "an open port alone must not bring the retries forward");
    }

    @Test
    void theBackoffDoublesFromHalfASecondAndStaysAtFiveSeconds() {
        for (int i = 0; i < 8; i++) {
            source.refuses("connection refused");
        }

        run(CAMERA, always(), null);

        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < source.openedAt.size(); i++) {
            gaps.add(source.openedAt.get(i) - source.openedAt.get(i - 1));
        }
        assertEquals(List.of(500L, 1000L, 2000L, 4000L, 5000L, 5000L, 5000L, 5000L), gaps);
        assertEquals(List.of("connecting", "reconnecting", "offline", "stopped"), events.statusChanges());
        assertEquals(List.of("connecting",
                "reset", "reconnecting: connection refused", "reconnecting: connection refused",
                "reset", "reconnecting: connection refused", "reconnecting: connection refused",
                "reset", "offline: connection refused"), events.log.subList(0, 9), "offline from the third failure on");
    }

    @Test
    void aFileAtItsEndLoopsInRealTimeAndSaysTheSequenceBroke() {
        source.opens(SMALL).frames(3).ends().opens(SMALL).frames(2);

        run(FILE, always(), null);

        assertEquals(List.of("connecting", "opened 4x2", "live", "reset", "connecting", "opened 4x2", "live", "stopped"),
                events.log, "a loop is no failure: no retry, no reconnect");
        List<VideoFrame> frames = drain();
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), seqs(frames));
        // 10 fps: a frame every 100 ms, and the loop's first frame follows the end at once
        assertEquals(List.of(0L, 100L, 200L, 200L, 300L), frames.stream().map(f -> f.grabNanos() / 1_000_000L).toList());
        assertEquals(List.of(0L, 200L), source.openedAt);
    }

    @Test
    void aCameraWithoutVideoFailsForGoodAfterOneOpen() {
        source.fails(new SourceException("the source has no video stream", true));

        run(CAMERA, always(), DOWN);

        assertEquals(List.of("connecting", "failed: the source has no video stream"), events.log);
        assertEquals(1, source.openedAt.size());
        assertEquals(List.of(), clock.sleeps, "no retry is waited for");
        assertEquals(1, source.closes);
    }

    @Test
    void aFrameLargerThanTheLimitFailsTheStreamForGood() {
        source.opens(new FrameSource.Format(2000, 1000, 25)).frames(1);

        run(CAMERA, always(), DOWN);

        assertEquals(List.of("connecting", "failed: frame size 2000x1000 exceeds the limit of 1000000 pixels"), events.log);
        assertEquals(1, source.openedAt.size());
        assertEquals(List.of(), drain());
    }

    @Test
    void aFileThatCannotBeReadFailsWithoutRetries() {
        source.refuses("no such file or stream");

        run(FILE, always(), null);

        assertEquals(List.of("connecting", "failed: no such file or stream"), events.log);
        assertEquals(1, source.openedAt.size());
    }

    @Test
    void aSourceThatOpensButDecodesNothingFailsForGood() {
        source.opens(SMALL).ends();

        run(CAMERA, always(), DOWN);

        assertEquals("failed: no video frame could be decoded", events.log.get(events.log.size() - 1));
        assertEquals(1, source.openedAt.size());
    }

    @Test
    void stoppingDuringABackoffEndsTheLoopAtOnce() {
        source.refuses("connection refused").refuses("connection refused");
        clock.onSleep = n -> {
            if (n == 2) {
                loop.stop();
            }
        };

        run(CAMERA, always(), DOWN);

        assertEquals(List.of(200L, 200L), clock.sleeps, "no sleep after the stop");
        assertEquals(1, source.openedAt.size(), "no open after the stop");
        assertEquals("stopped", events.log.get(events.log.size() - 1));
    }

    @Test
    void anInterruptDuringABackoffEndsTheLoop() {
        source.refuses("connection refused").refuses("connection refused");
        clock.interruptAt = 1;

        boolean interrupted = run(CAMERA, always(), DOWN);

        assertEquals(1, source.openedAt.size());
        assertEquals("stopped", events.log.get(events.log.size() - 1));
        assertTrue(interrupted, "the thread's interrupt is kept for whoever runs it");
    }

    @Test
    void anOnDemandCameraIsDisconnectedWhileNobodyWatchesAndOpenedForTheNextViewer() {
        Demand demand = new Demand(Demand.Mode.ON_DEMAND, 0);
        source.opens(SMALL).frames(2).then(demand::viewerLeft).frames(5);
        List<Boolean> openWhileIdle = new ArrayList<>();
        events.onStatus = s -> {
            if (s == StreamStatus.IDLE) {
                openWhileIdle.add(source.open);
                if (openWhileIdle.size() == 1) {
                    demand.viewerJoined();
                } else {
                    loop.stop();
                }
            }
        };

        run(CAMERA, demand, DOWN);

        assertEquals(List.of("idle", "reset", "connecting", "opened 4x2", "live", "idle", "reset", "stopped"), events.log);
        assertEquals(List.of(false, false), openWhileIdle, "nothing is open while nobody watches");
        assertEquals(1, source.openedAt.size());
        assertEquals(3, drain().size());
    }

    @Test
    void aFileNobodyWatchesPausesWhereItIsAndPlaysOnInRealTime() {
        Demand demand = new Demand(Demand.Mode.WATCHED, 0);
        demand.viewerJoined();
        source.opens(SMALL).frames(2).then(demand::viewerLeft).frames(3);
        events.onStatus = s -> {
            if (s == StreamStatus.IDLE) {
                assertTrue(source.open, "a paused file stays open where it is");
                clock.nanos += 60_000_000_000L; // nobody watched for a minute
                demand.viewerJoined();
            }
        };

        run(FILE, demand, null);

        assertEquals(List.of("connecting", "opened 4x2", "live", "idle", "reset", "live", "stopped"), events.log);
        List<VideoFrame> frames = drain();
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), seqs(frames));
        long resumed = 60_200;
        assertEquals(List.of(0L, 100L, 200L, resumed, resumed + 100), frames.stream().map(f -> f.grabNanos() / 1_000_000L).toList(),
                "after the pause the file plays on from where it was, not catching up the minute");
        assertEquals(1, source.openedAt.size());
    }

    // ---- the harness

    private SourceLoop loop;

    private static Demand always() {
        return new Demand(Demand.Mode.ALWAYS, 0);
    }

    /** Runs the loop to its end on a thread of its own; true when that thread ended interrupted. */
    private boolean run(SourceSpec spec, Demand demand, BooleanSupplier probe) {
        slot = new FrameSlot(100, spec.live(), () -> { });
        loop = new SourceLoop("cam", spec, demand, 1_000_000, source, slot, events,
                new SourceLoop.Waits(clock, new Backoff(() -> 0.5), probe));
        source.whenOver = loop::stop;
        boolean[] interrupted = new boolean[1];
        Throwable[] thrown = new Throwable[1];
        Thread t = new Thread(() -> {
            loop.run();
            interrupted[0] = Thread.currentThread().isInterrupted();
        });
        t.setUncaughtExceptionHandler((thread, e) -> thrown[0] = e);
        t.start();
        try {
            // a guard against a loop that never ends, not a measure: a run here takes milliseconds
            t.join(60_000);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        if (t.isAlive()) {
            loop.stop();
            t.interrupt();
            throw new AssertionError("the loop did not end; it reported " + events.log);
        }
        if (thrown[0] != null) {
            throw new AssertionError("the loop threw", thrown[0]);
        }
        if (events.failure != null) {
            throw events.failure;
        }
        return interrupted[0];
    }

    private List<VideoFrame> drain() {
        List<VideoFrame> all = new ArrayList<>();
        for (VideoFrame f = slot.poll(); f != null; f = slot.poll()) {
            all.add(f);
        }
        return all;
    }

    private static List<Long> seqs(List<VideoFrame> frames) {
        return frames.stream().map(VideoFrame::seq).toList();
    }

    /** Time that passes only when the loop sleeps. */
    static final class FakeClock implements SourceLoop.Clock {
        long nanos;
        final List<Long> sleeps = new ArrayList<>();
        Consumer<Integer> onSleep = n -> { };
        int interruptAt = -1;

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public void sleep(long millis) throws InterruptedException {
            if (sleeps.size() + 1 == interruptAt) {
                throw new InterruptedException();
            }
            sleeps.add(millis);
            nanos += millis * 1_000_000L;
            onSleep.accept(sleeps.size());
        }

        long millis() {
            return nanos / 1_000_000L;
        }
    }

    /** What the loop reported, in order: statuses (with their error), opens, resets. */
    static final class Events implements SourceEvents {
        final List<String> log = new ArrayList<>();
        Consumer<StreamStatus> onStatus = s -> { };
        AssertionError failure;

        @Override
        public void status(StreamStatus status, String error) {
            log.add(status.label() + (error == null ? "" : ": " + error));
            try {
                onStatus.accept(status);
            } catch (AssertionError e) {
                failure = e;
            }
        }

        @Override
        public void opened(FrameSource.Format format, boolean afterFailure) {
            log.add((afterFailure ? "reopened " : "opened ") + format.width() + "x" + format.height());
        }

        @Override
        public void frameGrabbed() {
        }

        @Override
        public void sequenceBroken() {
            log.add("reset");
        }

        /** The statuses reported, without their errors and without repeats of the one before. */
        List<String> statusChanges() {
            List<String> changes = new ArrayList<>();
            log.stream().filter(e -> !e.equals("reset") && !e.contains("opened")).map(e -> e.split(":")[0]).forEach(s -> {
                if (changes.isEmpty() || !changes.get(changes.size() - 1).equals(s)) {
                    changes.add(s);
                }
            });
            return changes;
        }
    }

    /**
     * A source that plays a script, one connection per open: how the open goes, then what each grab returns. When
     * the script runs out the test is over: the source stops the loop.
     */
    static final class ScriptedSource implements FrameSource {
        private interface Step {
            Grabbed grab() throws Exception;
        }

        private record Connection(Exception openFailure, Format format, Deque<Step> grabs) {
        }

        private final FakeClock clock;
        private final Deque<Connection> script = new ArrayDeque<>();
        final List<Long> openedAt = new ArrayList<>();
        int closes;
        boolean open;
        Runnable whenOver = () -> { };
        private Connection current;
        private long pts;

        ScriptedSource(FakeClock clock) {
            this.clock = clock;
        }

        ScriptedSource opens(Format format) {
            script.add(new Connection(null, format, new ArrayDeque<>()));
            return this;
        }

        ScriptedSource refuses(String message) {
            return fails(new IOException(message));
        }

        ScriptedSource fails(Exception e) {
            script.add(new Connection(e, null, new ArrayDeque<>()));
            return this;
        }

        /** Frames 100 ms apart by their timestamps (10 fps). */
        ScriptedSource frames(int n) {
            for (int i = 0; i < n; i++) {
                last().grabs().add(() -> {
                    Format f = current.format();
                    long p = pts;
                    pts += 100_000;
                    return new Grabbed(new BgrImage(new byte[f.width() * f.height() * 3], f.width(), f.height()), p);
                });
            }
            return this;
        }

        /** Runs {@code action} at this grab, which then returns the next scripted frame. */
        ScriptedSource then(Runnable action) {
            last().grabs().add(() -> {
                action.run();
                return grab();
            });
            return this;
        }

        ScriptedSource dies(String message) {
            last().grabs().add(() -> {
                throw new IOException(message);
            });
            return this;
        }

        ScriptedSource ends() {
            last().grabs().add(() -> null);
            return this;
        }

        private Connection last() {
            return script.getLast();
        }

        @Override
        public Format open() throws Exception {
            assertFalse(open, "opened twice without a close");
            openedAt.add(clock.millis());
            current = script.poll();
            if (current == null) {
                whenOver.run();
                throw new IOException("the script is over");
            }
            if (current.openFailure() != null) {
                throw current.openFailure();
            }
            open = true;
            pts = 0;
            return current.format();
        }

        @Override
        public Grabbed grab() throws Exception {
            assertTrue(open, "grab on a closed source");
            Step next = current.grabs().poll();
            if (next == null) {
                whenOver.run();
                return null;
            }
            return next.grab();
        }

        @Override
        public void close() {
            if (current != null) {
                closes++;
            }
            open = false;
        }
    }
}
