package org.mtlalign.train;

/** What a training run did: epochs run, the best validation loss and where it was reached. */
public record TrainResult(int epochsRun, int bestEpoch, double bestValidationLoss, double lastTrainLoss, long steps) {
}
