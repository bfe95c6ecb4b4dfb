package org.mtlalign;

import java.util.regex.Pattern;

/** Option values as a user types them into a POSIX shell, for the commands our messages suggest. */
public final class ShellWords {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_.,:/@%+=-]+");

    private ShellWords() {
    }

    /**
     * {@code s} as one shell word: as it is when it holds only characters no shell treats
     * specially, else in single quotes (a quote inside written '\''), so a task or class name
     * with a space, '$' or a quote can be pasted back: {@code --positive 'my task=not spam'}.
     */
    public static String quote(String s) {
        if (!s.isEmpty() && PLAIN.matcher(s).matches()) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * The option a message suggests for one task, {@code --loss 'TASK=squared'}: a task whose
     * name holds a character that the option splits at (',' or '=' for --loss, '=' for
     * --positive) cannot be named there and the run refuses it, so for such a task it says to
     * rename it first instead of suggesting an option that fails.
     */
    public static String taskOption(String option, String task, String value) {
        String splits = option.equals("--positive") ? "=" : ",=";
        for (char c : splits.toCharArray()) {
            if (task.indexOf(c) >= 0) {
                return option + " NAME=" + quote(value) + " after renaming the task without '" + c + "'";
            }
        }
        return option + " " + quote(task + "=" + value);
    }
}
