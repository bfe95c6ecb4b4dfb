package org.mtlalign.backend.cuda;

import org.mtlalign.backend.Backend;
import org.mtlalign.backend.BackendContractTest;

/**
 * The {@link Backend} contract suite on the CUDA backend (a fresh backend per test, as the suite
 * closes it after each). Without a usable GPU every test is reported skipped with the reason.
 */
@GpuTest
class CudaBackendContractTest extends BackendContractTest {
    @Override
    protected Backend backend() {
        return new CudaBackend();
    }
}
