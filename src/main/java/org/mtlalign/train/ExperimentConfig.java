package org.mtlalign.train;

import java.util.Locale;
import org.mtlalign.UserInputException;
import org.mtlalign.analysis.SvdReweighting;
import org.mtlalign.model.Activation;

/**
 * Everything an experiment needs beyond the data: the architecture, the training
 * hyper-parameters, and which of the paper's variants to run.
 *
 * @param rank        width r of the shared module
 * @param alignMode   Algorithm 1 as stated (FIXED_B: B frozen, R_i and heads trained) or JOINT
 * @param reweight    Algorithm 2 variant, or null to skip the reweighted run
 * @param reweightRank the r of Algorithm 2 (0 means min(r, k - 1), see {@link SvdReweighting#rank})
 * @param energy      the similarity score's rank rule (0.99 in the paper)
 */
public record ExperimentConfig(int rank, Activation activation, boolean bias, TrainConfig train,
                               AlignMode alignMode, SvdReweighting.Variant reweight, int reweightRank,
                               double energy, boolean runStl) {

    /** How Algorithm 1 trains the alignment matrices. */
    public enum AlignMode {
        NONE, FIXED_B, JOINT;

        public static AlignMode parse(String s) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "none": case "off": return NONE;
                case "fixed-b": case "paper": return FIXED_B;
                case "joint": return JOINT;
                default: throw new UserInputException("--align: unknown mode '" + s + "' (expected fixed-b, joint or none)");
            }
        }

        public String cliName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public ExperimentConfig {
        java.util.Objects.requireNonNull(activation, "activation");
        java.util.Objects.requireNonNull(train, "train");
        java.util.Objects.requireNonNull(alignMode, "alignMode (AlignMode.NONE for no alignment)");
        if (rank < 1) {
            throw new UserInputException("--rank: must be >= 1, got " + rank);
        }
        if (!(energy > 0 && energy <= 1)) {
            throw new UserInputException("--energy: must be in (0, 1], got " + energy);
        }
        if (reweightRank < 0) {
            throw new UserInputException("--reweight-rank: must be >= 1 (or 0 for the default min(r, k - 1)), got "
                    + reweightRank);
        }
    }

    /**
     * mtl train's defaults at width {@code rank}: ReLU with biases, {@link TrainConfig#defaults}
     * (seed 1; round-robin task sampling, which mtl train's --sampling auto replaces by proportional
     * for tasks whose training rows differ over 3x), Algorithm 1 with B fixed, Algorithm 2
     * (normalized, its r = min(r, k - 1)), the 99% rank rule for similarities, STL baselines on.
     * Change parts with the {@code with} methods instead of the nine-argument constructor.
     */
    public static ExperimentConfig defaults(int rank) {
        return new ExperimentConfig(rank, Activation.RELU, true, TrainConfig.defaults(1), AlignMode.FIXED_B,
                SvdReweighting.Variant.NORMALIZED, 0, 0.99, true);
    }

    public ExperimentConfig withRank(int r) {
        return new ExperimentConfig(r, activation, bias, train, alignMode, reweight, reweightRank, energy, runStl);
    }

    public ExperimentConfig withActivation(Activation a, boolean withBias) {
        return new ExperimentConfig(rank, a, withBias, train, alignMode, reweight, reweightRank, energy, runStl);
    }

    public ExperimentConfig withTrain(TrainConfig t) {
        return new ExperimentConfig(rank, activation, bias, t, alignMode, reweight, reweightRank, energy, runStl);
    }

    /** Algorithm 1's mode; {@link AlignMode#NONE} skips the aligned run. */
    public ExperimentConfig withAlignment(AlignMode mode) {
        return new ExperimentConfig(rank, activation, bias, train, mode, reweight, reweightRank, energy, runStl);
    }

    /** Algorithm 2's variant and r (0: min(r, k - 1)); a null variant skips the reweighted run. */
    public ExperimentConfig withReweighting(SvdReweighting.Variant variant, int r) {
        return new ExperimentConfig(rank, activation, bias, train, alignMode, variant, r, energy, runStl);
    }

    /** The similarity score's rank rule, in (0, 1]. */
    public ExperimentConfig withEnergy(double e) {
        return new ExperimentConfig(rank, activation, bias, train, alignMode, reweight, reweightRank, e, runStl);
    }

    public ExperimentConfig withStlBaselines(boolean run) {
        return new ExperimentConfig(rank, activation, bias, train, alignMode, reweight, reweightRank, energy, run);
    }
}
