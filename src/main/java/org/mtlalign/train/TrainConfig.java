package org.mtlalign.train;

import java.util.Locale;
import org.mtlalign.UserInputException;

/**
 * Hyper-parameters of one training run. Defaults suit standardised inputs of a few hundred
 * dimensions; every field is exposed on the CLI.
 */
public record TrainConfig(int epochs, int batchSize, Optimizer optimizer, float learningRate, float momentum,
                          float weightDecay, Sampling sampling, int patience, long seed, boolean progress) {

    /** Which update rule. */
    public enum Optimizer {
        SGD, ADAM;

        public static Optimizer parse(String s) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "sgd": return SGD;
                case "adam": return ADAM;
                default: throw new UserInputException("--optimizer: unknown optimizer '" + s + "' (expected sgd or adam)");
            }
        }
    }

    /**
     * How a step picks its task. ROUND_ROBIN cycles tasks (each task weighs the same per step,
     * the paper's sum of per-task mean losses); PROPORTIONAL draws tasks in proportion to
     * their training rows (the pooled-sample objective); ALL takes one batch of every task per
     * step and sums the gradients (with a batch of every row, exact gradient descent).
     */
    public enum Sampling {
        ROUND_ROBIN, PROPORTIONAL, ALL;

        public static Sampling parse(String s) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "round-robin": return ROUND_ROBIN;
                case "proportional": return PROPORTIONAL;
                case "all": return ALL;
                default: throw new UserInputException("--sampling: unknown task sampling '" + s
                        + "' (expected round-robin, proportional or all)");
            }
        }

        public String cliName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public TrainConfig {
        // A null optimizer trained with SGD and a null sampling as PROPORTIONAL, without a word.
        java.util.Objects.requireNonNull(optimizer, "optimizer (Optimizer.ADAM or Optimizer.SGD)");
        java.util.Objects.requireNonNull(sampling, "sampling (Sampling.ROUND_ROBIN, PROPORTIONAL or ALL)");
        if (epochs < 1) {
            throw new UserInputException("--epochs: must be >= 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new UserInputException("--batch: must be >= 1, got " + batchSize);
        }
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
            throw new UserInputException("--lr: must be a positive number, got " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new UserInputException("--momentum: must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0) || Float.isInfinite(weightDecay)) {
            // Infinity made the first step NaN, reported as the run's divergence.
            throw new UserInputException("--weight-decay: must be a finite number >= 0, got " + weightDecay);
        }
        if (patience < 0) {
            throw new UserInputException("--patience: must be >= 0, got " + patience);
        }
    }

    /**
     * The epochs without improvement early stopping waits after a best epoch: {@code patience},
     * or as many epochs as the run took to reach that best when more. A run that is still finding
     * better epochs late has shown it learns slowly, and its next plateau tends to be as long:
     * six regression tasks on a shared X (d = 37, 180 training rows, 34 steps an epoch) sat
     * 23 epochs at a validation loss of 0.64 after its best at epoch 41, and a plain
     * patience of 20 ended it there; it then fell steadily to 0.39 by epoch 197. A run whose best
     * comes early is stopped exactly as before, and the wait is at most the run's length again,
     * bounded by {@code epochs}.
     */
    public int patienceAfter(int bestEpoch) {
        return Math.max(patience, bestEpoch);
    }

    /**
     * mtl train's defaults: 200 epochs, batch 32, Adam at 0.005, patience 20, no weight decay, and
     * round-robin task sampling; no progress bar. mtl train's --sampling auto takes proportional
     * instead when the largest task has over 3 times the smallest's training rows (measured in
     * docs/results/sampling.md); {@link #withSampling} sets it so for such tasks.
     */
    public static TrainConfig defaults(long seed) {
        return new TrainConfig(200, 32, Optimizer.ADAM, 5e-3f, 0.9f, 0f, Sampling.ROUND_ROBIN, 20, seed, false);
    }

    public TrainConfig withEpochs(int e) {
        return new TrainConfig(e, batchSize, optimizer, learningRate, momentum, weightDecay, sampling, patience, seed, progress);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(epochs, batchSize, optimizer, learningRate, momentum, weightDecay, sampling, patience, s, progress);
    }

    public TrainConfig withLearningRate(float lr) {
        return new TrainConfig(epochs, batchSize, optimizer, lr, momentum, weightDecay, sampling, patience, seed, progress);
    }

    public TrainConfig withSampling(Sampling s) {
        return new TrainConfig(epochs, batchSize, optimizer, learningRate, momentum, weightDecay, s, patience, seed, progress);
    }

    public TrainConfig withBatchSize(int b) {
        return new TrainConfig(epochs, b, optimizer, learningRate, momentum, weightDecay, sampling, patience, seed, progress);
    }

    public TrainConfig withPatience(int p) {
        return new TrainConfig(epochs, batchSize, optimizer, learningRate, momentum, weightDecay, sampling, p, seed, progress);
    }

    /** SGD with heavy-ball momentum (velocity in the optimiser's first-moment slot) instead of the current optimiser. */
    public TrainConfig withSgd(float lr, float mu) {
        return new TrainConfig(epochs, batchSize, Optimizer.SGD, lr, mu, weightDecay, sampling, patience, seed, progress);
    }

    /** Adam (the default) at learning rate lr. */
    public TrainConfig withAdam(float lr) {
        return new TrainConfig(epochs, batchSize, Optimizer.ADAM, lr, momentum, weightDecay, sampling, patience, seed, progress);
    }

    public TrainConfig withWeightDecay(float wd) {
        return new TrainConfig(epochs, batchSize, optimizer, learningRate, momentum, wd, sampling, patience, seed, progress);
    }

    public TrainConfig withProgress(boolean p) {
        return new TrainConfig(epochs, batchSize, optimizer, learningRate, momentum, weightDecay, sampling, patience, seed, p);
    }
}
