package org.mtlalign.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mtlalign.UserInputException;

/**
 * The names of the input columns, from CSV headers: a user who writes X with pandas expects
 * columns to be matched by name, not by position. Tasks whose files list the same names in
 * another order are reordered to the order of the first task with the names most tasks share; a model records the names, and inputs
 * given to it for prediction are matched to them (see `mtl predict`). Only meaningful names count:
 * pandas' default names 0, 1, ..., d-1 say nothing about what a column holds.
 */
public final class FeatureNames {
    private FeatureNames() {
    }

    /** The names, or null when there are none, they are pandas' defaults, or one is used twice. */
    public static String[] meaningful(String[] names) {
        if (names == null) {
            return null;
        }
        if (repeated(names) != null) {
            return null;  // a name twice cannot be matched by name
        }
        boolean defaults = true;
        for (int j = 0; j < names.length; j++) {
            defaults &= names[j].equals(Integer.toString(j));
        }
        return defaults ? null : names.clone();
    }

    /** The first name used twice (pandas' defaults never are), or null. */
    public static String repeated(String[] names) {
        if (names == null) {
            return null;
        }
        Set<String> seen = new HashSet<>();
        for (String n : names) {
            if (!seen.add(n)) {
                return n;
            }
        }
        return null;
    }

    /** A suite with its tasks' columns matched by name, and what was done or found. */
    public record Aligned(TaskSuite suite, List<String> warnings) {
    }

    /**
     * Matches the tasks' input columns by name: a task whose header has the reference task's
     * names (see {@link #reference}) in another order is reordered to that order (and said); a task whose names differ is
     * left in its order with a warning, since its columns are then matched by position.
     */
    public static Aligned align(TaskSuite suite) {
        List<String> warnings = new ArrayList<>();
        Task ref = reference(suite.tasks());
        List<Task> out = new ArrayList<>();
        boolean changed = false;
        for (Task t : suite.tasks()) {
            String[] names = t.featureNames;
            if (names == null || t == ref) {
                out.add(t);
                continue;
            }
            String[] want = ref.featureNames;
            if (Arrays.equals(names, want)) {
                out.add(t);
                continue;
            }
            int[] order = permutation(want, names);
            if (order != null) {
                out.add(t.withColumnsPermuted(order));
                changed = true;
                warnings.add("task '" + t.name() + "': its X columns are those of task '" + ref.name()
                        + "' in another order; they were matched by name (first moved: '" + firstMoved(want, names)
                        + "')");
            } else {
                out.add(t);
                warnings.add("task '" + t.name() + "': its X column names differ from task '" + ref.name() + "''s ("
                        + difference(want, names) + "); columns are matched by position");
            }
        }
        TaskSuite s = changed ? new TaskSuite(suite.name(), out, suite.sharedInputs()) : suite;
        return new Aligned(s, warnings);
    }

    /**
     * The task whose names the others are matched to: the first of those whose set of names most
     * named tasks share (on a tie, the earliest such set), so that one task with other names is
     * the one warned about. Before, the first named task was the reference, and when it was the
     * odd one every other task was warned about instead. Null when no task has names.
     */
    private static Task reference(List<Task> tasks) {
        Map<Set<String>, Integer> count = new HashMap<>();
        for (Task t : tasks) {
            if (t.featureNames != null) {
                count.merge(new HashSet<>(Arrays.asList(t.featureNames)), 1, Integer::sum);
            }
        }
        Task best = null;
        int bestCount = 0;
        for (Task t : tasks) {
            if (t.featureNames != null) {
                int c = count.get(new HashSet<>(Arrays.asList(t.featureNames)));
                if (c > bestCount) {
                    best = t;
                    bestCount = c;
                }
            }
        }
        return best;
    }

    /** The names every named task of the suite has (after {@link #align}), or null if none or they differ. */
    public static String[] common(TaskSuite suite) {
        String[] names = null;
        for (Task t : suite.tasks()) {
            if (t.featureNames == null) {
                continue;
            }
            if (names != null && !Arrays.equals(names, t.featureNames)) {
                return null;
            }
            names = t.featureNames;
        }
        return names == null ? null : names.clone();
    }

