package org.mtlalign.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mtlalign.UserInputException;

/**
 * How driver errors read (no GPU needed: the checks are plain Java). A kernel that faults on a
 * GPU reports at the next driver call, whichever it is, and every call after it fails too; the
 * emulated driver never faults, so this path is checked here directly.
 */
class CudaErrorTest {
    @AfterEach
    void forget() {
        Cu.forgetLostContextForTest();
    }

    @Test
    void aFaultReportedLaterIsNamedAsAnEarlierKernelsAndEveryEntryAfterItRefuses() {
        assertDoesNotThrow(Cu::requireContext);
        // 700 = CUDA_ERROR_ILLEGAL_ADDRESS, surfacing at a copy that did nothing wrong.
        CudaFailure first = assertThrows(CudaFailure.class, () -> Cu.check(700, "download: copy to host"));
        assertTrue(first.getMessage().contains("CUDA_ERROR_ILLEGAL_ADDRESS"), first.getMessage());
        assertTrue(first.getMessage().contains("queued earlier") && first.getMessage().contains("MTL_CUDA_DEBUG=1"),
                first.getMessage());
        CudaFailure later = assertThrows(CudaFailure.class, Cu::requireContext);
        assertEquals(first.getMessage(), later.getMessage());
        // The first error is the one kept: a later call's error names the same origin.
        CudaFailure again = assertThrows(CudaFailure.class, () -> Cu.check(719, "cuMemAlloc"));
        assertEquals(first.getMessage(), again.getMessage());
    }

    @Test
    void stickyCodesAreTheFaultsAfterWhichTheContextIsLost() {
        for (int code : new int[] {700, 702, 714, 715, 716, 717, 718, 719}) {
            assertTrue(Cu.sticky(code), Integer.toString(code));
        }
        for (int code : new int[] {0, 1, 2, 98, 200, 500, 701, 720}) {
            assertFalse(Cu.sticky(code), Integer.toString(code));
        }
        // An ordinary error does not poison later calls.
        assertThrows(CudaFailure.class, () -> Cu.check(1, "cuLaunchKernel"));
        assertDoesNotThrow(Cu::requireContext);
    }

    @Test
    void outOfPageLockedMemoryIsTheUsersToFixNotABugReport() {
        // 2 = CUDA_ERROR_OUT_OF_MEMORY; the CLI prints a UserInputException as one line, exit 2.
        UserInputException e = assertThrows(UserInputException.class, () -> Cu.check(2, "cuMemAllocHost(4096 bytes)"));
        assertTrue(e.getMessage().contains("page-locked") && e.getMessage().contains("4096"), e.getMessage());
        assertThrows(CudaFailure.class, () -> Cu.check(2, "cuEventCreate"));
    }

    @Test
    void inDebugModeTheCheckAfterALaunchNamesItsKernel() {
        // MTL_CUDA_DEBUG=1 synchronises after each launch: the fault is that kernel's own.
        CudaFailure e = assertThrows(CudaFailure.class, () -> Cu.check(716, "kernel adam " + Cu.DEBUG_CHECK));
        assertTrue(e.getMessage().contains("kernel adam") && e.getMessage().contains("that kernel failed")
                && !e.getMessage().contains("rerun with MTL_CUDA_DEBUG=1"), e.getMessage());
    }

    @Test
    void aLostContextIsForgottenWhenItsDeviceIsReleased() {
        assertThrows(CudaFailure.class, () -> Cu.check(700, "download"));
        assertThrows(CudaFailure.class, Cu::requireContext);
        // The device's last backend released the primary context: the next one starts clean.
        Cu.forgetDevice(CudaBackend.currentOrdinal());
        assertDoesNotThrow(Cu::requireContext);
    }
}
