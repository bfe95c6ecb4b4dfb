package org.mtlalign.train;

/** Training produced a non-finite loss; the model was restored to its last good parameters. */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(String message) {
        super(message);
    }
}
