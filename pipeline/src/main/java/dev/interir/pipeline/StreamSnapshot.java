package dev.interir.pipeline;

/** A consistent read of one stream's state and counters, for the API, the viewer's stats and metrics. */
public record StreamSnapshot(String id, String source, String status, String error, String mode, boolean restoring,
                             int width, int height,
                             double fps, long framesIn, long framesOut, long dropped, long reconnects, double latencyMs,
                             double stagesRun, boolean warm, float[] residuals, float[] routing) {
}
