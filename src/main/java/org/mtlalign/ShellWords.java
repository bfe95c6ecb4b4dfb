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
}
