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
    private final Params params;
    private final Buffers buf;
    /** d ones, made on the first weight-decay step of an alignment matrix. */
    private Floats ones;

    private static final class Param {
        final Tensor t;
        final Floats value;
        final Floats grad;
        final Floats m1;
        final Floats m2;
        /** Set by startGradients: the next write of this step's gradient overwrites. */
        boolean fresh;
        /** An alignment matrix R_i: weight decay pulls it toward the identity. */
        boolean alignment;

        Param(Tensor t, Resident dev, boolean optimizerState) {
            this.t = t;
            value = dev.upload(t.value);
            grad = dev.upload(t.grad);
            m1 = optimizerState ? dev.upload(t.moment1) : null;
            m2 = optimizerState ? dev.upload(t.moment2) : null;
        }
    }

    /** The parameter handles, in MtlModel's order, and which of them a step on each task uses. */
    private static final class Params {
        final Param shared;
        final Param sharedBias;
        final Param[] heads;
        final Param[] headBiases;
        final Param[] alignment;
        final List<Param> all = new ArrayList<>();
        final List<List<Param>> usedBy = new ArrayList<>();

        Params(MtlModel model, Resident dev, boolean optimizerState) {
            // The model's own lists give the order and which tensors a step on each task uses.
            java.util.Map<Tensor, Param> of = new java.util.IdentityHashMap<>();
            for (Tensor t : model.parameters()) {
                Param p = new Param(t, dev, optimizerState);
                of.put(t, p);
                all.add(p);
            }
            int k = model.taskCount();
            shared = of.get(model.shared());
            sharedBias = model.hasBias() ? of.get(model.sharedBias()) : null;
            heads = new Param[k];
            headBiases = new Param[k];
            alignment = new Param[k];
            for (int i = 0; i < k; i++) {
                heads[i] = of.get(model.headWeight(i));
                headBiases[i] = model.hasBias() ? of.get(model.headBias(i)) : null;
                alignment[i] = model.alignment(i) == null ? null : of.get(model.alignment(i));
                if (alignment[i] != null) {
                    alignment[i].alignment = true;
                }
                List<Param> u = new ArrayList<>();
                for (Tensor t : model.parametersUsedBy(i)) {
                    u.add(of.get(t));
                }
                usedBy.add(u);
            }
        }
    }

    /** Per-batch buffers; z and dZ only with alignment. */
    private static final class Buffers {
        final int maxRows;
        final Floats z;
        final Floats pre;
        final Floats hidden;
        final Floats out;
        final Floats dOut;
        final Floats dHidden;
        final Floats dZ;

        Buffers(int maxRows, Floats z, Floats pre, Floats hidden, Floats out, Floats dOut, Floats dHidden, Floats dZ) {
            this.maxRows = maxRows;
            this.z = z;
            this.pre = pre;
            this.hidden = hidden;
            this.out = out;
            this.dOut = dOut;
            this.dHidden = dHidden;
            this.dZ = dZ;
        }

        /** New zeroed buffers for batches of up to maxRows rows of model. */
        static Buffers make(Resident dev, MtlModel model, int maxRows) {
            if (maxRows < 1) {
                throw new IllegalArgumentException("maxRows must be >= 1, was " + maxRows);
            }
            boolean a = model.hasAlignment();
            int rd = Math.multiplyExact(maxRows, model.inputDim());
            int rr = Math.multiplyExact(maxRows, model.rank());
            int rc = Math.multiplyExact(maxRows, model.maxOutputs());
            return new Buffers(maxRows, a ? dev.floats(rd) : null, dev.floats(rr), dev.floats(rr), dev.floats(rc),
                    dev.floats(rc), dev.floats(rr), a ? dev.floats(rd) : null);
        }
    }

    /**
     * Uploads the model's parameters, gradients and optimiser state into {@code dev} and makes
     * buffers for batches of up to {@code maxRows} rows.
     */
    public static ResidentModel upload(MtlModel model, Resident dev, int maxRows) {
        model.requireTrainable();
        return new ResidentModel(model, dev, new Params(model, dev, true), Buffers.make(dev, model, maxRows));
    }

    /** Handles on the model's own arrays and a workspace's (dev must wrap, not copy). */
    static ResidentModel view(MtlModel model, Resident dev, MtlModel.Workspace ws) {
        Buffers b = new Buffers(ws.maxRows, wrap(dev, ws.z), dev.upload(ws.pre), dev.upload(ws.hidden),
                dev.upload(ws.out), dev.upload(ws.dOut), dev.upload(ws.dHidden), wrap(dev, ws.dZ));
        return new ResidentModel(model, dev, new Params(model, dev, false), b);
    }

    /**
     * A model on the same parameter handles with its own buffers for batches of up to
     * {@code maxRows} rows (validation runs in larger chunks than training batches).
     */
    public ResidentModel withBuffers(int maxRows) {
        return new ResidentModel(model, dev, params, Buffers.make(dev, model, maxRows));
    }

    private static Floats wrap(Resident dev, float[] a) {
        return a == null ? null : dev.upload(a);
    }

    private ResidentModel(MtlModel model, Resident dev, Params params, Buffers buf) {
        this.model = model;
        this.dev = dev;
        this.d = model.inputDim();
        this.r = model.rank();
        this.params = params;
        this.buf = buf;
    }

    public MtlModel model() {
        return model;
    }

    /** Largest batch the buffers hold. */
    public int maxRows() {
        return buf.maxRows;
    }

    /** The outputs (rows x c_i) of the last {@link #forward}. */
    public Floats out() {
        return buf.out;
    }

    /**
     * Forward pass of task i on rows x d inputs {@code x}; leaves the outputs in {@link #out()}
     * and the intermediate values for {@link #backward}.
     */
    public void forward(int task, Floats x, int rows) {
        model.requireTask(task);
        if (rows > buf.maxRows) {
            throw new IllegalArgumentException("batch of " + rows + " rows exceeds workspace " + buf.maxRows);
        }
        if (params.alignment[task] != null && buf.z == null) {
            throw new IllegalArgumentException("workspace was made before alignment was enabled");
        }
        Floats in = x;
        Floats shared = params.shared.value;
        if (params.alignment[task] != null) {
            if (viaRB(rows)) {
                // X (R B) costs d^2 r + rows d r, (X R) B rows d^2 + rows d r: at d = 768, r = 3 and
                // batch 32 a tenth. R B (d x r) fits in z, which this path does not otherwise use.
                dev.gemm(false, false, d, r, d, 1f, params.alignment[task].value, 0, d, shared, 0, r, 0f, buf.z, 0, r);
                shared = buf.z;
            } else {
                dev.gemm(false, false, rows, d, d, 1f, x, 0, d, params.alignment[task].value, 0, d, 0f, buf.z, 0, d);
                in = buf.z;
            }
        }
        dev.gemm(false, false, rows, r, d, 1f, in, 0, d, shared, 0, r, 0f, buf.pre, 0, r);
        Floats bias = params.sharedBias == null ? null : params.sharedBias.value;
        if (model.activation() != Activation.IDENTITY) {
            dev.biasActivationSplit(model.activation(), buf.pre, rows, r, bias, buf.pre, buf.hidden);
        } else if (bias != null) {
            dev.biasActivation(Activation.IDENTITY, buf.pre, rows, r, bias, buf.pre);
        }
        int c = model.heads().get(task).outputs();
        dev.gemm(false, false, rows, c, r, 1f, hidden(), 0, r, params.heads[task].value, 0, c, 0f, buf.out, 0, c);
        if (params.headBiases[task] != null) {
            dev.biasActivation(Activation.IDENTITY, buf.out, rows, c, params.headBiases[task].value, buf.out);
        }
    }

    /**
     * Loss of the last {@link #forward} against {@code target}, weighted by {@code weight}, into
     * {@code slots[slot]}, and accumulation of its gradient into the gradients of the trainable
     * parameters task i uses.
     */
    public void backward(int task, Floats x, int rows, Floats target, float weight, LossSlots slots, int slot) {
        model.requireTask(task);
        TaskHead head = model.heads().get(task);
        int c = head.outputs();
        dev.lossAndGradient(head.loss(), buf.out, rows, c, target, weight, buf.dOut, slots, slot);
        Param a = params.heads[task];
        if (a.t.trainable) {
            dev.gemm(true, false, r, c, rows, 1f, hidden(), 0, r, buf.dOut, 0, c, beta(a), a.grad, 0, c);
        }
        if (params.headBiases[task] != null && params.headBiases[task].t.trainable) {
            Param hb = params.headBiases[task];
            dev.columnSums(buf.dOut, rows, c, hb.grad, beta(hb) != 0f);
        }
        Param al = params.alignment[task];
        Param shared = params.shared;
        Param sharedBias = params.sharedBias;
        boolean needShared = shared.t.trainable || (sharedBias != null && sharedBias.t.trainable)
                || (al != null && al.t.trainable);
        if (!needShared) {
            return;
        }
        dev.gemm(false, true, rows, r, c, 1f, buf.dOut, 0, c, a.value, 0, c, 0f, buf.dHidden, 0, r);
        dev.activationBackward(model.activation(), buf.pre, buf.dHidden, buf.dHidden, rows * r);
        if (sharedBias != null && sharedBias.t.trainable) {
            dev.columnSums(buf.dHidden, rows, r, sharedBias.grad, beta(sharedBias) != 0f);
        }
        if (al != null && viaRB(rows)) {
            // With W = X^T dHidden (d x r, in dZ): dL/dB = R^T W and dL/dR = W B^T, d^2 r each
            // instead of the rows d^2 of forming X R and X^T (dHidden B^T).
            dev.gemm(true, false, d, r, rows, 1f, x, 0, d, buf.dHidden, 0, r, 0f, buf.dZ, 0, r);
            if (shared.t.trainable) {
                dev.gemm(true, false, d, r, d, 1f, al.value, 0, d, buf.dZ, 0, r, beta(shared), shared.grad, 0, r);
            }
            if (al.t.trainable) {
                dev.gemm(false, true, d, d, r, 1f, buf.dZ, 0, r, shared.value, 0, r, beta(al), al.grad, 0, d);
            }
            return;
        }
        Floats in = al != null ? buf.z : x;
        if (shared.t.trainable) {
            dev.gemm(true, false, d, r, rows, 1f, in, 0, d, buf.dHidden, 0, r, beta(shared), shared.grad, 0, r);
        }
        if (al != null && al.t.trainable) {
            dev.gemm(false, true, rows, d, r, 1f, buf.dHidden, 0, r, shared.value, 0, r, 0f, buf.dZ, 0, d);
            dev.gemm(true, false, d, d, rows, 1f, x, 0, d, buf.dZ, 0, d, beta(al), al.grad, 0, d);
        }
    }

    /**
     * Whether an aligned task's batch of {@code rows} goes through R B (d x r) rather than X R
     * (rows x d): when r < rows, which also makes R B and X^T dHidden fit the rows x d buffers.
     */
    private boolean viaRB(int rows) {
        return r < rows;
    }

    /** g(pre): for the identity, pre itself (no copy, one launch fewer per forward on a GPU). */
    private Floats hidden() {
        return model.activation() == Activation.IDENTITY ? buf.pre : buf.hidden;
    }

    /**
     * Starts a step's gradients for the parameters a step on {@code task} touches (every one for
     * -1): the first write of each then overwrites (beta = 0) instead of adding to a zeroed
     * array, which saves a fill per tensor and step (a launch each on a GPU). Without this call
     * {@link #backward} accumulates, as {@link MtlModel#backward} documents.
     */
    public void startGradients(int task) {
        requireTaskOrAll(task);
        for (Param p : task < 0 ? params.all : params.usedBy.get(task)) {
            p.fresh = true;
        }
    }

    private void requireTaskOrAll(int task) {
        if (task != -1) {
            model.requireTask(task);
        }
    }

    /** 0 for the first write of a started gradient, then 1 (accumulate). */
    private static float beta(Param p) {
        if (p.fresh) {
            p.fresh = false;
            return 0f;
        }
        return 1f;
    }

    /** A started gradient no backward wrote is zero (not whatever the last step left). */
    private void settle(Param p) {
        if (p.fresh) {
            dev.fill(p.grad, 0f);
            p.fresh = false;
        }
    }

    /**
     * Adam step (weight decay decoupled) on the trainable parameters a step on {@code task}
     * touched (every one for -1); each tensor counts its own steps, so a head's moments advance
     * with its own task's steps only. Weight decay pulls each parameter toward 0, except an
     * alignment matrix R_i, which it pulls toward the identity it starts from: toward 0 it would
     * shrink the inputs of the frozen shared module, which is no prior of Algorithm 1's.
     */
    public void adam(int task, float lr, float beta1, float beta2, float eps, float weightDecay) {
        requireTaskOrAll(task);
        for (Param p : task < 0 ? params.all : params.usedBy.get(task)) {
            if (p.t.trainable) {
                settle(p);
                p.t.steps++;
                dev.adam(p.value, p.grad, p.m1, p.m2, p.t.size(), lr, beta1, beta2, eps, weightDecay, p.t.steps);
                if (weightDecay > 0f && p.alignment) {
                    // The step took lr wd R; giving back lr wd I makes it lr wd (R - I).
                    addToDiagonal(p.value, lr * weightDecay);
                }
            }
        }
    }

    /**
     * Heavy-ball SGD step on the trainable parameters a step on {@code task} touched (-1: all).
     * Weight decay adds wd p to the gradient, wd (R - I) for an alignment matrix (see
     * {@link #adam}).
     */
    public void sgdMomentum(int task, float lr, float momentum, float weightDecay) {
        requireTaskOrAll(task);
        for (Param p : task < 0 ? params.all : params.usedBy.get(task)) {
            if (p.t.trainable) {
                settle(p);
                if (weightDecay > 0f && p.alignment) {
                    addToDiagonal(p.grad, -weightDecay);
                }
                dev.sgdMomentum(p.value, p.grad, p.m1, p.t.size(), lr, momentum, weightDecay);
            }
        }
    }

    /**
     * a[i][i] += c for the d x d matrix a: a gemm of the d x 1 ones by the 1 x 1 one into the
     * diagonal, read as a column with leading dimension d + 1 (d operations, on any backend).
     */
    private void addToDiagonal(Floats a, float c) {
        if (ones == null) {
            float[] h = new float[d];
            java.util.Arrays.fill(h, 1f);
            ones = dev.upload(h);
        }
        dev.gemm(false, false, d, 1, 1, c, ones, 0, 1, ones, 0, 1, 1f, a, 0, d + 1);
    }

    /** Copies parameter values and optimiser state back into the model's host tensors. */
    public void download() {
        for (Param p : params.all) {
            dev.download(p.value, p.t.value);
            if (p.m1 != null) {
                dev.download(p.m1, p.t.moment1);
                dev.download(p.m2, p.t.moment2);
            }
        }
    }
}
