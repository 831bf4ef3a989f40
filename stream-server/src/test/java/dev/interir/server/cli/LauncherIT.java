package dev.interir.server.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interir.server.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * scripts/interir, the launcher the README starts the service with: it runs the packaged jar with tcmalloc under
 * libtorch (the test command installs it), and the network's forward passes run under it.
 */
class LauncherIT {

    @Test
    void theLauncherRunsTheJarWithTcmallocUnderLibtorch() throws Exception {
        Path launcher = Path.of("..", "scripts", "interir").toAbsolutePath().normalize();
        assertTrue(Files.isExecutable(launcher), launcher + " is executable");
        String out = Processes.run(launcher.toString(), "bench", "--forward-only", "--size", "128x128", "--runs", "1",
                "--sweep", "1", "--threads", "1");
        assertTrue(out.contains("allocator tcmalloc"), "the forward passes ran under tcmalloc:\n" + out);
        assertTrue(out.contains("first frame"), "and the network ran:\n" + out);
    }
}
