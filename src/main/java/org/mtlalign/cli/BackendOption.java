package org.mtlalign.cli;

import java.util.function.Consumer;
import org.mtlalign.UserInputException;
import org.mtlalign.backend.Backend;
import org.mtlalign.backend.Backends;
import picocli.CommandLine.Option;

/** The --backend and --threads options shared by the commands that compute. */
public final class BackendOption {
    @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|cpu|cuda",
            description = "Compute backend (default: ${DEFAULT-VALUE}; auto uses CUDA when usable, else the CPU).")
    String backend;

    @Option(names = "--threads", paramLabel = "N",
            description = "CPU worker threads for independent work: trainings, experiments, SVD batches, Gram parts "
                    + "(default: all cores when OpenBLAS runs on one thread, as ./mtl arranges, else 1; results do "
                    + "not depend on it).")
    Integer threads;

    /** Checks the values without selecting anything (for commands that print before selecting). */
    void validate() {
        Backends.checkName(backend);
        if (threads != null && (threads < 1 || threads > org.mtlalign.backend.cpu.CpuBackend.MAX_WORKERS)) {
            throw new UserInputException("--threads: must be in 1.." + org.mtlalign.backend.cpu.CpuBackend.MAX_WORKERS
                    + ", got " + threads);
        }
    }

    /** The backend these options ask for (see {@link Backends#select}). */
    Backend select(Consumer<String> notice) {
        validate();
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads != null && threads > 2 * cores) {
            notice.accept("note: --threads " + threads + " on " + org.mtlalign.backend.cpu.CpuBackend.cores(cores) + ": the extra workers only add overhead");
        }
        return Backends.select(backend, threads == null ? 0 : threads, notice);
    }
}
