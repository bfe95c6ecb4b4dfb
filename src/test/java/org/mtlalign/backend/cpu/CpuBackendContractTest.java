package org.mtlalign.backend.cpu;

import org.mtlalign.backend.Backend;
import org.mtlalign.backend.BackendContractTest;

/** The {@link Backend} contract suite run on the CPU reference backend. */
class CpuBackendContractTest extends BackendContractTest {
    @Override
    protected Backend backend() {
        return new CpuBackend();
    }
}
