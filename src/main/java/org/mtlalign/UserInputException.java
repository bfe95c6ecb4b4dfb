package org.mtlalign;

/**
 * A problem with what the user gave us (a file, an option, a shape), as opposed to a bug.
 *
 * <p>The CLI prints {@link #getMessage()} as one line and exits with status 2; the message must
 * therefore name the file or option at fault and say what is wrong, without a stack trace.
 */
public class UserInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserInputException(String message) {
        super(message);
    }

    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
