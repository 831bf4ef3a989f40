package dev.interir.server.http;

import java.util.Set;

/**
 * The only paths served without the token when one is configured: the probes, the login page and the viewer's
 * static files. Everything else, including paths no route serves, needs the token, so a new route is protected
 * without anyone remembering to protect it. Paths are compared exactly, after the router's normalisation
 * (percent-decoding of unreserved characters, dot segments removed), the same path the routes are matched on.
 */
final class PublicPaths {
    private static final Set<String> PATHS = Set.of(
            "/health", "/ready",
            "/login", "/login.html",
            "/", "/index.html", "/app.js", "/style.css", "/vendor/hls.min.js");

    private PublicPaths() {
    }

    static boolean contains(String normalizedPath) {
        return normalizedPath != null && PATHS.contains(normalizedPath);
    }
}
