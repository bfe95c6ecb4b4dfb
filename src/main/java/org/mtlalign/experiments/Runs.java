package org.mtlalign.experiments;

import java.util.List;
import org.mtlalign.backend.Backend;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.model.Activation;
import org.mtlalign.model.MtlModel;
import org.mtlalign.train.Evaluator;
import org.mtlalign.train.ExperimentConfig;
import org.mtlalign.train.MtlExperiment;
import org.mtlalign.train.TrainConfig;
import org.mtlalign.train.Trainer;

/** Small building blocks the experiments share: prepare, train, score. */
public final class Runs {
    private Runs() {
    }

    /** Splits 60/20/20 with the given seed and the given standardisation. */
    public static List<PreparedTask> prepare(TaskSuite suite, long seed, Preparation.Standardize std) {
        return Preparation.prepare(suite, new Preparation.Config(0.2, 0.2, seed, null, std)).tasks();
    }

    /** An experiment configuration without the extra runs (no STL, no alignment, no reweighting). */
    public static ExperimentConfig config(int r, Activation g, boolean bias, TrainConfig tc) {
        return new ExperimentConfig(r, g, bias, tc, ExperimentConfig.AlignMode.NONE, null, 0, 0.99, false);
    }

    /** Trains a fresh model of width r on the tasks (with optional weights) and returns it. */
    public static MtlModel train(Backend be, List<PreparedTask> tasks, int r, Activation g, boolean bias, TrainConfig tc,
                                 float[] weights) {
        MtlExperiment e = new MtlExperiment(be, config(r, g, bias, tc));
        MtlModel m = e.newModel(tasks);
        new Trainer(be, tc).train(m, tasks, weights);
        return m;
    }

    /** Test metric (see Loss.metricName) of head i. */
    public static double test(Backend be, MtlModel m, int i, PreparedTask t) {
        return new Evaluator(be).metrics(m, i, t, t.test().length > 0 ? t.test() : t.train()).primary();
    }

    /** Mean test metric over all heads. */
    public static double meanTest(Backend be, MtlModel m, List<PreparedTask> tasks) {
        double s = 0;
        for (int i = 0; i < tasks.size(); i++) {
            s += test(be, m, i, tasks.get(i));
        }
        return s / tasks.size();
    }

    /** Single-task models (one per task, width r) and their test metrics; trained in parallel where the backend allows. */
    public static double[] stl(Backend be, List<PreparedTask> tasks, int r, Activation g, boolean bias, TrainConfig tc) {
        double[] out = new double[tasks.size()];
        TrainConfig quiet = be.concurrency() > 1 ? tc.withProgress(false) : tc;
        be.forEachIndependent(tasks.size(), i -> {
            List<PreparedTask> one = List.of(tasks.get(i));
            out[i] = test(be, train(be, one, r, g, bias, quiet, null), 0, tasks.get(i));
        });
        return out;
    }

    public static double mean(double[] a) {
        return Stats.mean(a);
    }
}
