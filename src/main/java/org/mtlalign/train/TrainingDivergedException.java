package org.mtlalign.train;

/**
 * Training produced a non-finite loss; the model was restored to its last good parameters.
 * {@link #epoch()} is the epoch it diverged in, {@link #bestEpoch()} the epoch restored (0: the
 * starting parameters) and {@link #bestValidationLoss()} that epoch's validation loss.
 */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int epoch;
    private final int bestEpoch;
    private final double bestValidationLoss;

    public TrainingDivergedException(String message, int epoch, int bestEpoch, double bestValidationLoss) {
        super(message);
        this.epoch = epoch;
        this.bestEpoch = bestEpoch;
        this.bestValidationLoss = bestValidationLoss;
    }

    /** The same divergence, its message prefixed with the run it happened in (e.g. "MTL"). */
    public TrainingDivergedException in(String run) {
        TrainingDivergedException e = new TrainingDivergedException(run + ": " + getMessage(), epoch, bestEpoch,
                bestValidationLoss);
        e.setStackTrace(getStackTrace());
        return e;
    }

    public int epoch() {
        return epoch;
    }

    public int bestEpoch() {
        return bestEpoch;
    }

    public double bestValidationLoss() {
        return bestValidationLoss;
    }
}
