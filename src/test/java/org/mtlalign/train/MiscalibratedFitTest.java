package org.mtlalign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.Task;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;
import org.mtlalign.model.MtlModel;
import org.mtlalign.model.TaskHead;

/**
 * A classifier whose validation loss is no worse than the constant prediction's only because its
 * logits are huge still orders the rows: it is miscalibrated, not "learned nothing". A 4096-d
 * embedding task of 480 training rows (validation AUC 0.878, loss 0.697 against the prior's
 * 0.693) was marked '!' with "it learned nothing from the inputs".
 */
class MiscalibratedFitTest {
    private final CpuBackend be = new CpuBackend();

    /** One linear unit reading x0 with head weight {@code scale}: logit = scale * x0 (x standardised). */
    private static MtlModel reader(int d, float scale, TaskHead head) {
        MtlModel m = new MtlModel(d, 1, Activation.IDENTITY, true, List.of(head));
        m.initialize(1);
        java.util.Arrays.fill(m.shared().value(), 0f);
        m.shared().value()[0] = 1f; // B = e_0 (d x 1)
        java.util.Arrays.fill(m.sharedBias().value(), 0f);
        m.headWeight(0).value()[0] = scale;
        java.util.Arrays.fill(m.headBias(0).value(), 0f);
        return m;
    }

    private static PreparedTask binary(Random rnd, int m, int d, double noise) {
        float[] x = new float[m * d];
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) rnd.nextGaussian();
            }
            y[i] = x[i * d] + noise * rnd.nextGaussian() > 0 ? 1 : 0;
        }
        Task t = new Task("a", x, m, d, y, 1, true, "test");
        return Preparation.prepare(new TaskSuite("s", List.of(t), false), Preparation.Config.defaults(rnd.nextLong()))
                .tasks().get(0);
    }

    @Test
    void hugeLogitsThatOrderTheRowsAreMiscalibratedNotNothing() {
        Random rnd = new Random(System.nanoTime());
        int d = 2 + rnd.nextInt(6);
        int m = 601 + rnd.nextInt(200);
        PreparedTask t = binary(rnd, m, d, 0.8);
        MtlExperiment exp = new MtlExperiment(be, new ExperimentConfig(1, Activation.IDENTITY, true,
                TrainConfig.defaults(1).withEpochs(1), ExperimentConfig.AlignMode.NONE, null, 0, 0.99, false));
        Evaluator ev = new Evaluator(be);
        TaskHead head = new TaskHead("a", Loss.LOGISTIC, 1);
        int[] rows = PairwiseTransfer.scoringRows(t);
        double prior = PairwiseTransfer.priorLoss(be, t, rows);

        MtlModel sure = reader(d, 500f, head);
        // The premise: such logits cost more than the prior on the misses, yet rank the rows.
        assertTrue(ev.meanLoss(sure, 0, t, rows) > prior, "loss " + ev.meanLoss(sure, 0, t, rows) + " prior " + prior);
        assertTrue(PairwiseTransfer.ranksBeyondChance(ev, sure, 0, t, rows));
        assertEquals(MtlExperiment.MISCALIBRATED, exp.fit(ev, sure, 0, t));
        assertFalse(exp.learnedNothing(ev, sure, 0, t));

        // Logits of zero: the loss of a coin, no order: nothing.
        assertEquals(MtlExperiment.NOTHING, exp.fit(ev, reader(d, 0f, head), 0, t));
        // Moderate logits: better than the prior.
        assertEquals(MtlExperiment.LEARNED, exp.fit(ev, reader(d, 1.5f, head), 0, t));
    }

    /** The rule's threshold: AUC over 1/2 + 3 sqrt((n + 1) / (12 n1 n0)), here 80 and 80 rows: 0.63736. */
    @Test
    void theAucThresholdIsThreeNullStandardErrors() {
        int n = 160;
        float[] y = new float[n];
        for (int i = 0; i < 80; i++) {
            y[i] = 1;
        }
        double se = Math.sqrt(161.0 / (12.0 * 80 * 80));
        assertEquals(0.637358, 0.5 + 3 * se, 1e-6);
        assertTrue(PairwiseTransfer.ranksBeyondChance(Loss.LOGISTIC, auc(0.5 + 3 * se + 1e-4), y, n, 1));
        assertFalse(PairwiseTransfer.ranksBeyondChance(Loss.LOGISTIC, auc(0.5 + 3 * se - 1e-4), y, n, 1));
        // One class only: no order to judge.
        assertFalse(PairwiseTransfer.ranksBeyondChance(Loss.LOGISTIC, auc(Double.NaN), new float[n], n, 1));
        // Regression's loss is its metric: never.
        assertFalse(PairwiseTransfer.ranksBeyondChance(Loss.SQUARED, auc(1.0), y, n, 1));
    }

    /** Multi-class: accuracy over the rows' majority rate (here 0.5 of 3 classes) by 3 binomial errors. */
    @Test
    void multiClassAccuracyIsJudgedAgainstTheMajorityRate() {
        int n = 200;
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = i < 100 ? 0 : i < 150 ? 1 : 2;
        }
        double bar = 0.5 + 3 * Math.sqrt(0.25 / n);
        assertTrue(PairwiseTransfer.ranksBeyondChance(Loss.SOFTMAX, accuracy(bar + 1e-4), y, n, 3));
        assertFalse(PairwiseTransfer.ranksBeyondChance(Loss.SOFTMAX, accuracy(bar - 1e-4), y, n, 3));
        // Always the majority class: its rate exactly, not beyond it.
        assertFalse(PairwiseTransfer.ranksBeyondChance(Loss.SOFTMAX, accuracy(0.5), y, n, 3));
    }

    private static Metrics auc(double auc) {
        return new Metrics("auc", auc, Double.NaN, Double.NaN, auc, Double.NaN, Double.NaN);
    }

    private static Metrics accuracy(double acc) {
        return new Metrics("accuracy", acc, Double.NaN, acc, Double.NaN, Double.NaN, Double.NaN);
    }
}
