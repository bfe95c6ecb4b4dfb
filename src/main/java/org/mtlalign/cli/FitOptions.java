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

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE}); "
            + "no effect under adam, the default optimizer.")
    float momentum;

    @Option(names = "--weight-decay", defaultValue = "0",
            description = "Weight decay (default: ${DEFAULT-VALUE}): decoupled (AdamW) under adam, added to the gradient "
                    + "under sgd; it pulls B, the heads and the biases toward 0 and an alignment matrix R_i toward the "
                    + "identity it starts from. Each step scales the weights by 1 - lr x decay, so a decay of 1 / --lr "
                    + "or more is refused (in mtl train with --align-lr-factor F, also one of 1 / (--lr x F) or more, "
                    + "for the alignment phase).")
    float weightDecay;

    @Option(names = "--sampling", defaultValue = "auto", paramLabel = "auto|round-robin|proportional|all",
            description = "How each step picks its task (default: ${DEFAULT-VALUE}: round-robin while the largest task "
                    + "has at most " + AUTO_RATIO + " times the smallest's training rows, proportional beyond; the run "
                    + "prints which it used and why).")
    String sampling;

    /**
     * --sampling auto: round-robin while the largest task has at most this many times the smallest's
     * training rows, proportional beyond. Measured in docs/results/sampling.md (3 seeds, 26 suites):
     * on tasks of equal size the two tie, on tasks 5 to 100 times apart proportional was better in
     * most suites (text-like tasks 33x apart: mean MTL - STL AUC -0.053 round-robin, +0.029
     * proportional; +0.082 once early stopping weighed tasks by rows under proportional, which kept
     * proportional ahead in 11 of those 16 suites over 10 seeds), and at 2-3x the suites disagreed.
     */
    static final int AUTO_RATIO = 3;

    /** The rule --sampling auto resolved to (set by {@link #chooseSampling}); null before. */
    private TrainConfig.Sampling chosen;

    @Option(names = "--patience", defaultValue = "20",
            description = "Early stopping: epochs without validation improvement, or as many as the run took to "
                    + "reach its best if more (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--progress", negatable = true, description = "Show a progress bar on long runs (default: on a terminal, unless TERM=dumb).")
    Boolean progress;

    /**
     * The training configuration; under --sampling auto with the rule {@link #chooseSampling} chose
     * (before that, the option values are checked with round-robin standing in for it).
     */
    TrainConfig trainConfig(long seed) {
        boolean bar = progress != null ? progress : barByDefault(onTerminal(), System.getenv("TERM"));
        TrainConfig.Sampling s = isAuto() ? (chosen != null ? chosen : TrainConfig.Sampling.ROUND_ROBIN)
                : parseSampling();
        if ((double) lr * weightDecay >= 1) {
            // Each step scales the weights by 1 - lr x decay (decoupled under Adam, through the
            // gradient under SGD): at 0 or below the decay alone wipes or flips them, and the run
            // ended 'diverged ... try a smaller --lr' without naming --weight-decay.
            throw new org.mtlalign.UserInputException("--weight-decay " + shown(weightDecay) + " with --lr " + shown(lr)
                    + ": each step scales the weights by 1 - lr x decay = " + factor(lr, weightDecay)
                    + ", so the decay alone wipes them out; use a --weight-decay below 1 / --lr = " + shown(1 / lr)
                    + " (typically far below)");
        }
        return new TrainConfig(epochs, batch, TrainConfig.Optimizer.parse(optimizer), lr, momentum, weightDecay,
                s, patience, seed, bar);
    }

    /**
     * The options given that this run's other settings leave without effect, each said as a note:
     * picocli accepts '--optimizer adam --momentum 0.5' without a word, and the run trained as if
     * --momentum had not been given. Called once the options are final (a resumed run's restored).
     */
    java.util.List<String> withoutEffect(picocli.CommandLine.ParseResult given) {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (given.hasMatchedOption("--momentum") && TrainConfig.Optimizer.parse(optimizer) != TrainConfig.Optimizer.SGD) {
            out.add("--momentum is SGD's and has no effect under --optimizer " + optimizer.toLowerCase(java.util.Locale.ROOT));
        }
        return out;
    }

    /**
     * 1 - lr x decay from the values as typed: in binary floating point the default --lr 0.005 with
     * --weight-decay 300 said -0.49999997, where the user's numbers make -0.5.
     */
    private static String factor(float lr, float decay) {
        if (!Float.isFinite(lr) || !Float.isFinite(decay)) {
            return shown((float) (1 - (double) lr * decay));
        }
        java.math.BigDecimal f = java.math.BigDecimal.ONE.subtract(new java.math.BigDecimal(Float.toString(lr))
                .multiply(new java.math.BigDecimal(Float.toString(decay))));
        return f.abs().compareTo(java.math.BigDecimal.valueOf(1_000_000)) < 0
                ? f.round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString()
                : String.format(java.util.Locale.ROOT, "%.3g", f.doubleValue());
    }

    /**
     * lr x factor x decay from the values as typed, as {@link #factor} gives 1 - lr x decay: in float
     * arithmetic 0.1 x 4 x 5 printed as 2.0, beside an lr x decay refusal that says 2.
     */
    static String typedProduct(float... v) {
        java.math.BigDecimal p = java.math.BigDecimal.ONE;
        double d = 1;
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return shown((float) (d * x));
            }
            p = p.multiply(new java.math.BigDecimal(Float.toString(x)));
            d *= x;
        }
        return p.abs().compareTo(java.math.BigDecimal.valueOf(1_000_000)) < 0
                ? p.round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString()
                : String.format(java.util.Locale.ROOT, "%.3g", p.doubleValue());
    }

    /** A float option's value as typed (0.5, 200), or that it was beyond float's range (1e39 reads as Infinity). */
    static String shown(float v) {
        return Float.isFinite(v) ? TrainCommand.plain(v) : v + " (beyond the float range)";
    }

    /**
     * --sampling other than auto. The library's parse knows no auto (TrainConfig.defaults is
     * round-robin), so its message listed auto only after the CLI had added it: the library then
     * refused 'auto' as unknown while listing it as expected.
     */
    private TrainConfig.Sampling parseSampling() {
        try {
            return TrainConfig.Sampling.parse(sampling);
        } catch (org.mtlalign.UserInputException e) {
            throw new org.mtlalign.UserInputException("--sampling: unknown task sampling '" + sampling
                    + "' (expected auto, round-robin, proportional or all)", e);
        }
    }

    boolean isAuto() {
        return sampling != null && "auto".equals(sampling.toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * Resolves --sampling auto by the tasks' training rows, and says which rule the run uses and why,
     * e.g. "proportional (auto: task sizes differ 33x (180 to 6000 training rows), over 3x; --sampling round-robin to override)".
     */
    String chooseSampling(java.util.List<org.mtlalign.data.PreparedTask> tasks) {
        if (!isAuto()) {
            return parseSampling().cliName() + " (--sampling)";
        }
        long few = Long.MAX_VALUE;
        long many = 0;
        for (org.mtlalign.data.PreparedTask t : tasks) {
            few = Math.min(few, t.train().length);
            many = Math.max(many, t.train().length);
        }
        if (tasks.size() < 2) {
            chosen = TrainConfig.Sampling.ROUND_ROBIN;
            return "round-robin (auto: one task)";
        }
        // As ratios: 0 training rows (--val 1 --test 0 leaves none) count as 1.
        double ratio = (double) many / Math.max(1, few);
        chosen = ratio > AUTO_RATIO ? TrainConfig.Sampling.PROPORTIONAL : TrainConfig.Sampling.ROUND_ROBIN;
        // With the row counts: a ratio just over 3 printed as "3.0x, over 3x" contradicted itself.
        String differ = (ratio < 10 ? String.format(java.util.Locale.ROOT, "%.2f", ratio).replaceAll("\\.?0+$", "")
                : String.format(java.util.Locale.ROOT, "%.0f", ratio)) + "x (" + few + " to " + many + " training rows)";
        return chosen == TrainConfig.Sampling.PROPORTIONAL
                ? "proportional (auto: task sizes differ " + differ + ", over " + AUTO_RATIO
                        + "x; --sampling round-robin to override)"
                : "round-robin (auto: task sizes differ " + differ + ", at most " + AUTO_RATIO
                        + "x; --sampling proportional to override)";
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
