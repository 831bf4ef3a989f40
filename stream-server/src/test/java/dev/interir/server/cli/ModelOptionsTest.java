package dev.interir.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interir.server.config.ServiceConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ModelOptionsTest {

    @Test
    void optionsNotGivenKeepTheConfigsDefaults() {
        RestoreCommand restore = new RestoreCommand();
        new CommandLine(restore).parseArgs("clip.mp4", "--out", "restored");
        ServiceConfig.Model model = restore.modelOptions.resolved();
        ServiceConfig.Model defaults = ServiceConfig.defaults().model;
        assertEquals(defaults.variant, model.variant);
        assertEquals(defaults.threads, model.threads);
        assertNull(model.file);
    }

    @Test
    void eachCommandTakesTheSameModelOptions() {
        for (Object command : List.of(new ServeCommand(), new RestoreCommand(), new BenchCommand())) {
            CommandLine cli = new CommandLine(command);
            List<String> args = new ArrayList<>(List.of("--variant", "still", "--model", "net.pt", "--threads", "2"));
            if (command instanceof RestoreCommand) {
                args.addAll(List.of("clip.mp4", "--out", "restored"));
            }
            cli.parseArgs(args.toArray(String[]::new));
            ServiceConfig.Model model = ((ModelOptions) cli.getMixins().get("modelOptions")).resolved();
            assertEquals("still", model.variant, cli.getCommandName());
            assertEquals("net.pt", model.file, cli.getCommandName());
            assertEquals(2, model.threads, cli.getCommandName());
            String help = cli.getUsageMessage(CommandLine.Help.Ansi.OFF);
            for (String option : List.of("--variant=NAME", "--model=FILE", "--threads=N")) {
                Matcher described = Pattern.compile("(?m)^ +" + Pattern.quote(option) + " ").matcher(help);
                assertTrue(described.find() && !described.find(), cli.getCommandName() + " describes " + option + " once:\n" + help);
            }
            assertTrue(help.contains("default from config"), help);
        }
    }
}
