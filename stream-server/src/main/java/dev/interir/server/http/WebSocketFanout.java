package dev.interir.server.http;

import dev.interir.pipeline.BgrImage;
import dev.interir.pipeline.FrameSink;
import dev.interir.pipeline.JpegEncoder;
import dev.interir.pipeline.LiveStream;
import dev.interir.pipeline.PlaceholderFrame;
import dev.interir.pipeline.StageClock;
import dev.interir.pipeline.StreamSnapshot;
import dev.interir.pipeline.StreamStatus;
import dev.interir.pipeline.RestoredFrame;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sends one stream's frames to its WebSocket viewers: each frame is JPEG-encoded once (on the deliver thread,
 * and only if someone watches) and written to every viewer whose connection has drained the previous one, so
 * a slow viewer loses frames alone and never holds up the pipeline or the other viewers. Once a second every
 * viewer also gets a JSON stats message. Viewers joining and leaving are reported to the stream's {@code Demand}:
 * a stream nobody watches stops restoring.
 */
public final class WebSocketFanout implements FrameSink {
    /** Bytes a viewer may have unsent before it is skipped: about one frame. */
    private static final int WRITE_QUEUE_BYTES = 256 * 1024;

    private final LiveStream stream;
    private final JpegEncoder encoder;
    private final int maxViewers;
    private final Set<ServerWebSocket> restoredViewers = ConcurrentHashMap.newKeySet();
    private final Set<ServerWebSocket> originalViewers = ConcurrentHashMap.newKeySet();
    private final Vertx vertx;
    private final long statsTimer;
    private final Runnable onClose;
    private final BooleanSupplier hlsReady;

    public WebSocketFanout(Vertx vertx, LiveStream stream, JpegEncoder encoder, int maxViewers, BooleanSupplier hlsReady,
                    Runnable onClose) {
        this.vertx = vertx;
        this.hlsReady = hlsReady;
        this.onClose = onClose;
        this.stream = stream;
        this.encoder = encoder;
        this.maxViewers = maxViewers;
        this.statsTimer = vertx.setPeriodic(1000, t -> sendStats());
    }

    /** @return false when the view is full */
    boolean join(ServerWebSocket ws, boolean original) {
        Set<ServerWebSocket> viewers = original ? originalViewers : restoredViewers;
        if (viewers.size() >= maxViewers) {
            return false;
        }
        ws.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
        viewers.add(ws);
        stream.demand().viewerJoined();
        ws.closeHandler(v -> leave(viewers, ws));
        ws.exceptionHandler(e -> leave(viewers, ws));
        ws.writeTextMessage(StreamJson.stats(stream.snapshot(), hlsReady.getAsBoolean(), viewerCount()).encode());
        return true;
    }

    private void leave(Set<ServerWebSocket> viewers, ServerWebSocket ws) {
        if (viewers.remove(ws)) {
            stream.demand().viewerLeft();
        }
    }

    @Override
    public void accept(RestoredFrame frame) {
        if (!restoredViewers.isEmpty()) {
            send(restoredViewers, Buffer.buffer(jpeg(frame.restored())));
        }
        if (!originalViewers.isEmpty()) {
            send(originalViewers, Buffer.buffer(jpeg(frame.original().image())));
        }
    }

    private byte[] jpeg(BgrImage image) {
        long t0 = System.nanoTime();
        byte[] bytes = encoder.encode(image);
        stream.clock().record(StageClock.Stage.JPEG, System.nanoTime() - t0);
        return bytes;
    }

    private static void send(Set<ServerWebSocket> viewers, Buffer jpeg) {
        for (ServerWebSocket ws : viewers) {
            if (!ws.isClosed() && !ws.writeQueueFull()) {
                ws.writeBinaryMessage(jpeg);
            }
        }
    }

    /** While the source is away, viewers stay connected and see a frame that says so, once a second. */
    private void sendPlaceholder(StreamSnapshot s) {
        String text = s.id() + ": " + s.status() + (s.status().equals("stopped") || s.status().equals("failed") ? "" : " - waiting for the source");
        vertx.executeBlocking(() -> Buffer.buffer(encoder.encode(PlaceholderFrame.render(s.width(), s.height(), text))))
                .onSuccess(jpeg -> {
                    send(restoredViewers, jpeg);
                    send(originalViewers, jpeg);
                });
    }

    private long viewerCount() {
        return restoredViewers.size() + originalViewers.size();
    }

    private void sendStats() {
        if (restoredViewers.isEmpty() && originalViewers.isEmpty()) {
            return;
        }
        StreamSnapshot snapshot = stream.snapshot();
        // an idle stream wakes up for its viewer within a second: a placeholder would only flash
        if (stream.status() != StreamStatus.LIVE && stream.status() != StreamStatus.IDLE) {
            sendPlaceholder(snapshot);
        }
        String json = StreamJson.stats(snapshot, hlsReady.getAsBoolean(), viewerCount()).encode();
        for (ServerWebSocket ws : restoredViewers) {
            ws.writeTextMessage(json);
        }
        for (ServerWebSocket ws : originalViewers) {
            ws.writeTextMessage(json);
        }
    }

    @Override
    public void close() {
        onClose.run();
        vertx.cancelTimer(statsTimer);
        restoredViewers.forEach(ws -> ws.close((short) 1001, "stream removed"));
        originalViewers.forEach(ws -> ws.close((short) 1001, "stream removed"));
        restoredViewers.clear();
        originalViewers.clear();
    }
}
