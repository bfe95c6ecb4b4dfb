package org.mtlalign.cli;

import org.mtlalign.analysis.SvdReweighting;
import org.mtlalign.model.Activation;
import org.mtlalign.train.ExperimentConfig;
import picocli.CommandLine.Option;

/** Options of `mtl train`: the width, Algorithms 1 and 2, the baselines, and (inherited) the model and its training. */
public final class TrainOptions extends FitOptions {
    @Option(names = {"-r", "--rank"}, paramLabel = "R",
            description = "Width r of the shared module B (default: the suggested capacity, see 'mtl analyze').")
    Integer rank;

    @Option(names = "--align", defaultValue = "fixed-b", paramLabel = "fixed-b|joint|none",
            description = "Algorithm 1: fixed-b trains R_i and heads with B fixed (the paper); joint trains all "
                    + "(default: ${DEFAULT-VALUE}).")
    String align;

    @Option(names = "--align-lr-factor",
            description = "Learning rate of the alignment phase relative to --lr (default: 0.1, and 0.1 x 64 / d "
                    + "for inputs of d > 64 dimensions).")
    Float alignLrFactor;

    /** --align-lr-factor, or its default for inputs of d dimensions. */
    float alignLrFactor(int d) {
        return alignLrFactor != null ? alignLrFactor : org.mtlalign.train.MtlExperiment.alignLrFactor(d);
    }

    @Option(names = "--reweight", defaultValue = "normalized", paramLabel = "normalized|paper|none",
            description = "Algorithm 2 weights: normalized (cosine, default) or paper (||theta_i^T U_r||); none skips "
                    + "the reweighted model. A task whose theta_i is mostly sampling noise (too few training rows for "
                    + "d) gets a warning before training.")
    String reweight;

    @Option(names = "--reweight-rank", defaultValue = "0",
            description = "The r of Algorithm 2 (default: min(r, k - 1); at r >= the number of label columns, k for "
                    + "binary and single-column tasks, every normalized weight is 1).")
    int reweightRank;

    @Option(names = "--energy", defaultValue = "0.99",
            description = "Similarity score (eq. 5): keep the smallest rank of each task's X^T X holding this share "
                    + "of the sum of its singular values (its eigenvalues, the squares of X's singular values; default: "
                    + "${DEFAULT-VALUE}).")
    double energy;

    @Option(names = "--no-stl", description = "Skip the single-task baselines.")
    boolean noStl;

    /**
     * {@link FitOptions#withoutEffect}, and the options of a model that --align none or --reweight
     * none does not train. Transfer mode names the options it ignores in a note of its own.
     */
    java.util.List<String> withoutEffect(picocli.CommandLine.ParseResult given, boolean transferMode) {
        java.util.List<String> out = withoutEffect(given);
        if (transferMode) {
            return out;
        }
        if (given.hasMatchedOption("--align-lr-factor") && align.equalsIgnoreCase("none")) {
            out.add("--align-lr-factor has no effect under --align none (no alignment phase runs)");
        }
        if (given.hasMatchedOption("--reweight-rank") && reweight.equalsIgnoreCase("none")) {
            out.add("--reweight-rank has no effect under --reweight none (no reweighted model is trained)");
        }
        return out;
    }

    ExperimentConfig experimentConfig(int r, long seed) {
        if (alignLrFactor != null && (!(alignLrFactor > 0) || Float.isInfinite(alignLrFactor))) {
            // With the other option values, before the data is read: MtlExperiment refused it only
            // after the data, the split and the capacity's ridge fits.
            throw new org.mtlalign.UserInputException("--align-lr-factor: must be a positive number, got " + alignLrFactor);
        }
        if (alignLrFactor != null && !align.equalsIgnoreCase("none") && (double) lr * alignLrFactor * weightDecay >= 1) {
            // The alignment phase steps at lr x factor, and its decay pulls R_i toward the identity by
            // lr x factor x decay of the way each step: at 1 or more R_i overshoots on every step, which
            // FitOptions' check on lr alone let through for a factor above 1.
            throw new org.mtlalign.UserInputException("--weight-decay " + shown(weightDecay) + " with --lr " + shown(lr)
                    + " x --align-lr-factor " + shown(alignLrFactor) + ": the alignment phase's decay moves R_i past the "
                    + "identity on every step (lr x factor x decay = " + typedProduct(lr, alignLrFactor, weightDecay)
                    + " >= 1); use a smaller --weight-decay or --align-lr-factor");
        }
        SvdReweighting.Variant rv = reweight.equalsIgnoreCase("none") ? null : SvdReweighting.Variant.parse(reweight);
        return new ExperimentConfig(r, Activation.parse(activation), !noBias, trainConfig(seed),
                ExperimentConfig.AlignMode.parse(align), rv, reweightRank, energy, !noStl);
    }
}
