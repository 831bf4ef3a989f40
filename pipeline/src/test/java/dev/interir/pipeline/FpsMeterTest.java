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
}
