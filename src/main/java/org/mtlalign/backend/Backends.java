package org.mtlalign.backend;

import java.util.Locale;
import java.util.function.Consumer;
import org.mtlalign.UserInputException;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.backend.cuda.CudaBackend;
import org.mtlalign.backend.cuda.CudaProbe;

/** Chooses a backend from the --backend option. */
public final class Backends {
    private Backends() {
    }

    /**
     * "cpu", "cuda" or "auto". Auto takes CUDA when a device and our kernels are usable and
     * otherwise the CPU, telling {@code notice} (null: nobody) which one and, for the CPU, why in one line;
     * "cuda" without a usable GPU is a user error (exit 2, one line). The caller closes the
     * returned backend.
     */
    public static Backend select(String choice, Consumer<String> notice) {
        return select(choice, 0, notice);
    }

    /**
     * As {@link #select(String, Consumer)}, with {@code cpuWorkers} worker threads for the CPU
     * backend (0: {@link CpuBackend#defaultWorkers()}).
     *
     * @throws IllegalArgumentException for {@code cpuWorkers} outside 0..{@value CpuBackend#MAX_WORKERS}
     */
    public static Backend select(String choice, int cpuWorkers, Consumer<String> notice) {
        checkName(choice);
        if (cpuWorkers < 0 || cpuWorkers > CpuBackend.MAX_WORKERS) {
            throw new IllegalArgumentException("cpuWorkers must be in 0.." + CpuBackend.MAX_WORKERS
                    + " (0: the default), got " + cpuWorkers);
        }
        if (notice == null) {
            notice = line -> { }; // null: nothing is said
        }
        if (cpuWorkers > 1 && CpuBackend.blasThreads() != 1) {
            notice.accept("note: OpenBLAS may run several threads of its own (OPENBLAS_NUM_THREADS is not 1), so "
                    + cpuWorkers + " workers can oversubscribe the cores");
        }
        switch (choice.toLowerCase(Locale.ROOT)) {
            case "cpu":
                return cpuWorkers > 0 ? new CpuBackend(cpuWorkers) : new CpuBackend();
            case "cuda": {
                String why = CudaProbe.unavailableReason();
                if (why != null) {
                    throw new UserInputException("--backend cuda: no usable GPU backend: " + why);
                }
                try {
                    return new CudaBackend();
                } catch (RuntimeException | LinkageError e) {
                    throw new UserInputException("--backend cuda: the CUDA backend failed to start: " + oneLine(e), e);
                }
            }
            case "auto": {
                String why = CudaProbe.unavailableReason();
                if (why == null) {
                    try {
                        CudaBackend cuda = new CudaBackend();
                        notice.accept("backend: " + cuda.description());
                        return cuda;
                    } catch (RuntimeException | LinkageError e) {
                        why = "the CUDA backend failed to start: " + oneLine(e);
                    }
                }
                notice.accept("backend: cpu (CUDA not used: " + why + ")");
                return cpuWorkers > 0 ? new CpuBackend(cpuWorkers) : new CpuBackend();
            }
            default:
                throw new UserInputException("--backend: unknown backend '" + choice + "' (expected auto, cpu or cuda)");
        }
    }

    /** Rejects anything but auto, cpu and cuda (any case) with the option's one-line error. */
    public static void checkName(String choice) {
        String c = choice == null ? "" : choice.toLowerCase(Locale.ROOT);
        if (!c.equals("auto") && !c.equals("cpu") && !c.equals("cuda")) {
            throw new UserInputException("--backend: unknown backend '" + choice + "' (expected auto, cpu or cuda)");
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("[\\r\\n]+", " ").trim();
    }
}
