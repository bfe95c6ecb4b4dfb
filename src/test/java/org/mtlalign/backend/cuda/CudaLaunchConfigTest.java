package org.mtlalign.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Host-side launch arithmetic of the CUDA backend (runs everywhere; no GPU needed). */
class CudaLaunchConfigTest {

    @Test
    void poolCapacityClasses() {
        assertEquals(256, DevicePool.capacityClass(0));
        assertEquals(256, DevicePool.capacityClass(1));
        assertEquals(256, DevicePool.capacityClass(256));
        assertEquals(512, DevicePool.capacityClass(257));
        assertEquals(4096, DevicePool.capacityClass(4000));
        assertEquals(5120, DevicePool.capacityClass(4097));
        assertEquals(1L << 20, DevicePool.capacityClass((1L << 20) - 3));
        assertEquals(20480000L / (4L << 20) * (4L << 20) + (4L << 20), DevicePool.capacityClass(20480000L),
                "a 20000 x 256 float32 task: 20.5 MB in a 20.97 MB class, not 32 MiB");
        assertEquals(1L << 30, DevicePool.capacityClass(1L << 30));
        assertEquals((1L << 30) + (256L << 20), DevicePool.capacityClass((1L << 30) + 1));
        for (long b = 1; b < 1L << 40; b = b * 3 + 1) {
            long c = DevicePool.capacityClass(b);
            assertTrue(c >= b, b + " -> " + c);
            // At most a quarter more than asked beyond 4 KiB (plus the 256 MiB steps above 1 GiB).
            assertTrue(b <= 4096 ? c < 2 * b + 256 : c <= b + b / 4 + (b > 1L << 30 ? 256L << 20 : 0), b + " -> " + c);
            assertEquals(c, DevicePool.capacityClass(c), "a class is its own class (reuse): " + b);
        }
    }

    /** The shared-memory paths fit the 48 KiB default; larger problems take the global ones. */
    @Test
    void jacobiPathsAndBlockSizes() {
        assertTrue(CudaKernels.svdUsesShared(32, 32));
        assertTrue(CudaKernels.svdUsesShared(1, 1));
        assertTrue(CudaKernels.svdUsesShared(5, 33));
        assertFalse(CudaKernels.svdUsesShared(33, 33));
        assertFalse(CudaKernels.svdUsesShared(1024, 32), "tall matrices whose workspace exceeds shared memory");
        for (int n = 1; n <= 32; n++) {
            for (int m = n; m <= 400; m += 7) {
                if (CudaKernels.svdUsesShared(m, n)) {
                    assertTrue(CudaKernels.svdSharedBytes(m, n) <= 46 * 1024);
                }
            }
            assertTrue(CudaKernels.eigUsesShared(n));
            assertTrue(CudaKernels.eigSharedBytes(n) <= 46 * 1024);
        }
        assertFalse(CudaKernels.eigUsesShared(33));
        for (int n = 1; n <= 300; n++) {
            int t = CudaKernels.jacobiThreads(n);
            assertEquals(0, t % 32);
            assertTrue(t >= 32 && t <= 512, n + " -> " + t);
            int e = CudaKernels.eigThreads(n);
            assertEquals(0, e % 32);
            assertTrue(e <= 512);
        }
        // the workspace strides hold W, V, sigma and the int ranks
        assertEquals(6L * 4 + 16 + 4 + 2, CudaKernels.svdWorkStride(6, 4));
    }

    @Test
    void gridSizes() {
        assertEquals(1, CudaKernels.gridStrideBlocks(1));
        assertEquals(1, CudaKernels.gridStrideBlocks(256));
        assertEquals(2, CudaKernels.gridStrideBlocks(257));
        assertEquals(1 << 16, CudaKernels.gridStrideBlocks(Long.MAX_VALUE / 2));
        assertEquals(1, CudaKernels.lossBlocks(0));
        assertEquals(1024, CudaKernels.lossBlocks(10_000_000));
        assertEquals(4, CudaKernels.ceilDiv(97, 32));
    }

    @Test
    void outOfMemoryMessageIsOneLineAndNamesTheBytes() {
        CudaOutOfMemoryException e = new CudaOutOfMemoryException(3_000_000_000L, 3_221_225_472L, 1L << 30, 80L << 30,
                "NVIDIA H200");
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.contains("3000000000 bytes") && m.contains("2.8 GiB") && m.contains("NVIDIA H200"), m);
    }
}
