package dev.interir.server.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place HTTP answers are written as JSON, errors as {@code {"error": "..."}}. */
public final class JsonReplies {
    private static final Logger LOG = LoggerFactory.getLogger(JsonReplies.class);

    private JsonReplies() {
    }

    public static void json(RoutingContext ctx, int code, JsonObject body) {
        send(ctx, code, body.encode());
    }

    public static void json(RoutingContext ctx, int code, JsonArray body) {
        send(ctx, code, body.encode());
    }

    public static void error(RoutingContext ctx, int code, String message) {
        json(ctx, code, new JsonObject().put("error", message));
    }

    private static void send(RoutingContext ctx, int code, String json) {
        ctx.response().setStatusCode(code).putHeader("content-type", "application/json").end(json);
    }

    /**
     * A route's failure handler: the status the router or a handler failed with, as a JSON error (500 when none,
     * logged with its cause).
     *
     * @param tooLarge what a 413 says: the limit of that route's body
     */
    public static void failure(RoutingContext ctx, String tooLarge) {
        int code = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        if (code == 500) {
            LOG.error("request {} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
        }
        String message = switch (code) {
            case 400 -> "bad request";
            case 404 -> "not found";
            case 413 -> tooLarge;
            default -> "internal error";
        };
        if (!ctx.response().ended()) {
            error(ctx, code, message);
        }
    }
}
