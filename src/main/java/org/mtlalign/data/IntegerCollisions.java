package org.mtlalign.data;

import java.util.HashMap;

/**
 * Whole numbers beyond 2^24 = 16777216, where float32 cannot hold every integer, by the float each
 * became: two different ones on one float are labels that would merge into one class, and one
 * that float32 changed (20000001 becomes 20000000) is a class named by a value the file does not
 * have. The file readers note every such number, exact ones too (16777216 and 16777217 merge on
 * the exact 16777216), see {@link NpyArray#integerCollision()}; the label encoder refuses classes then.
 */
final class IntegerCollisions {
    // Past this many distinct rounded values the column is not a set of class ids anyway.
    private static final int MAX_TRACKED = 100_000;
    // Per column (labels of different columns are different tasks): float value -> exact value.
    private final HashMap<Integer, HashMap<Float, Long>> byColumn = new HashMap<>();
    private final java.util.TreeMap<Integer, String> examples = new java.util.TreeMap<>();
    // Per column, the first number float32 changed without merging it with another (yet).
    private final java.util.TreeMap<Integer, String> changed = new java.util.TreeMap<>();
    private int tracked;

    /** Notes a whole number {@code exact} beyond 2^24 of column {@code column} that became {@code f} in float32. */
    void note(int column, long exact, float f) {
        note(column, exact, f, false);
    }

    /**
     * As {@link #note(int, long, float)}, {@code exact} read as unsigned when {@code unsigned}: a
     * uint64 of 2^63 or more. Before, the .npy reader skipped those and every number float32 takes
     * to 2^63, so uint64 labels 2^63 and 2^63 + 1 trained as one class without a word.
     */
    void note(int column, long exact, float f, boolean unsigned) {
        if (tracked >= MAX_TRACKED || examples.containsKey(column)) {
            return;
        }
        Long other = byColumn.computeIfAbsent(column, c -> new HashMap<>()).putIfAbsent(f, exact);
        if (other == null) {
            tracked++;
            // Compared exactly: as doubles, 2^60 + 1 and the 2^60 it becomes are equal.
            if (new java.math.BigDecimal(f).compareTo(big(exact, unsigned)) != 0 && !changed.containsKey(column)) {
                // As a whole number: Float.toString's shortest form can read as the value itself
                // (1000000000000 became "1.0E12", which is 999999995904).
                changed.put(column, text(exact, unsigned) + " becomes " + new java.math.BigDecimal(f).toPlainString()
                        + " in float32");
            }
        } else if (other != exact) {
            boolean less = unsigned ? Long.compareUnsigned(other, exact) < 0 : other < exact;
            examples.put(column, text(less ? other : exact, unsigned) + " and " + text(less ? exact : other, unsigned)
                    + " both become " + f + " in float32");
        }
    }

    private static java.math.BigDecimal big(long v, boolean unsigned) {
        return unsigned && v < 0 ? new java.math.BigDecimal(Long.toUnsignedString(v)) : java.math.BigDecimal.valueOf(v);
    }

    private static String text(long v, boolean unsigned) {
        return unsigned ? Long.toUnsignedString(v) : Long.toString(v);
    }

    /**
     * The first column's pair found, as "A and B both become F in float32", else the first column's
     * changed number, as "A becomes F in float32", or null.
     */
    String example() {
        return !examples.isEmpty() ? examples.firstEntry().getValue()
                : changed.isEmpty() ? null : changed.firstEntry().getValue();
    }

    /** Column {@code column}'s pair, else its changed number, or null. */
    String example(int column) {
        String pair = examples.get(column);
        return pair != null ? pair : changed.get(column);
    }
}
