package org.mtlalign.train;

import java.util.List;
import org.mtlalign.analysis.Capacity;

/** All results of one {@link MtlExperiment} run, as written to --json. */
public record ExperimentResult(List<TaskReport> tasks, double[][] similarity, double[][] similarityAligned,
                               int[] similarityRanks, double[] reweightAlpha, Capacity.Suggestion capacity,
                               double seconds) {
}
