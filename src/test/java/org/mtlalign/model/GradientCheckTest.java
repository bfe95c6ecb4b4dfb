package org.mtlalign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mtlalign.analysis.TestData;
import org.mtlalign.backend.cpu.CpuBackend;

/**
 * Finite-difference checks of {@link MtlModel#backward}: the model's loss is re-implemented in
 * float64 here (independently of the backend), differentiated by central differences in float64,
 * and compared with the float32 gradients that forward/backward accumulate.
 */
class GradientCheckTest {
    private static final double TOL = 1e-3;
    private static final double FD_STEP = 1e-5;
    /** ReLU pre-activations must stay this far from the kink (FD perturbs them by ~1e-5). */
    private static final double KINK_MARGIN = 1e-3;
    /**
     * Logistic and softmax rows must keep 1 - p >= this for their most probable class: float32
     * has sigma(z) (or p) near 1 to about 2^-24, so sigma(z) - y is that far off in absolute terms,
     * 2^-24 / (1 - p) relative, for a gradient saturation makes tiny. The logistic task's single
     * row alone feeds A_1 and R_1; seed 40001447004341 (RELU, no bias, alignment) drew its logit
     * at 10.9 and they came out 2.0e-3 off. Within the margin, at most 2^-24 / 1e-2 = 6e-6.
     */
    private static final double SATURATION_MARGIN = 1e-2;
    private static final int D = 7;
    private static final int R = 3;

    private final CpuBackend be = new CpuBackend();

    /** One task's data: inputs rows x D and targets in the layout of its loss. */
    private record TaskData(TaskHead head, float[] x, int rows, float[] target, float weight) {
    }

    /** A multi-task problem: SQUARED (3 outputs), LOGISTIC (1 row), SOFTMAX (4 classes), SQUARED (1 output). */
    private static List<TaskData> problem(Random rnd) {
        TaskHead[] heads = {
            new TaskHead("sq3", Loss.SQUARED, 3),
            new TaskHead("logit", Loss.LOGISTIC, 1),
            new TaskHead("soft4", Loss.SOFTMAX, 4),
            new TaskHead("sq1", Loss.SQUARED, 1),
        };
        int[] rows = {5, 1, 7, 3};
        List<TaskData> tasks = new ArrayList<>();
        for (int i = 0; i < heads.length; i++) {
            int n = rows[i];
            float[] x = TestData.gaussian(rnd, n * D, 1.0);
            float[] target;
            switch (heads[i].loss()) {
                case SQUARED:
                    target = TestData.gaussian(rnd, n * heads[i].outputs(), 1.0);
                    break;
                case LOGISTIC:
                    target = new float[n];
                    for (int t = 0; t < n; t++) {
                        target[t] = rnd.nextBoolean() ? 1f : 0f;
                    }
                    break;
                default:
                    target = new float[n];
                    for (int t = 0; t < n; t++) {
                        target[t] = rnd.nextInt(heads[i].outputs());
                    }
            }
            // Weights away from 1 so a dropped weight factor is caught.
            float w = (float) (0.2 + 2.8 * rnd.nextDouble());
            if (Math.abs(w - 1f) < 0.1f) {
                w += 0.5f;
            }
            tasks.add(new TaskData(heads[i], x, n, target, w));
        }
        return tasks;
    }

    private static MtlModel model(List<TaskData> tasks, Activation g, boolean bias, boolean alignment, Random rnd) {
        List<TaskHead> heads = new ArrayList<>();
        for (TaskData t : tasks) {
            heads.add(t.head());
        }
        MtlModel m = new MtlModel(D, R, g, bias, heads);
        m.initialize(rnd.nextLong());
        if (alignment) {
            m.enableAlignment();
            // Move R_i away from the identity so that the alignment really enters the products.
            for (int i = 0; i < tasks.size(); i++) {
                float[] v = m.alignment(i).value();
                for (int j = 0; j < v.length; j++) {
                    v[j] += (float) (0.3 * rnd.nextGaussian());
                }
            }
        }
        if (bias) {
            for (Tensor t : m.parameters()) {
                if (t.name().equals("b") || t.name().startsWith("c_")) {
                    float[] v = t.value();
                    for (int j = 0; j < v.length; j++) {
                        v[j] = (float) (0.5 * rnd.nextGaussian());
                    }
                }
            }
        }
        return m;
    }

    // ----- the float64 reference -----

    /** Parameter values of the model as float64 arrays, in {@link MtlModel#parameters()} order. */
    private static double[][] params(MtlModel m) {
        List<Tensor> ps = m.parameters();
        double[][] p = new double[ps.size()][];
        for (int i = 0; i < p.length; i++) {
            p[i] = TestData.toDouble(ps.get(i).value());
        }
        return p;
    }

