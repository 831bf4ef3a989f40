package dev.interir.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The request policies on their own, without a server: origins, public paths, media paths, upload names. */
class RequestPoliciesTest {

    @Test
    void originsAllowedAreTheServicesOwnAndTheConfiguredOnes() {
        AllowedOrigins origins = new AllowedOrigins(List.of("https://wall.example.com/"));
        assertTrue(origins.allows(null, "127.0.0.1:8080"), "no Origin: no browser, left to the token");
        assertTrue(origins.allows("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assertTrue(origins.allows("HTTPS://WALL.example.com", "127.0.0.1:8080"));
        assertFalse(origins.allows("http://evil.example", "127.0.0.1:8080"));
        assertFalse(origins.allows("null", "127.0.0.1:8080"));
        assertFalse(origins.allows("http://127.0.0.1:8080.evil.example", "127.0.0.1:8080"));
        assertTrue(new AllowedOrigins(List.of("*")).allows("http://anything.example", "h"));
    }

    @Test
    void publicPathsAreAnExactList() {
        for (String open : List.of("/health", "/ready", "/login", "/login.html", "/", "/app.js")) {
            assertTrue(PublicPaths.contains(open), open);
        }
        for (String closed : List.of("/metrics", "/health/", "/api/streams", "/HEALTH", "", "/js/api.js")) {
            assertFalse(PublicPaths.contains(closed), closed);
        }
        assertFalse(PublicPaths.contains(null));
    }

    @Test
    void mediaPathsStayInsideTheFolder(@TempDir Path tmp) throws Exception {
        Path media = Files.createDirectories(tmp.resolve("media"));
        Files.writeString(media.resolve("a.mp4"), "x");
        Files.writeString(tmp.resolve("outside.mp4"), "x");
        Files.createSymbolicLink(media.resolve("link.mp4"), tmp.resolve("outside.mp4"));
        MediaFolder folder = new MediaFolder(media);
        assertEquals(media.toRealPath().resolve("a.mp4"), folder.resolve("a.mp4"));
        assertNull(folder.resolve("missing.mp4"));
        for (String bad : List.of("../outside.mp4", "/etc/passwd", "link.mp4", "C:/x.mp4", "a/../../outside.mp4", " ")) {
            assertThrows(IllegalArgumentException.class, () -> folder.resolve(bad), bad);
        }
        assertNull(MediaFolder.of(" "), "no folder configured");
    }

    @Test
    void uploadNamesAreReducedToSafeFileNames() {
        assertEquals("my_clip.mp4", JobRoutes.storedName("C:\\\\Users\\\\me\\\\my clip.mp4"));
        assertEquals("x.mp4", JobRoutes.storedName("../../x.mp4"));
        assertEquals("_.hidden", JobRoutes.storedName(".hidden"));
        assertEquals("upload.mp4", JobRoutes.storedName(null));
        assertEquals(100, JobRoutes.storedName("a".repeat(300) + ".mp4").length());
    }
}
