package org.mtlalign.experiments;

import java.util.List;

/** The registry of `mtl reproduce` experiments, in the order `all` runs them. */
public final class Experiments {
    private Experiments() {
    }

    public static List<Experiment> all() {
        return List.of(new CapacityExperiment(), new TaskCovarianceExperiment(), new AlignmentExperiment(),
                new ReweightingExperiment(), new TransferLearningExperiment(), new SimilarityVsTransferExperiment());
    }

    public static Experiment byName(String name) {
        for (Experiment e : all()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }
}
