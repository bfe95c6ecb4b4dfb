package org.mtlalign.backend;

import java.util.Locale;
import java.util.function.Consumer;
import org.mtlalign.UserInputException;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.backend.cuda.CudaProbe;

/** Chooses a backend from the --backend option. */
public final class Backends {
    private Backends() {
    }

    /**
     * "cpu", "cuda" or "auto". Auto takes CUDA when a device and our kernels are usable and
     * otherwise the CPU, telling {@code notice} why in one line; "cuda" without a usable GPU is
     * a user error.
     */
    public static Backend select(String choice, Consumer<String> notice) {
        switch (choice.toLowerCase(Locale.ROOT)) {
            case "cpu":
                return new CpuBackend();
            case "cuda": {
                String why = CudaProbe.unavailableReason();
                throw new UserInputException("--backend cuda: no usable GPU backend: " + why);
            }
            case "auto": {
                String why = CudaProbe.unavailableReason();
                notice.accept("backend: cpu (CUDA not used: " + why + ")");
                return new CpuBackend();
            }
            default:
                throw new UserInputException("--backend: unknown backend '" + choice + "' (expected auto, cpu or cuda)");
        }
    }
}