    /**
     * For inputs with column names {@code given} applied to a model trained on {@code want}:
     * {@code order} with column j of the model's inputs being column order[j] of the given ones, or
     * null when they are already in order or either side has no meaningful names.
     *
     * @throws UserInputException when the names differ (or one is given twice), naming what is missing and what
     *     is extra
     */
    public static int[] match(String[] want, String[] given, String where) {
        String twice = repeated(given);
        if (want != null && twice != null) {
            // Not matchable by name, and the model's names are each once: the names differ, as a
            // file of other names does (before, such a header was silently taken by position).
            throw new UserInputException(where + ": the column name '" + twice + "' appears more than once, so its "
                    + "columns cannot be matched to the model's by name (" + difference(want, given) + "); give the "
                    + "columns the model was trained on, each once, or a file without a header to match them by "
                    + "position");
        }
        String[] g = meaningful(given);
        if (want == null || g == null || Arrays.equals(want, g)) {
            return null;
        }
        int[] order = permutation(want, g);
        if (order == null) {
            throw new UserInputException(where + ": its column names differ from those the model was trained on ("
                    + difference(want, g) + "); give the columns the model was trained on, or a file without a "
                    + "header to match them by position");
        }
        return order;
    }

    /**
     * Where each of {@code want}'s names is in {@code have}, which has more columns: null unless
     * every wanted name occurs there exactly once (a file that still holds its label column, or an
     * id, beside the model's inputs).
     */
    public static int[] within(String[] want, String[] have) {
        if (want == null || have == null || have.length <= want.length) {
            return null;
        }
        Map<String, Integer> at = new HashMap<>();
        Set<String> twice = new HashSet<>();
        for (int j = 0; j < have.length; j++) {
            if (at.put(have[j], j) != null) {
                twice.add(have[j]);
            }
        }
        int[] keep = new int[want.length];
        for (int j = 0; j < want.length; j++) {
            Integer k = at.get(want[j]);
            if (k == null || twice.contains(want[j])) {
                return null;
            }
            keep[j] = k;
        }
        return keep;
    }

    /** Where each of {@code want}'s names is in {@code have}, or null if the two are not the same set. */
    static int[] permutation(String[] want, String[] have) {
        if (want.length != have.length) {
            return null;
        }
        Map<String, Integer> at = new HashMap<>();
        for (int j = 0; j < have.length; j++) {
            at.put(have[j], j);
        }
        int[] order = new int[want.length];
        for (int j = 0; j < want.length; j++) {
            Integer k = at.get(want[j]);
            if (k == null) {
                return null;
            }
            order[j] = k;
        }
        return order;
    }

    private static String firstMoved(String[] want, String[] have) {
        for (int j = 0; j < want.length; j++) {
            if (!want[j].equals(have[j])) {
                return want[j];
            }
        }
        return want[0];
    }

    /** "missing 'a', 'b'; not expected 'c'" (at most three of each), or the first position that differs. */
    static String difference(String[] want, String[] have) {
        Set<String> w = new HashSet<>(Arrays.asList(want));
        Set<String> h = new HashSet<>(Arrays.asList(have));
        List<String> missing = new ArrayList<>();
        for (String n : want) {
            if (!h.contains(n)) {
                missing.add("'" + n + "'");
            }
        }
        List<String> extra = new ArrayList<>();
        for (String n : have) {
            if (!w.contains(n) && !extra.contains("'" + n + "'")) {
                extra.add("'" + n + "'");
            }
        }
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) {
            parts.add("missing " + few(missing));
        }
        if (!extra.isEmpty()) {
            parts.add("not expected " + few(extra));
        }
        return parts.isEmpty() ? want.length + " vs " + have.length + " columns" : String.join("; ", parts);
    }

    private static String few(List<String> names) {
        return names.size() <= 3 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 3)) + " and " + (names.size() - 3) + " more";
    }
}
