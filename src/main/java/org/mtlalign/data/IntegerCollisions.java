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
    // Per column (labels of different columns are different tasks): float value -> exact value.
    private final HashMap<Integer, HashMap<Float, Long>> byColumn = new HashMap<>();
    private final java.util.TreeMap<Integer, String> examples = new java.util.TreeMap<>();
    private int tracked;

    /** Notes a whole number {@code exact} of column {@code column} that became {@code f} in float32. */
    void note(int column, long exact, float f) {
        if ((double) f == exact || tracked >= MAX_TRACKED || examples.containsKey(column)) {
            return;
        }
        Long other = byColumn.computeIfAbsent(column, c -> new HashMap<>()).putIfAbsent(f, exact);
        if (other == null) {
            tracked++;
        } else if (other != exact) {
            examples.put(column, Math.min(other, exact) + " and " + Math.max(other, exact) + " both become " + f
                    + " in float32");
        }
    }

    /** The first column's pair found, as "A and B both become F in float32", or null. */
    String example() {
        return examples.isEmpty() ? null : examples.firstEntry().getValue();
    }

    /** Column {@code column}'s pair, or null. */
    String example(int column) {
        return examples.get(column);
    }
}
