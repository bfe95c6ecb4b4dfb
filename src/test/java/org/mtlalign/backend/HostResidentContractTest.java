package org.mtlalign.backend;

import org.junit.jupiter.api.Nested;
import org.mtlalign.backend.cpu.CpuBackend;

/** {@link ResidentContract} for host sessions, wrapping and copying. */
class HostResidentContractTest {
    private static final CpuBackend CPU = new CpuBackend();

    /** Host sessions must match the CPU backend's array methods bitwise. */
    abstract static class OnHost extends ResidentContract {
        private final boolean copying;

        OnHost(boolean copying) {
            this.copying = copying;
        }

        @Override
        protected Resident open() {
            return new HostResident(CPU, copying);
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
    class Wrapping extends OnHost {
        Wrapping() {
            super(false);
        }
    }

    @Nested
    class Copying extends OnHost {
        Copying() {
            super(true);
        }
    }
}
