package org.mtlalign.train;

/** What a training run did: epochs run, the best validation loss and where it was reached. */
public record TrainResult(int epochsRun, int bestEpoch, double bestValidationLoss, double lastTrainLoss, long steps) {
    /**
     * "Cap, improving": all {@code epochCap} epochs ran and the best one lies in their last tenth
     * (at least the last two), so more epochs would likely have helped.
     */
    public boolean stillImproving(int epochCap) {
        return epochsRun >= epochCap && bestInLastTenth(epochsRun, bestEpoch);
    }

    /** The best epoch lies in the last tenth (at least the last two) of the epochs run. */
    public static boolean bestInLastTenth(int epochsRun, int bestEpoch) {
        return bestEpoch > epochsRun - Math.max(2, epochsRun / 10);
    }
}
