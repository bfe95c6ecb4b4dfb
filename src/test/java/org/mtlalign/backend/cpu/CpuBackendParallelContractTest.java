package org.mtlalign.backend.cpu;

import org.mtlalign.backend.Backend;
import org.mtlalign.backend.BackendContractTest;

/**
 * The {@link Backend} contract suite on the CPU backend with three workers, so that the
 * parallel paths (batched SVD split over workers, Gram row parts) run whatever the machine's
 * environment would choose by default.
 */
class CpuBackendParallelContractTest extends BackendContractTest {
    @Override
    protected Backend backend() {
        return new CpuBackend(3);
    }
}
