package org.mtlalign.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.mtlalign.backend.Backend;
import org.mtlalign.backend.HostResident;
import org.mtlalign.backend.Resident;

/**
 * The paper's multi-task model: for task i, out = g((X_i R_i) B + b) A_i + c_i, with a shared
 * module B (d x r) and bias b, a head A_i (r x c_i) and bias c_i per task, and an optional
 * alignment matrix R_i (d x d, Algorithm 1) that starts at the identity.
 *
 * <p>Biases are optional: the paper's analysis (Propositions 1 and 3) is for the bias-free
 * linear model, and the tests use it that way.
 */
public final class MtlModel {
    private final int d;
    private final int r;
    private final Activation activation;
    private final boolean bias;
    private final List<TaskHead> heads;
    private final Tensor shared;
    private final Tensor sharedBias;
    private final Tensor[] headWeights;
    private final Tensor[] headBiases;
    private final Tensor[] alignment;
    /** False for a model loaded to predict: its tensors hold values only (see {@link #forPrediction}). */
    private final boolean trainable;

    /**
     * An all-zero model ({@link #initialize} draws its start).
     *
     * @param d the input dimension, at least 1
     * @param r the shared width, 1..d, as mtl train's --rank and MtlExperiment allow (B, d x r,
     *     then spans at most the d input directions it is meant to pick from)
     * @param heads one per task, in the tasks' order, with distinct names (a head is found by its
     *     task's name)
     * @throws IllegalArgumentException for d or r outside those ranges, no heads or two heads of
     *     one name
     */
    public MtlModel(int d, int r, Activation activation, boolean bias, List<TaskHead> heads) {
        this(d, r, activation, bias, heads, true);
    }

    /**
     * A model whose parameters hold values only, no gradients or optimiser state: for {@link
     * ModelIO#loadForPrediction}, a quarter of the memory (it cannot be trained or saved).
     */
    static MtlModel forPrediction(int d, int r, Activation activation, boolean bias, List<TaskHead> heads) {
        return new MtlModel(d, r, activation, bias, heads, false);
    }

    private MtlModel(int d, int r, Activation activation, boolean bias, List<TaskHead> heads, boolean trainable) {
        if (d < 1 || r < 1) {
            throw new IllegalArgumentException("d and r must be >= 1");
        }
        if (r > d) {
            // Accepted, r > d gave a model that mtl train, mtl pairs and MtlExperiment refuse to build.
            throw new IllegalArgumentException("r = " + r + " exceeds the input dimension d = " + d
                    + " (the shared width is at most d)");
        }
        if (heads == null || heads.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one task head");
        }
        // Heads are found by name (Predictor.requireHead, mtl predict --task): a second head of
        // one name could never be reached.
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        for (int i = 0; i < heads.size(); i++) {
            Integer before = seen.putIfAbsent(java.util.Objects.requireNonNull(heads.get(i), "heads[" + i + "]").name(), i);
            if (before != null) {
                throw new IllegalArgumentException("heads " + before + " and " + i + " are both named '"
                        + heads.get(i).name() + "'; a model's heads need distinct names");
            }
        }
        java.util.Objects.requireNonNull(activation, "activation");
        this.d = d;
        this.r = r;
        this.activation = activation;
        this.bias = bias;
        this.heads = List.copyOf(heads);
        this.trainable = trainable;
        int k = heads.size();
        shared = new Tensor(trainable, "B", d, r);
        sharedBias = bias ? new Tensor(trainable, "b", r) : null;
        headWeights = new Tensor[k];
        headBiases = new Tensor[k];
        alignment = new Tensor[k];
        for (int i = 0; i < k; i++) {
            headWeights[i] = new Tensor(trainable, "A_" + i, r, heads.get(i).outputs());
            headBiases[i] = bias ? new Tensor(trainable, "c_" + i, heads.get(i).outputs()) : null;
        }
    }

