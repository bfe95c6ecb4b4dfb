package org.mtlalign.train;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * The experiments whose run the current thread works for: the thread that called run, and the
 * backend's workers while they run that run's jobs (see {@link #carry}). A run of one of them
 * started from there (a hook, a listener or a log sink calling run again) is refused: its
 * experiment's monitor is held by the run that waits for this very job, so on a pool thread it
 * waited for ever, and on the run's own thread the monitor let it in to replace the models the
 * outer run was still using. A hook that hands the run to a thread of its own and waits for it
 * is not seen here and still waits for ever.
 */
final class RunScope {
    private static final ThreadLocal<Set<Object>> ACTIVE = ThreadLocal.withInitial(Set::of);

    private RunScope() {
    }

    /**
     * Marks the current thread as working for {@code experiment}'s run until {@link #exit}.
     *
     * @return what to give {@link #exit}
     * @throws IllegalStateException when the thread already works for a run of {@code experiment}
     */
    static Set<Object> enter(Object experiment) {
        Set<Object> outer = ACTIVE.get();
        if (outer.contains(experiment)) {
            String name = experiment.getClass().getSimpleName();
            throw new IllegalStateException(name + ".run was called from inside its own run (a hook, listener or log "
                    + "sink of this " + name + "): it would wait for the run that waits for it; start the next run after "
                    + "run returns, or use another " + name);
        }
        Set<Object> inner = Collections.newSetFromMap(new IdentityHashMap<>());
        inner.addAll(outer);
        inner.add(experiment);
        ACTIVE.set(Collections.unmodifiableSet(inner));
        return outer;
    }

    static void exit(Set<Object> outer) {
        ACTIVE.set(outer);
    }

    /** {@code job} run on whatever thread with the current thread's runs, for Backend.forEachIndependent. */
    static IntConsumer carry(IntConsumer job) {
        Set<Object> scope = ACTIVE.get();
        return i -> {
            Set<Object> was = ACTIVE.get();
            ACTIVE.set(scope);
            try {
                job.accept(i);
            } finally {
                ACTIVE.set(was);
            }
        };
    }
}
