package org.mtlalign.backend.cuda;


/**
 * A block of device memory on loan from a {@link DevicePool}. {@link #close()} gives it back to
 * the pool (it is not freed: the next request of the same size class reuses it), so
 * try-with-resources around a call's buffers means repeated calls allocate nothing new.
 * Not thread-safe: a buffer belongs to one call at a time.
 */
public final class DeviceBuffer implements AutoCloseable {
    final DevicePointer ptr;
    private final long capacity;
    private final DevicePool pool;
    boolean onLoan;

    DeviceBuffer(DevicePointer ptr, long capacity, DevicePool pool) {
        this.ptr = ptr;
        this.capacity = capacity;
        this.pool = pool;
    }

    /** Size of the underlying allocation in bytes (the size class, at least what was asked). */
    public long capacityBytes() {
        return capacity;
    }

    /** The device address of byte {@code byteOffset}, checked against the capacity. */
    DevicePointer at(long byteOffset) {
        if (byteOffset < 0 || byteOffset > capacity) {
            throw new IllegalArgumentException("device buffer offset " + byteOffset + " outside 0.." + capacity);
        }
        return byteOffset == 0 ? ptr : ptr.withByteOffset(byteOffset);
    }

    /** Gives the buffer back to its pool; calling it again does nothing. */
    @Override
    public void close() {
        pool.release(this);
    }
}
