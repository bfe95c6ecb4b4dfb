package org.mtlalign.backend.cuda;

import jcuda.driver.CUresult;

/** Result-code checks for JCuda driver calls (JCuda's own exceptions stay disabled). */
final class Cu {
    private Cu() {
    }

    /**
     * Per device ordinal, the first error that left its CUDA context unusable. A kernel that
     * faults (an illegal or misaligned address, a trap) fails asynchronously: the error surfaces at
     * whatever driver call comes next and every later call fails the same way, so after the first
     * one each entry of a backend on that device refuses at once with this message instead of
     * blaming an innocent call. Forgotten when the device's last backend releases its primary
     * context (a new context is then created).
     */
    private static final java.util.Map<Integer, String> LOST = new java.util.concurrent.ConcurrentHashMap<>();

    /** Errors after which the context (the primary context the device's backends share) is lost. */
    static boolean sticky(int result) {
        return result == 700 || result == 702 || result == 710 || (result >= 714 && result <= 719);
    }

    static void check(int result, String what) {
        if (result != CUresult.CUDA_SUCCESS) {
            if (sticky(result)) {
                throw lost(result, what);
            }
            if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY && what.startsWith("cuMemAllocHost")) {
                // Page-locked memory is limited by the host (e.g. a container's memlock limit).
                throw new CudaOutOfMemoryException("out of page-locked host memory: " + what
                        + " failed (raise the memlock limit, or use --backend cpu)");
            }
            throw new CudaFailure("CUDA error in " + what + ": " + name(result));
        }
    }

    /** Records the current device's context as lost (the first time) and returns the exception to throw. */
    static CudaFailure lost(int result, String what) {
        String message = LOST.computeIfAbsent(CudaBackend.currentOrdinal(), d -> what.contains(DEBUG_CHECK)
                // The check after each launch (MTL_CUDA_DEBUG=1) names the kernel that failed.
                ? "the GPU reported " + name(result) + " at " + what + ": that kernel failed on the device, and the "
                        + "CUDA context cannot be used any more"
                : "the GPU reported " + name(result) + " at " + what + ": a kernel queued earlier failed on the "
                        + "device, and the CUDA context cannot be used any more (rerun with MTL_CUDA_DEBUG=1 to name "
                        + "the kernel, which checks after every launch)");
        return new CudaFailure(message);
    }

    /** How CudaKernels names the synchronisation after a launch in debug mode. */
    static final String DEBUG_CHECK = "(debug check after launch)";

    /** Throws the recorded error if the current device's context is lost. */
    static void requireContext() {
        String lost = LOST.get(CudaBackend.currentOrdinal());
        if (lost != null) {
            throw new CudaFailure(lost);
        }
    }

    /** The device's last backend released its primary context: a new one starts clean. */
    static void forgetDevice(int ordinal) {
        LOST.remove(ordinal);
    }

    /** Forgets every lost context (tests only). */
    static void forgetLostContextForTest() {
        LOST.clear();
    }

    static String name(int result) {
        String s;
        try {
            s = CUresult.stringFor(result);
        } catch (RuntimeException e) {
            s = null;
        }
        return (s == null || s.startsWith("INVALID CUresult") ? "CUresult " + result : s) + " (" + result + ")";
    }
}
