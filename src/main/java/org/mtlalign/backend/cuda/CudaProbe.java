package org.mtlalign.backend.cuda;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Says why the CUDA backend cannot be used here. The kernels (native/) and their JCuda
 * launchers are not part of this build yet, so the answer is always a reason; it still names
 * what it sees of the machine so that {@code mtl info} is useful today.
 */
public final class CudaProbe {
    private CudaProbe() {
    }

    public static String unavailableReason() {
        boolean driver = driverPresent();
        return "the CUDA kernels are not built into this version"
                + (driver ? " (an NVIDIA driver is present)" : "; no NVIDIA driver (libcuda.so.1) found");
    }

    static boolean driverPresent() {
        for (String dir : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/cuda/lib64",
                "/usr/lib/wsl/lib", "/usr/lib/aarch64-linux-gnu"}) {
            if (Files.exists(Path.of(dir, "libcuda.so.1"))) {
                return true;
            }
        }
        return false;
    }
}
