package dev.interir.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docker-compose.yml is valid for Compose (no Docker engine runs here: `config` checks it without one). */
class ComposeFileTest {

    @Test
    void composeFileIsValidAndDefinesTheServices() throws Exception {
        Path compose = Path.of("..", "docker-compose.yml").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(compose), compose.toString());
        String services = StreamServiceTest.run("docker-compose", "-f", compose.toString(), "config", "--services");
        assertEquals(List.of("camera", "interir", "interir-gpu"), services.lines().filter(l -> !l.isBlank()).sorted().toList());
        String config = StreamServiceTest.run("docker-compose", "-f", compose.toString(), "config");
        assertTrue(config.contains("capabilities:") && config.contains("gpu"), "the GPU service reserves a GPU");
        assertTrue(Files.isRegularFile(compose.resolveSibling("Dockerfile")));
        assertTrue(Files.isRegularFile(compose.resolveSibling("docker/interir.yaml")));
    }
}
