package dev.interir.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void theFirstRetryIsWithinASecondAndTheWaitDoublesUpToFiveSeconds() {
        Backoff middle = new Backoff(() -> 0.5);
        assertEquals(500, middle.delayMillis(1));
        assertEquals(1000, middle.delayMillis(2));
        assertEquals(2000, middle.delayMillis(3));
        assertEquals(4000, middle.delayMillis(4));
        assertEquals(5000, middle.delayMillis(5));
        assertEquals(5000, middle.delayMillis(1000));
    }

    @Test
    void theJitterIsTwentyPercentEitherWay() {
        assertEquals(400, new Backoff(() -> 0.0).delayMillis(1));
        assertEquals(600, new Backoff(() -> 1.0).delayMillis(1));
        assertEquals(6000, new Backoff(() -> 1.0).delayMillis(20));
        long distinct = IntStream.range(0, 20).mapToLong(i -> Backoff.jittered().delayMillis(3)).distinct().count();
        assertTrue(distinct > 1, "retries of many cameras must not fall in step");
    }
}
