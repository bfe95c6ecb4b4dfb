package org.mtlalign.experiments;

import java.util.function.Consumer;
import org.mtlalign.backend.Backend;

/**
 * What every experiment gets: the backend, the size preset, the seeds and a progress sink.
 * Seed s of an experiment is {@code baseSeed + s}.
 */
public record ExperimentContext(Backend backend, boolean quick, int seeds, long baseSeed, Consumer<String> log) {
    public ExperimentContext {
        if (seeds < 1) {
            throw new org.mtlalign.UserInputException("--seeds: must be >= 1, got " + seeds);
        }
    }

    public long seed(int s) {
        return baseSeed + s;
    }
}
