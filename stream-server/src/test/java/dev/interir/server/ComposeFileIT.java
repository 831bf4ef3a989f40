package dev.interir.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** docker-compose.yml is valid for Compose (no Docker engine runs here: `config` checks it without one). */
class ComposeFileIT {
    private static final Path COMPOSE = Path.of("..", "docker-compose.yml").toAbsolutePath().normalize();

    @Test
    void composeFileIsValidAndDefinesTheServices() throws Exception {
        assertTrue(Files.isRegularFile(COMPOSE), COMPOSE.toString());
        Result services = compose("a-test-token", "config", "--services");
        assertEquals(0, services.code, services.output);
        assertEquals(List.of("camera", "cluster-proxy", "interir", "interir-gpu", "interir-node1", "interir-node2"), services.output.lines().filter(l -> !l.isBlank()).sorted().toList());
        Result config = compose("a-test-token", "config");
        assertEquals(0, config.code, config.output);
        assertTrue(config.output.contains("capabilities:") && config.output.contains("gpu"), "the GPU service reserves a GPU");
        assertTrue(config.output.contains("INTERIR_TOKEN: a-test-token"), config.output);
        assertTrue(Files.isRegularFile(COMPOSE.resolveSibling("Dockerfile")));
        assertTrue(Files.isRegularFile(COMPOSE.resolveSibling("docker/interir.yaml")));
    }

    @Test
    void composeRefusesToStartWithoutAToken() throws Exception {
        for (String token : new String[]{null, ""}) {
            Result r = compose(token, "config");
            assertNotEquals(0, r.code, "started with token '" + token + "': " + r.output);
            assertTrue(r.output.contains("set INTERIR_TOKEN"), r.output);
        }
        assertFalse(Files.readString(COMPOSE).contains("change-me"), "no well-known fallback token");
    }

    @Test
    void theServiceIsPublishedOnLoopbackOnly() throws Exception {
        Result config = compose("a-test-token", "config");
        assertTrue(config.output.contains("127.0.0.1:8080:8080"), config.output);
        assertFalse(config.output.lines().anyMatch(l -> l.strip().matches("- \"?8080:8080.*")), config.output);
    }

    @Test
    void theClusterProfileRunsTwoNodesBehindOneLoopbackPort() throws Exception {
        Result config = compose("a-test-token", "--profile", "cluster", "config");
        assertEquals(0, config.code, config.output);
        assertTrue(config.output.contains("127.0.0.1:8090:8090"), "one front door, on loopback: " + config.output);
        for (String node : new String[]{"interir-node1", "interir-node2"}) {
            assertTrue(config.output.contains("INTERIR_CLUSTER_HOST: " + node), node + " binds its own address");
            assertTrue(config.output.contains("INTERIR_CLUSTER_HTTP_URL: http://" + node + ":8080"), node);
        }
        assertFalse(config.output.contains(":5701:"), "the cluster port is never published");
        String nodes = Files.readString(COMPOSE.resolveSibling("docker/interir-cluster.yaml"));
        assertTrue(nodes.contains("enabled: true") && nodes.contains("interir-node1:5701") && nodes.contains("interir-node2:5701"));
        String nginx = Files.readString(COMPOSE.resolveSibling("docker/nginx-cluster.conf"));
        assertTrue(nginx.contains("server interir-node1:8080") && nginx.contains("server interir-node2:8080"), nginx);
        assertTrue(nginx.contains("proxy_set_header Upgrade $http_upgrade"), "WebSocket upgrades pass the proxy");
    }

    private record Result(int code, String output) {
    }

    /** Runs docker-compose on the file with INTERIR_TOKEN set to {@code token}, or unset when null. */
    private static Result compose(String token, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("docker-compose", "-f", COMPOSE.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("INTERIR_TOKEN");
        if (token != null) {
            pb.environment().put("INTERIR_TOKEN", token);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("docker-compose did not finish: " + out);
        }
        return new Result(p.exitValue(), out);
    }
}
