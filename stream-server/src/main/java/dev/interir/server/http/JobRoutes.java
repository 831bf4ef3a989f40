package dev.interir.server.http;

import static dev.interir.server.http.JsonReplies.error;
import static dev.interir.server.http.JsonReplies.failure;
import static dev.interir.server.http.JsonReplies.json;

import dev.interir.pipeline.file.JobQueue;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The video-file job API: {@code POST /api/jobs} (a file of the media folder, or a multipart upload),
 * {@code GET /api/jobs}, {@code GET /api/jobs/{id}}, {@code DELETE /api/jobs/{id}} (cancel),
 * {@code GET /api/jobs/{id}/result} (download) and {@code GET /api/jobs/events} (server-sent events: one
 * {@code data:} line with the job's JSON for every state change and a few times a second while it runs).
 * Mount it before any catch-all {@code /api/*} route. Handlers only move bytes; jobs run on their own threads.
 */
public final class JobRoutes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobRoutes.class);
    private static final long MAX_JSON_BYTES = 64 * 1024;
    /** Longest upload file name kept or shown. */
    private static final int MAX_NAME_LENGTH = 100;
    /** How long shutdown waits for the event streams to take their last events. */
    private static final long FINAL_EVENTS_MILLIS = 2000;

    private final JobQueue queue;
    private final MediaFolder media;
    private final Path uploadDir;
    private final long maxUploadBytes;
    private final Set<HttpServerResponse> subscribers = new CopyOnWriteArraySet<>();
    private final Consumer<JobQueue.Snapshot> push = this::push;

    /**
     * Uploads an earlier run left behind are removed here: their jobs died with it.
     *
     * @param queue     the service's job queue; its owner closes it before this
     * @param media     folder that {@code {input: ...}} paths are resolved in; null refuses them
     * @param uploadDir where uploads wait for their jobs (created if missing)
     */
    public JobRoutes(JobQueue queue, MediaFolder media, Path uploadDir, long maxUploadBytes) throws IOException {
        this.uploadDir = Files.createDirectories(uploadDir);
        removeUploads();
        this.queue = queue;
        this.media = media;
        this.maxUploadBytes = maxUploadBytes;
        queue.addListener(push);
    }

    public JobQueue queue() {
        return queue;
    }

    public void mount(Router router) {
        router.post("/api/jobs").handler(this::refuseWhenFull); // its own route: a body handler must come first in one
        router.post("/api/jobs")
                .handler(BodyHandler.create(uploadDir.toString()).setBodyLimit(maxUploadBytes)
                        .setDeleteUploadedFilesOnEnd(true).setHandleFileUploads(true))
                .handler(this::submit)
                .failureHandler(ctx -> failure(ctx, "upload too large (limit " + maxUploadBytes / (1024 * 1024) + " MiB)"));
        router.get("/api/jobs").handler(ctx -> {
            JsonArray all = new JsonArray();
            queue.list().forEach(s -> all.add(jobJson(s)));
            json(ctx, 200, all);
        });
        router.get("/api/jobs/events").handler(this::events);
        router.get("/api/jobs/:id").handler(ctx -> queue.get(ctx.pathParam("id")).ifPresentOrElse(
                s -> json(ctx, 200, jobJson(s)), () -> notFound(ctx)));
        router.delete("/api/jobs/:id").handler(ctx -> queue.cancel(ctx.pathParam("id")).ifPresentOrElse(
                s -> json(ctx, 200, jobJson(s)), () -> notFound(ctx)));
        router.get("/api/jobs/:id/result").handler(this::result);
    }

    /** Answers 429 before the body is read: a full queue must not cost the disk an upload. */
    private void refuseWhenFull(RoutingContext ctx) {
        if (queue.acceptsMore()) {
            ctx.next();
        } else {
            ctx.response().putHeader("connection", "close");
            error(ctx, 429, new JobQueue.QueueFullException(queue.limits().maxQueued()).getMessage());
        }
    }

    private void submit(RoutingContext ctx) {
        if (!ctx.fileUploads().isEmpty()) {
            submitUpload(ctx);
            return;
        }
        MediaInput in = mediaInput(ctx, media);
        if (in == null) {
            return;
        }
        try {
            json(ctx, 201, jobJson(queue.submit(in.file(), in.input(), false)));
        } catch (JobQueue.QueueFullException e) {
            error(ctx, 429, e.getMessage());
        } catch (IllegalStateException e) {
            error(ctx, 503, e.getMessage());
        }
    }

    /** A media-folder job's input: the path as the client wrote it and the file it resolves to. */
    public record MediaInput(String input, Path file) {
    }

    /**
     * The body of a media-folder job, {@code {"input": "relative/path"}}, checked and resolved inside {@code media};
     * null after replying 400 (a bad body, no media folder, a path leading out) or 404 (no such file).
     */
    public static MediaInput mediaInput(RoutingContext ctx, MediaFolder media) {
        JsonObject body;
        try {
            body = ctx.body().length() > MAX_JSON_BYTES ? null : ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            body = null;
        }
        if (body == null || !(body.getValue("input") instanceof String input) || body.size() != 1) {
            error(ctx, 400, "body must be JSON {\"input\": \"path/in/the/media/folder\"} or a multipart upload (field 'file')");
            return null;
        }
        if (media == null) {
            error(ctx, 400, "no media folder is configured (media.dir); upload the file instead");
            return null;
        }
        Path file;
        try {
            file = media.resolve(input);
        } catch (IllegalArgumentException e) {
            error(ctx, 400, e.getMessage());
            return null;
        }
        if (file == null) {
            error(ctx, 404, "no such file in the media folder: " + input);
            return null;
        }
        return new MediaInput(input, file);
    }

    private void submitUpload(RoutingContext ctx) {
        FileUpload up = ctx.fileUploads().get(0);
        String name = storedName(up.fileName());
        Path src = Path.of(up.uploadedFileName());
        String finalName = name;
        // moving a large upload is file I/O: off the event loop
        ctx.vertx().<Path>executeBlocking(() -> {
            Path dir = Files.createDirectories(uploadDir.resolve(UUID.randomUUID().toString().substring(0, 8)));
            return Files.move(src, dir.resolve(finalName), StandardCopyOption.REPLACE_EXISTING);
        }).onComplete(ar -> {
            if (ar.failed()) {
                error(ctx, 500, "cannot store the upload: " + ar.cause().getMessage());
                return;
            }
            try {
                json(ctx, 201, jobJson(queue.submit(ar.result(), displayName(up.fileName()), true)));
            } catch (JobQueue.QueueFullException | IllegalStateException e) {
                deleteUpload(ctx, ar.result());
                error(ctx, e instanceof JobQueue.QueueFullException ? 429 : 503, e.getMessage());
            }
        });
    }

    /** The client's file name reduced to a safe, bounded file name that keeps its extension. */
    static String storedName(String clientName) {
        String base = clientName == null ? "" : clientName.substring(Math.max(clientName.lastIndexOf('/'),
                clientName.lastIndexOf('\\')) + 1);
        if (base.length() > MAX_NAME_LENGTH) {
            base = base.substring(base.length() - MAX_NAME_LENGTH);
        }
        String name = base.isBlank() ? "upload.mp4" : base.replaceAll("[^A-Za-z0-9._-]", "_");
        return name.startsWith(".") ? "_" + name : name;
    }

    private static String displayName(String clientName) {
        String name = clientName == null || clientName.isBlank() ? "upload" : clientName;
        return name.length() > MAX_NAME_LENGTH ? name.substring(0, MAX_NAME_LENGTH) + "…" : name;
    }

    private static void deleteUpload(RoutingContext ctx, Path file) {
        ctx.vertx().executeBlocking(() -> {
            Files.deleteIfExists(file);
            Files.deleteIfExists(file.getParent());
            return null;
        });
    }

    private void result(RoutingContext ctx) {
        queue.get(ctx.pathParam("id")).ifPresentOrElse(s -> {
            if (s.state() != JobQueue.State.DONE || s.result() == null) {
                error(ctx, 409, "job " + s.id() + " is " + s.state().json() + ", no result to download");
                return;
            }
            ctx.response().putHeader("content-type", "video/mp4")
                    .putHeader("content-disposition", "attachment; filename=\"" + s.result().getFileName() + "\"")
                    .sendFile(s.result().toString());
        }, () -> notFound(ctx));
    }

    private void events(RoutingContext ctx) {
        HttpServerResponse r = ctx.response();
        r.setChunked(true).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache");
        r.write(": jobs\n\n");
        subscribers.add(r);
        r.closeHandler(v -> subscribers.remove(r));
        r.exceptionHandler(e -> subscribers.remove(r));
        queue.list().forEach(s -> r.write("data: " + jobJson(s).encode() + "\n\n"));
    }

    private void push(JobQueue.Snapshot s) {
        if (subscribers.isEmpty()) {
            return;
        }
        String event = "data: " + jobJson(s).encode() + "\n\n";
        for (HttpServerResponse r : subscribers) {
            if (r.writeQueueFull()) {
                continue; // a slow reader misses an update; the next one carries the whole state
            }
            r.write(event).onFailure(e -> subscribers.remove(r));
        }
    }

    public static JsonObject jobJson(JobQueue.Snapshot s) {
        JsonObject o = new JsonObject()
                .put("id", s.id())
                .put("input", s.input())
                .put("state", s.state().json())
                .put("progress", Math.round(s.progress() * 1000) / 1000.0)
                .put("framesDone", s.framesDone())
                .put("framesTotal", s.framesTotal())
                .put("fps", Math.round(s.fps() * 10) / 10.0)
                .put("etaSeconds", s.etaSeconds() < 0 ? null : (Object) Math.round(s.etaSeconds()));
        if (s.error() != null) {
            o.put("error", s.error());
        }
        if (s.result() != null) {
            o.put("result", "/api/jobs/" + s.id() + "/result");
        }
        return o;
    }

    private static void notFound(RoutingContext ctx) {
        error(ctx, 404, "no job '" + ctx.pathParam("id") + "'");
    }

    /**
     * Sends every event stream the final state of each job and ends it, then removes the uploads of jobs that never
     * finished. Call it after the queue closed (each cancelled job is pushed to the subscribers as it ends) and
     * before the HTTP server closes, or the last events are lost.
     */
    @Override
    public void close() {
        queue.removeListener(push);
        List<Future<Void>> ended = new ArrayList<>();
        for (HttpServerResponse r : subscribers) {
            try {
                queue.list().forEach(s -> r.write("data: " + jobJson(s).encode() + "\n\n"));
                ended.add(r.end());
            } catch (RuntimeException e) {
                LOG.debug("closing an event stream: {}", e.getMessage());
            }
        }
        subscribers.clear();
        try {
            Future.join(ended).toCompletionStage().toCompletableFuture().get(FINAL_EVENTS_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("an event stream did not take its last events: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        removeUploads();
    }

    /** Every upload is owned by a job that has not finished (a finished job deletes its own). */
    private void removeUploads() {
        try (var entries = Files.list(uploadDir)) {
            for (Path p : entries.toList()) {
                try (var tree = Files.walk(p)) {
                    tree.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("cannot empty the uploads folder {}: {}", uploadDir, e.getMessage());
        }
    }
}
