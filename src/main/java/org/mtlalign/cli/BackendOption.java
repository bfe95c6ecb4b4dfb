package org.mtlalign.cli;

import picocli.CommandLine.Option;

/** The --backend option shared by the commands that compute. */
public final class BackendOption {
    @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|cpu|cuda",
            description = "Compute backend (default: ${DEFAULT-VALUE}; auto uses CUDA when usable, else the CPU).")
    String backend;
}
