package dev.interir.server.cluster;

import dev.interir.server.RtspCamera;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One cluster node as its own JVM: the built jar's {@code serve} with a config written here, its output in a log
 * file. {@link #kill} is SIGKILL (no shutdown hook, no goodbye to the cluster), the death the cluster must survive.
 */
final class NodeProcess implements AutoCloseable {
    static final String TOKEN = "cluster-test-token";
    private static final Path JAR = Path.of("target", "interir-stream.jar");

    final String name;
    final int httpPort;
    final int clusterPort;
    final Path log;
    private final Process process;

    private NodeProcess(String name, int httpPort, int clusterPort, Path log, Process process) {
        this.name = name;
        this.httpPort = httpPort;
        this.clusterPort = clusterPort;
        this.log = log;
        this.process = process;
    }

    /** Free ports for {@code n} nodes: their HTTP and cluster ports. */
    record Ports(List<Integer> http, List<Integer> cluster) {
        static Ports free(int n) throws IOException {
            List<Integer> http = new ArrayList<>();
            List<Integer> cluster = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                http.add(RtspCamera.freePort());
                cluster.add(RtspCamera.freePort());
            }
            return new Ports(http, cluster);
        }

        String members() {
            return String.join(", ", cluster.stream().map(p -> "\"127.0.0.1:" + p + "\"").toList());
        }
    }

    /**
     * Starts node {@code i} of {@code ports} (named n1, n2, ...), one libtorch thread, files under {@code dir}.
     *
     * @param extraYaml more top-level sections (e.g. media:)
     */
    static NodeProcess start(Path dir, Ports ports, int i, String extraYaml) throws IOException {
        String name = "n" + (i + 1);
        Path home = Files.createDirectories(dir.resolve(name));
        Path config = Files.writeString(home.resolve("node.yaml"), """
                server:
                  port: %d
                  token: %s
                model:
                  threads: 1
                pipeline:
                  idleSeconds: 600
                hls:
                  dir: %s
                jobs:
                  outputDir: %s
                cluster:
                  enabled: true
                  name: cluster-it-%d
                  nodeName: %s
                  port: %d
                  members: [%s]
                streams: []
                %s
                """.formatted(ports.http().get(i), TOKEN, home.resolve("hls"), home.resolve("jobs"),
                ports.cluster().get(0), name, ports.cluster().get(i), ports.members(), extraYaml));
        Path log = Files.createDirectories(Path.of("target", "cluster-it")).resolve(name + "-" + ports.http().get(i) + ".log");
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx768m", "-XX:TieredStopAtLevel=1",
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_interop_threads=1",
                "-jar", JAR.toString(), "serve", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        pb.environment().keySet().removeIf(k -> k.startsWith("INTERIR_"));
        return new NodeProcess(name, ports.http().get(i), ports.cluster().get(i), log, pb.start());
    }

    /** Waits until the node answers /ready; fails with its log's end if it dies or takes longer. */
    void awaitReady(Duration within) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + logTail());
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError(name + " not ready within " + within.toSeconds() + " s:\n" + logTail());
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL: the JVM dies at once, its sockets closed by the kernel. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM (the service leaves the cluster in order), SIGKILL if that takes too long. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
