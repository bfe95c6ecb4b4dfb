package org.mtlalign.backend.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

/**
 * Page-locked (cuMemAllocHost) staging memory for host/device copies: a bump arena, reset after
 * every stream synchronisation. Java arrays are copied into a region here, then DMA'd to the
 * device asynchronously on the backend's stream (and the reverse for results). Pinned memory
 * makes the copies true DMA at full PCIe/NVLink speed and lets them run asynchronously.
 *
 * <p>{@link #take} returns null when the arena is in use and too small; the caller then
 * synchronises, {@link #reset}s and calls {@link #reserve} with what it needed, so the arena
 * grows to the calls' working size (up to {@link #MAX_BYTES}) and steady state never waits.
 */
final class PinnedStaging {
    static final long ALIGN = 256;
    static final long INITIAL_BYTES = 4L << 20;
    /** Upper bound of the arena; larger transfers are done in pieces with syncs in between. */
    static final long MAX_BYTES = 256L << 20;

    private Pointer host;
    /** Set when the arena is a registered direct buffer (fallback, see {@link #reserve}). */
    private ByteBuffer registered;
    private long size;
    private long used;
    private long allocations;

    /** A piece of the arena: its address for cuMemcpy*Async and a native-order view for Java. */
    static final class Region {
        final Pointer pointer;
        final ByteBuffer buffer;

        Region(Pointer pointer, ByteBuffer buffer) {
            this.pointer = pointer;
            this.buffer = buffer;
        }
    }

    Region take(long bytes) {
        if (bytes <= 0 || bytes > MAX_BYTES) {
            throw new IllegalArgumentException("staging region of " + bytes + " bytes");
        }
        long start = (used + ALIGN - 1) / ALIGN * ALIGN;
        if (host == null || start + bytes > size) {
            if (used > 0) {
                return null;
            }
            reserve(bytes);
            start = 0;
        }
        used = start + bytes;
        ByteBuffer view = registered != null
                ? registered.duplicate().position((int) start).limit((int) (start + bytes)).slice()
                : host.getByteBuffer(start, bytes);
        return new Region(start == 0 ? host : host.withByteOffset(start), view.order(ByteOrder.nativeOrder()));
    }

    long used() {
        return used;
    }

    /** Only when nothing is in flight: after a stream synchronisation. */
    void reset() {
        used = 0;
    }

    /** Makes the (empty) arena at least {@code bytes} large (capped at MAX_BYTES or bytes). */
    void reserve(long bytes) {
        if (used != 0) {
            throw new IllegalStateException("staging arena resized while in use");
        }
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("staging arena of " + bytes + " bytes");
        }
        long want = Math.max(bytes, Math.min(MAX_BYTES, Math.max(INITIAL_BYTES, bytes)));
        if (host != null && size >= want) {
            return;
        }
        want = Math.max(want, Math.min(MAX_BYTES, 2 * size));
        free();
        Pointer p = new Pointer();
        Cu.check(JCudaDriver.cuMemAllocHost(p, want), "cuMemAllocHost(" + want + " bytes)");
        if (p.getByteBuffer(0, want) == null) {
            // JCuda gives cuMemAllocHost memory a ByteBuffer view; should a version not, pin a
            // direct buffer of our own instead (same effect: page-locked, DMA-able).
            JCudaDriver.cuMemFreeHost(p);
            ByteBuffer direct = ByteBuffer.allocateDirect((int) want);
            p = Pointer.to(direct);
            Cu.check(JCudaDriver.cuMemHostRegister(p, want, 0), "cuMemHostRegister(" + want + " bytes)");
            registered = direct;
        }
        host = p;
        size = want;
        allocations++;
    }

    long allocations() {
        return allocations;
    }

    void free() {
        if (host != null) {
            if (registered != null) {
                JCudaDriver.cuMemHostUnregister(host);
                registered = null;
            } else {
                JCudaDriver.cuMemFreeHost(host);
            }
            host = null;
            size = 0;
        }
    }
}
