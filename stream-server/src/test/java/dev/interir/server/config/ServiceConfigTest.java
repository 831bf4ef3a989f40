package dev.interir.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceConfigTest {

    @Test
    void defaultsComeFromTheBundledFile() {
        ServiceConfig cfg = ServiceConfig.defaults();
        assertEquals("127.0.0.1", cfg.server.host);
        assertEquals(8080, cfg.server.port);
        assertNull(cfg.server.token);
        assertEquals("live", cfg.model.variant);
        assertTrue(cfg.pipeline.temporal);
        assertEquals(1, cfg.streams.size());
        assertEquals("bundled:demo", cfg.streams.get(0).source);
    }

    @Test
    void aFileChangesOnlyItsKeysAndTheEnvironmentWins(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("c.yaml"), """
                server:
                  port: 9000
                pipeline:
                  temporal: false
                streams:
                  - id: cam
                    source: rtsp://127.0.0.1/cam
                """);
        ServiceConfig cfg = ServiceConfig.load(file, Map.of("INTERIR_PIPELINE_MAX_BATCH", "8", "INTERIR_SERVER_PORT", "9100",
                "INTERIR_TOKEN", "s3cret", "PATH", "/usr/bin"));
        assertEquals(9100, cfg.server.port);
        assertEquals("127.0.0.1", cfg.server.host);
        assertFalse(cfg.pipeline.temporal);
        assertEquals(8, cfg.pipeline.maxBatch);
        assertEquals("s3cret", cfg.server.token);
        assertEquals(1, cfg.streams.size());
        assertEquals("cam", cfg.streams.get(0).id);
    }

    @Test
    void typosAreErrorsNotSilentDefaults(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("c.yaml"), "server:\n  prot: 9000\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServiceConfig.load(file));
        assertTrue(e.getMessage().contains("prot"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ServiceConfig.load(null, Map.of("INTERIR_SERVER_PROT", "1")));
    }
}
