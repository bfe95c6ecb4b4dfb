package org.mtlalign.backend.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Device memory pool keyed by capacity class: a request is rounded up to its class (powers of two
 * from 256 B to 4 KiB; then quarter steps between powers of two, 1, 1.25, 1.5 and 1.75 times
 * 2^n, up to 1 GiB; then multiples of 256 MiB) and served from that class's free list, or
 * by cuMemAlloc when the list is empty. Released buffers go back to their list and are freed
 * only by {@link #trim()} (done automatically before reporting out-of-memory) or
 * {@link #close()}. All calls happen on the owning backend's thread with its context current.
 */
final class DevicePool {
    private static final long MIN_CLASS = 256;
    private static final long QUARTER_FROM = 4096;
    private static final long POW2_LIMIT = 1L << 30;
    private static final long LARGE_STEP = 256L << 20;

    private final Map<Long, ArrayDeque<DeviceBuffer>> free = new HashMap<>();
    private final Set<DeviceBuffer> all = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final Supplier<String> deviceName;
    private long allocations;
    private long reuses;
    private long bytesHeld;

    DevicePool(Supplier<String> deviceName) {
        this.deviceName = deviceName;
    }

    static long capacityClass(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative allocation size " + bytes);
        }
        if (bytes <= MIN_CLASS) {
            return MIN_CLASS;
        }
        if (bytes <= QUARTER_FROM) {
            return Long.highestOneBit(bytes - 1) << 1;
        }
        if (bytes <= POW2_LIMIT) {
            // Quarter steps waste at most a fifth of a request (power-of-two classes up to half:
            // a task's 20.5 MB of inputs took 32 MB, and a paper-scale training 1.65x its data).
            long step = Long.highestOneBit(bytes - 1) >> 2;
            return (bytes + step - 1) / step * step;
        }
        return (bytes + LARGE_STEP - 1) / LARGE_STEP * LARGE_STEP;
    }

    DeviceBuffer acquire(long bytes) {
        long cap = capacityClass(bytes);
        ArrayDeque<DeviceBuffer> list = free.get(cap);
        DeviceBuffer b = list == null ? null : list.pollLast();
        if (b != null) {
            reuses++;
        } else {
            b = new DeviceBuffer(allocate(bytes, cap), cap, this);
            all.add(b);
            allocations++;
            bytesHeld += cap;
        }
        b.onLoan = true;
        return b;
    }

    private DevicePointer allocate(long requested, long cap) {
        DevicePointer p = new DevicePointer();
        int r = JCudaDriver.cuMemAlloc(p, cap);
        if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            trim();
            r = JCudaDriver.cuMemAlloc(p, cap);
        }
        if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            long[] freeB = {-1};
            long[] total = {-1};
            JCudaDriver.cuMemGetInfo(freeB, total);
            throw new CudaOutOfMemoryException(requested, cap, freeB[0], total[0], deviceName.get());
        }
        Cu.check(r, "cuMemAlloc(" + cap + " bytes)");
        return p;
    }

    void release(DeviceBuffer b) {
        if (!b.onLoan || !all.contains(b)) {
            return;
        }
        b.onLoan = false;
        free.computeIfAbsent(b.capacityBytes(), k -> new ArrayDeque<>()).addLast(b);
    }

    /** Frees every buffer that is not on loan. */
    void trim() {
        for (ArrayDeque<DeviceBuffer> list : free.values()) {
            for (DeviceBuffer b : list) {
                JCudaDriver.cuMemFree(b.ptr);
                all.remove(b);
                bytesHeld -= b.capacityBytes();
            }
            list.clear();
        }
    }

    /** Frees everything, on loan or not (the backend is closing; the stream is idle). */
    void close() {
        for (DeviceBuffer b : all) {
            JCudaDriver.cuMemFree(b.ptr);
            b.onLoan = false;
        }
        all.clear();
        free.clear();
        bytesHeld = 0;
    }

    /** cuMemAlloc calls so far (a repeated call of the same shapes must not add any). */
    long allocations() {
        return allocations;
    }

    long reuses() {
        return reuses;
    }

    long bytesHeld() {
        return bytesHeld;
    }
}