    /** Index of each named tensor in the parameter list. */
    private static int index(MtlModel m, String name) {
        List<Tensor> ps = m.parameters();
        for (int i = 0; i < ps.size(); i++) {
            if (ps.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Pre-activations of task i in float64 (rows x R). */
    private static double[] pre(MtlModel m, double[][] p, int task, TaskData t) {
        int iB = index(m, "B");
        int ib = index(m, "b");
        int iR = index(m, "R_" + task);
        double[] z = new double[t.rows() * D];
        for (int a = 0; a < t.rows(); a++) {
            for (int j = 0; j < D; j++) {
                if (iR < 0) {
                    z[a * D + j] = t.x()[a * D + j];
                } else {
                    double s = 0;
                    for (int l = 0; l < D; l++) {
                        s += t.x()[a * D + l] * p[iR][l * D + j];
                    }
                    z[a * D + j] = s;
                }
            }
        }
        double[] h = new double[t.rows() * R];
        for (int a = 0; a < t.rows(); a++) {
            for (int j = 0; j < R; j++) {
                double s = ib < 0 ? 0 : p[ib][j];
                for (int l = 0; l < D; l++) {
                    s += z[a * D + l] * p[iB][l * R + j];
                }
                h[a * R + j] = s;
            }
        }
        return h;
    }

    /** Outputs of task i in float64 (rows x c_i). */
    private static double[] outputs(MtlModel m, double[][] p, int task, TaskData t) {
        double[] h = pre(m, p, task, t);
        if (m.activation() == Activation.RELU) {
            for (int j = 0; j < h.length; j++) {
                h[j] = Math.max(h[j], 0);
            }
        }
        int c = t.head().outputs();
        int iA = index(m, "A_" + task);
        int ic = index(m, "c_" + task);
        double[] out = new double[t.rows() * c];
        for (int a = 0; a < t.rows(); a++) {
            for (int o = 0; o < c; o++) {
                double s = ic < 0 ? 0 : p[ic][o];
                for (int j = 0; j < R; j++) {
                    s += h[a * R + j] * p[iA][j * c + o];
                }
                out[a * c + o] = s;
            }
        }
        return out;
    }

    /** sum_i w_i * mean loss_i of the model with parameters p, entirely in float64. */
    private static double loss(MtlModel m, double[][] p, List<TaskData> tasks) {
        double total = 0;
        for (int i = 0; i < tasks.size(); i++) {
            TaskData t = tasks.get(i);
            int c = t.head().outputs();
            double[] all = outputs(m, p, i, t);
            double sum = 0;
            for (int a = 0; a < t.rows(); a++) {
                double[] out = java.util.Arrays.copyOfRange(all, a * c, a * c + c);
                switch (t.head().loss()) {
                    case SQUARED:
                        for (int o = 0; o < c; o++) {
                            double r = out[o] - t.target()[a * c + o];
                            sum += 0.5 * r * r;
                        }
                        break;
                    case LOGISTIC: {
                        double zz = out[0];
                        double y = t.target()[a];
                        sum += Math.log1p(Math.exp(-Math.abs(zz))) + Math.max(zz, 0) - y * zz;
                        break;
                    }
                    default: {
                        double max = Double.NEGATIVE_INFINITY;
                        for (double v : out) {
                            max = Math.max(max, v);
                        }
                        double se = 0;
                        for (double v : out) {
                            se += Math.exp(v - max);
                        }
                        sum += max + Math.log(se) - out[(int) t.target()[a]];
                    }
                }
            }
            total += t.weight() * sum / t.rows();
        }
        return total;
    }

    /**
     * For ReLU: true when every pre-activation is at least KINK_MARGIN away from the kink and
     * every row keeps at least one active unit (so that no task's gradient vanishes).
     */
    private static boolean awayFromKink(MtlModel m, List<TaskData> tasks) {
        double[][] p = params(m);
        for (int i = 0; i < tasks.size(); i++) {
            double[] h = pre(m, p, i, tasks.get(i));
            for (int a = 0; a < tasks.get(i).rows(); a++) {
                boolean active = false;
                for (int j = 0; j < R; j++) {
                    double v = h[a * R + j];
                    if (Math.abs(v) < KINK_MARGIN) {
                        return false;
                    }
                    active |= v > 0;
                }
                if (!active) {
                    return false;
                }
            }
        }
        return true;
    }

    /** True when no logistic or softmax row is within SATURATION_MARGIN of certainty. */
    private static boolean awayFromSaturation(MtlModel m, List<TaskData> tasks) {
        double[][] p = params(m);
        for (int i = 0; i < tasks.size(); i++) {
            TaskData t = tasks.get(i);
            Loss loss = t.head().loss();
            if (loss == Loss.SQUARED) {
                continue;
            }
            int c = t.head().outputs();
            double[] out = outputs(m, p, i, t);
            for (int a = 0; a < t.rows(); a++) {
                double top;
                if (loss == Loss.LOGISTIC) {
                    top = 1 / (1 + Math.exp(-Math.abs(out[a])));
                } else {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int o = 0; o < c; o++) {
                        max = Math.max(max, out[a * c + o]);
                    }
                    double se = 0;
                    for (int o = 0; o < c; o++) {
                        se += Math.exp(out[a * c + o] - max);
                    }
                    top = 1 / se;
                }
                if (1 - top < SATURATION_MARGIN) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Central differences of the float64 loss w.r.t. every entry of every parameter. */
    private static double[][] numericGradient(MtlModel m, List<TaskData> tasks) {
        double[][] p = params(m);
        double[][] g = new double[p.length][];
        for (int t = 0; t < p.length; t++) {
            g[t] = new double[p[t].length];
            for (int j = 0; j < p[t].length; j++) {
                double keep = p[t][j];
                p[t][j] = keep + FD_STEP;
                double plus = loss(m, p, tasks);
                p[t][j] = keep - FD_STEP;
                double minus = loss(m, p, tasks);
                p[t][j] = keep;
                g[t][j] = (plus - minus) / (2 * FD_STEP);
            }
        }
        return g;
    }

    /** Zeroes the grads, runs forward/backward for every task (accumulating) and returns the summed loss. */
    private double analyticGradient(MtlModel m, List<TaskData> tasks) {
        for (Tensor t : m.parameters()) {
            t.zeroGrad();
        }
        return accumulate(m, tasks);
    }

    private double accumulate(MtlModel m, List<TaskData> tasks) {
        MtlModel.Workspace ws = m.workspace(16);
        double total = 0;
        for (int i = 0; i < tasks.size(); i++) {
            TaskData t = tasks.get(i);
            m.forward(be, i, t.x(), t.rows(), ws);
            total += m.backward(be, i, t.x(), t.rows(), t.target(), t.weight(), ws);
        }
        return total;
    }

    /**
     * Draws a problem and model; re-draws until no logistic or softmax output is saturated and,
     * for ReLU, no pre-activation is near the kink.
     */
    private record Setup(List<TaskData> tasks, MtlModel model) {
    }

    private static Setup setup(Random rnd, Activation g, boolean bias, boolean alignment) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            List<TaskData> tasks = problem(rnd);
            MtlModel m = model(tasks, g, bias, alignment, rnd);
            if ((g == Activation.IDENTITY || awayFromKink(m, tasks)) && awayFromSaturation(m, tasks)) {
                return new Setup(tasks, m);
            }
        }
        throw new IllegalStateException("could not draw a problem away from the ReLU kink and saturated outputs");
    }

    static Stream<Arguments> paths() {
        List<Arguments> a = new ArrayList<>();
        for (Activation g : Activation.values()) {
            for (boolean bias : new boolean[] {false, true}) {
                for (boolean align : new boolean[] {false, true}) {
                    a.add(Arguments.of(g, bias, align));
                }
            }
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} bias={1} alignment={2}")
    @MethodSource("paths")
    void gradientsMatchFiniteDifferences(Activation g, boolean bias, boolean alignment) {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        Setup s = setup(rnd, g, bias, alignment);
        MtlModel m = s.model();
        double lossF = analyticGradient(m, s.tasks());
        double lossD = loss(m, params(m), s.tasks());
        String ctx = "seed=" + seed + " " + g + " bias=" + bias + " alignment=" + alignment;
        assertEquals(lossD, lossF, 1e-5 * Math.abs(lossD), ctx + ": loss returned by backward vs float64 loss");
        double[][] num = numericGradient(m, s.tasks());
        List<Tensor> ps = m.parameters();
        StringBuilder report = new StringBuilder(ctx).append(':');
        for (int t = 0; t < ps.size(); t++) {
            double err = TestData.relErr(ps.get(t).grad(), num[t]);
            report.append(String.format(" %s=%.2e", ps.get(t).name(), err));
        }
        System.out.println("[GradientCheck] " + report);
        for (int t = 0; t < ps.size(); t++) {
            double err = TestData.relErr(ps.get(t).grad(), num[t]);
            assertTrue(TestData.norm(num[t]) > 0, report + ": FD gradient of " + ps.get(t).name() + " is zero");
            assertTrue(err <= TOL, report + ": relative error of d/d" + ps.get(t).name() + " = " + err);
        }
    }

    /**
     * Per parameter entry, the sum over every task and row of |that row's term| in the gradient
     * (the row's own one-row backward over the task's row count): the scale of the float32
     * rounding of a sum of those terms, which the sum itself understates when they cancel.
     */
    private double[][] rowTermScale(MtlModel m, List<TaskData> tasks) {
        List<Tensor> ps = m.parameters();
        double[][] scale = new double[ps.size()][];
        for (int t = 0; t < scale.length; t++) {
            scale[t] = new double[ps.get(t).grad().length];
        }
        MtlModel.Workspace ws = m.workspace(16);
        for (int i = 0; i < tasks.size(); i++) {
            TaskData t = tasks.get(i);
            int targetCols = t.head().loss() == Loss.SQUARED ? t.head().outputs() : 1;
            for (int a = 0; a < t.rows(); a++) {
                for (Tensor p : ps) {
                    p.zeroGrad();
                }
                float[] x = java.util.Arrays.copyOfRange(t.x(), a * D, (a + 1) * D);
                float[] y = java.util.Arrays.copyOfRange(t.target(), a * targetCols, (a + 1) * targetCols);
                m.forward(be, i, x, 1, ws);
                m.backward(be, i, x, 1, y, t.weight(), ws);
                for (int q = 0; q < scale.length; q++) {
                    float[] g = ps.get(q).grad();
                    for (int j = 0; j < g.length; j++) {
                        scale[q][j] += Math.abs(g[j]) / t.rows();
                    }
                }
            }
        }
        return scale;
    }

    /**
     * The second backward adds its gradient to the first: 2x the first up to the float32
     * rounding of the additions, at most about (rows + tasks) 2^-24 (|grad| + sum |terms|) per
     * entry (16 rows and 4 tasks here: 1.2e-6). Relative to |grad| alone that bound was too tight
     * where a gradient cancels: c_3 (3 rows, one entry) is their mean residual, and seed
     * 40001160003480 had it at 2.5e-5 relative to 2x. An overwrite instead of an addition is off
     * by |grad| itself, far above the tolerance unless the gradient cancels to 1e-5 of its terms.
     */
    @Test
    void backwardAccumulatesIntoGrad() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        Setup s = setup(rnd, Activation.RELU, true, true);
        MtlModel m = s.model();
        double[][] scale = rowTermScale(m, s.tasks());
        analyticGradient(m, s.tasks());
        double[][] once = new double[m.parameters().size()][];
        for (int t = 0; t < once.length; t++) {
            once[t] = TestData.toDouble(m.parameters().get(t).grad());
        }
        accumulate(m, s.tasks());
        for (int t = 0; t < once.length; t++) {
            double[] twice = once[t].clone();
            for (int j = 0; j < twice.length; j++) {
                twice[j] *= 2;
            }
            double[] got = TestData.toDouble(m.parameters().get(t).grad());
            double[] diff = new double[got.length];
            for (int j = 0; j < got.length; j++) {
                diff[j] = got[j] - twice[j];
            }
            double err = TestData.norm(diff);
            double tol = 1e-6 * TestData.norm(twice) + 1e-5 * TestData.norm(scale[t]);
            assertTrue(err <= tol, String.format("seed=%d: second backward must add to %s.grad: |grad - 2x| = %.3e,"
                    + " |2x| = %.3e, row terms %.3e, tolerance %.3e", seed, m.parameters().get(t).name(), err,
                    TestData.norm(twice), TestData.norm(scale[t]), tol));
        }
    }

    static Stream<Arguments> frozenCases() {
        return Stream.of("B", "b", "A_0", "c_0", "R_0", "A_2", "R_2", "shared-path").map(Arguments::of);
    }

    /**
     * A frozen tensor's grad stays exactly zero and every other gradient is unchanged (still
     * matches FD). "shared-path" freezes B, b and every R_i, which takes the early return.
     */
    @ParameterizedTest(name = "frozen {0}")
    @MethodSource("frozenCases")
    void frozenTensorsKeepZeroGradient(String frozen) {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        Setup s = setup(rnd, Activation.RELU, true, true);
        MtlModel m = s.model();
        List<Tensor> ps = m.parameters();
        List<String> names = new ArrayList<>();
        if (frozen.equals("shared-path")) {
            names.add("B");
            names.add("b");
            for (int i = 0; i < m.taskCount(); i++) {
                names.add("R_" + i);
            }
        } else {
            names.add(frozen);
        }
        for (Tensor t : ps) {
            t.setTrainable(!names.contains(t.name()));
        }
        analyticGradient(m, s.tasks());
        double[][] num = numericGradient(m, s.tasks());
        String ctx = "seed=" + seed + " frozen=" + names;
        for (int t = 0; t < ps.size(); t++) {
            Tensor p = ps.get(t);
            if (!p.trainable()) {
                for (float v : p.grad()) {
                    assertEquals(0f, v, ctx + ": frozen " + p.name() + " got a gradient");
                }
            } else {
                double err = TestData.relErr(p.grad(), num[t]);
                assertTrue(err <= TOL, ctx + ": relative error of d/d" + p.name() + " = " + err);
            }
        }
    }
}
