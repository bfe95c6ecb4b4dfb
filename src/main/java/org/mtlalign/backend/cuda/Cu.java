package org.mtlalign.backend.cuda;

import jcuda.driver.CUresult;

/** Result-code checks for JCuda driver calls (JCuda's own exceptions stay disabled). */
final class Cu {
    private Cu() {
    }

    /**
     * The first error that left the CUDA context unusable, or null. A kernel that faults (an
     * illegal or misaligned address, a trap) fails asynchronously: the error surfaces at whatever
     * driver call comes next and every later call fails the same way, so after the first one each
     * backend entry refuses at once with this message instead of blaming an innocent call.
     */
    private static volatile String contextLost;

    /** Errors after which the context (the primary context every backend of this process shares) is lost. */
    static boolean sticky(int result) {
        return result == 700 || result == 702 || (result >= 714 && result <= 719);
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

    /** Records the context as lost (the first time) and returns the exception to throw. */
    static CudaFailure lost(int result, String what) {
        synchronized (Cu.class) {
            if (contextLost == null) {
                contextLost = "the GPU reported " + name(result) + " at " + what + ": a kernel queued earlier "
                        + "failed on the device, and the CUDA context cannot be used any more (rerun with "
                        + "MTL_CUDA_DEBUG=1 to name the kernel, which checks after every launch)";
            }
        }
        return new CudaFailure(contextLost);
    }

    /** Forgets a lost context (tests only: a real lost context stays lost). */
    static void forgetLostContextForTest() {
        contextLost = null;
    }

    /** Throws the recorded error if the context is lost. */
    static void requireContext() {
        String lost = contextLost;
        if (lost != null) {
            throw new CudaFailure(lost);
        }
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
