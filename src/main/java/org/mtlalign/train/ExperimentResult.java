package org.mtlalign.train;

import java.util.List;
import org.mtlalign.analysis.Capacity;

/**
 * All results of one {@link MtlExperiment} run, as written to --json. {@code trainings} says how
 * each model's training ended (epochs, best epoch, best validation loss, whether the epoch cap
 * rather than early stopping ended it), in the order MTL, MTL + alignment, MTL + reweighting,
 * then the STL baselines.
 *
 * <p>The analyses read each task's training rows as prepared (standardised as the
 * {@link org.mtlalign.data.Preparation.Config} says), not the raw inputs: a
 * {@link org.mtlalign.analysis.CovarianceSimilarity} of the raw arrays gives other scores.
 *
 * @param similarity        the k x k covariance similarity of the training rows (diagonal: each
 *                          task's self-score, below 1 beyond rank 1)
 * @param similarityAligned the same of X_i R_i, or null when alignment did not run
 * @param similarityRanks   each task's rank kept by the energy rule
 * @param reweightAlpha     Algorithm 2's alpha (not rescaled), or null when reweighting did not run
 */
public record ExperimentResult(List<TaskReport> tasks, double[][] similarity, double[][] similarityAligned,
                               int[] similarityRanks, double[] reweightAlpha, Capacity.Suggestion capacity,
                               double seconds, List<Training> trainings) {

    /**
     * How one training run ended; {@code hitEpochCap}: the cap, not the patience rule, stopped it;
     * {@code diverged}: null, or why the run stopped early with a non-finite loss (its test
     * metrics are then not reported; {@code epochsRun} is the epoch it diverged in);
     * {@code restarts}, {@code restartReason}, {@code restartKept}: see {@link MtlExperiment.Fresh}
     * (0, null, false for a training that was not restarted).
     */
    public record Training(String run, int epochsRun, int bestEpoch, double bestValidationLoss, boolean hitEpochCap,
                           String diverged, int restarts, String restartReason, boolean restartKept) {
        /** A training that was not restarted. */
        public Training(String run, int epochsRun, int bestEpoch, double bestValidationLoss, boolean hitEpochCap,
                        String diverged) {
            this(run, epochsRun, bestEpoch, bestValidationLoss, hitEpochCap, diverged, 0, null, false);
        }

        static Training of(String run, TrainResult r, TrainConfig tc) {
            return new Training(run, r.epochsRun(), r.bestEpoch(), r.bestValidationLoss(),
                    TransferExperiment.hitEpochCap(r, tc), null);
        }

        static Training of(String run, MtlExperiment.Fresh f, TrainConfig tc) {
            TrainResult r = f.result();
            return new Training(run, r.epochsRun(), r.bestEpoch(), r.bestValidationLoss(),
                    TransferExperiment.hitEpochCap(r, tc), null, f.restarts(), f.restartReason(), f.restartKept());
        }

        /** "Cap, improving": the cap ended it with its best epoch in the last tenth (see {@link TrainResult#stillImproving}). */
        public boolean stillImproving() {
            return hitEpochCap && TrainResult.bestInLastTenth(epochsRun, bestEpoch);
        }

        static Training diverged(String run, TrainingDivergedException e) {
            double best = Double.isFinite(e.bestValidationLoss()) ? e.bestValidationLoss() : Double.NaN;
            return new Training(run, e.epoch(), e.bestEpoch(), best, false, e.getMessage());
        }
    }

    /** The runs that diverged (none when every training finished). */
    public List<Training> divergedRuns() {
        return trainings.stream().filter(t -> t.diverged() != null).toList();
    }
}
