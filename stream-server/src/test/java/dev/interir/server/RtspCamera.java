package dev.interir.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A real RTSP server on loopback (GStreamer, started from rtsp_camera.py) serving a moving test pattern. */
public final class RtspCamera implements AutoCloseable {
    private final Process process;
    private final int port;

    private RtspCamera(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static RtspCamera start(int width, int height, int fps) throws Exception {
        return start(freePort(), width, height, fps);
    }

    /** On a given port: a camera that comes back where it was. */
    public static RtspCamera start(int port, int width, int height, int fps) throws Exception {
        Path script = Path.of(RtspCamera.class.getResource("/rtsp_camera.py").toURI());
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), Integer.toString(port), "/cam",
                Integer.toString(width), Integer.toString(height), Integer.toString(fps))
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (!"READY".equals(line)) {
            p.destroyForcibly();
            throw new IllegalStateException("RTSP camera did not start: " + line);
        }
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // keep the pipe from filling up
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        drain.setDaemon(true);
        drain.start();
        return new RtspCamera(p, port);
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "rtsp://127.0.0.1:" + port + "/cam";
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }
}
