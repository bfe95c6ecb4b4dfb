package org.mtlalign.model;

import java.util.ArrayList;
import java.util.List;
import org.mtlalign.backend.Resident;
import org.mtlalign.backend.Resident.Floats;
import org.mtlalign.backend.Resident.LossSlots;

/**
 * An {@link MtlModel}'s parameters, gradients and optimiser state held in a {@link Resident}
 * session, with the per-batch buffers, and the forward pass, backward pass and optimiser step
 * on them. This is the one implementation of the model's arithmetic: {@link MtlModel#forward}
 * and {@link MtlModel#backward} call it on handles that wrap their arrays.
 *
 * <p>The host {@link Tensor}s are brought up to date by {@link #download()}; until then (on a
 * GPU) they hold the values of the upload. Step counts of Adam live on the host tensors.
 */
public final class ResidentModel {
    private final MtlModel model;
    private final Resident dev;
    private final int d;
    private final int r;
    private final int maxRows;
    private final Param shared;
    private final Param sharedBias;
    private final Param[] heads;
    private final Param[] headBiases;
    private final Param[] alignment;
    private final List<Param> all = new ArrayList<>();
    private final List<List<Param>> usedBy = new ArrayList<>();
    private final Floats z;
    private final Floats pre;
    private final Floats hidden;
    private final Floats out;
    private final Floats dOut;
    private final Floats dHidden;
    private final Floats dZ;

    private static final class Param {
        final Tensor t;
        final Floats value;
        final Floats grad;
        Floats m1;
        Floats m2;

        Param(Tensor t, Resident dev, boolean optimizerState) {
            this.t = t;
            value = dev.upload(t.value);
            grad = dev.upload(t.grad);
            if (optimizerState) {
                m1 = dev.upload(t.moment1);
                m2 = dev.upload(t.moment2);
            }
        }
    }

