package dev.interir.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FpsMeterTest {
    private static final long S = 1_000_000_000L;

    @Test
    void readsSlowAndFastStreamsAndDropsToZeroWhenTheyStall() {
        FpsMeter slow = new FpsMeter();
        for (int i = 0; i < 5; i++) {
            slow.tick(i * 2 * S); // 0.5 fps
        }
        assertEquals(0.5, slow.fps(8 * S + S / 2), 1e-9);
        assertEquals(0, slow.fps(20 * S), 1e-9);

        FpsMeter fast = new FpsMeter();
        for (int i = 0; i < 100; i++) {
            fast.tick(i * S / 25);
        }
        assertEquals(25, fast.fps(99 * S / 25), 1e-6);
        assertEquals(0, new FpsMeter().fps(S), 1e-9);
    }

    @Test
    void aLongerWindowFollowsTheRecentRateOverItsFramesOrItsAge() {
        FpsMeter jobs = new FpsMeter(64, java.time.Duration.ofSeconds(10));
        for (int i = 0; i < 40; i++) {
            jobs.tick(i * S / 10); // 10 fps for 4 s
        }
        for (int i = 1; i <= 40; i++) {
            jobs.tick(4 * S + i * S / 20); // then 20 fps for 2 s
        }
        // 64 frames back reach into the 10 fps stretch: between the two rates, nearer the recent one
        double fps = jobs.fps(6 * S);
        assertEquals(63 / (2.0 + 24 / 10.0), fps, 1e-6);
    }
}
