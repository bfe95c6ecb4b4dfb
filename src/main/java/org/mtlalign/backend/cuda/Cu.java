package org.mtlalign.backend.cuda;

import jcuda.driver.CUresult;

/** Result-code checks for JCuda driver calls (JCuda's own exceptions stay disabled). */
final class Cu {
    private Cu() {
    }

    static void check(int result, String what) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaFailure("CUDA error in " + what + ": " + name(result));
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
