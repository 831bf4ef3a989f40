package dev.interir.pipeline;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * The wait before the next open of a failed live source: the first retry within a second, doubling up to 5 s,
 * with +-20% jitter so that many cameras failing together do not retry in step.
 */
final class Backoff {
    private final DoubleSupplier random;

    /** @param random values in [0, 1) that pick the jitter */
    Backoff(DoubleSupplier random) {
        this.random = random;
    }

    static Backoff jittered() {
        return new Backoff(() -> ThreadLocalRandom.current().nextDouble());
    }

    /** @param failures consecutive failures so far, from 1 */
    long delayMillis(int failures) {
        long base = Math.min(5_000L, 500L << Math.min(Math.max(failures, 1) - 1, 5));
        double jitter = 0.8 + 0.4 * random.getAsDouble();
        return Math.round(base * jitter);
    }
}
