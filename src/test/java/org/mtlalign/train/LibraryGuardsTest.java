package org.mtlalign.train;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.UserInputException;
import org.mtlalign.analysis.Capacity;
import org.mtlalign.analysis.CovarianceSimilarity;
import org.mtlalign.analysis.TestData;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.Task;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.data.TrainingRows;
import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;
import org.mtlalign.model.ModelIO;
import org.mtlalign.model.MtlModel;
import org.mtlalign.model.TaskHead;

/**
 * What a library caller gets wrong, refused where it is passed instead of ending in a silent
 * wrong result, a hang or an index error deep inside (found by using the API as a new user).
 */
class LibraryGuardsTest {
    private final CpuBackend be = new CpuBackend();
    private final long seed = TestData.seed();
    private final Random rnd = new Random(seed);

    private Task regression(String name, int m, int d) {
        float[] x = TestData.gaussian(rnd, m * d, 1.0);
        float[] y = TestData.gaussian(rnd, m, 1.0);
        return new Task(name, x, m, d, y, 1, false, "memory");
    }

    private Task classes(String name, int m, int d, int c) {
        float[] x = TestData.gaussian(rnd, m * d, 1.0);
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            y[i] = i % c;
        }
        return new Task(name, x, m, d, y, 1, true, "memory");
    }

    /**
     * A pairwise result's accessors given a task index outside the tasks failed with "Index 5
     * out of bounds for length 3" from an array inside (which of i and j?): they name the index.
     */
    @Test
    void pairwiseResultsNameATaskIndexOutsideTheTasks() {
        int k = 2 + rnd.nextInt(3);
        List<Task> ts = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            ts.add(regression("t" + t, 30 + rnd.nextInt(9), 3));
        }
        List<PreparedTask> tasks = Preparation.prepare(new TaskSuite("s", ts, false),
                Preparation.Config.defaults(seed)).tasks();
        double stl = rnd.nextDouble();
        double pair = rnd.nextDouble();
        PairwiseTransfer.Run one = new PairwiseTransfer.Run(new double[] {stl}, 1.0, 3, 2, false, null,
                new double[] {0.5}, new double[] {1.0}, new boolean[] {true});
        PairwiseTransfer.Run two = new PairwiseTransfer.Run(new double[] {pair, pair}, 1.0, 3, 2, false, null,
                new double[] {0.5, 0.5}, new double[] {1.0, 1.0}, new boolean[] {true, true});
        PairwiseTransfer.Run[] stlRuns = new PairwiseTransfer.Run[k];
        PairwiseTransfer.Run[][] pairs = new PairwiseTransfer.Run[k][k];
        stlRuns[0] = one;
        pairs[0][1] = two;
        pairs[1][0] = two;
        boolean[] targets = new boolean[k];
        targets[0] = true;
        PairwiseTransfer.Result res = new PairwiseTransfer.Result(tasks, targets, stlRuns, pairs, new double[k][k]);
        assertEquals(stl - pair, res.transfer(0, 1), 1e-12, "seed " + seed);  // MSE: lower is better
        String range = "outside 0.." + (k - 1) + " (" + k + " tasks)";
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> res.transfer(0, k + 2));
        assertTrue(e.getMessage().contains("task index j = " + (k + 2) + " is " + range), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> res.transfer(-1, 0));
        assertTrue(e.getMessage().contains("task index i = -1 is " + range), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> res.pairMetric(k, 0));
        assertTrue(e.getMessage().contains("task index i = " + k + " is " + range), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> res.stlMetric(k));
        assertTrue(e.getMessage().contains("task index i = " + k + " is " + range), e.getMessage());
        assertFalse(two.noBetterThanPrior(1));
        e = assertThrows(IndexOutOfBoundsException.class, () -> two.noBetterThanPrior(2));
        assertTrue(e.getMessage().contains("task index t = 2 is outside 0..1 (2 tasks)"), e.getMessage());
    }

    /**
     * Misuse found in a library trial: two prepared tasks of one name (the second head would be
     * unreachable by name), a model without heads, and a null notice for Backends.select (it threw a
     * NullPointerException; null now says nothing).
     */
    @Test
    void duplicateNamesNoHeadsAndANullNotice() throws Exception {
        List<PreparedTask> one = Preparation.prepare(new TaskSuite("s", List.of(regression("a", 40, 4)), false),
                Preparation.Config.defaults(seed)).tasks();
        List<PreparedTask> twice = List.of(one.get(0), one.get(0));
        ExperimentConfig cfg = ExperimentConfig.defaults(1).withTrain(TrainConfig.defaults(seed).withEpochs(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MtlExperiment(be, cfg).run(twice, null));
        assertTrue(e.getMessage().contains("two tasks are named 'a'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PairwiseTransfer(be, cfg).run(twice, null, null));
        e = assertThrows(IllegalArgumentException.class,
                () -> new MtlModel(4, 1, Activation.RELU, true, List.of()));
        assertTrue(e.getMessage().contains("at least one task head"), e.getMessage());
        try (org.mtlalign.backend.Backend b = org.mtlalign.backend.Backends.select("auto", null)) {
            assertTrue(b.description() != null);
        }
    }

    /**
     * Backends.select's cpuWorkers: 0 is the default; a negative count was taken as 0 without a
     * word, where CpuBackend(int) refuses it.
     */
    @Test
    void negativeWorkerCountsAreRefused() {
        for (String choice : new String[] {"cpu", "auto"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> org.mtlalign.backend.Backends.select(choice, -2, null));
            assertTrue(e.getMessage().contains("-2"), e.getMessage());
        }
        try (org.mtlalign.backend.Backend b = org.mtlalign.backend.Backends.select("cpu", 0, null)) {
            assertTrue(b.concurrency() >= 1);
        }
    }

    @Test
    void sharedInputsMustBeShared() {
        Task a = regression("a", 31, 5);
        Task b = regression("b", 31, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TaskSuite("s", List.of(a, b), true));
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("different values"), e.getMessage());
        Task shorter = regression("c", 30, 5);
        assertThrows(IllegalArgumentException.class, () -> new TaskSuite("s", List.of(a, shorter), true));
        // The same array, or an equal copy, is what shared inputs are.
        Task sameArray = new Task("b", a.x(), 31, 5, TestData.gaussian(rnd, 31, 1.0), 1, false, "memory");
        Task equalCopy = new Task("c", a.x().clone(), 31, 5, TestData.gaussian(rnd, 31, 1.0), 1, false, "memory");
        assertEquals(3, new TaskSuite("s", List.of(a, sameArray, equalCopy), true).size());
        assertEquals(2, new TaskSuite("s", List.of(a, b), false).size());
    }

    @Test
    void emptyTasksAreRefusedWhereTheyAreMade() {
        assertThrows(IllegalArgumentException.class, () -> new Task("e", new float[0], 0, 3, new float[0], 1, false, "m"));
        assertThrows(IllegalArgumentException.class, () -> new Task("e", new float[0], 3, 0, new float[3], 1, false, "m"));
        assertThrows(IllegalArgumentException.class, () -> TrainingRows.of(List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new MtlExperiment(be, config()).run(List.of(), null));
    }

    private static ExperimentConfig config() {
        return new ExperimentConfig(1, Activation.RELU, true, TrainConfig.defaults(1).withEpochs(2),
                ExperimentConfig.AlignMode.NONE, null, 0, 0.99, false);
    }

    private List<PreparedTask> prepared(Task... tasks) {
        return Preparation.prepare(new TaskSuite("t", List.of(tasks), false), Preparation.Config.defaults(seed)).tasks();
    }

    private static MtlModel modelFor(List<TaskHead> heads, int d) {
        MtlModel m = new MtlModel(d, 2, Activation.RELU, true, heads);
        m.initialize(7);
        return m;
    }

    @Test
    void trainerRefusesHeadsThatDoNotFitTheirTasks() {
        List<PreparedTask> tasks = prepared(classes("c", 60, 6, 3), regression("r", 50, 6));
        Trainer trainer = new Trainer(be, TrainConfig.defaults(1).withEpochs(1));
        // A logistic head on a three-class task trained before and reported a negative loss.
        MtlModel wrongKind = modelFor(List.of(new TaskHead("c", Loss.LOGISTIC, 1), tasks.get(1).head()), 6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.train(wrongKind, tasks, null));
        assertTrue(e.getMessage().contains("'c'") && e.getMessage().contains("logistic"), e.getMessage());
        // Heads in another order than the tasks.
        MtlModel swapped = modelFor(List.of(tasks.get(1).head(), tasks.get(0).head()), 6);
        assertThrows(IllegalArgumentException.class, () -> trainer.train(swapped, tasks, null));
        // Too many outputs for a one-column regression target.
        MtlModel wide = modelFor(List.of(tasks.get(0).head(), new TaskHead("r", Loss.SQUARED, 3)), 6);
        assertThrows(IllegalArgumentException.class, () -> trainer.train(wide, tasks, null));
        MtlModel fits = modelFor(List.of(tasks.get(0).head(), tasks.get(1).head()), 6);
        for (float[] w : new float[][] {{1, -1}, {1, Float.NaN}, {Float.POSITIVE_INFINITY, 1}}) {
            IllegalArgumentException we = assertThrows(IllegalArgumentException.class, () -> trainer.train(fits, tasks, w));
            assertTrue(we.getMessage().contains("weight"), we.getMessage());
        }
        assertDoesNotThrow(() -> trainer.train(fits, tasks, new float[] {1, 0}));
    }

    @Test
    void decompositionsRefuseNonFiniteInputsInsteadOfSpinning() {
        int m = 40;
        int n = 5;
        for (float bad : new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}) {
            for (int[] shape : new int[][] {{m, n}, {2, 2}, {n, m}}) {
                float[] a = TestData.gaussian(rnd, shape[0] * shape[1], 1.0);
                a[rnd.nextInt(a.length)] = bad;
                int p = Math.min(shape[0], shape[1]);
                // LAPACK's sgesdd never returned on a 40 x 5 matrix holding an infinity: guard
                // against a hang so that a regression fails instead of stalling the build.
                IllegalArgumentException e = assertTimeoutPreemptively(Duration.ofSeconds(60),
                        () -> assertThrows(IllegalArgumentException.class, () -> be.svd(a, 1, shape[0], shape[1],
                                new float[shape[0] * p], new float[p], new float[shape[1] * p])));
                assertTrue(e.getMessage().contains(Float.toString(bad)), e.getMessage());
            }
        }
        int d = 7;
        float[] sym = TestData.gaussian(rnd, d * d, 1.0);
        sym[5 * d + 2] = Float.NaN;  // lower triangle: never read, so accepted
        assertDoesNotThrow(() -> be.symmetricEigen(sym.clone(), d, new float[d], new float[d * d]));
        sym[2 * d + 5] = Float.POSITIVE_INFINITY;
        assertThrows(IllegalArgumentException.class, () -> be.symmetricEigen(sym, d, new float[d], new float[d * d]));
        assertThrows(IllegalArgumentException.class, () -> be.svd(new float[6], 1, 2, 3, new float[2], new float[2],
                new float[6]));
    }

    @Test
    void modelSavesRefuseExtrasThatWouldOverwriteOrEscape(@TempDir Path tmp) {
        MtlModel m = modelFor(List.of(new TaskHead("a", Loss.SQUARED, 1)), 4);
        for (String name : new String[] {"B", "A_0", "c_0", "a_0", "r_1", "../escape", "sub/x", "", "model", "Model"}) {
            assertThrows(IllegalArgumentException.class,
                    () -> ModelIO.save(tmp.resolve("m"), m, new JsonObject(), Map.of(name, new float[] {1})), name);
        }
        assertFalse(Files.exists(tmp.resolve("m")));
        assertFalse(Files.exists(tmp.resolve("escape.npy")));
        assertDoesNotThrow(() -> ModelIO.save(tmp.resolve("m"), m, new JsonObject(), Map.of("my_extra-1", new float[] {1})));
        assertEquals(1, ModelIO.load(tmp.resolve("m")).extras().get("my_extra-1").data().length);
    }

    @Test
    void aModelSavedWithItsPreparationPredictsOnRawInputs(@TempDir Path tmp) {
        int d = 5;
        Task a = classes("a", 80, d, 3);
        Task b = regression("b", 70, d);
        // Far from standardised, so that skipping the standardisation could not pass unseen.
        for (int i = 0; i < a.x().length; i++) {
            a.x()[i] = a.x()[i] * 40 + 100;
        }
        Preparation.Result prep = Preparation.prepare(new TaskSuite("t", List.of(a, b), false),
                Preparation.Config.defaults(seed));
        List<TaskHead> heads = new ArrayList<>();
        prep.tasks().forEach(t -> heads.add(t.head()));
        MtlModel model = modelFor(heads, d);
        new Trainer(be, TrainConfig.defaults(1).withEpochs(3)).train(model, prep.tasks(), null);
        ModelIO.save(tmp.resolve("m"), model, prep, null);
        Predictor p = new Predictor(ModelIO.load(tmp.resolve("m")));
        float[] got = p.predict(be, p.requireHead("a"), a.x(), a.rows());
        // The reference: the prepared (standardised) rows through the model, as probabilities.
        PreparedTask pa = prep.tasks().get(0);
        int[] all = TestData.range(a.rows());
        float[] want = new Evaluator(be).predict(model, 0, pa.x(), d, all);
        Predictor.toProbabilities(Loss.SOFTMAX, want, a.rows(), 3);
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want[i]));
        }
        assertTrue(worst < 1e-5, "largest probability difference " + worst);
        assertEquals(3, ModelIO.load(tmp.resolve("m")).json().getAsJsonObject("class_values").getAsJsonArray("a").size());
        UserInputException unknown = assertThrows(UserInputException.class, () -> p.requireHead("nope"));
        assertTrue(unknown.getMessage().contains("a, b"), unknown.getMessage());

        // Saved without the preparation: nothing says how inputs were standardised, so refused.
        ModelIO.save(tmp.resolve("bare"), model, new JsonObject(), null);
        UserInputException e = assertThrows(UserInputException.class,
                () -> new Predictor(ModelIO.load(tmp.resolve("bare"))));
        assertTrue(e.getMessage().contains("standardised"), e.getMessage());
        JsonObject none = new JsonObject();
        none.addProperty(ModelIO.STANDARDISATION, "none");
        ModelIO.save(tmp.resolve("raw"), model, none, null);
        assertDoesNotThrow(() -> new Predictor(ModelIO.load(tmp.resolve("raw"))));
    }

    @Test
    void analysesRefuseMismatchedOrNonFiniteArguments() {
        int d = 6;
        int m = 20;
        float[] x = TestData.gaussian(rnd, m * d, 1.0);
        float[] y = TestData.gaussian(rnd, m, 1.0);
        Capacity cap = new Capacity(be);
        assertEquals(1, cap.suggest(new float[][] {x}, new int[] {m}, d, new float[][] {y}, new int[] {1}, 1e-3, 0.99)
                .suggestedRank());
        for (double energy : new double[] {5, 0, Double.NaN}) {
            assertThrows(IllegalArgumentException.class,
                    () -> cap.suggest(new float[][] {x}, new int[] {m}, d, new float[][] {y}, new int[] {1}, 1e-3, energy));
        }
        float[] yNaN = y.clone();
        yNaN[3] = Float.NaN;  // dropped the task from the suggestion before, without a word
        assertThrows(IllegalArgumentException.class,
                () -> cap.suggest(new float[][] {x}, new int[] {m}, d, new float[][] {yNaN}, new int[] {1}, 1e-3, 0.99));
        float[] few = TestData.gaussian(rnd, 3 * d, 1.0);
        IllegalArgumentException singular = assertThrows(IllegalArgumentException.class,
                () -> cap.suggest(new float[][] {few}, new int[] {3}, d, new float[][] {new float[] {1, 2, 4}},
                        new int[] {1}, 0, 0.99));
        assertTrue(singular.getMessage().contains("lambda"), singular.getMessage());
        // Enough rows for lambda = 0 on all of them, not on half (d <= m < 2d): the validation
        // refits the halves with a little ridge instead of refusing.
        float[] mid = TestData.gaussian(rnd, 9 * d, 1.0);
        float[] midY = TestData.gaussian(rnd, 9, 1.0);
        assertTrue(cap.suggest(new float[][] {mid, mid}, new int[] {9, 9}, d, new float[][] {midY, midY},
                new int[] {1, 1}, 0, 0.99).validated());
        assertThrows(IllegalArgumentException.class,
                () -> cap.suggest(new float[][] {x, x}, new int[] {m}, d, new float[][] {y, y}, new int[] {1, 1}, 1e-3, 0.99));

        CovarianceSimilarity cs = new CovarianceSimilarity(be, 0.99);
        assertThrows(IllegalArgumentException.class, () -> cs.matrix(new float[][] {x, x}, new int[] {m}, d));
        assertThrows(IllegalArgumentException.class, () -> cs.matrix(new float[][] {x, new float[10]}, new int[] {m, m}, d));
        float[] xNaN = x.clone();
        xNaN[7] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cs.matrix(new float[][] {x, xNaN}, new int[] {m, m}, d));
        assertTrue(e.getMessage().contains("[1, 1]"), e.getMessage());
    }

    /**
     * Tasks of different sizes given one row count (rows = {m0, m0} for tasks of m0 and m1 > m0
     * rows): the analyses took "at least rows x d values" and silently used the first m0 rows of
     * the larger task. Arrays must now hold exactly rows[i] x d (and rows[i] x cols[i]) values.
     */
    @Test
    void analysesRefuseArraysLongerThanTheirRowCounts() {
        int d = 3 + rnd.nextInt(5);
        int m0 = 23 + rnd.nextInt(10);
        int m1 = m0 + 1 + rnd.nextInt(9);
        float[] x0 = TestData.gaussian(rnd, m0 * d, 1.0);
        float[] x1 = TestData.gaussian(rnd, m1 * d, 1.0);
        float[] y0 = TestData.gaussian(rnd, m0, 1.0);
        float[] y1 = TestData.gaussian(rnd, m1, 1.0);
        float[][] xs = {x0, x1};
        float[][] ys = {y0, y1};
        int[] right = {m0, m1};
        int[] copied = {m0, m0};
        int[] cols = {1, 1};
        CovarianceSimilarity cs = new CovarianceSimilarity(be, 0.99);
        assertEquals(2, cs.matrix(xs, right, d).length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cs.matrix(xs, copied, d));
        assertTrue(e.getMessage().contains("task 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cs.factor(x1, m0, d));
        org.mtlalign.analysis.SvdReweighting sr = new org.mtlalign.analysis.SvdReweighting(be);
        assertEquals(2, sr.weights(xs, right, d, ys, cols, 1, org.mtlalign.analysis.SvdReweighting.Variant.PAPER, true)
                .length);
        assertThrows(IllegalArgumentException.class,
                () -> sr.weights(xs, copied, d, ys, cols, 1, org.mtlalign.analysis.SvdReweighting.Variant.PAPER, true));
        Capacity cap = new Capacity(be);
        assertThrows(IllegalArgumentException.class, () -> cap.suggest(xs, copied, d, ys, cols, 1e-3, 0.99));
        // Targets longer than their rows (two label columns given as one) likewise.
        float[][] wideY = {TestData.gaussian(rnd, 2 * m0, 1.0), y1};
        assertThrows(IllegalArgumentException.class, () -> cap.suggest(xs, right, d, wideY, cols, 1e-3, 0.99));
    }

    @Test
    void nullSettingsAreNamedAtConstruction() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> new ExperimentConfig(1, Activation.RELU, true, TrainConfig.defaults(1), null, null, 0, 0.99, true));
        assertTrue(e.getMessage().contains("alignMode"), e.getMessage());
        assertThrows(NullPointerException.class,
                () -> new MtlModel(3, 1, null, true, List.of(new TaskHead("a", Loss.SQUARED, 1))));
    }

    /**
     * A task without a name was accepted and failed later inside Preparation.prepare with a
     * NullPointerException without a message; a null in the task list likewise; a null
     * standardisation was read as none for tasks with their own inputs but standardised a
     * shared X.
     */
    @Test
    void nullTaskNamesListsAndStandardisationAreNamed() {
        int d = 3 + rnd.nextInt(4);
        int m = 29 + rnd.nextInt(20);
        float[] x = TestData.gaussian(rnd, m * d, 1.0);
        float[] y = TestData.gaussian(rnd, m, 1.0);
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> new Task(null, x, m, d, y, 1, false, "memory"));
        assertTrue("name".equals(e.getMessage()), e.getMessage());
        e = assertThrows(NullPointerException.class, () -> new Task("a", null, m, d, y, 1, false, "memory"));
        assertTrue("x".equals(e.getMessage()), e.getMessage());
        Task a = new Task("a", x, m, d, y, 1, false, "memory");
        e = assertThrows(NullPointerException.class,
                () -> new TaskSuite("s", java.util.Arrays.asList(a, null), false));
        assertTrue(e.getMessage().contains("task 1"), e.getMessage());
        e = assertThrows(NullPointerException.class,
                () -> new Preparation.Config(0.2, 0.2, seed, null, null));
        assertTrue(e.getMessage().contains("standardize"), e.getMessage());
    }

    @Test
    void aClosedCpuBackendSaysSoInsteadOfANullMessage() {
        CpuBackend closed = new CpuBackend(2);
        closed.close();
        // Before, work spread over the workers threw RejectedExecutionException with no message,
        // and a backend closed before its first use quietly made a pool that was never shut down.
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> closed.svd(new float[8], 2, 2, 2, new float[8], new float[4], new float[8]));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> closed.forEachIndependent(3, i -> { }));
        CpuBackend used = new CpuBackend(2);
        used.forEachIndependent(4, i -> { });
        used.close();
        assertThrows(IllegalStateException.class, () -> used.forEachIndependent(4, i -> { }));
    }

    /**
     * Evaluator (and MtlExperiment.testMetric through it) scored a head on a task of another kind
     * or read inputs of another width: a regression head gave a classifier's accuracy and inputs
     * of d - 1 columns plausible outputs, without a word. Refused now, as Trainer refuses them.
     */
    @Test
    void evaluatorRefusesHeadsAndInputsThatDoNotFit() {
        int d = 5 + rnd.nextInt(4);
        List<PreparedTask> tasks = prepared(regression("r", 63 + rnd.nextInt(20), d), classes("c", 71 + rnd.nextInt(20), d, 3));
        MtlModel m = modelFor(List.of(tasks.get(0).head(), tasks.get(1).head()), d);
        Evaluator ev = new Evaluator(be);
        PreparedTask r = tasks.get(0);
        PreparedTask c = tasks.get(1);
        assertEquals("mse", ev.metrics(m, 0, r, r.test()).name());
        assertEquals("accuracy", ev.metrics(m, 1, c, c.test()).name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ev.metrics(m, 0, c, c.test()));
        assertTrue(e.getMessage().contains("heads must be in the tasks' order"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ev.metrics(m, 1, r, r.test()));
        assertThrows(IllegalArgumentException.class, () -> ev.meanLoss(m, 1, r, r.test()));
        assertThrows(IllegalArgumentException.class, () -> MtlExperiment.testMetric(ev, m, List.of(c, r)));
        assertThrows(IllegalArgumentException.class, () -> ev.metrics(m, 2, r, r.test()));
        // A softmax head with fewer outputs than the task has classes.
        MtlModel narrow = modelFor(List.of(r.head(), new TaskHead("c", Loss.SOFTMAX, 2)), d);
        assertThrows(IllegalArgumentException.class, () -> ev.metrics(narrow, 1, c, c.test()));
        float[] x = TestData.gaussian(rnd, 4 * (d - 1), 1.0);
        e = assertThrows(IllegalArgumentException.class, () -> ev.predict(m, 0, x, d - 1, new int[] {0, 1}));
        assertTrue(e.getMessage().contains("d = " + (d - 1)), e.getMessage());
        float[] ok = TestData.gaussian(rnd, 3 * d, 1.0);
        assertEquals(2, ev.predict(m, 0, ok, d, new int[] {0, 2}).length);
        e = assertThrows(IllegalArgumentException.class, () -> ev.predict(m, 0, ok, d, new int[] {0, 3}));
        assertTrue(e.getMessage().contains("row 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ev.predict(m, -1, ok, d, new int[] {0}));
    }

    /**
     * Algorithm 2 from the library: a null variant was computed as NORMALIZED without a word,
     * MtlExperiment.reweightAlpha under a configuration without reweighting did the same, and
     * toTrainingWeights turned a NaN weight into uniform weights (the mean was NaN).
     */
    @Test
    void reweightingRefusesAMissingVariantAndNonFiniteWeights() {
        int d = 4 + rnd.nextInt(5);
        int m = 37 + rnd.nextInt(30);
        float[] x = TestData.gaussian(rnd, m * d, 1.0);
        float[][] xs = {x, x, x};
        int[] rows = {m, m, m};
        float[][] ys = {TestData.gaussian(rnd, m, 1.0), TestData.gaussian(rnd, m, 1.0), TestData.gaussian(rnd, m, 1.0)};
        int[] cols = {1, 1, 1};
        org.mtlalign.analysis.SvdReweighting sr = new org.mtlalign.analysis.SvdReweighting(be);
        assertEquals(3, sr.weights(xs, rows, d, ys, cols, 2, org.mtlalign.analysis.SvdReweighting.Variant.PAPER, true)
                .length);
        NullPointerException n = assertThrows(NullPointerException.class,
                () -> sr.weights(xs, rows, d, ys, cols, 2, null, true));
        assertTrue(n.getMessage().contains("variant"), n.getMessage());
        List<PreparedTask> tasks = prepared(regression("a", m, d), regression("b", m + 3, d));
        MtlExperiment none = new MtlExperiment(be, config());  // reweight null: Algorithm 2 skipped
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> none.reweightAlpha(tasks));
        assertTrue(e.getMessage().contains("withReweighting"), e.getMessage());
        assertEquals(2, new MtlExperiment(be, ExperimentConfig.defaults(1)).reweightAlpha(tasks).length);
        for (double bad : new double[] {Double.NaN, -0.5, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                    () -> org.mtlalign.analysis.SvdReweighting.toTrainingWeights(new double[] {0.9, bad}));
            assertTrue(b.getMessage().contains("weight 1"), b.getMessage());
        }
        assertThrows(IllegalArgumentException.class,
                () -> org.mtlalign.analysis.SvdReweighting.toTrainingWeights(new double[0]));
        float[] w = org.mtlalign.analysis.SvdReweighting.toTrainingWeights(new double[] {0.25, 0.75});
        assertEquals(0.5f, w[0], 1e-6f);
        assertEquals(1.5f, w[1], 1e-6f);
        assertEquals(1f, org.mtlalign.analysis.SvdReweighting.toTrainingWeights(new double[] {0, 0})[1]);
    }

    @Test
    void theClosedFormSharedModuleChecksItsWidth() {
        int m = 12;
        int d = 4;
        float[] x = TestData.gaussian(rnd, m * d, 1.0);
        float[] y = TestData.gaussian(rnd, m * 2, 1.0);
        org.mtlalign.analysis.SharedSubspace ss = new org.mtlalign.analysis.SharedSubspace(be);
        for (int r : new int[] {0, 5}) {
            assertThrows(IllegalArgumentException.class, () -> ss.optimalShared(x, m, d, y, 2, new double[] {1, 1}, r));
        }
        assertEquals(d * 2, ss.optimalShared(x, m, d, y, 2, new double[] {1, 1}, 2).length);
    }

    /**
     * Found embedding the library: a TrainConfig built with a null optimizer trained with SGD,
     * and one with a null sampling drew tasks in proportion to their rows, without a word.
     */
    @Test
    void trainConfigNamesANullOptimizerOrSampling() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> new TrainConfig(5, 8, null, 0.01f,
                0.9f, 0f, TrainConfig.Sampling.ROUND_ROBIN, 2, seed, false));
        assertTrue(e.getMessage().contains("optimizer"), e.getMessage());
        e = assertThrows(NullPointerException.class, () -> new TrainConfig(5, 8, TrainConfig.Optimizer.ADAM, 0.01f,
                0.9f, 0f, null, 2, seed, false));
        assertTrue(e.getMessage().contains("sampling"), e.getMessage());
    }

    /**
     * Task weights that are all zero trained nothing and returned a result of best validation
     * loss 0 at epoch 0; one zero among positive weights stays allowed.
     */
    @Test
    void trainerRefusesTaskWeightsThatAreAllZero() {
        List<PreparedTask> tasks = prepared(classes("c", 60, 6, 3), regression("r", 50, 6));
        Trainer trainer = new Trainer(be, TrainConfig.defaults(1).withEpochs(1));
        MtlModel fits = modelFor(List.of(tasks.get(0).head(), tasks.get(1).head()), 6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.train(fits, tasks, new float[] {0, 0}));
        assertTrue(e.getMessage().contains("every task weight is 0"), e.getMessage());
        assertDoesNotThrow(() -> trainer.train(fits, tasks, new float[] {0, 1}));
    }

    /**
     * A null backend or configuration was accepted by the constructors and failed later as a
     * NullPointerException deep inside (MtlExperiment.run: in SvdReweighting.weights; Predictor:
     * in Evaluator.predict after standardising); now each is named where it is passed.
     */
    @Test
    void nullBackendsAndConfigurationsAreNamedWhereTheyArePassed() {
        ExperimentConfig cfg = ExperimentConfig.defaults(1);
        List<org.junit.jupiter.api.function.Executable> nullBackend = List.of(
                () -> new MtlExperiment(null, cfg), () -> new PairwiseTransfer(null, cfg),
                () -> new Trainer(null, cfg.train()), () -> new Evaluator(null),
                () -> new CovarianceSimilarity(null, 0.99), () -> new Capacity(null),
                () -> new org.mtlalign.analysis.SvdReweighting(null),
                () -> new org.mtlalign.analysis.SharedSubspace(null));
        for (org.junit.jupiter.api.function.Executable x : nullBackend) {
            NullPointerException e = assertThrows(NullPointerException.class, x);
            assertEquals("backend", e.getMessage());
        }
        for (org.junit.jupiter.api.function.Executable x : List.<org.junit.jupiter.api.function.Executable>of(
                () -> new MtlExperiment(be, null), () -> new PairwiseTransfer(be, null), () -> new Trainer(be, null))) {
            NullPointerException e = assertThrows(NullPointerException.class, x);
            assertEquals("cfg", e.getMessage());
        }
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> Preparation.prepare(null, Preparation.Config.defaults(seed)));
        assertEquals("suite", e.getMessage());
        TaskSuite suite = new TaskSuite("s", List.of(regression("a", 40, 4)), false);
        e = assertThrows(NullPointerException.class, () -> Preparation.prepare(suite, null));
        assertTrue(e.getMessage().startsWith("cfg"), e.getMessage());
        e = assertThrows(NullPointerException.class, () -> new MtlExperiment(be, cfg).run(null, null));
        assertEquals("tasks", e.getMessage());
        e = assertThrows(NullPointerException.class, () -> TrainingRows.of(null));
        assertEquals("tasks", e.getMessage());
        Predictor p = new Predictor(modelFor(List.of(new TaskHead("a", Loss.SQUARED, 1)), 4), Map.of());
        e = assertThrows(NullPointerException.class, () -> p.predict(null, 0, new float[4], 1));
        assertEquals("backend", e.getMessage());
        e = assertThrows(NullPointerException.class, () -> p.predict(be, 0, null, 1));
        assertEquals("x", e.getMessage());
    }

    /**
     * A closed CPU backend refused only its parallel work: a Predictor (and Trainer, Evaluator)
     * kept computing on it after close(), while the CUDA backend refuses every call, so code that
     * worked on the CPU failed on a GPU.
     */
    @Test
    void aClosedCpuBackendRefusesEveryOperation() {
        Predictor p = new Predictor(modelFor(List.of(new TaskHead("a", Loss.SQUARED, 1)), 4), Map.of());
        CpuBackend closed = new CpuBackend(1);
        float[] x = TestData.gaussian(rnd, 8, 1.0);
        assertEquals(2, p.predict(closed, 0, x, 2).length);
        closed.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.predict(closed, 0, x, 2));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        float[] c = new float[4];
        List<org.junit.jupiter.api.function.Executable> ops = List.of(
                () -> closed.gemm(false, false, 2, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, c, 0, 2),
                () -> closed.gram(x, 4, 2, false, c),
                () -> closed.biasActivation(Activation.RELU, x, 4, 2, new float[2], new float[8]),
                () -> closed.activationBackward(Activation.RELU, x, x, new float[8], 8),
                () -> closed.lossAndGradient(Loss.SQUARED, x, 8, 1, x, 1f, new float[8]),
                () -> closed.columnSums(x, 4, 2, c, false),
                () -> closed.gatherRows(x, 2, new int[] {1, 0}, 0, 2, c),
                () -> closed.sgdMomentum(c, c, new float[4], 4, 0.1f, 0.9f, 0f),
                () -> closed.adam(c, c, new float[4], new float[4], 4, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, 1),
                () -> closed.symmetricEigen(new float[] {2, 0, 0, 1}, 2, new float[2], new float[4]));
        for (org.junit.jupiter.api.function.Executable op : ops) {
            assertThrows(IllegalStateException.class, op);
        }
    }

    /**
     * MtlExperiment.run trained a start model of another width (or activation, or bias) than
     * its configuration as it was, beside STL baselines and a reweighted model built from the
     * configuration: an MTL column of r = 3 next to baselines of r = 1, without a word. (mtl
     * train --resume sets the configuration from the saved model, so it always matched.)
     */
    @Test
    void aStartModelOfAnotherArchitectureIsRefused() {
        List<PreparedTask> tasks = prepared(classes("c", 60, 6, 3), regression("r", 50, 6));
        ExperimentConfig cfg = ExperimentConfig.defaults(1).withTrain(TrainConfig.defaults(seed).withEpochs(1))
                .withStlBaselines(false);
        MtlModel wide = modelFor(List.of(tasks.get(0).head(), tasks.get(1).head()), 6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MtlExperiment(be, cfg).run(tasks, wide));
        assertTrue(e.getMessage().contains("r = 2") && e.getMessage().contains("r = 1"), e.getMessage());
        MtlModel linear = new MtlModel(6, 1, Activation.IDENTITY, true, List.of(tasks.get(0).head(), tasks.get(1).head()));
        linear.initialize(3);
        assertThrows(IllegalArgumentException.class, () -> new MtlExperiment(be, cfg).run(tasks, linear));
        assertDoesNotThrow(() -> new MtlExperiment(be, cfg.withRank(2)).run(tasks, wide));
    }

    /**
     * CovarianceSimilarity.score multiplied factors of different input dimensions as if both had
     * the first one's d: 0.74 for tasks of d = 2 and d = 3 (found calling the API); matrix(Factor[])
     * likewise.
     */
    @Test
    void similarityRefusesFactorsOfDifferentDimensions() {
        CovarianceSimilarity cs = new CovarianceSimilarity(be, 0.99);
        int m = 10 + rnd.nextInt(10);
        CovarianceSimilarity.Factor two = cs.factor(TestData.gaussian(rnd, m * 2, 1.0), m, 2);
        CovarianceSimilarity.Factor three = cs.factor(TestData.gaussian(rnd, m * 3, 1.0), m, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cs.score(two, three));
        assertTrue(e.getMessage().contains("d = 2 and d = 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cs.matrix(new CovarianceSimilarity.Factor[] {two, three}));
        // (A task's self-score is below 1 beyond rank 1; it is a score all the same.)
        double self = cs.score(two, two);
        assertTrue(self > 0 && self <= 1, "self-score " + self);
    }

    /** Task's size check said "array sizes do not match the shape", naming neither the array nor the sizes. */
    @Test
    void taskSaysWhichArrayHasTheWrongSize() {
        int m = 20 + rnd.nextInt(10);
        float[] x = TestData.gaussian(rnd, m * 3, 1.0);
        float[] y = TestData.gaussian(rnd, m, 1.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Task("a", x, m, 4, y, 1, false, "memory"));
        assertTrue(e.getMessage().contains("x has " + 3 * m + " values, not m x d = " + m + " x 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Task("a", x, m, 3, y, 2, false, "memory"));
        assertTrue(e.getMessage().contains("y has " + m + " values, not m x q = " + m + " x 2"), e.getMessage());
    }

    /**
     * A model just trained could be applied to new raw inputs only through files (save, then
     * load) or by building Predictor's extras map by hand from the preparation's arrays and
     * ModelIO's key names. ModelIO.inMemory gives what load gives after save: the same
     * predictions, bit for bit, with the class labels and the labels' units of standardised
     * regression labels.
     */
    @Test
    void aModelJustTrainedPredictsWithoutFilesAsAfterSaveAndLoad(@TempDir Path tmp) {
        int d = 4;
        Task a = classes("a", 70, d, 2);
        Task b = regression("b", 60, d);
        for (int i = 0; i < b.y().length; i++) {
            b.y()[i] = b.y()[i] * 5 + 290;
        }
        Preparation.Result prep = Preparation.prepare(new TaskSuite("t", List.of(a, b), false),
                Preparation.Config.defaults(seed).withStandardizedLabels(true));
        List<TaskHead> heads = new ArrayList<>();
        prep.tasks().forEach(t -> heads.add(t.head()));
        MtlModel model = modelFor(heads, d);
        new Trainer(be, TrainConfig.defaults(1).withEpochs(2)).train(model, prep.tasks(), null);
        Predictor mem = new Predictor(ModelIO.inMemory(model, prep));
        ModelIO.save(tmp.resolve("m"), model, prep, null);
        Predictor disk = new Predictor(ModelIO.load(tmp.resolve("m")));
        float[] x = TestData.gaussian(rnd, 9 * d, 3.0);
        for (String task : List.of("a", "b")) {
            assertTrue(java.util.Arrays.equals(disk.predict(be, disk.requireHead(task), x, 9),
                    mem.predict(be, mem.requireHead(task), x, 9)), task);
        }
        assertEquals(List.of("0", "1"), mem.classLabels(0));
        float[] level = mem.predict(be, 1, x, 9);
        assertTrue(level[0] > 200, "regression predictions in the labels' units, got " + level[0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelIO.inMemory(modelFor(List.of(heads.get(1), heads.get(0)), d), prep));
        assertTrue(e.getMessage().contains("head 0"), e.getMessage());
    }

    /**
     * Predictor.classLabels of a head index outside the model (as head("nope") gives for an unknown
     * task name) returned null, as it does for a regression head: a caller's typo read as "this
     * head has no classes". It is refused as predict refuses it; a regression head stays null.
     */
    @Test
    void classLabelsRefusesAHeadOutsideTheModel() {
        int d = 3;
        Preparation.Result prep = Preparation.prepare(new TaskSuite("t", List.of(classes("a", 60, d, 3),
                regression("b", 50, d)), false), Preparation.Config.defaults(seed));
        List<TaskHead> heads = new ArrayList<>();
        prep.tasks().forEach(t -> heads.add(t.head()));
        Predictor p = new Predictor(ModelIO.inMemory(modelFor(heads, d), prep));
        assertEquals(List.of("0", "1", "2"), p.classLabels(p.requireHead("a")));
        assertEquals(null, p.classLabels(p.requireHead("b")), "a regression head has no classes");
        for (int bad : new int[] {-1, 2, 2 + rnd.nextInt(100)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.classLabels(bad));
            assertTrue(e.getMessage().contains("no head " + bad) && e.getMessage().contains("2 heads"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> p.classLabels(p.head("nope")));
    }

    /**
     * Found by throwing bad arguments at the public API (a library trial): each was accepted
     * without a word or failed with a raw runtime exception from inside.
     */
    @Test
    void settingsAndHeadsThatCannotWorkAreRefusedWhereTheyAreMade(@TempDir Path tmp) {
        // A softmax over one class always says 1 and never learns; a null name or loss failed
        // only later (toString, a save that could not be loaded).
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TaskHead("q", Loss.SOFTMAX, 1));
        assertTrue(e.getMessage().contains("task q") && e.getMessage().contains("two or more outputs"), e.getMessage());
        NullPointerException n = assertThrows(NullPointerException.class, () -> new TaskHead(null, Loss.SQUARED, 1));
        assertTrue(n.getMessage().contains("name"), n.getMessage());
        n = assertThrows(NullPointerException.class, () -> new TaskHead("q", null, 1));
        assertTrue(n.getMessage().contains("loss"), n.getMessage());
        assertDoesNotThrow(() -> new TaskHead("q", Loss.SOFTMAX, 2));

        // Infinite weight decay passed the check (>= 0) and made the first step NaN, reported as
        // a divergence of the run rather than a bad setting.
        UserInputException u = assertThrows(UserInputException.class,
                () -> TrainConfig.defaults(seed).withWeightDecay(Float.POSITIVE_INFINITY));
        assertTrue(u.getMessage().contains("--weight-decay"), u.getMessage());

        // Probabilities of rows x c values: a size that is not rows x c read past the array (raw
        // ArrayIndexOutOfBoundsException); a null loss left the logits as they were.
        e = assertThrows(IllegalArgumentException.class, () -> Predictor.toProbabilities(Loss.SOFTMAX, new float[2], 3, 2));
        assertTrue(e.getMessage().contains("2 values") && e.getMessage().contains("3 rows x 2"), e.getMessage());
        n = assertThrows(NullPointerException.class, () -> Predictor.toProbabilities(null, new float[2], 1, 2));
        assertTrue(n.getMessage().contains("loss"), n.getMessage());

        // A negative batch size: NegativeArraySizeException: -2.
        MtlModel m = modelFor(List.of(new TaskHead("a", Loss.SQUARED, 1)), 3);
        e = assertThrows(IllegalArgumentException.class, () -> m.workspace(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());

        // Heads that are not the tasks': fewer gave "task index 1 is outside 0..0", others in
        // another order put a regression mean into a classification head's bias.
        int d = 3;
        List<PreparedTask> two = prepared(regression("a", 40, d), classes("b", 45, d, 3));
        e = assertThrows(IllegalArgumentException.class, () -> MtlExperiment.startBiasesAtLabelMeans(
                modelFor(List.of(two.get(0).head()), d), two));
        assertTrue(e.getMessage().contains("1 head") && e.getMessage().contains("2 tasks"), e.getMessage());
        MtlModel swapped = modelFor(List.of(two.get(1).head(), two.get(0).head()), d);
        e = assertThrows(IllegalArgumentException.class, () -> MtlExperiment.startBiasesAtLabelMeans(swapped, two));
        assertTrue(e.getMessage().contains("head 0"), e.getMessage());

        // A hand-made standardisation with a zero scale: every prediction NaN, without a word.
        Map<String, org.mtlalign.data.NpyArray> extras = Map.of(
                ModelIO.standardizeMeanKey(0), new org.mtlalign.data.NpyArray(new int[] {3}, new float[3], "<f4", false),
                ModelIO.standardizeScaleKey(0), new org.mtlalign.data.NpyArray(new int[] {3}, new float[] {1, 0, 1}, "<f4",
                        false));
        e = assertThrows(IllegalArgumentException.class, () -> new Predictor(m, extras).predict(be, 0, new float[3], 1));
        assertTrue(e.getMessage().contains("input 1") && e.getMessage().contains("scale 0.0"), e.getMessage());

        // Null model folders and loads: named, not "Cannot invoke Path.toAbsolutePath()".
        for (org.junit.jupiter.api.function.Executable x : List.<org.junit.jupiter.api.function.Executable>of(
                () -> ModelIO.load(null), () -> ModelIO.checkTarget(null),
                () -> ModelIO.save(null, m, new JsonObject(), null), () -> new Predictor((ModelIO.Loaded) null))) {
            n = assertThrows(NullPointerException.class, x);
            assertFalse(n.getMessage().startsWith("Cannot"), n.getMessage());
        }
    }

    /**
     * Prepared tasks put together by hand from two preparations of different d: MtlExperiment.run
     * failed with a message about Algorithm 2's arrays, TransferExperiment.run with an
     * ArrayIndexOutOfBoundsException, newModel and TrainingRows.of took the first task's d without
     * a word; newModel of no tasks and a transfer target outside the list were index errors, and a
     * null entry a NullPointerException naming nothing (found in a library trial).
     */
    @Test
    void taskListsOfMixedWidthsEmptyOrWithNullEntriesAreRefusedWhereTheyArePassed() {
        int d = 4 + rnd.nextInt(4);
        List<PreparedTask> wide = prepared(regression("a", 41 + rnd.nextInt(20), d));
        List<PreparedTask> narrow = prepared(classes("b", 43 + rnd.nextInt(20), d - 1, 2));
        List<PreparedTask> mixed = List.of(wide.get(0), narrow.get(0));
        ExperimentConfig cfg = ExperimentConfig.defaults(1).withTrain(TrainConfig.defaults(seed).withEpochs(1));
        List<org.junit.jupiter.api.function.Executable> calls = List.of(
                () -> new MtlExperiment(be, cfg).run(mixed, null),
                () -> new MtlExperiment(be, cfg).newModel(mixed),
                () -> new MtlExperiment(be, cfg).reweightAlpha(mixed),
                () -> new PairwiseTransfer(be, cfg).run(mixed, null, null),
                () -> new TransferExperiment(be, cfg).run(mixed, 0),
                () -> new TransferExperiment(be, cfg).run(mixed, 1),
                () -> TrainingRows.of(mixed));
        for (org.junit.jupiter.api.function.Executable call : calls) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
            assertTrue(e.getMessage().contains("task 'b' has d = " + (d - 1)) && e.getMessage().contains("d = " + d),
                    e.getMessage());
        }
        List<PreparedTask> withNull = java.util.Arrays.asList(wide.get(0), null);
        for (org.junit.jupiter.api.function.Executable call : List.<org.junit.jupiter.api.function.Executable>of(
                () -> new MtlExperiment(be, cfg).run(withNull, null),
                () -> new MtlExperiment(be, cfg).newModel(withNull),
                () -> new Trainer(be, cfg.train()).train(new MtlExperiment(be, cfg).newModel(wide),
                        java.util.Arrays.asList((PreparedTask) null), null),
                () -> TrainingRows.of(withNull))) {
            NullPointerException e = assertThrows(NullPointerException.class, call);
            assertTrue(e.getMessage() != null && e.getMessage().matches("task [01] of the list is null"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MtlExperiment(be, cfg).newModel(List.of()));
        assertTrue(e.getMessage().contains("no tasks"), e.getMessage());
        List<PreparedTask> two = prepared(regression("a", 40, d), regression("c", 45, d));
        for (int target : new int[] {-1, 2}) {
            e = assertThrows(IllegalArgumentException.class, () -> new TransferExperiment(be, cfg).run(two, target));
            assertTrue(e.getMessage().contains("target " + target), e.getMessage());
        }
        assertEquals(d, new MtlExperiment(be, cfg).newModel(two).inputDim());
    }

    /**
     * Heads of one kind and width in another order than the tasks (or a start model with another
     * task's head) passed Trainer's kind and width checks and trained head 'a' on task 'b''s data,
     * without a word (found in a library trial); mtl train --resume compared the heads already.
     */
    @Test
    void headsInAnotherOrderThanTheTasksAreRefused() {
        int d = 3 + rnd.nextInt(5);
        List<PreparedTask> tasks = prepared(regression("a", 40 + rnd.nextInt(9), d), regression("b", 43, d),
                regression("c", 37, d));
        ExperimentConfig cfg = ExperimentConfig.defaults(1).withTrain(TrainConfig.defaults(seed).withEpochs(1))
                .withStlBaselines(false);
        MtlModel abc = new MtlExperiment(be, cfg).newModel(tasks);
        List<PreparedTask> swapped = List.of(tasks.get(1), tasks.get(0), tasks.get(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(be, cfg.train()).train(abc.copy(), swapped, null));
        assertTrue(e.getMessage().contains("task 'b' (0)") && e.getMessage().contains("tasks' order"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MtlExperiment(be, cfg).run(swapped, abc.copy()));
        assertTrue(e.getMessage().contains("head 0"), e.getMessage());
        // Another task of the same kind in place of 'c': no head is named 'x', so only run's check sees it.
        List<PreparedTask> other = List.of(tasks.get(0), tasks.get(1), prepared(regression("x", 39, d)).get(0));
        e = assertThrows(IllegalArgumentException.class, () -> new MtlExperiment(be, cfg).run(other, abc.copy()));
        assertTrue(e.getMessage().contains("head 2") && e.getMessage().contains("x ("), e.getMessage());
        assertDoesNotThrow(() -> new MtlExperiment(be, cfg).run(tasks, abc.copy()));
        // A hand-built model whose heads carry other names than the tasks still trains by position.
        MtlModel own = modelFor(List.of(new TaskHead("h0", Loss.SQUARED, 1), new TaskHead("h1", Loss.SQUARED, 1),
                new TaskHead("h2", Loss.SQUARED, 1)), d);
        assertDoesNotThrow(() -> new Trainer(be, cfg.train()).train(own, tasks, null));
    }

    /** Evaluator.weightedLoss with fewer weights than tasks was an ArrayIndexOutOfBoundsException (found in a library trial). */
    @Test
    void weightedLossNeedsOneTaskAndWeightPerHead() {
        int d = 3 + rnd.nextInt(4);
        List<PreparedTask> tasks = prepared(regression("a", 40 + rnd.nextInt(9), d), classes("b", 45, d, 3));
        MtlModel m = new MtlExperiment(be, ExperimentConfig.defaults(1)).newModel(tasks);
        Evaluator ev = new Evaluator(be);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ev.weightedLoss(m, tasks, new float[] {1}, true));
        assertTrue(e.getMessage().contains("1 weights"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ev.weightedLoss(m, tasks.subList(0, 1), null, true));
        double both = ev.weightedLoss(m, tasks, null, true);
        double first = ev.weightedLoss(m, tasks, new float[] {1, 0}, true);
        double second = ev.weightedLoss(m, tasks, new float[] {0, 1}, true);
        assertEquals(both, first + second, 1e-9 * Math.abs(both));
    }

    /**
     * MtlExperiment.align under a configuration without alignment (AlignMode.NONE) trained B with
     * R_i and the heads, as JOINT does, without a word (found in a library trial), as reweightAlpha
     * without a reweighting variant computed one before it was refused.
     */
    @Test
    void alignRefusesAConfigurationWithoutAlignment() {
        int d = 3 + rnd.nextInt(4);
        List<PreparedTask> tasks = prepared(regression("a", 40 + rnd.nextInt(9), d), regression("b", 45, d));
        ExperimentConfig none = config();  // AlignMode.NONE
        MtlModel m = new MtlExperiment(be, none).newModel(tasks);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new MtlExperiment(be, none).align(m, tasks));
        assertTrue(e.getMessage().contains("withAlignment"), e.getMessage());
        float[] before = m.shared().value().clone();
        MtlModel fixed = new MtlExperiment(be, none.withAlignment(ExperimentConfig.AlignMode.FIXED_B)).align(m, tasks);
        assertTrue(fixed.hasAlignment() && java.util.Arrays.equals(before, fixed.shared().value()));
        assertFalse(m.hasAlignment());
    }

    /**
     * Null listeners (MtlExperiment.log, onMtlTrained, onMtlEpoch; Trainer.onEpoch;
     * TransferExperiment.log) failed as NullPointerExceptions naming a field, some only after a
     * training had run; null now means nothing, as for Backends.select's notice. A negative
     * scratchEpochs was read as 0, and TransferExperiment took a null backend or configuration
     * (found in a library trial).
     */
    @Test
    void nullListenersMeanNothingAndNegativeScratchEpochsAreRefused() {
        int d = 3 + rnd.nextInt(4);
        List<PreparedTask> tasks = prepared(regression("a", 40 + rnd.nextInt(9), d), regression("b", 45, d));
        ExperimentConfig cfg = ExperimentConfig.defaults(1).withTrain(TrainConfig.defaults(seed).withEpochs(2));
        ExperimentResult quiet = new MtlExperiment(be, cfg).log(null).onMtlTrained(null).onMtlEpoch(null).run(tasks, null);
        assertEquals(new MtlExperiment(be, cfg).run(tasks, null).tasks(), quiet.tasks());
        assertEquals(2, new Trainer(be, cfg.train()).onEpoch(null).train(new MtlExperiment(be, cfg).newModel(tasks), tasks,
                null).epochsRun());
        assertTrue(Double.isFinite(new TransferExperiment(be, cfg).log(null).run(tasks, 0).stl()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MtlExperiment(be, cfg).scratchEpochs(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        NullPointerException n = assertThrows(NullPointerException.class, () -> new TransferExperiment(null, cfg));
        assertEquals("backend", n.getMessage());
        n = assertThrows(NullPointerException.class, () -> new TransferExperiment(be, null));
        assertEquals("cfg", n.getMessage());
    }

    /**
     * alignedModel() and reweightedModel() kept the previous run's models when a later run on the
     * same experiment had none (one task: no reweighting), models with the other run's heads
     * (found in a library trial).
     */
    @Test
    void aRunWithoutAReweightedModelDoesNotReportThePreviousRunsOne() {
        int d = 3 + rnd.nextInt(4);
        List<PreparedTask> two = prepared(regression("a", 40 + rnd.nextInt(9), d), regression("b", 45, d));
        List<PreparedTask> one = prepared(regression("c", 41, d));
        MtlExperiment exp = new MtlExperiment(be, ExperimentConfig.defaults(1)
                .withTrain(TrainConfig.defaults(seed).withEpochs(2)).withStlBaselines(false));
        exp.run(two, null);
        assertEquals(2, exp.reweightedModel().taskCount());
        exp.run(one, null);
        assertEquals(null, exp.reweightedModel());
        assertEquals(List.of(one.get(0).head()), exp.alignedModel().heads());
        assertEquals(List.of(one.get(0).head()), exp.mtlModel().heads());
    }
}
