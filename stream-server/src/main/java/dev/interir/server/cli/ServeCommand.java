package dev.interir.server.cli;

import dev.interir.server.InterirService;
import dev.interir.server.config.ServiceConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Runs the service: restores the configured streams and serves the viewer, the API, "
                + "WebSocket and HLS.", "With no options it restores the bundled sample clip as stream 'demo' "
                + "and serves it at http://localhost:8080/."})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config laid over the defaults "
            + "(see interir-default.yaml in the jar or stream-server/src/main/resources).")
    Path config;

    @Option(names = "--port", description = "HTTP port (default from config: 8080).")
    Integer port;

    @Option(names = "--host", description = "Address to listen on (default from config: 127.0.0.1).")
    String host;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--insecure", description = "Allow listening on a non-loopback address without a token.")
    boolean insecure;

    @Override
    public Integer call() throws Exception {
        ServiceConfig cfg = ServiceConfig.load(config, System.getenv());
        if (port != null) {
            cfg.server.port = port;
        }
        if (host != null) {
            cfg.server.host = host;
        }
        modelOptions.applyTo(cfg.model);
        if (!isLoopback(cfg.server.host) && (cfg.server.token == null || cfg.server.token.isBlank()) && !insecure) {
            System.err.println("error: refusing to listen on " + cfg.server.host + " without a token: set INTERIR_TOKEN "
                    + "(or server.token in the config), or pass --insecure if the network is trusted");
            return 2;
        }
        InterirService service = InterirService.start(cfg);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "shutdown"));
        System.out.printf("InterIR Stream is serving at http://%s:%d/  (Ctrl-C stops it)%n",
                "0.0.0.0".equals(cfg.server.host) ? "localhost" : cfg.server.host, service.port());
        stopped.await();
        return 0;
    }

    private static boolean isLoopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
