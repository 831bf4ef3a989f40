package dev.interir.server.http;

import io.vertx.core.Handler;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Bearer-token protection of every route but the {@link PublicPaths}. A client sends {@code Authorization: Bearer
 * TOKEN}, or carries the cookie the viewer's login page sets (browsers can't add headers to a WebSocket).
 * Tokens are compared as SHA-256 digests in constant time, and never logged.
 */
public final class TokenAuth implements Handler<RoutingContext> {
    static final String COOKIE = "interir_token";

    private final byte[] tokenDigest;

    public TokenAuth(String token) {
        this.tokenDigest = digest(token);
    }

    @Override
    public void handle(RoutingContext ctx) {
        if (PublicPaths.contains(ctx.normalizedPath()) || accepts(presented(ctx))) {
            ctx.next();
        } else {
            ctx.response().putHeader("www-authenticate", "Bearer");
            JsonReplies.error(ctx, 401, "authentication required: send 'Authorization: Bearer <token>' or log in at /login");
        }
    }

    boolean accepts(String candidate) {
        return candidate != null && MessageDigest.isEqual(tokenDigest, digest(candidate));
    }

    static Cookie loginCookie(String token, boolean secure) {
        return Cookie.cookie(COOKIE, token).setHttpOnly(true).setPath("/").setSameSite(CookieSameSite.STRICT)
                .setSecure(secure);
    }

    private static String presented(RoutingContext ctx) {
        String header = ctx.request().getHeader("authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).trim();
        }
        Cookie c = ctx.request().getCookie(COOKIE);
        return c == null ? null : c.getValue();
    }

    private static byte[] digest(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
