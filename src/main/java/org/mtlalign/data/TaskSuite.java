package org.mtlalign.data;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.mtlalign.UserInputException;

/**
 * The k tasks of one run. {@code sharedInputs} marks the Algorithm 2 setting in which every
 * task has the same X (then one split serves all tasks, so their rows stay paired); tasks
 * marked so whose inputs differ are refused.
 */
public record TaskSuite(String name, List<Task> tasks, boolean sharedInputs) {
    public TaskSuite {
        java.util.Objects.requireNonNull(tasks, "tasks");
        for (int i = 0; i < tasks.size(); i++) {
            // List.copyOf threw a NullPointerException without a message.
            if (tasks.get(i) == null) {
                throw new NullPointerException("task " + i + " of the list is null");
            }
        }
        tasks = List.copyOf(tasks);
        if (tasks.isEmpty()) {
            throw new UserInputException("no tasks given (use --task, --tasks, --shared-x or --suite)");
        }
        int d = commonDim(tasks);
        Set<String> names = new HashSet<>();
        for (Task t : tasks) {
            if (t.dim() != d) {
                // The task blamed is one whose d differs from most tasks' (before, the first
                // task's d was the reference, so a first task of another width had every other
                // task named instead of it). One column more is most often pandas' index written
                // as a column: say so, since the warning that would name it comes only after
                // loading succeeds.
                List<String> agreeing = tasks.stream().filter(u -> u.dim() == d).map(Task::name).toList();
                Task wider = t.dim() > d ? t : tasks.stream().filter(u -> u.dim() == d).findFirst().orElseThrow();
                String others = agreeing.size() == 1 ? "task '" + agreeing.get(0) + "' has d = " + d
                        : agreeing.size() + " of the " + tasks.size() + " tasks have d = " + d + " ("
                                + names(agreeing) + ")";
                throw new UserInputException(t.source() + ": task '" + t.name() + "' has d = " + t.dim()
                        + " features but " + others + "; all tasks must share the input dimension"
                        + (wider.idColumnNote() != null ? "; " + wider.idColumnNote() : "") + swappedHint(tasks, t, d));
            }
            if (!names.add(t.name())) {
                throw new UserInputException("task name '" + t.name() + "' is used twice");
            }
        }
        if (sharedInputs) {
            // Preparation splits and standardises the first task's X for all of them: a task
            // with other inputs would silently be trained and scored on the first task's.
            Task first = tasks.get(0);
            for (Task t : tasks) {
                if (t.rows() != first.rows() || (t.x() != first.x() && !Arrays.equals(t.x(), first.x()))) {
                    throw new IllegalArgumentException("shared inputs: task '" + t.name() + "' has other inputs than task '"
                            + first.name() + "' (" + t.rows() + " vs " + first.rows() + " rows" + (t.rows() == first.rows()
                                    ? ", different values" : "") + "); use sharedInputs = false for tasks with their own X");
                }
            }
        }
    }

    /**
     * For a d mismatch between {@code odd} and the tasks of width {@code d}: "; task 'a' has as many
     * label columns (5) as the other tasks have inputs: are its X and y swapped? ..." when a task on
     * either side has as many label columns as the other side's d, else "". A task given as
     * NAME=y.csv:X.csv was reported as a width mismatch alone, often blaming the other task.
     */
    private static String swappedHint(List<Task> tasks, Task odd, int d) {
        for (Task u : tasks) {
            int others = u == odd ? d : odd.dim();
            if ((u == odd || u.dim() == d) && others > 1 && u.dim() != others && u.labelColumns() == others) {
                return "; task '" + u.name() + "' has as many label columns (" + others + ") as the other tasks have "
                        + "inputs: are its X and y swapped? (NAME=X:y gives the inputs first)";
            }
        }
        return "";
    }

    /** The d most tasks have (on a tie, the first task's among the tied): the reference a differing task is named against. */
    private static int commonDim(List<Task> tasks) {
        java.util.Map<Integer, Integer> count = new java.util.HashMap<>();
        for (Task t : tasks) {
            count.merge(t.dim(), 1, Integer::sum);
        }
        int best = tasks.get(0).dim();
        for (Task t : tasks) {
            if (count.get(t.dim()) > count.get(best)) {
                best = t.dim();
            }
        }
        return best;
    }

    private static String names(List<String> names) {
        List<String> shown = names.subList(0, Math.min(3, names.size()));
        return "'" + String.join("', '", shown) + "'" + (names.size() > 3 ? " and " + (names.size() - 3) + " more" : "");
    }

    public int dim() {
        return tasks.get(0).dim();
    }

    public int size() {
        return tasks.size();
    }
}
