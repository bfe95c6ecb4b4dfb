package org.mtlalign.model;

/** What the model needs to know about one task: its name, its loss and its number of outputs. */
public record TaskHead(String name, Loss loss, int outputs) {
    public TaskHead {
        // Null failed only later: in toString, or as a save that load could not read.
        java.util.Objects.requireNonNull(name, "name");
        java.util.Objects.requireNonNull(loss, "loss");
        if (outputs < 1) {
            throw new IllegalArgumentException("task " + name + ": outputs must be >= 1");
        }
        if (loss == Loss.LOGISTIC && outputs != 1) {
            throw new IllegalArgumentException("task " + name + ": a logistic task has one output");
        }
        if (loss == Loss.SOFTMAX && outputs < 2) {
            // Its one probability is 1 whatever the inputs: a head that can never learn, and a
            // model.json whose logistic head was relabelled softmax predicted p = 1.0 for every row.
            throw new IllegalArgumentException("task " + name + ": a softmax task has two or more outputs (classes)");
        }
    }

    /** "name (logistic, 1 output)", for messages. */
    @Override
    public String toString() {
        return name + " (" + loss.cliName() + ", " + outputs + " output" + (outputs == 1 ? "" : "s") + ")";
    }
}
