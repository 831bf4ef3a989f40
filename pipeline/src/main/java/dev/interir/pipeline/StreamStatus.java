package dev.interir.pipeline;

import java.util.Locale;

/** The one state machine of a stream that the API, the viewer and the metrics all read. */
public enum StreamStatus {
    CONNECTING, LIVE, RECONNECTING, OFFLINE, FAILED, STOPPED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
