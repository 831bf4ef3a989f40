package dev.interir.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one jar's entry point: `serve`, `restore`, `bench`. */
@Command(name = "interir-stream", mixinStandardHelpOptions = true, version = "InterIR Stream 0.1.0",
        description = "Restores video degraded by rain, noise and haze with the InterIR network, and streams it.",
        subcommands = {ServeCommand.class, RestoreCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        // must happen before the first logger exists
        if ("json".equalsIgnoreCase(System.getenv("INTERIR_LOG_FORMAT")) && System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-json.xml");
        }
        System.exit(new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
