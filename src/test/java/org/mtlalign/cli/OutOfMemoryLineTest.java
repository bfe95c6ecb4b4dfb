package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The out-of-memory line suggests a heap the machine has: ./mtl gives the JVM three quarters of
 * the memory, and twice that (-Xmx38g on a 24 GiB machine) is not there to give.
 */
class OutOfMemoryLineTest {
    private static final long GIB = 1L << 30;

    @Test
    void theSuggestedHeapFitsTheMachine() {
        // The JVM's own quarter of 24 GiB: twice it, as before.
        assertEquals("mtl: out of memory: the Java heap (at most 6144 MiB) is too small for this input; give the JVM "
                + "more, e.g. MTL_JAVA_OPTS=-Xmx14g", Main.outOfMemory(6 * GIB, 24 * GIB));
        // ./mtl's three quarters (18 GiB): at most nine tenths of the machine, not 38g.
        assertEquals("mtl: out of memory: the Java heap (at most 18432 MiB) is too small for this input (it has 75% of "
                + "this machine's 24 GiB); the most to give it here is about MTL_JAVA_OPTS=-Xmx21g, else a machine with "
                + "more memory, or fewer or narrower tasks per run", Main.outOfMemory(18 * GIB, 24 * GIB));
        // Unknown memory: as before.
        assertEquals("mtl: out of memory: the Java heap (at most 18432 MiB) is too small for this input; give the JVM "
                + "more, e.g. MTL_JAVA_OPTS=-Xmx38g", Main.outOfMemory(18 * GIB, 0));
    }

    @Test
    void aHeapOfMostOfTheMachineSaysTheMachineIsTooSmall() {
        assertEquals("mtl: out of memory: the Java heap (at most 7168 MiB) is too small for this input, and it has 88% "
                + "of this machine's 8 GiB already: the input needs a machine with more memory, or fewer or narrower "
                + "tasks per run", Main.outOfMemory(7 * GIB, 8 * GIB));
    }
}
