package org.mtlalign.cli;

import org.mtlalign.train.TrainConfig;
import picocli.CommandLine.Option;

/**
 * The shared layer's architecture and how a model is trained: the options `mtl train` and `mtl sweep`
 * share (picocli reads them from this superclass of {@link TrainOptions}, and as a mixin of sweep).
 */
public class FitOptions {
    @Option(names = "--activation", defaultValue = "relu", paramLabel = "identity|relu",
            description = "Activation g of the shared layer (default: ${DEFAULT-VALUE}).")
    String activation;

    @Option(names = "--no-bias", description = "Drop the biases (the paper's bias-free model).")
    boolean noBias;

    @Option(names = "--epochs", defaultValue = "200", description = "Maximum epochs per model (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "32", description = "Mini-batch rows (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--optimizer", defaultValue = "adam", paramLabel = "adam|sgd", description = "Default: ${DEFAULT-VALUE}.")
    String optimizer;

    @Option(names = "--lr", defaultValue = "0.005", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    float momentum;

    @Option(names = "--weight-decay", defaultValue = "0", description = "Weight decay (default: ${DEFAULT-VALUE}): decoupled (AdamW) under adam, added to the gradient under sgd; it pulls B, the heads and the biases toward 0 and an alignment matrix R_i toward the identity it starts from.")
    float weightDecay;

    @Option(names = "--sampling", defaultValue = "round-robin", paramLabel = "round-robin|proportional|all",
            description = "How each step picks its task (default: ${DEFAULT-VALUE}).")
    String sampling;

    @Option(names = "--patience", defaultValue = "20",
            description = "Early stopping: epochs without validation improvement (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--progress", negatable = true, description = "Show a progress bar on long runs (default: on a terminal, unless TERM=dumb).")
    Boolean progress;

    TrainConfig trainConfig(long seed) {
        boolean bar = progress != null ? progress : barByDefault(onTerminal(), System.getenv("TERM"));
        return new TrainConfig(epochs, batch, TrainConfig.Optimizer.parse(optimizer), lr, momentum, weightDecay,
                TrainConfig.Sampling.parse(sampling), patience, seed, bar);
    }

    /**
     * A terminal that cannot redraw a line (TERM=dumb: Emacs' shell, some CI logs) showed the bar's
     * redraws and the escape that erases it as text, so it gets none unless asked.
     */
    static boolean barByDefault(boolean terminal, String term) {
        return terminal && !"dumb".equals(term);
    }

    /**
     * Java 22 to 24 return a console also when the output is redirected, and say which it is with
     * Console.isTerminal (Java 22+, hence reflection).
     */
    private static boolean onTerminal() {
        java.io.Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }
}
