package dev.interir.pipeline;

import java.util.Locale;

/**
 * The one state machine of a stream that the API, the viewer and the metrics all read. IDLE: nobody watches, so the
 * source is not being decoded (a paused file, a disconnected on-demand camera); the next viewer wakes it.
 */
public enum StreamStatus {
    CONNECTING, LIVE, RECONNECTING, OFFLINE, FAILED, STOPPED, IDLE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
