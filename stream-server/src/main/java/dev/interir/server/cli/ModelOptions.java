package dev.interir.server.cli;

import dev.interir.server.config.ServiceConfig;
import picocli.CommandLine.Option;

/**
 * The options that choose the network and its threads, mixed into `serve`, `restore` and `bench`. An option not given
 * leaves the config's {@code model} section as it is, so the defaults stay in interir-default.yaml.
 */
final class ModelOptions {

    @Option(names = "--variant", paramLabel = "NAME", description = "Bundled model variant (default from config: live).")
    String variant;

    @Option(names = "--model", paramLabel = "FILE", description = "TorchScript file exported by model/python/export.py "
            + "(its .json sidecar beside it); overrides --variant.")
    String file;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for the forward passes, split among the lanes; "
            + "0: every core (default from config: 0).")
    Integer threads;

    @Option(names = "--lanes", paramLabel = "N", description = "Forward passes at once, the threads split among them; "
            + "0: one per thread on a CPU (default from config: 0).")
    Integer lanes;

    /** Lays the options that were given over {@code model}. */
    void applyTo(ServiceConfig.Model model) {
        if (variant != null) {
            model.variant = variant;
        }
        if (file != null) {
            model.file = file;
        }
        if (threads != null) {
            model.threads = threads;
        }
        if (lanes != null) {
            model.lanes = lanes;
        }
    }

    /** The default config's model section with the options that were given laid over it. */
    ServiceConfig.Model resolved() {
        ServiceConfig.Model model = ServiceConfig.defaults().model;
        applyTo(model);
        return model;
    }
}
