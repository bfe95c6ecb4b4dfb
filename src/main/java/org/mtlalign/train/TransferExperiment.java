package org.mtlalign.train;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.mtlalign.backend.Backend;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.model.MtlModel;

/**
 * The paper's transfer-learning use of Algorithm 1: learn a shared module B on the source
 * tasks, then fit the target task on top of the frozen B, once with only a new head and once
 * with a new head plus an alignment matrix R (d x d, from the identity), next to a single-task
 * model trained on the target alone.
 */
public final class TransferExperiment {
    /** The target task's test metric under each method. */
    public record Report(String target, List<String> sources, String metric, double stl, double fineTune,
                         double fineTuneAligned) {
    }

    private final Backend backend;
    private final ExperimentConfig cfg;
    private Consumer<String> log = s -> { };

    public TransferExperiment(Backend backend, ExperimentConfig cfg) {
        this.backend = backend;
        this.cfg = cfg;
    }

    public TransferExperiment log(Consumer<String> sink) {
        this.log = sink;
        return this;
    }

    public Report run(List<PreparedTask> tasks, int target) {
        if (tasks.size() < 2) {
            throw new org.mtlalign.UserInputException("--transfer-target: needs at least one source task besides the target");
        }
        MtlExperiment helper = new MtlExperiment(backend, cfg);
        List<PreparedTask> sources = new ArrayList<>(tasks);
        PreparedTask t = sources.remove(target);
        List<String> names = sources.stream().map(PreparedTask::name).toList();
        log.accept("transfer: training the shared module on " + names.size() + " source task(s)");
        MtlModel src = helper.newModel(sources);
        new Trainer(backend, cfg.train()).train(src, sources, null);

        Evaluator ev = new Evaluator(backend);
        List<PreparedTask> one = List.of(t);
        if (t.test().length == 0) {
            throw new org.mtlalign.UserInputException("--transfer-target: task '" + t.name()
                    + "' has no test rows to score the transfer on; raise --test or give more rows");
        }
        int[] testIdx = t.test();

        log.accept("transfer: single-task baseline on '" + t.name() + "'");
        MtlModel stl = helper.newModel(one);
        new Trainer(backend, cfg.train()).train(stl, one, null);

        log.accept("transfer: fine-tuning a new head on the frozen shared module");
        MtlModel ft = fromSource(helper, src, one, false);
        new Trainer(backend, cfg.train()).train(ft, one, null);

        log.accept("transfer: fine-tuning a new head plus alignment R on the frozen shared module");
        MtlModel fta = fromSource(helper, src, one, true);
        new Trainer(backend, cfg.train()).train(fta, one, null);

        return new Report(t.name(), names, t.loss().metricName(), ev.metrics(stl, 0, t, testIdx).primary(),
                ev.metrics(ft, 0, t, testIdx).primary(), ev.metrics(fta, 0, t, testIdx).primary());
    }

    private static MtlModel fromSource(MtlExperiment helper, MtlModel src, List<PreparedTask> one, boolean align) {
        MtlModel m = helper.newModel(one);
        m.shared().copyValueFrom(src.shared());
        m.shared().setTrainable(false);
        if (m.sharedBias() != null) {
            m.sharedBias().copyValueFrom(src.sharedBias());
            m.sharedBias().setTrainable(false);
        }
        if (align) {
            m.enableAlignment();
        }
        return m;
    }
}
