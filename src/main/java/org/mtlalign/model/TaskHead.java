package org.mtlalign.model;

/** What the model needs to know about one task: its name, its loss and its number of outputs. */
public record TaskHead(String name, Loss loss, int outputs) {
    public TaskHead {
        if (outputs < 1) {
            throw new IllegalArgumentException("task " + name + ": outputs must be >= 1");
        }
        if (loss == Loss.LOGISTIC && outputs != 1) {
            throw new IllegalArgumentException("task " + name + ": a logistic task has one output");
        }
    }

    /** "name (logistic, 1 output)", for messages. */
    @Override
    public String toString() {
        return name + " (" + loss.cliName() + ", " + outputs + " output" + (outputs == 1 ? "" : "s") + ")";
    }
}
