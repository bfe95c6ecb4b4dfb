package org.mtlalign.experiments;

/**
 * One of the paper's claims as a runnable experiment: it measures, over several seeds, the
 * quantity the claim is about and says whether the measurement agrees.
 */
public interface Experiment {
    /** The CLI name, e.g. "capacity". */
    String name();

    /** A one-line title for tables and plots. */
    String title();

    /** What the paper claims, in a sentence or two (quoted in NAME.md). */
    String paperClaim();

    /** Runs the experiment; {@code ctx.quick()} selects the small sizes used by tests and CI. */
    Report run(ExperimentContext ctx);
}
