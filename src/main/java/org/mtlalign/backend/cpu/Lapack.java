package org.mtlalign.backend.cpu;

import dev.ludovic.netlib.lapack.LAPACK;
import java.util.function.Consumer;

/**
 * The LAPACK this library calls: dev.ludovic.netlib's native one (OpenBLAS through JNI) when it
 * loads, else f2j's Java translation of LAPACK 3.1, which must not run on two threads at once.
 *
 * <p>Why. f2j keeps Fortran SAVE variables as static fields: Dlamch/Slamch compute the machine
 * constants (eps, the safe minimum, ...) at their first call into shared statics that every later
 * call reads, so a thread can read them while another is still writing them. Two workers factoring
 * task covariances at once (the 2-core default) made {@code mtl analyze} on the demo spin without
 * end in Dlascl or fail with "dsyevd failed (info=162)" in 2 of 13 runs. So the Java LAPACK runs under one process-wide lock; native
 * LAPACK is called directly, concurrently. (f2j's Dlasq3/Dlasq4 also carry the dqds shift state
 * from one call to the next, which LAPACK 3.2 made per-call; the routines called here with vectors
 * (sgesdd, dsyevd, dpotrf/dpotrs) do not reach dqds, so their results do not depend on earlier calls.)
 */
public final class Lapack {
    private static final LAPACK INSTANCE = LAPACK.getInstance();
    private static final Object JAVA_LAPACK_LOCK = new Object();

    private Lapack() {
    }

    /** The process's LAPACK (native when it loaded). */
    public static LAPACK instance() {
        return INSTANCE;
    }

    /** The lock the Java LAPACK's calls hold (tests hold it to see that calls wait for it). */
    static Object javaLapackLock() {
        return JAVA_LAPACK_LOCK;
    }

    /** Whether {@code lapack} may be called from several threads at once (the JNI one). */
    public static boolean reentrant(LAPACK lapack) {
        return lapack.getClass().getSimpleName().startsWith("JNI");
    }

    /** {@link #call(LAPACK, Consumer)} on the process's LAPACK. */
    public static void call(Consumer<LAPACK> call) {
        call(INSTANCE, call);
    }

    /**
     * Runs {@code call} on {@code lapack}: directly when it is reentrant, else under the lock. Keep
     * a call to LAPACK routines only: nothing in it may wait for another thread that could need the lock.
     */
    public static void call(LAPACK lapack, Consumer<LAPACK> call) {
        if (reentrant(lapack)) {
            call.accept(lapack);
            return;
        }
        synchronized (JAVA_LAPACK_LOCK) {
            call.accept(lapack);
        }
    }
}
