package org.mtlalign.cli;

import org.mtlalign.analysis.SvdReweighting;
import org.mtlalign.model.Activation;
import org.mtlalign.train.ExperimentConfig;
import org.mtlalign.train.TrainConfig;
import picocli.CommandLine.Option;

/** Architecture and optimisation options of `mtl train`. */
public final class TrainOptions {
    @Option(names = {"-r", "--rank"}, paramLabel = "R",
            description = "Width r of the shared module B (default: the suggested capacity, see 'mtl analyze').")
    Integer rank;

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

    @Option(names = "--weight-decay", defaultValue = "0", description = "Weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--sampling", defaultValue = "round-robin", paramLabel = "round-robin|proportional|all",
            description = "How each step picks its task (default: ${DEFAULT-VALUE}).")
    String sampling;

    @Option(names = "--patience", defaultValue = "20",
            description = "Early stopping: epochs without validation improvement (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--align", defaultValue = "fixed-b", paramLabel = "fixed-b|joint|none",
            description = "Algorithm 1: fixed-b trains R_i and heads with B fixed (the paper); joint trains all "
                    + "(default: ${DEFAULT-VALUE}).")
    String align;

    @Option(names = "--align-lr-factor", defaultValue = "0.1",
            description = "Learning rate of the alignment phase relative to --lr (default: ${DEFAULT-VALUE}).")
    float alignLrFactor;

    @Option(names = "--reweight", defaultValue = "normalized", paramLabel = "normalized|paper|none",
            description = "Algorithm 2 weights: normalized (cosine, default) or paper (||theta_i^T U_r||).")
    String reweight;

    @Option(names = "--reweight-rank", defaultValue = "0",
            description = "The r of Algorithm 2 (default: min(r, k - 1); at r >= k every normalized weight is 1).")
    int reweightRank;

    @Option(names = "--energy", defaultValue = "0.99",
            description = "Similarity score: keep the rank holding this share of singular values (default: ${DEFAULT-VALUE}).")
    double energy;

    @Option(names = "--no-stl", description = "Skip the single-task baselines.")
    boolean noStl;

    @Option(names = "--progress", negatable = true, description = "Show a progress bar on long runs (default: when a terminal is attached).")
    Boolean progress;

    TrainConfig trainConfig(long seed) {
        boolean bar = progress != null ? progress : System.console() != null;
        return new TrainConfig(epochs, batch, TrainConfig.Optimizer.parse(optimizer), lr, momentum, weightDecay,
                TrainConfig.Sampling.parse(sampling), patience, seed, bar);
    }

    ExperimentConfig experimentConfig(int r, long seed) {
        SvdReweighting.Variant rv = reweight.equalsIgnoreCase("none") ? null : SvdReweighting.Variant.parse(reweight);
        return new ExperimentConfig(r, Activation.parse(activation), !noBias, trainConfig(seed),
                ExperimentConfig.AlignMode.parse(align), rv, reweightRank, energy, !noStl);
    }
}
