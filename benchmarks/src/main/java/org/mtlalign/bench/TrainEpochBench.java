package org.mtlalign.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.mtlalign.backend.Backend;
import org.mtlalign.backend.Backends;
import org.mtlalign.data.EncodedLabels;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.Task;
import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;
import org.mtlalign.model.MtlModel;
import org.mtlalign.model.TaskHead;
import org.mtlalign.train.TrainConfig;
import org.mtlalign.train.TrainResult;
import org.mtlalign.train.Trainer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One training epoch through {@link Trainer} (TrainConfig epochs = 1): k synthetic regression
 * tasks of m rows each, inputs d, shared rank r, ReLU, biases, Adam, batch 256, round-robin
 * task sampling, then the validation pass the trainer runs after every epoch.
 *
 * <p>Data: X_i ~ N(0, 1) (m x d), y_i = X_i theta_i + 0.1 noise with theta_i = (theta_0 +
 * theta'_i) / sqrt(2) (a shared plus a task-specific random linear teacher, entries N(0, 1/d)),
 * encoded for squared loss. Every row is a training row; the first 256 rows of each task also
 * form its validation set; there is no test split.
 *
 * <p>An epoch is k * m / 256 steps (round-robin), each a gather of 256 rows, forward X B,
 * ReLU, the head, the loss, dA, dH, X^T dH and Adam on the touched tensors: about
 * 2 * (2 * 256 * d * r) flops of shared-layer products per step, so about 4 * k * m * d * r
 * flops per epoch (0.26 GFLOP for k=8, m=2000, d=256, r=16; 2.6 GFLOP for m=20000), plus
 * memory-bound elementwise work and a pass over every row of X by the gathers.
 * The model is rebuilt and re-initialised before every measurement iteration, so each iteration
 * starts from a fresh model and optimiser state (later invocations within one iteration keep
 * training it, at identical cost per epoch).
 *
 * <p>{@code epoch} is one whole training of one epoch, so it includes what a training does once:
 * on a GPU, the upload of every task's X (k * m * d floats: 164 MB at m = 20000) and the
 * session's set-up. {@code epochOfTen} trains ten epochs in one training and reports the time per
 * epoch, which is what an epoch of a longer training costs (and what the PyTorch peers, whose
 * data stays on the device, measure).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class TrainEpochBench {
    static final int BATCH = 256;
    static final int VALIDATION_ROWS = 256;
    static final int EPOCHS_PER_TRAINING = 10;

    /** "cpu", or "cuda" for the device-resident path on a GPU (benchmarks/gpu/device-check.sh). */
    @Param({"cpu"})
    public String backend;

    @Param({"8"})
    public int k;

    @Param({"2000", "20000"})
    public int m;

    @Param({"256"})
    public int d;

    @Param({"16"})
    public int r;

    private Backend be;
    private List<PreparedTask> tasks;
    private List<TaskHead> heads;
    private Trainer trainer;
    private Trainer trainerOfTen;
    private MtlModel model;
    private int iteration;

    @Setup(Level.Trial)
    public void setupData() {
        be = "cpu".equals(backend) ? BenchSupport.cpuBackend()
                : Backends.select(backend, note -> System.out.println("# " + note));
        if (!"cpu".equals(backend)) {
            System.out.println("# Backend: " + be.description());
        }
        Random rnd = new Random(BenchSupport.SEED);
        float[] shared = new float[d];
        BenchSupport.fillGaussian(shared, Math.sqrt(1.0 / d), rnd);
        int[] train = new int[m];
        for (int i = 0; i < m; i++) {
            train[i] = i;
        }
        int[] validation = java.util.Arrays.copyOf(train, Math.min(VALIDATION_ROWS, m));
        tasks = new ArrayList<>(k);
        heads = new ArrayList<>(k);
        for (int t = 0; t < k; t++) {
            float[] theta = new float[d];
            BenchSupport.fillGaussian(theta, Math.sqrt(1.0 / d), rnd);
            for (int j = 0; j < d; j++) {
                theta[j] = (float) ((shared[j] + theta[j]) / Math.sqrt(2.0));
            }
            float[] x = BenchSupport.gaussian(m * d, rnd);
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += (double) x[i * d + j] * theta[j];
                }
                y[i] = (float) (s + 0.1 * rnd.nextGaussian());
            }
            String name = "task" + t;
            Task task = new Task(name, x, m, d, y, 1, false, "synthetic");
            EncodedLabels labels = EncodedLabels.encode(task, Loss.SQUARED);
            PreparedTask p = new PreparedTask(name, x, m, d, labels, train, validation, new int[0]);
            tasks.add(p);
            heads.add(p.head());
        }
        trainer = new Trainer(be, TrainConfig.defaults(BenchSupport.SEED).withEpochs(1).withBatchSize(BATCH)
                .withProgress(false));
        trainerOfTen = new Trainer(be, TrainConfig.defaults(BenchSupport.SEED).withEpochs(EPOCHS_PER_TRAINING)
                .withBatchSize(BATCH).withProgress(false));
    }

    @TearDown(Level.Trial)
    public void closeBackend() {
        be.close();
    }

    @Setup(Level.Iteration)
    public void setupModel() {
        model = new MtlModel(d, r, Activation.RELU, true, heads);
        model.initialize(BenchSupport.SEED + iteration++);
    }

    @Benchmark
    public void epoch(Blackhole bh) {
        TrainResult result = trainer.train(model, tasks, null);
        bh.consume(result);
    }

    @Benchmark
    @OperationsPerInvocation(EPOCHS_PER_TRAINING)
    public void epochOfTen(Blackhole bh) {
        TrainResult result = trainerOfTen.train(model, tasks, null);
        bh.consume(result);
    }
}