    /**
     * He/Glorot-style random start (depends only on the seed, for reproducible runs): B and the
     * heads' weights drawn, the biases at their start values, any R_i = I, the optimiser state fresh.
     */
    public void initialize(long seed) {
        Random rnd = new Random(seed);
        double sb = activation == Activation.RELU ? Math.sqrt(2.0 / d) : Math.sqrt(1.0 / d);
        fillGaussian(shared.value, sb, rnd);
        for (Tensor a : headWeights) {
            fillGaussian(a.value, Math.sqrt(1.0 / r), rnd);
        }
        // On a trained model the biases, R_i and optimiser state kept their trained values, so the
        // start depended on what the model had been through, not only on the seed.
        if (bias) {
            // A small positive shared bias keeps ReLU units alive at the start.
            java.util.Arrays.fill(sharedBias.value, activation == Activation.RELU ? 0.01f : 0f);
            for (Tensor c : headBiases) {
                java.util.Arrays.fill(c.value, 0f);
            }
        }
        if (hasAlignment()) {
            enableAlignment();
        }
        for (Tensor t : parameters()) {
            t.resetOptimizerState();
        }
    }

    private static void fillGaussian(float[] a, double std, Random rnd) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rnd.nextGaussian() * std);
        }
    }

    /** A deep copy of the architecture and all parameter values (optimiser state is fresh). */
    public MtlModel copy() {
        MtlModel c = new MtlModel(d, r, activation, bias, heads);
        if (hasAlignment()) {
            c.enableAlignment();
        }
        c.restore(snapshot());
        return c;
    }

    /** Adds (or resets) the alignment matrices R_i = I for every task. */
    public void enableAlignment() {
        for (int i = 0; i < alignment.length; i++) {
            if (alignment[i] == null) {
                alignment[i] = new Tensor(trainable, "R_" + i, d, d);
            }
            float[] v = alignment[i].value;
            java.util.Arrays.fill(v, 0f);
            for (int j = 0; j < d; j++) {
                v[j * d + j] = 1f;
            }
            alignment[i].resetOptimizerState();
        }
    }

    /**
     * Refuses a model loaded to predict: its gradients and optimiser state are empty arrays, which
     * a backward pass or an optimiser step (native BLAS among them) would write past.
     */
    void requireTrainable() {
        if (!trainable) {
            throw new IllegalStateException("this model was loaded for prediction only (ModelIO.loadForPrediction: "
                    + "no gradients or optimiser state); load it with ModelIO.load to train or save it");
        }
    }

    public boolean hasAlignment() {
        return alignment.length > 0 && alignment[0] != null;
    }

    public int inputDim() {
        return d;
    }

    public int rank() {
        return r;
    }

    public Activation activation() {
        return activation;
    }

    public boolean hasBias() {
        return bias;
    }

    public List<TaskHead> heads() {
        return heads;
    }

    public int taskCount() {
        return heads.size();
    }

    public Tensor shared() {
        return shared;
    }

    public Tensor sharedBias() {
        return sharedBias;
    }

    public Tensor headWeight(int task) {
        return headWeights[requireTask(task)];
    }

    public Tensor headBias(int task) {
        return headBiases[requireTask(task)];
    }

    public Tensor alignment(int task) {
        return alignment[requireTask(task)];
    }

    /**
     * {@code task} when it is one of this model's task indices; otherwise an
     * IndexOutOfBoundsException that says so (an array index error named no task).
     */
    int requireTask(int task) {
        if (task < 0 || task >= heads.size()) {
            throw new IndexOutOfBoundsException("task index " + task + " is outside 0.." + (heads.size() - 1)
                    + " (a model of " + heads.size() + " task" + (heads.size() == 1 ? "" : "s") + ")");
        }
        return task;
    }

    public int maxOutputs() {
        int c = 1;
        for (TaskHead h : heads) {
            c = Math.max(c, h.outputs());
        }
        return c;
    }

    /** Every parameter, shared first, in a stable order (used by optimisers and checkpoints). */
    public List<Tensor> parameters() {
        List<Tensor> all = new ArrayList<>();
        all.add(shared);
        if (bias) {
            all.add(sharedBias);
        }
        for (int i = 0; i < heads.size(); i++) {
            all.addAll(taskParameters(i));
        }
        return Collections.unmodifiableList(all);
    }

    /** The parameters that only task i uses: its head, head bias and alignment. */
    public List<Tensor> taskParameters(int task) {
        List<Tensor> t = new ArrayList<>(3);
        t.add(headWeights[requireTask(task)]);
        if (bias) {
            t.add(headBiases[task]);
        }
        if (alignment[task] != null) {
            t.add(alignment[task]);
        }
        return t;
    }

    /** The parameters a step on task i touches. */
    public List<Tensor> parametersUsedBy(int task) {
        requireTask(task);
        List<Tensor> t = new ArrayList<>(5);
        t.add(shared);
        if (bias) {
            t.add(sharedBias);
        }
        t.addAll(taskParameters(task));
        return t;
    }

    /** A deep copy of all parameter values (for early-stopping snapshots). */
    public float[][] snapshot() {
        List<Tensor> ps = parameters();
        float[][] s = new float[ps.size()][];
        for (int i = 0; i < s.length; i++) {
            s[i] = ps.get(i).value.clone();
        }
        return s;
    }

    public void restore(float[][] snapshot) {
        List<Tensor> ps = parameters();
        if (snapshot.length != ps.size()) {
            throw new IllegalStateException("snapshot has " + snapshot.length + " tensors, model "
                    + ps.size() + " (alignment added since?)");
        }
        for (int i = 0; i < snapshot.length; i++) {
            System.arraycopy(snapshot[i], 0, ps.get(i).value, 0, snapshot[i].length);
        }
    }

    /**
     * Reusable per-batch buffers, sized for the largest batch. The rows x d buffers that only
     * alignment needs exist only when the model has alignment (at d = 256 they are 90% of it).
     */
    public Workspace workspace(int maxRows) {
        if (maxRows < 0) {
            throw new IllegalArgumentException("workspace of " + maxRows + " rows: must be >= 0");
        }
        return new Workspace(maxRows, d, r, maxOutputs(), hasAlignment());
    }

    /** Scratch arrays for one batch; a step allocates nothing beyond these. */
    public static final class Workspace {
        final int maxRows;
        final int d;
        final int r;
        final int c;
        final float[] z;
        final float[] pre;
        final float[] hidden;
        public final float[] out;
        final float[] dOut;
        final float[] dHidden;
        final float[] dZ;

        Workspace(int maxRows, int d, int r, int c, boolean alignment) {
            this.maxRows = maxRows;
            this.d = d;
            this.r = r;
            this.c = c;
            z = alignment ? new float[maxRows * d] : null;
            pre = new float[maxRows * r];
            hidden = new float[maxRows * r];
            out = new float[maxRows * c];
            dOut = new float[maxRows * c];
            dHidden = new float[maxRows * r];
            dZ = alignment ? new float[maxRows * d] : null;
        }

        // Handles on these arrays and on the model's, for ResidentModel; remade when the
        // model, the backend or the presence of alignment changes.
        private ResidentModel view;
        private MtlModel viewModel;
        private Backend viewBackend;
        private boolean viewAlignment;
        private Resident host;
        private Resident.LossSlots slot;
        private final double[] loss = new double[1];

        ResidentModel view(MtlModel model, Backend be) {
            if (view == null || viewModel != model || viewBackend != be || viewAlignment != model.hasAlignment()) {
                host = new HostResident(be, false);
                slot = host.lossSlots(1);
                view = ResidentModel.view(model, host, this);
                viewModel = model;
                viewBackend = be;
                viewAlignment = model.hasAlignment();
            }
            return view;
        }

        /** True when this workspace serves batches of up to {@code rows} rows of {@code model}. */
        public boolean fits(MtlModel model, int rows) {
            return rows <= maxRows && d == model.d && r == model.r && c >= model.maxOutputs()
                    && (z != null || !model.hasAlignment());
        }
    }

    /**
     * Forward pass of task i on rows x d inputs {@code x}; leaves the outputs (rows x c_i) in
     * {@code ws.out} and the intermediate values for {@link #backward}. (The arithmetic is
     * {@link ResidentModel#forward}'s, on handles wrapping these arrays.)
     */
    public void forward(Backend be, int task, float[] x, int rows, Workspace ws) {
        ws.view(this, be).forward(task, HostResident.wrap(x), rows);
    }

    /**
     * Loss of the last {@link #forward} against {@code target}, weighted by {@code weight}, and
     * accumulation of its gradient into the grad arrays of the parameters task i uses (only the
     * trainable ones). Returns the weighted mean loss.
     */
    public double backward(Backend be, int task, float[] x, int rows, float[] target, float weight, Workspace ws) {
        requireTrainable();
        ws.view(this, be).backward(task, HostResident.wrap(x), rows, HostResident.wrap(target), weight, ws.slot, 0);
        ws.host.readLosses(ws.slot, 1, ws.loss);
        return ws.loss[0];
    }
}