    /**
     * Uploads the model's parameters, gradients and optimiser state into {@code dev} and makes
     * buffers for batches of up to {@code maxRows} rows.
     */
    public static ResidentModel upload(MtlModel model, Resident dev, int maxRows) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be >= 1, was " + maxRows);
        }
        int d = model.inputDim();
        int r = model.rank();
        int c = model.maxOutputs();
        boolean a = model.hasAlignment();
        int rd = Math.multiplyExact(maxRows, d);
        int rr = Math.multiplyExact(maxRows, r);
        int rc = Math.multiplyExact(maxRows, c);
        return new ResidentModel(model, dev, maxRows, true, a ? dev.floats(rd) : null, dev.floats(rr),
                dev.floats(rr), dev.floats(rc), dev.floats(rc), dev.floats(rr), a ? dev.floats(rd) : null);
    }

    /** Handles on the model's own arrays and a workspace's (dev must wrap, not copy). */
    static ResidentModel view(MtlModel model, Resident dev, MtlModel.Workspace ws) {
        return new ResidentModel(model, dev, ws.maxRows, false, wrap(dev, ws.z), dev.upload(ws.pre),
                dev.upload(ws.hidden), dev.upload(ws.out), dev.upload(ws.dOut), dev.upload(ws.dHidden),
                wrap(dev, ws.dZ));
    }

    private static Floats wrap(Resident dev, float[] a) {
        return a == null ? null : dev.upload(a);
    }

    private ResidentModel(MtlModel model, Resident dev, int maxRows, boolean optimizerState, Floats z, Floats pre,
                          Floats hidden, Floats out, Floats dOut, Floats dHidden, Floats dZ) {
        this.model = model;
        this.dev = dev;
        this.d = model.inputDim();
        this.r = model.rank();
        this.maxRows = maxRows;
        int k = model.taskCount();
        shared = add(model.shared(), optimizerState);
        sharedBias = model.hasBias() ? add(model.sharedBias(), optimizerState) : null;
        heads = new Param[k];
        headBiases = new Param[k];
        alignment = new Param[k];
        for (int i = 0; i < k; i++) {
            heads[i] = add(model.headWeight(i), optimizerState);
            headBiases[i] = model.hasBias() ? add(model.headBias(i), optimizerState) : null;
            alignment[i] = model.alignment(i) == null ? null : add(model.alignment(i), optimizerState);
        }
        // Same order as MtlModel.parametersUsedBy.
        for (int i = 0; i < k; i++) {
            List<Param> u = new ArrayList<>(5);
            u.add(shared);
            if (sharedBias != null) {
                u.add(sharedBias);
            }
            u.add(heads[i]);
            if (headBiases[i] != null) {
                u.add(headBiases[i]);
            }
            if (alignment[i] != null) {
                u.add(alignment[i]);
            }
            usedBy.add(u);
        }
        this.z = z;
        this.pre = pre;
        this.hidden = hidden;
        this.out = out;
        this.dOut = dOut;
        this.dHidden = dHidden;
        this.dZ = dZ;
    }

    /**
     * A model on the same parameter handles with its own buffers for batches of up to
     * {@code maxRows} rows (validation runs in larger chunks than training batches).
     */
    public ResidentModel withBuffers(int maxRows) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be >= 1, was " + maxRows);
        }
        int c = model.maxOutputs();
        boolean a = z != null;
        int rd = Math.multiplyExact(maxRows, d);
        int rr = Math.multiplyExact(maxRows, r);
        int rc = Math.multiplyExact(maxRows, c);
        return new ResidentModel(this, maxRows, a ? dev.floats(rd) : null, dev.floats(rr), dev.floats(rr),
                dev.floats(rc), dev.floats(rc), dev.floats(rr), a ? dev.floats(rd) : null);
    }

    private ResidentModel(ResidentModel o, int maxRows, Floats z, Floats pre, Floats hidden, Floats out, Floats dOut,
                          Floats dHidden, Floats dZ) {
        this.model = o.model;
        this.dev = o.dev;
        this.d = o.d;
        this.r = o.r;
        this.maxRows = maxRows;
        this.shared = o.shared;
        this.sharedBias = o.sharedBias;
        this.heads = o.heads;
        this.headBiases = o.headBiases;
        this.alignment = o.alignment;
        this.all.addAll(o.all);
        this.usedBy.addAll(o.usedBy);
        this.z = z;
        this.pre = pre;
        this.hidden = hidden;
        this.out = out;
        this.dOut = dOut;
        this.dHidden = dHidden;
        this.dZ = dZ;
    }

    private Param add(Tensor t, boolean optimizerState) {
        Param p = new Param(t, dev, optimizerState);
        all.add(p);
        return p;
    }

    public MtlModel model() {
        return model;
    }

    /** Largest batch the buffers hold. */
    public int maxRows() {
        return maxRows;
    }

    /** The outputs (rows x c_i) of the last {@link #forward}. */
    public Floats out() {
        return out;
    }

    /**
     * Forward pass of task i on rows x d inputs {@code x}; leaves the outputs in {@link #out()}
     * and the intermediate values for {@link #backward}.
     */
    public void forward(int task, Floats x, int rows) {
        if (rows > maxRows) {
            throw new IllegalArgumentException("batch of " + rows + " rows exceeds workspace " + maxRows);
        }
        if (alignment[task] != null && z == null) {
            throw new IllegalArgumentException("workspace was made before alignment was enabled");
        }
        Floats in = x;
        if (alignment[task] != null) {
            dev.gemm(false, false, rows, d, d, 1f, x, 0, d, alignment[task].value, 0, d, 0f, z, 0, d);
            in = z;
        }
        dev.gemm(false, false, rows, r, d, 1f, in, 0, d, shared.value, 0, r, 0f, pre, 0, r);
        if (sharedBias != null) {
            dev.biasActivation(Activation.IDENTITY, pre, rows, r, sharedBias.value, pre);
        }
        dev.biasActivation(model.activation(), pre, rows, r, null, hidden);
        int c = model.heads().get(task).outputs();
        dev.gemm(false, false, rows, c, r, 1f, hidden, 0, r, heads[task].value, 0, c, 0f, out, 0, c);
        if (headBiases[task] != null) {
            dev.biasActivation(Activation.IDENTITY, out, rows, c, headBiases[task].value, out);
        }
    }

    /**
     * Loss of the last {@link #forward} against {@code target}, weighted by {@code weight}, into
     * {@code slots[slot]}, and accumulation of its gradient into the gradients of the trainable
     * parameters task i uses.
     */
    public void backward(int task, Floats x, int rows, Floats target, float weight, LossSlots slots, int slot) {
        TaskHead head = model.heads().get(task);
        int c = head.outputs();
        dev.lossAndGradient(head.loss(), out, rows, c, target, weight, dOut, slots, slot);
        Param a = heads[task];
        if (a.t.trainable) {
            dev.gemm(true, false, r, c, rows, 1f, hidden, 0, r, dOut, 0, c, 1f, a.grad, 0, c);
        }
        if (headBiases[task] != null && headBiases[task].t.trainable) {
            dev.columnSums(dOut, rows, c, headBiases[task].grad, true);
        }
        Param al = alignment[task];
        boolean needShared = shared.t.trainable || (sharedBias != null && sharedBias.t.trainable)
                || (al != null && al.t.trainable);
        if (!needShared) {
            return;
        }
        dev.gemm(false, true, rows, r, c, 1f, dOut, 0, c, a.value, 0, c, 0f, dHidden, 0, r);
        dev.activationBackward(model.activation(), pre, dHidden, dHidden, rows * r);
        Floats in = al != null ? z : x;
        if (shared.t.trainable) {
            dev.gemm(true, false, d, r, rows, 1f, in, 0, d, dHidden, 0, r, 1f, shared.grad, 0, r);
        }
        if (sharedBias != null && sharedBias.t.trainable) {
            dev.columnSums(dHidden, rows, r, sharedBias.grad, true);
        }
        if (al != null && al.t.trainable) {
            dev.gemm(false, true, rows, d, r, 1f, dHidden, 0, r, shared.value, 0, r, 0f, dZ, 0, d);
            dev.gemm(true, false, d, d, rows, 1f, x, 0, d, dZ, 0, d, 1f, al.grad, 0, d);
        }
    }

    /** Zeroes the gradients of the parameters a step on {@code task} touches (every one for -1). */
    public void zeroGrads(int task) {
        for (Param p : task < 0 ? all : usedBy.get(task)) {
            dev.fill(p.grad, 0f);
        }
    }

    /**
     * Adam step (weight decay decoupled) on the trainable parameters a step on {@code task}
     * touched (every one for -1); each tensor counts its own steps, so a head's moments advance
     * with its own task's steps only.
     */
    public void adam(int task, float lr, float beta1, float beta2, float eps, float weightDecay) {
        for (Param p : task < 0 ? all : usedBy.get(task)) {
            if (p.t.trainable) {
                p.t.steps++;
                dev.adam(p.value, p.grad, p.m1, p.m2, p.t.size(), lr, beta1, beta2, eps, weightDecay, p.t.steps);
            }
        }
    }

    /** Heavy-ball SGD step on the trainable parameters a step on {@code task} touched (-1: all). */
    public void sgdMomentum(int task, float lr, float momentum, float weightDecay) {
        for (Param p : task < 0 ? all : usedBy.get(task)) {
            if (p.t.trainable) {
                dev.sgdMomentum(p.value, p.grad, p.m1, p.t.size(), lr, momentum, weightDecay);
            }
        }
    }

    /** Copies parameter values and optimiser state back into the model's host tensors. */
    public void download() {
        for (Param p : all) {
            dev.download(p.value, p.t.value);
            if (p.m1 != null) {
                dev.download(p.m1, p.t.moment1);
                dev.download(p.m2, p.t.moment2);
            }
        }
    }
}
