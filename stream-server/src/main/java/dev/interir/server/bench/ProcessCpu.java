package dev.interir.server.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's CPU time split into user and system (Linux {@code /proc/self/stat}; zeros elsewhere): the
 * system share shows what the kernel costs (sockets, page faults, thread wake-ups), which the JVM's own CPU
 * counter does not separate.
 */
record ProcessCpu(double userSeconds, double systemSeconds) {
    /** USER_HZ: 100 on every Linux architecture this runs on. */
    private static final double TICKS_PER_SECOND = 100.0;

    static ProcessCpu now() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // the command name in parentheses may hold spaces: count fields after its closing parenthesis
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new ProcessCpu(Long.parseLong(f[11]) / TICKS_PER_SECOND, Long.parseLong(f[12]) / TICKS_PER_SECOND);
        } catch (IOException | RuntimeException e) {
            return new ProcessCpu(0, 0);
        }
    }

    ProcessCpu minus(ProcessCpu earlier) {
        return new ProcessCpu(userSeconds - earlier.userSeconds, systemSeconds - earlier.systemSeconds);
    }
}
