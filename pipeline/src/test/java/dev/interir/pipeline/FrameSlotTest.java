package dev.interir.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class FrameSlotTest {

    private static VideoFrame frame(long seq) {
        return new VideoFrame("s", seq, seq, System.nanoTime(), new BgrImage(new byte[3], 1, 1));
    }

    @Test
    void liveSlotKeepsTheNewestFramesAndCountsDrops() throws Exception {
        FrameSlot slot = new FrameSlot(2, true, () -> { });
        for (long i = 0; i < 5; i++) {
            assertTrue(slot.offer(frame(i)));
        }
        assertEquals(3, slot.dropped());
        assertEquals(3, slot.poll().seq());
        assertEquals(4, slot.poll().seq());
        assertNull(slot.poll());
    }

    @Test
    void fileSlotWaitsInsteadOfDropping() throws Exception {
        FrameSlot slot = new FrameSlot(1, false, () -> { });
        slot.offer(frame(0));
        CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> {
            try {
                return slot.offer(frame(1));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            second.get(300, TimeUnit.MILLISECONDS);
            throw new AssertionError("a full file slot must make the grabber wait");
        } catch (TimeoutException expected) {
            // still waiting, as it should
        }
        assertEquals(0, slot.poll().seq());
        assertTrue(second.get(2, TimeUnit.SECONDS));
        assertEquals(1, slot.poll().seq());
        assertEquals(0, slot.dropped());
        slot.close();
        assertFalse(slot.offer(frame(2)));
    }
}
