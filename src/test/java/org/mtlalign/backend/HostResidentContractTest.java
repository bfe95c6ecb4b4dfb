package org.mtlalign.backend;

import org.junit.jupiter.api.Nested;
import org.mtlalign.backend.cpu.CpuBackend;

/** {@link ResidentContract} for host sessions, wrapping and copying. */
class HostResidentContractTest {
    private static final CpuBackend CPU = new CpuBackend();

    @Nested
    class Wrapping extends ResidentContract {
        @Override
        protected Resident open() {
            return CPU.resident();
        }

        @Override
        protected Backend reference() {
            return CPU;
        }

        @Override
        protected boolean bitwise() {
            return true;
        }
    }

    @Nested
    class Copying extends ResidentContract {
        @Override
        protected Resident open() {
            return new HostResident(CPU, true);
        }

        @Override
        protected Backend reference() {
            return CPU;
        }

        @Override
        protected boolean bitwise() {
            return true;
        }
    }
}
