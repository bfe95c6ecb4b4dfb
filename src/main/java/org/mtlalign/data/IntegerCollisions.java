package org.mtlalign.data;

import java.util.HashMap;

/**
 * Whole numbers that float32 cannot hold exactly (beyond 2^24 = 16777216), by the float each
 * became: two different ones on one float are labels that would merge into one class. The file
 * readers note them ({@link NpyArray#integerCollision()}); the label encoder refuses classes then.
 */
final class IntegerCollisions {
    // Past this many distinct rounded values the column is not a set of class ids anyway.
    private static final int MAX_TRACKED = 100_000;
    private final HashMap<Float, Long> byFloat = new HashMap<>();
    private String example;

    /** Notes a whole number {@code exact} that became {@code f} in float32. */
    void note(long exact, float f) {
        if (example != null || byFloat.size() >= MAX_TRACKED || (double) f == exact) {
            return;
        }
        Long other = byFloat.putIfAbsent(f, exact);
        if (other != null && other != exact) {
            example = Math.min(other, exact) + " and " + Math.max(other, exact) + " both become " + f + " in float32";
        }
    }

    /** The first pair found, as "A and B both become F in float32", or null. */
    String example() {
        return example;
    }
}
