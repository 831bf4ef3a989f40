package dev.interir.server.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which web pages may open the service's WebSockets (key {@code websocket.allowedOrigins}). Browsers send the
 * viewer's cookie with a WebSocket upgrade from any page and the same-origin policy does not apply to sockets, so
 * without this check any site a logged-in user visits could watch the cameras through the user's browser.
 * The service's own pages are always allowed; a request without an {@code Origin} header comes from no browser
 * and is left to the token.
 */
public final class AllowedOrigins {
    private static final String ANY = "*";

    private final boolean any;
    private final Set<String> origins;

    /** @param configured origins as {@code scheme://host[:port]}, or {@code *} for any */
    public AllowedOrigins(List<String> configured) {
        List<String> list = configured == null ? List.of() : configured;
        this.any = list.contains(ANY);
        this.origins = list.stream().filter(o -> !ANY.equals(o)).map(AllowedOrigins::canonical)
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * @param origin the request's {@code Origin} header, null when absent
     * @param host   the request's {@code Host} header: the authority the browser connected to
     */
    boolean allows(String origin, String host) {
        if (origin == null || any) {
            return true;
        }
        String o = canonical(origin);
        if (origins.contains(o)) {
            return true;
        }
        String authority = authority(origin);
        return authority != null && host != null && authority.equals(host.toLowerCase(Locale.ROOT));
    }

    private static String canonical(String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }

    /** {@code host[:port]} of an http(s) origin, or null for anything else (including the opaque origin "null"). */
    private static String authority(String origin) {
        try {
            URI u = new URI(origin);
            String scheme = u.getScheme();
            if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || u.getRawAuthority() == null) {
                return null;
            }
            return u.getRawAuthority().toLowerCase(Locale.ROOT);
        } catch (URISyntaxException e) {
            return null;
        }
    }
}
