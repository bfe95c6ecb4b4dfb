package org.mtlalign.model;

import java.util.Arrays;

/**
 * A named trainable parameter: its value, its gradient and the optimiser's state, all dense
 * row-major float arrays allocated once so a training step allocates nothing.
 */
public final class Tensor {
    private final String name;
    private final int[] shape;
    final float[] value;
    final float[] grad;
    final float[] moment1;
    final float[] moment2;
    int steps;
    boolean trainable = true;

    public Tensor(String name, int... shape) {
        this(true, name, shape);
    }

    /**
     * With {@code trainable} false, only the value: no gradient or optimiser state (empty arrays).
     * A prediction needs the values alone, and the other three arrays tripled what it held: an
     * aligned model of 4 tasks at d = 4096 (R_i of 64 MiB each) needed over 1 GiB of heap to
     * predict 2000 rows.
     */
    Tensor(boolean trainable, String name, int... shape) {
        this.name = name;
        this.shape = shape.clone();
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        value = new float[n];
        int state = trainable ? n : 0;
        grad = new float[state];
        moment1 = new float[state];
        moment2 = new float[state];
    }

    /** Whether the tensor holds a gradient and optimiser state (false for a model loaded to predict). */
    public boolean hasOptimizerState() {
        return moment1.length == value.length;
    }

    public String name() {
        return name;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int size() {
        return value.length;
    }

    /** The live value array (not a copy): model code reads and writes it in place. */
    public float[] value() {
        return value;
    }

    /** The live gradient array. */
    public float[] grad() {
        return grad;
    }

    public float[] moment1() {
        return moment1;
    }

    public float[] moment2() {
        return moment2;
    }

    public int steps() {
        return steps;
    }

    public void setSteps(int steps) {
        this.steps = steps;
    }

    public boolean trainable() {
        return trainable;
    }

    public void setTrainable(boolean trainable) {
        this.trainable = trainable;
    }

    public void zeroGrad() {
        Arrays.fill(grad, 0f);
    }

    /** Resets the optimiser state, e.g. when a new training phase starts. */
    public void resetOptimizerState() {
        Arrays.fill(moment1, 0f);
        Arrays.fill(moment2, 0f);
        steps = 0;
    }

    public void copyValueFrom(Tensor other) {
        System.arraycopy(other.value, 0, value, 0, value.length);
    }
}
