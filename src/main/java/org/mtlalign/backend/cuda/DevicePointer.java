package org.mtlalign.backend.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * A device address whose value Java can read. JCuda keeps a pointer's address protected; kernel
 * launches pack their arguments into one buffer ({@link CudaKernels}), which needs it. Offsets
 * taken with {@link #withByteOffset} stay of this type, so every address a launcher computes
 * from a {@link DeviceBuffer} can be packed.
 */
final class DevicePointer extends CUdeviceptr {
    /** The null device address (an argument the kernel does not read, e.g. an absent bias). */
    static final DevicePointer NULL = new DevicePointer();

    DevicePointer() {
    }

    private DevicePointer(DevicePointer base, long byteOffset) {
        super(base, byteOffset);
    }

    /** The address this pointer holds: its allocation's start plus its byte offset. */
    long address() {
        return getNativePointer() + getByteOffset();
    }

    @Override
    public DevicePointer withByteOffset(long byteOffset) {
        return new DevicePointer(this, byteOffset);
    }
}
