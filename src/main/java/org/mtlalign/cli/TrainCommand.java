package org.mtlalign.cli;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mtlalign.UserInputException;
import org.mtlalign.analysis.Capacity;
import org.mtlalign.backend.Backend;
import org.mtlalign.backend.Backends;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.model.Loss;
import org.mtlalign.model.ModelIO;
import org.mtlalign.model.MtlModel;
import org.mtlalign.train.ExperimentConfig;
import org.mtlalign.train.ExperimentResult;
import org.mtlalign.train.MtlExperiment;
import org.mtlalign.train.TaskReport;
import org.mtlalign.train.TrainingDivergedException;
import org.mtlalign.train.TransferExperiment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `mtl train`: STL baselines, MTL, MTL + alignment and MTL + reweighting, per task. */
@Command(name = "train", mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class, sortOptions = false,
        description = {"Train single-task baselines, the shared-module MTL model, MTL with covariance alignment "
                + "(Algorithm 1) and MTL with SVD task reweighting (Algorithm 2); report the test metric of every task "
                + "under each, the transfer, and the covariance similarity of every task pair.",
                "With no data options it runs the built-in demo (" + DataOptions.DEFAULT_SUITE + ", real digits data)."})
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    TrainOptions opts = new TrainOptions();

    @Mixin
    BackendOption backendOption = new BackendOption();

    @Option(names = "--json", paramLabel = "FILE", converter = Main.FileTarget.class, description = "Write all results as JSON (atomically); - (or /dev/stdout) writes it to standard output and the tables to standard error.")
    Path json;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Save the MTL model (parameters as .npy, model.json with config and provenance; not the "
                    + "aligned model: see --out-aligned); "
                    + "checkpointed during training. Under --transfer-target: the target's fine-tuned model (frozen "
                    + "B + new head). DIR must be new, empty or an earlier saved model.")
    Path out;

    @Option(names = "--out-aligned", paramLabel = "DIR",
            description = "Also save the MTL + alignment model (Algorithm 1) once its alignment phase has ended: B, "
                    + "the heads and biases it trained, and each task's R_i (R_<i>.npy, d x d), so that 'mtl predict "
                    + "--model DIR' applies it (X_i R_i enters B) and the learned R_i can be read with numpy. Not a "
                    + "model to --resume (that continues the MTL model of --out). Under --transfer-target: the "
                    + "target's model fine-tuned with alignment (frozen B, new head and R). DIR must be new, empty or an "
                    + "earlier saved model.")
    Path outAligned;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue training the MTL model saved in DIR for --epochs more epochs, with the data options "
                    + "and architecture saved there and its training options (optimizer, lr, batch, momentum, weight "
                    + "decay, sampling, patience) and models (--no-stl, --align, --reweight, --reweight-rank) unless "
                    + "given; saves back into DIR unless --out is given.")
    Path resume;

    @Option(names = "--save-split", paramLabel = "FILE", converter = Main.FileTarget.class,
            description = "Write each task's split as CSV (task,row,part: the 0-based row of the task's data, and "
                    + "train, validation or test; rows without a label are left out), to score predictions yourself.")
    Path saveSplit;

    @Option(names = "--transfer-target", paramLabel = "TASK",
            description = "Transfer mode: learn B on the other tasks, fine-tune on TASK with and without alignment.")
    String transferTarget;

    @Option(names = "--seeds", paramLabel = "N", defaultValue = "1",
            description = "Repeat the comparison over N seeds (--seed, --seed + 1, ...; each its own split, "
                    + "standardisation, initialisation and sampling, and its own draw of a synthetic --suite; all at "
                    + "one width r: --rank, or the first seed's suggestion) and report each method's mean and sd per task, "
                    + "and where MTL, alignment and reweighting were better or worse in every seed (default: 1, at most "
                    + SweepCommand.MAX_SEEDS + "). With N > 1 no model is saved.")
    int seeds;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** model.json's key for the input columns' names, when the training data had them. */
    static final String FEATURE_NAMES = "feature_names";

    // The model folders this run saves to, claimed until it ends (ModelIO.lock).
    private final List<ModelIO.FolderLock> locks = new ArrayList<>();

    private void hold(ModelIO.FolderLock lock) {
        if (lock != null) {
            locks.add(lock);
        }
    }

    @Override
    public Integer call() {
        try {
            return train();
        } finally {
            locks.forEach(ModelIO.FolderLock::close);
            locks.clear();
        }
    }

    private Integer train() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter e = spec.commandLine().getErr();
        // With --json -, standard output carries the JSON alone and the tables go to standard error.
        PrintWriter o = Outputs.isStdout(json) ? e : stdout;
        Warnings warnings = new Warnings(e);
        String[] argv = spec.commandLine().getParseResult().originalArgs().toArray(new String[0]);
        if (transferTarget != null && resume != null) {
            throw new UserInputException("--resume " + resume + ": transfer mode (--transfer-target) trains B anew on the "
                    + "sources and fine-tunes the target; it continues no saved model (drop --resume)");
        }
        SweepCommand.checkSeeds(data.seed, seeds);
        if (transferTarget != null && data.test == 0) {
            // Refused only after loading and splitting, below a 'no test rows' warning per task.
            throw new UserInputException("--test 0: transfer mode (--transfer-target) scores "
                    + "the transfer by the target's test metric, so it needs test rows (--test above 0)");
        }
        if (seeds > 1 && transferTarget != null) {
            throw new UserInputException("--seeds " + seeds + ": transfer mode (--transfer-target) runs on one seed; "
                    + "drop --seeds, and pick the seed with --seed S");
        }
        if (seeds > 1 && data.test <= 0) {
            // Every number the seeds are compared by is a test metric: all of them would be '-'.
            throw new UserInputException("--seeds " + seeds + ": compares the methods by their test metrics, so it "
                    + "needs test rows (--test above 0)");
        }
        if (seeds > 1 && (out != null || resume != null || outAligned != null)) {
            throw new UserInputException("--seeds " + seeds + ": compares the methods over seeds and saves no model; "
                    + (out != null ? "--out" : resume != null ? "--resume" : "--out-aligned") + " works on one seed "
                    + "(drop --seeds, and pick the seed with --seed S)");
        }
        if (saveSplit != null) {
            if (seeds > 1) {
                throw new UserInputException("--save-split: writes one seed's split; with --seeds " + seeds + " each seed "
                        + "has its own (drop --seeds, and pick the seed with --seed S)");
            }
            if (Outputs.isStdout(saveSplit)) {
                // '-' is standard output to --json and predict --out, but here it wrote a file named
                // '-' in the working folder, and /dev/stdout put the split's rows amid the tables.
                throw new UserInputException("--save-split " + saveSplit + ": the split is written to a file, not to "
                        + "standard output (which carries the tables); give a file name, e.g. --save-split split.csv");
            }
            Outputs.checkTarget(saveSplit, "--save-split");
        }
        ModelIO.Loaded resumed = null;
        int epochsBefore = 0;
        boolean optimizerChanged = false;
        boolean dataFromSaved = false;
        if (resume != null) {
            resumed = ModelIO.load(resume);
            if (resumed.json().has(TRANSFER_KEY)) {
                // Its one head and frozen B are a fine-tuning of the target, not an MTL model of the data's tasks.
                throw new UserInputException("--resume " + resume + ": holds a model fine-tuned by transfer mode "
                        + "(--transfer-target), which is not resumed; mtl predict --model " + resume + " applies it");
            }
            if (resumed.model().hasAlignment()) {
                // Resumed, its R_i would train along with B as if they were the MTL model's, and
                // the alignment phase would then start again from R_i = I.
                throw new UserInputException("--resume " + resume + ": holds an MTL + alignment model (R_i, saved by "
                        + "--out-aligned), which is not resumed; --resume continues the MTL model saved by --out");
            }
            DataOptions saved;
            try {
                saved = dataFromSavedModel(resumed.json(), resume);
                optimizerChanged = restoreTrainOptions(resumed.json());
                if (resumed.json().has("epochs_done") && resumed.json().get("epochs_done").isJsonPrimitive()) {
                    epochsBefore = Math.max(0, resumed.json().get("epochs_done").getAsInt());
                }
            } catch (UserInputException ex) {
                throw ex;
            } catch (RuntimeException ex) {
                throw damagedModelJson(resume, ex);
            }
            if (data.noneGiven()) {
                // Options given again with their saved values are fine; changed ones are not.
                List<String> given = matchedOptions(spec.mixins().get("data"));
                List<String> changed = new ArrayList<>();
                for (String d : data.preparationDifferences(saved)) {
                    if (given.contains(d.substring(0, d.indexOf(' ')))) {
                        changed.add(d);
                    }
                }
                if (given.contains("--names") && !data.names.equals(saved.names)) {
                    changed.add("--names " + String.join(",", data.names) + " (saved: " + String.join(",", saved.names) + ")");
                }
                if (!changed.isEmpty()) {
                    throw new UserInputException("--resume " + resume + ": the data options saved with the model are "
                            + "reused and cannot change: " + String.join(", ", changed)
                            + " (start a new run without --resume to change them)");
                }
                data = saved;
                dataFromSaved = true;
            } else {
                // The data may be given again (moved files), but the split, labels and
                // standardisation must be the model's, or it would be scored on rows it trained on.
                List<String> diff = data.preparationDifferences(saved);
                if (!diff.isEmpty()) {
                    throw new UserInputException("--resume " + resume + ": the model was trained with other data options: "
                            + String.join(", ", diff) + "; resume with the saved ones or start a new run");
                }
            }
            // Architecture and training options come from the saved model unless given.
            if (!matched("--activation")) {
                opts.activation = resumed.model().activation().cliName();
            }
            if (!matched("--no-bias")) {
                opts.noBias = !resumed.model().hasBias();
            }
        }
        // Checked before any training, so a long run is not refused at its end. A resumed run
        // saves back into its folder unless --out names another.
        Path saveTo = out != null ? out : resume;
        if (saveTo != null) {
            ModelIO.checkTarget(saveTo);
            Outputs.checkNotInput(saveTo, out != null ? "--out" : "--resume", data.inputs());
            if (out != null && !out.equals(resume) && Files.isRegularFile(out.resolve(ModelIO.MODEL_JSON))) {
                // --resume refuses an aligned model: pointing there would only lead to a refusal.
                e.println("note: --out " + out + (transferTarget != null ? " holds a saved model; it will be replaced"
                        : holdsAlignedModel(out)
                        ? " holds an MTL + alignment model (saved by --out-aligned); the MTL model will replace it"
                        : " holds a saved model; it will be replaced (use --resume to continue it)"));
            }
        }
        if (outAligned != null) {
            if (opts.align.equalsIgnoreCase("none") && transferTarget == null) {
                throw new UserInputException("--out-aligned " + outAligned + ": saves the MTL + alignment model, which "
                        + "--align none does not train; use --align fixed-b or joint");
            }
            Path a = outAligned.toAbsolutePath().normalize();
            Path m = saveTo == null ? null : saveTo.toAbsolutePath().normalize();
            if (m != null && a.equals(m)) {
                throw new UserInputException("--out-aligned " + outAligned + ": is also where the MTL model is saved ("
                        + (out != null ? "--out" : "--resume") + "); give the aligned model its own folder");
            }
            if (resume != null && a.equals(resume.toAbsolutePath().normalize())) {
                throw new UserInputException("--out-aligned " + outAligned + ": is the folder of the model --resume "
                        + "continues, which the aligned model would replace; give the aligned model its own folder");
            }
            for (Path other : new Path[] {out, resume}) {
                Path n = other == null ? null : other.toAbsolutePath().normalize();
                if (n != null && !a.equals(n) && (a.startsWith(n) || n.startsWith(a))) {
                    // Either save would find the other model in its folder: the aligned save, last,
                    // refused after the whole run (a folder that is not empty and holds no model),
                    // or the MTL folder could no longer be replaced by a later --out.
                    throw new UserInputException("--out-aligned " + outAligned + " and " + (other == out ? "--out "
                            : "--resume ") + other + ": one folder is inside the other, and each save replaces its "
                            + "whole folder; give the two models folders side by side");
                }
            }
            ModelIO.checkTarget(outAligned);
            Outputs.checkNotInput(outAligned, "--out-aligned", data.inputs());
            if (Files.isRegularFile(outAligned.resolve(ModelIO.MODEL_JSON))) {
                e.println("note: --out-aligned " + outAligned + " holds a saved model; it will be replaced");
            }
        }
        if (saveSplit != null) {
            Outputs.checkNotInput(saveSplit, "--save-split", data.inputs());
            checkNotInModelFolder(saveSplit, "--save-split", outAligned);
            checkNotInModelFolder(saveSplit, "--save-split", saveTo);
            // The JSON, written last, would replace the split (or mix into it on standard output).
            if (json != null && (Outputs.isStdout(json) ? Outputs.isStdout(saveSplit)
                    : json.toAbsolutePath().normalize().equals(saveSplit.toAbsolutePath().normalize()))) {
                throw new UserInputException("--save-split " + saveSplit + ": is also the --json target " + json
                        + "; write the split to another file");
            }
        }
        if (json != null && !Outputs.isStdout(json)) {
            Outputs.checkTarget(json, "--json");
            Outputs.checkNotInput(json, "--json", data.inputs());
            checkNotInModelFolder(json, "--json", saveTo);
            checkNotInModelFolder(json, "--json", outAligned);
        }
        // Claimed once the options have passed their checks, so a refused run creates nothing.
        if (saveTo != null) {
            hold(ModelIO.lock(saveTo, out != null ? "--out" : "--resume"));
        }
        if (outAligned != null) {
            hold(ModelIO.lock(outAligned, "--out-aligned"));
        }
        // Option values are checked before the (possibly long) data loading; r against d later.
        opts.experimentConfig(opts.rank != null && opts.rank >= 1 ? opts.rank : 1, data.seed);
        opts.withoutEffect(spec.commandLine().getParseResult(), transferTarget != null).forEach(n -> e.println("note: " + n));
        if (opts.rank != null && opts.rank < 1) {
            throw new UserInputException("--rank: must be >= 1, got " + opts.rank);
        }
        if (resumed != null && opts.rank != null && opts.rank != resumed.model().rank()) {
            throw new UserInputException("--resume " + resume + ": the saved model has r = " + resumed.model().rank()
                    + "; pass the same --rank or leave it out");
        }
        // The backend's notice waits for the data: a file error is then the one line printed.
        List<String> notices = new ArrayList<>();
        Backend backend = backendOption.select(notices::add);
        TaskSuite suite;
        try {
            suite = data.load(e);
            notices.forEach(e::println);
            data.warnAboutInputs(suite, warnings);
        } catch (UserInputException ex) {
            if (!dataFromSaved) {
                throw ex;
            }
            throw new UserInputException("--resume " + resume + ": the data recorded with the model cannot be read ("
                    + ex.getMessage() + "); if the files moved, give the data options again (" + String.join(" ",
                    data.toArgs().subList(0, Math.min(2, data.toArgs().size()))) + " ...)", ex);
        }
        if (transferTarget != null && suite.tasks().stream().noneMatch(t -> t.name().equals(transferTarget))) {
            // Checked as soon as the names are known, as --loss and --positive are: it was checked
            // after the split, the task table and the capacity's ridge fits.
            List<String> names = suite.tasks().stream().map(org.mtlalign.data.Task::name).toList();
            // mtl pairs --target takes a list; this option was said to have no such task.
            boolean list = transferTarget.contains(",")
                    && java.util.Arrays.stream(transferTarget.split(",", -1)).allMatch(names::contains);
            throw new UserInputException("--transfer-target: " + (list ? "takes one task, got '" + transferTarget
                    + "'; run once per target" : "no task named '" + transferTarget + "' (tasks: "
                    + String.join(", ", names) + ")"));
        }
        if (transferTarget != null && suite.tasks().size() < 2) {
            // As the unknown name: it was refused after the split, the task table and the width's ridge fits.
            throw new UserInputException("--transfer-target: needs at least one source task besides the target '"
                    + transferTarget + "'");
        }
        if (data.noneGiven() && resume == null) {
            e.println("no data given: running the built-in demo (--suite " + DataOptions.DEFAULT_SUITE
                    + ", UCI handwritten digits)");
        }
        Preparation.Config prepCfg = data.preparation();
        // Further seeds prepare the loaded data again, so only a single seed may standardise it in place.
        Preparation.Result prep = seeds > 1 ? Preparation.prepare(suite, prepCfg) : data.prepareOnce(suite, prepCfg);
        List<PreparedTask> tasks = prep.tasks();
        transferWarnings(prep.warnings(), tasks).forEach(warnings::add);
        int d = suite.dim();
        String suiteName = suite.name();
        String[] featureNames = org.mtlalign.data.FeatureNames.common(suite);
        boolean sharedInputs = suite.sharedInputs();
        // From here on only the prepared (standardised) inputs are needed. With one seed the files'
        // arrays were standardised in place, so they are the prepared ones; with several, the
        // loaded arrays are kept for the further seeds' preparations.
        TaskSuite forSeeds = seeds > 1 ? suite : null;
        suite = null;
        o.printf(Locale.ROOT, "mtl-align %s | %s | suite '%s': %d task%s, d = %d%s | seed%s %s%n",
                org.mtlalign.Version.get(), backend.description(), suiteName, tasks.size(), tasks.size() == 1 ? "" : "s", d,
                sharedInputs ? ", shared inputs" : "", seeds > 1 ? "s" : "", SweepCommand.seedList(data.seed, seeds));
        int nameWidth = Tables.nameWidth(tasks.stream().map(PreparedTask::name).toList());
        for (PreparedTask t : tasks) {
            o.printf(Locale.ROOT, "  task %-" + nameWidth + "s %s; rows train %d / val %d / test %d%n", t.name(),
                    t.labels().reason(), t.train().length, t.validation().length, t.test().length);
        }
        splitWarnings(tasks, prepCfg).forEach(warnings::add);
        if (saveSplit != null) {
            Outputs.writeAtomically(saveSplit, splitCsv(tasks), "--save-split");
            e.println("wrote the split of " + tasks.size() + (tasks.size() == 1 ? " task" : " tasks") + " to " + saveSplit);
        }

        if (resumed != null) {
            // Before the width is checked against d: data of another d (or task count) is the
            // problem to name, not the saved width that no longer fits it.
            checkShape(resumed.model(), tasks, resume);
        }
        if (opts.reweightRank > 0 && transferTarget == null && tasks.size() > 1
                && !opts.reweight.equalsIgnoreCase("none")) {
            // Its bound (d and the label columns) before the width is chosen: it was checked only when
            // Algorithm 2 ran, after the capacity's ridge fits had chosen the width.
            org.mtlalign.analysis.SvdReweighting.rank(opts.reweightRank, 1, tasks.size(), d,
                    tasks.stream().mapToInt(t -> t.labels().outputs()).sum());
        }
        int r;
        String rWhy;
        Capacity.Suggestion suggestion = null;  // reused by the experiment's capacity report
        if (opts.rank != null) {
            r = opts.rank;
            rWhy = "--rank";
        } else if (resumed != null) {
            r = resumed.model().rank();
            rWhy = "from " + resume;
        } else {
            // Seconds at k = 40, d = 768 with nothing printed: say what runs.
            e.println("  .. choosing the width r: ridge fits of " + tasks.size() + " task" + (tasks.size() == 1 ? "" : "s")
                    + " (5 folds each) and their held-out error by width (--rank skips this)");
            e.flush();
            suggestion = suggestCapacity(backend, tasks);
            r = Math.min(d, suggestion.suggestedRank());
            rWhy = "suggested capacity; set --rank to override";
        }
        if (r < 1 || r > d) {
            throw new UserInputException("--rank: r must be in 1..d = 1.." + d + ", got " + r);
        }
        o.printf(Locale.ROOT, "shared module: r = %d (%s), activation %s%s%n", r, rWhy, opts.activation,
                opts.noBias ? ", no biases" : "");
        // Under --transfer-target only the other tasks train together (the target is fine-tuned
        // alone), so they alone decide --sampling auto: a small target beside equal sources made it
        // proportional, saying the task sizes differed by the target's.
        String samplingWhy = opts.chooseSampling(transferTarget == null ? tasks
                : tasks.stream().filter(t -> !t.name().equals(transferTarget)).toList());
        if (samplingFromModel) {
            samplingWhy = opts.sampling + " (recorded in " + resume + ")";
        }
        o.printf(Locale.ROOT, "sampling: %s%n", samplingWhy);
        ExperimentConfig cfg = opts.experimentConfig(r, data.seed);

        noBiasOffsetWarnings(tasks, opts.noBias).forEach(warnings::add);
        if (transferTarget != null) {
            return transfer(o, e, warnings, backend, cfg, prep, argv, rankSource(rWhy), suiteName, sharedInputs,
                    featureNames);
        }
        String sizes = sizeWarning(tasks, cfg.train());
        if (sizes != null) {
            warnings.add(sizes);
        }
        if (cfg.reweight() != null && tasks.size() > 1) {
            String noisy = noisyThetaWarning(backend, tasks, cfg);
            if (noisy != null) {
                warnings.add(noisy);
            }
        }
        if (seeds > 1) {
            if (tasks.stream().anyMatch(t -> t.test().length == 0)) {
                e.println("note: a task without test rows (too few rows for --test) has no test metric to compare over seeds");
            }
            return TrainSeeds.run(new TrainSeeds.Setup(o, e, stdout, warnings, backend, opts, data, forSeeds, prepCfg,
                    tasks, r, rankSource(rWhy), suggestion, seeds, json, configJson(cfg, prepCfg, tasks), argv, suiteName,
                    sharedInputs, progressLog(e, cfg)));
        }

        // A CRC over all the data: only worth it when a model is saved or resumed.
        JsonArray fingerprint = saveTo != null ? dataFingerprint(tasks) : null;
        MtlModel start = null;
        if (resumed != null) {
            start = checkCompatible(resumed.model(), tasks, cfg, resume);
            try {
                checkSameData(resumed.json(), fingerprint, resume);
            } catch (UserInputException ex) {
                throw ex;
            } catch (RuntimeException ex) {
                // A data_fingerprint entry that is not the object saved (-1, null): was an internal error.
                throw damagedModelJson(resume, ex);
            }
            if (optimizerChanged) {
                // The other optimizer's state means nothing to this one (SGD's velocity is not
                // Adam's first moment): start it afresh.
                for (org.mtlalign.model.Tensor p : start.parameters()) {
                    p.resetOptimizerState();
                }
                e.println("note: --optimizer " + opts.optimizer + " differs from the saved model's; its optimiser "
                        + "state starts afresh");
            }
            if (epochsBefore > 0 && cfg.runStl()) {
                e.println("note: the resumed MTL model has trained " + epochsBefore + " + up to " + cfg.train().epochs()
                        + " epochs; the baselines and the reweighted model get the same total cap ("
                        + totalEpochs(epochsBefore, cfg) + " epochs) so the comparison is like for like");
            }
        }
        MtlExperiment exp = new MtlExperiment(backend, cfg)
                .alignLearningRateFactor(opts.alignLrFactor(tasks.get(0).dim()))
                .capacity(suggestion).log(progressLog(e, cfg));
        if (resumed != null && epochsBefore > 0) {
            exp.scratchEpochs(totalEpochs(epochsBefore, cfg));
        }
        JsonObject meta = modelJsonHeader(backend, argv, cfg, prepCfg, tasks, featureNames);
        if (fingerprint != null) {
            meta.add("data_fingerprint", fingerprint);
        }
        // Each save records the standardisation and the label value of each class index, so that
        // `mtl predict` applies the model to raw inputs and names its columns.
        int[] epochsRun = {0};
        // Epochs done in the last checkpoint written, for the message if the run is interrupted.
        java.util.concurrent.atomic.AtomicReference<String> onDisk = new java.util.concurrent.atomic.AtomicReference<>();
        // The save in progress: its description and model.json's time before it. A run stopped
        // after the save's rename but before onDisk was set said "nothing new was saved".
        java.util.concurrent.atomic.AtomicReference<Object[]> saving = new java.util.concurrent.atomic.AtomicReference<>();
        boolean hadModelBefore = saveTo != null && Files.isRegularFile(saveTo.resolve(ModelIO.MODEL_JSON));
        Checkpoints checkpoints = new Checkpoints(saveTo, warnings, hadModelBefore, onDisk);
        if (saveTo != null) {
            JsonObject m = meta;
            int before = epochsBefore;
            // Saving fsyncs every file, so checkpoints are throttled to one per 10 s (plus the
            // first epoch); the final model is always saved below.
            long[] lastSave = {Long.MIN_VALUE};
            exp.onMtlEpoch((model, epoch) -> {
                epochsRun[0] = epoch;
                long now = System.nanoTime();
                if (lastSave[0] != Long.MIN_VALUE && now - lastSave[0] < 10_000_000_000L) {
                    return;
                }
                lastSave[0] = now;
                m.addProperty("epochs_done", before + epoch);
                m.addProperty("status", "checkpoint");
                String what = "the MTL model's checkpoint after " + (before + epoch) + " epoch"
                        + (before + epoch == 1 ? "" : "s") + ": continue it with mtl train --resume " + saveTo;
                saving.set(new Object[] {what, modelTime(saveTo)});
                checkpoints.save(what, before + epoch, () -> saveModel(saveTo, model, prep, m));
            });
        }
        if (saveTo != null) {
            // Saved as soon as MTL has trained: alignment, reweighting and the baselines may
            // take as long again, and an interrupted run should not lose it.
            int before = epochsBefore;
            exp.onMtlTrained(model -> {
                meta.addProperty("epochs_done", before + epochsRun[0]);
                meta.addProperty("status", "trained (the other methods were still running)");
                String what = "the trained MTL model (" + (before + epochsRun[0]) + " epochs; the other methods had not "
                        + "finished): mtl predict --model " + saveTo + " applies it, mtl train --resume " + saveTo
                        + " trains it further";
                saving.set(new Object[] {what, modelTime(saveTo)});
                checkpoints.save(what, before + epochsRun[0], () -> saveModel(saveTo, model, prep, meta));
            });
        }
        // Ctrl-C (or a kill) ends the JVM without a word from the trainer: say what is on disk.
        String pendingJson = Outputs.pendingJson(json, "they have ended");
        Thread interrupted = Outputs.onInterrupt(() -> {
            if (saveTo == null) {
                // Without --out a stopped run ended on a progress line (exit 130 or 143): a batch
                // log could not tell it from a crash, nor whether --json had been written.
                e.println();
                e.println("mtl: interrupted during the trainings; nothing was saved" + pendingJson
                        + "; --out DIR checkpoints the MTL model while it trains");
                e.flush();
                return;
            }
            String what = onDisk.get();
            Object[] last = saving.get();
            if (last != null && !java.util.Objects.equals(last[1], modelTime(saveTo))) {
                what = (String) last[0];  // that save's rename landed
            }
            e.println();
            e.println(what != null ? "mtl: interrupted; " + saveTo + " holds " + what
                    : "mtl: interrupted before the first checkpoint; nothing new was saved to " + saveTo
                            + (hadModelBefore ? ", which still holds the model it held before this run" : ""));
            e.flush();
        });
        ExperimentResult res;
        String divergedSaveError = null;
        try {
            res = exp.run(tasks, start);
        } catch (TrainingDivergedException ex) {
            Outputs.endInterruptedNote(interrupted);
            if (saveTo != null && exp.mtlModel() != null) {
                // The trainer restored the best epoch's parameters; keep those, not the last
                // (finite but possibly huge) checkpoint, and drop the optimiser state that led to
                // the divergence, so the model can be resumed with a smaller --lr.
                for (org.mtlalign.model.Tensor p : exp.mtlModel().parameters()) {
                    p.resetOptimizerState();
                }
                meta.addProperty("epochs_done", epochsBefore + epochsRun[0]);
                meta.addProperty("status", "stopped: " + ex.getMessage());
                try {
                    saveModel(saveTo, exp.mtlModel(), prep, meta);
                    e.println("saved the MTL model's last good parameters to " + saveTo + " (optimiser state reset)");
                } catch (UserInputException saveFailed) {
                    // A full disk: the divergence is still what ends the run (exit 3) and --json still
                    // says so; before, the save's error replaced both.
                    divergedSaveError = saveFailed.getMessage();
                    warnings.add("the MTL model's last good parameters were not saved: " + saveFailed.getMessage());
                }
            }
            if (json != null) {
                JsonObject root = new JsonObject();
                root.add("provenance", Outputs.provenance(backend, argv));
                root.addProperty("seed", data.seed);
                root.add("config", configJson(cfg, prepCfg, tasks));
                root.addProperty("status", "diverged");
                root.addProperty("rank_source", rankSource(rWhy));
                root.addProperty("error", ex.getMessage());
                if (divergedSaveError != null) {
                    root.addProperty("save_error", divergedSaveError);
                }
                // Which data it was: a script collecting many runs' JSON (a grid over --lr) can
                // still tell a diverged run's tasks, as every complete run's JSON says them.
                addDataIdentity(root, suiteName, sharedInputs, tasks);
                root.add("warnings", warnings.json());
                if (resume != null) {
                    root.addProperty("resumed_from", resume.toAbsolutePath().toString());
                    root.addProperty("mtl_epochs_before_resume", epochsBefore);
                }
                Outputs.writeJson(json, ModelIO.toJson(root), stdout, e, " (status diverged)");
            }
            throw ex;
        } catch (RuntimeException | Error ex) {
            Outputs.endInterruptedNote(interrupted);
            throw ex;
        }
        UserInputException finalSaveFailed = null;
        try {
            printResult(o, warnings, res, cfg, tasks, resumed != null ? epochsBefore : 0,
                    opts.alignLrFactor(tasks.get(0).dim()));
            if (saveTo != null) {
                meta.addProperty("epochs_done", epochsBefore + epochsRun[0]);
                meta.addProperty("status", "complete");
                try {
                    saveModel(saveTo, exp.mtlModel(), prep, meta);
                    o.println("saved the MTL model to " + saveTo);
                } catch (UserInputException ex) {
                    // The results above are printed; --out-aligned and --json are still written
                    // (they may be on another disk), and the exit status then says the save failed.
                    finalSaveFailed = ex;
                }
            }
            if (outAligned != null) {
                try {
                    saveAligned(o, warnings, exp, res, cfg, prep, meta, epochsBefore + epochsRun[0]);
                } catch (UserInputException ex) {
                    if (finalSaveFailed == null) {
                        finalSaveFailed = ex;
                    } else {
                        // Both saves failed (one full disk): the first is the run's error, this one a
                        // warning, and --json below is still written; before, this one replaced the
                        // first and no --json was written.
                        warnings.add("the MTL + alignment model was not saved either: " + ex.getMessage());
                    }
                }
            }
        } finally {
            // Also when the final save fails (a user error, exit 2): the run was not interrupted.
            Outputs.endInterruptedNote(interrupted);
        }
        Thread jsonNote = Outputs.jsonPendingNote(e, json, saveTo != null && finalSaveFailed == null
                ? "; " + saveTo + " holds the trained MTL model" : "");
        if (json != null) {
            JsonObject root = new JsonObject();
            root.add("provenance", Outputs.provenance(backend, argv));
            root.addProperty("seed", data.seed);
            root.add("config", configJson(cfg, prepCfg, tasks));
            // Where r came from: "--rank", "suggested capacity" or the resumed model's.
            root.addProperty("rank_source", rankSource(rWhy));
            root.addProperty("suite", suiteName);
            root.addProperty("status", "complete");
            if (finalSaveFailed != null) {
                // The trainings completed, but the exit status (2) says the model is not in --out:
                // a script reading only the JSON saw "complete" and nothing else.
                root.addProperty("save_error", finalSaveFailed.getMessage());
            }
            if (!res.divergedRuns().isEmpty()) {
                JsonArray dr = new JsonArray();
                res.divergedRuns().forEach(t -> dr.add(t.run()));
                root.add("diverged_runs", dr);
            }
            if (resume != null) {
                root.addProperty("resumed_from", resume.toAbsolutePath().toString());
                root.addProperty("mtl_epochs_before_resume", epochsBefore);
            }
            root.addProperty("shared_inputs", sharedInputs);
            Gson g = ModelIO.gson();
            JsonElement r2 = g.toJsonTree(res);
            for (Map.Entry<String, JsonElement> en : r2.getAsJsonObject().entrySet()) {
                root.add(en.getKey(), en.getValue());
            }
            JsonArray names = new JsonArray();
            tasks.forEach(t -> names.add(t.name()));
            root.add("task_names", names);
            root.add("warnings", warnings.json());
            Outputs.writeJson(json, ModelIO.toJson(root), stdout, o, "");
            Outputs.endInterruptedNote(jsonNote);
        }
        if (finalSaveFailed != null) {
            throw finalSaveFailed;
        }
        List<ExperimentResult.Training> diverged = res.divergedRuns();
        if (!diverged.isEmpty()) {
            // Every result was printed and written; the exit status still says a run failed.
            List<String> runs = diverged.stream().map(ExperimentResult.Training::run).toList();
            throw new TrainingDivergedException(String.join(", ", runs) + " diverged (see the warnings above); the "
                    + "other results were reported" + (json != null ? " and written" : "") + "; "
                    + divergenceAdvice(runs), 0, 0, Double.NaN);
        }
        return 0;
    }

    /**
     * The checkpoints of a run saving to --out (or --resume's folder). One that cannot be written
     * (a full disk) does not end the run: before, it did, and the results of the trainings so far
     * were lost with it. The first failure is a warning naming the folder, the cause and what the
     * folder still holds; training goes on, and the final save at the end is tried as always.
     */
    static final class Checkpoints {
        private final Path dir;
        private final Warnings warnings;
        private final boolean hadModel;
        private final java.util.concurrent.atomic.AtomicReference<String> onDisk;
        private final java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        private volatile int goodEpochs = -1;

        Checkpoints(Path dir, Warnings warnings, boolean hadModel,
                    java.util.concurrent.atomic.AtomicReference<String> onDisk) {
            this.dir = dir;
            this.warnings = warnings;
            this.hadModel = hadModel;
            this.onDisk = onDisk;
        }

        /** Runs {@code save} (a checkpoint after {@code epochs} epochs, described as {@code what}). */
        void save(String what, int epochs, Runnable save) {
            try {
                save.run();
            } catch (UserInputException ex) {
                if (stopping()) {
                    // Ctrl-C or SIGTERM during the save (ModelIO refuses to rename while the program
                    // stops, and its clean-up removes the half-written folder): the run is ending,
                    // not training on, and the interrupted note says what DIR holds.
                    return;
                }
                if (failed.compareAndSet(false, true)) {
                    String cause = ex.getMessage().replace("; it still holds the model saved before", "");
                    String kept = goodEpochs >= 0 ? dir + " keeps its last good checkpoint (after " + goodEpochs
                            + " epoch" + (goodEpochs == 1 ? "" : "s") + ")"
                            : hadModel ? dir + " keeps the model it held before this run"
                            : "nothing is saved in " + dir + " yet";
                    warnings.add("checkpoint failed: " + cause + "; " + kept + " and training goes on; the final model "
                            + "is saved when it ends (later checkpoint failures are not reported)");
                }
                return;
            }
            goodEpochs = epochs;
            onDisk.set(what);
        }

        /** Whether the JVM is shutting down (a shutdown hook can no longer be added then). */
        private static boolean stopping() {
            Thread probe = new Thread(() -> { });
            try {
                Runtime.getRuntime().addShutdownHook(probe);
            } catch (IllegalStateException shuttingDown) {
                return true;
            }
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        }
    }

    /**
     * Saves the MTL + alignment model to --out-aligned: its model.json records what it is (model
     * MTL+align, the alignment mode and learning rate, how the alignment phase ended) beside the
     * MTL model's metadata. A diverged alignment phase leaves nothing to save: a warning says so.
     */
    private void saveAligned(PrintWriter o, Warnings warnings, MtlExperiment exp, ExperimentResult res,
                             ExperimentConfig cfg, Preparation.Result prep, JsonObject mtlMeta, int mtlEpochs) {
        ExperimentResult.Training at = res.trainings().stream().filter(t -> t.run().equals("MTL+align")).findFirst()
                .orElse(null);
        if (exp.alignedModel() == null || at == null || at.diverged() != null) {
            String w = "--out-aligned " + outAligned + ": the alignment phase did not produce a model"
                    + (at != null && at.diverged() != null ? " (it diverged)" : "") + ", so none was saved";
            o.println("warning: " + w);
            warnings.keep(w);
            return;
        }
        JsonObject meta = mtlMeta.deepCopy();
        meta.addProperty("model", "MTL+align");
        meta.addProperty("status", "complete");
        meta.addProperty("epochs_done", mtlEpochs);
        JsonObject al = new JsonObject();
        al.addProperty("mode", cfg.alignMode().cliName());
        float factor = opts.alignLrFactor(prep.tasks().get(0).dim());
        al.addProperty("lr_factor", factor);
        al.addProperty("learning_rate", exp.alignLearningRate());
        al.addProperty("epochs_run", at.epochsRun());
        al.addProperty("best_epoch", at.bestEpoch());
        al.addProperty("best_validation_loss", at.bestValidationLoss());
        al.addProperty("mtl_epochs", mtlEpochs);
        meta.add("alignment", al);
        saveModel(outAligned, exp.alignedModel(), prep, meta);
        o.println("saved the MTL + alignment model (R_i) to " + outAligned);
    }

    /**
     * ModelIO.save, once the model is known to be finite. ModelIO refuses a model holding NaN or
     * an infinity with an IllegalArgumentException (load would call the folder damaged), which
     * reached the user as an internal error. A run that did not diverge can hold one: regression
     * labels of order 1e21 train with finite parameters and a finite loss, while Adam's second
     * moment, the squared gradients, overflows float32. Such a save is a failed save, as on a
     * full disk: a checkpoint's warning, and for the final save exit 2 after the tables and --json.
     */
    static void saveModel(Path dir, MtlModel model, Preparation.Result prep, JsonObject meta) {
        for (org.mtlalign.model.Tensor t : model.parameters()) {
            float[][] arrays = {t.value(), t.moment1(), t.moment2()};
            for (int q = 0; q < arrays.length; q++) {
                for (float v : arrays[q]) {
                    if (!Float.isFinite(v)) {
                        throw new UserInputException(dir + ": the model was not saved: " + (q == 0
                                ? "its parameter " + t.name() : "the optimiser state of its parameter " + t.name()
                                        + " (" + (q == 1 ? "first" : "second") + " moment)") + " holds " + v
                                + ", which float32 reaches with gradients of labels or inputs of a huge scale; "
                                + "--standardize-labels scales regression labels");
                    }
                }
            }
        }
        ModelIO.save(dir, model, prep, meta);
    }


    /** model.json's modification time in DIR, null when there is none. */
    private static java.nio.file.attribute.FileTime modelTime(Path dir) {
        try {
            return Files.getLastModifiedTime(dir.resolve(ModelIO.MODEL_JSON));
        } catch (java.io.IOException none) {
            return null;
        }
    }

    private int transfer(PrintWriter o, PrintWriter e, Warnings warnings, Backend backend, ExperimentConfig cfg,
                         Preparation.Result prep, String[] argv, String rankSource, String suiteName,
                         boolean sharedInputs, String[] featureNames) {
        List<PreparedTask> tasks = prep.tasks();
        int target = -1;
        for (int i = 0; i < tasks.size(); i++) {
            if (tasks.get(i).name().equals(transferTarget)) {
                target = i;
            }
        }
        if (target < 0) {
            throw new UserInputException("--transfer-target: no task named '" + transferTarget + "' (tasks: "
                    + String.join(", ", tasks.stream().map(PreparedTask::name).toList()) + ")");
        }
        List<String> ignored = new ArrayList<>();
        for (String opt : new String[] {"--no-stl", "--align", "--align-lr-factor", "--reweight", "--reweight-rank"}) {
            if (matched(opt)) {
                ignored.add(opt);
            }
        }
        if (!ignored.isEmpty()) {
            e.println("note: transfer mode always trains the target's STL, fine-tune and fine-tune + alignment (R "
                    + "trained with frozen B at --lr); " + String.join(", ", ignored) + (ignored.size() == 1 ? " does" : " do") + " not apply to it");
        }
        if (matched("--energy")) {
            // Accepted without a word: a user tuning the similarity's energy saw the same run.
            e.println("note: --energy has no effect in transfer mode (it computes no similarity scores; mtl train "
                    + "without --transfer-target and mtl analyze do)");
        }
        // As without --out below: a stopped run ended on a progress line, with no word of --json.
        String pendingJson = Outputs.pendingJson(json, "they have ended");
        Thread interrupted = Outputs.onInterrupt(() -> {
            e.println();
            e.println("mtl: interrupted during the transfer trainings; nothing was saved" + pendingJson);
            e.flush();
        });
        TransferExperiment.Report rep;
        TransferExperiment exp = new TransferExperiment(backend, cfg).log(progressLog(e, cfg));
        try {
            rep = exp.run(tasks, target);
        } catch (TrainingDivergedException ex) {
            // Exit 3 writes the JSON, as every other mtl train does: a grid over --lr collecting
            // each run's JSON found none for a diverged transfer run.
            if (json != null) {
                JsonObject root = transferJson(backend, argv, "diverged", cfg, tasks, rankSource, suiteName, sharedInputs);
                root.addProperty("error", ex.getMessage());
                root.add("warnings", warnings.json());
                Outputs.writeJson(json, ModelIO.toJson(root), spec.commandLine().getOut(), e, " (status diverged)");
            }
            throw ex;
        } finally {
            Outputs.endInterruptedNote(interrupted);
        }
        Thread jsonNote = Outputs.jsonPendingNote(e, json, "");
        o.println();
        o.printf("transfer to '%s' from %s (test %s)%n", rep.target(), rep.sources(), Loss.metricLabel(rep.metric()));
        // Said only where it holds: under --no-bias there is no bias, and a classifier's starts at zero.
        boolean meanBias = cfg.bias() && tasks.get(target).loss() == Loss.SQUARED;
        o.printf(Locale.ROOT, "new heads start at zero" + (meanBias ? " (the bias at the target's training labels' mean)" : "")
                + " and R at the identity (both fine-tuning variants start from the "
                + "same function);%nevery training stops early on its validation loss (--patience %d, at most --epochs "
                + "%d) and keeps its best epoch%n", rep.patience(), rep.epochCap());
        // A skewed target: the headline metric can read well for a model that predicts the common
        // class (accuracy 0.9 on 90% of one class), so the column that shows it comes beside it.
        TransferExperiment.Secondary sec = rep.secondary() != null && rep.secondary().skewed() ? rep.secondary() : null;
        List<List<String>> rows = new ArrayList<>();
        String[] methods = {"single-task (target only)", "frozen B + new head", "frozen B + new head + alignment R"};
        double[] values = {rep.stl(), rep.fineTune(), rep.fineTuneAligned()};
        double[] second = sec == null ? null : new double[] {sec.stl(), sec.fineTune(), sec.fineTuneAligned()};
        TransferExperiment.Training[] runs = {rep.stlTraining(), rep.fineTuneTraining(), rep.alignedTraining()};
        for (int i = 0; i < 3; i++) {
            boolean nothing = rep.noBetterThanPrior().contains(TransferExperiment.RUNS[i]);
            List<String> row = new ArrayList<>(List.of(methods[i], Tables.num(values[i]) + (nothing ? "!" : "")));
            if (sec != null) {
                row.add(Tables.num(second[i]));
            }
            row.add(epochsCell(runs[i]));
            rows.add(row);
        }
        List<String> header = new ArrayList<>(List.of("method", Loss.metricLabel(rep.metric())));
        if (sec != null) {
            header.add(sec.name().equals("averagePrecision") ? "average precision" : "balanced accuracy");
        }
        header.add("epochs run (best)");
        Tables.print(o, header, rows);
        if (sec != null) {
            o.println(sec.name().equals("averagePrecision")
                    ? String.format(Locale.ROOT, "note: '%s' has %.3g%% positives in its test rows: a random ranking's "
                            + "average precision is that rate, whatever its AUC", rep.target(), 100 * sec.share())
                    : String.format(Locale.ROOT, "note: '%s' has %.3g%% of its test rows in one class: always predicting "
                            + "it scores that accuracy, and a balanced accuracy (the mean of the classes' recalls) of "
                            + "1/%d", rep.target(), 100 * sec.share(), sec.classes()));
        }
        TransferExperiment.Training src = rep.sourceTraining();
        o.printf(Locale.ROOT, "B: MTL on the %d source task%s, epochs run (best) %s, best validation loss %s (summed over "
                + "the sources; %s at the start)%n", rep.sources().size(), rep.sources().size() == 1 ? "" : "s",
                epochsCell(src), Tables.num(src.bestValidationLoss()), Tables.num(src.startValidationLoss()));
        List<String> fixed = new ArrayList<>();
        List<String> notFixed = new ArrayList<>();
        String[] restartable = {"source MTL", "STL " + rep.target()};
        TransferExperiment.Training[] fresh = {src, rep.stlTraining()};
        for (int i = 0; i < 2; i++) {
            if (fresh[i].restarts() > 0) {
                (fresh[i].restartKept() ? fixed : notFixed).add(restartable[i] + ": " + fresh[i].restartReason());
            }
        }
        // Four trainings in all; only the source and the STL baseline start from a seeded draw.
        for (String restartNote : restartNotes(fixed, notFixed, 4)) {
            o.println("note: " + restartNote);
        }
        o.println("note: R is d x d and trains at --lr here, so frozen B + R can be any d x r module: a fine-tune + "
                + "alignment result at the target's STL level is what the target reaches alone, not transfer from the "
                + "sources; only a gain over STL measures that");
        if (!rep.noBetterThanPrior().isEmpty()) {
            // mtl train marks such runs '!' in its table; transfer mode printed them unmarked, so a
            // target whose STL learned nothing read as a large gain from the sources.
            warnings.add("! marks a model no better than predicting the target's training labels' mean or class rates "
                    + "on its " + scoringRows(tasks.subList(target, target + 1)) + " (" + String.join(", ",
                            rep.noBetterThanPrior()) + "): it learned "
                    + "nothing from the inputs, so a difference involving it says little; either '" + rep.target()
                    + "' has no signal at r = " + cfg.rank() + ", or the training stopped on the plateau it starts on "
                    + "(raise --patience or --epochs)");
        }
        if (src.hitEpochCap()) {
            warnings.add(String.format(Locale.ROOT, "the source model that supplied B ran all %d epochs with its "
                    + "validation loss still improving within the early-stopping wait (--patience %d, or the epochs to its best if "
                    + "more): B may be undertrained; raise --epochs",
                    src.epochs(), rep.patience()));
        }
        if (rep.anyHitEpochCap()) {
            warnings.add(String.format(Locale.ROOT, "a training marked 'cap' ran all %d epochs with its validation loss "
                    + "still improving within the early-stopping wait (--patience %d, or the epochs to its best if more), so "
                    + "the comparison may reflect the budget rather than what "
                    + "each method can fit; raise --epochs", rep.epochCap(), rep.patience()));
        }
        UserInputException saveFailed = null;
        List<String> saved = new ArrayList<>();
        Path[] dirs = {out, outAligned};
        MtlModel[] models = {exp.fineTuneModel(), exp.alignedModel()};
        TransferExperiment.Training[] trained = {rep.fineTuneTraining(), rep.alignedTraining()};
        for (int i = 0; i < 2; i++) {
            if (dirs[i] == null) {
                continue;
            }
            try {
                saveTransferModel(dirs[i], models[i], TransferExperiment.RUNS[i + 1], trained[i], rep, backend, argv,
                        cfg, prep, target, featureNames);
                o.println("saved the " + methods[i + 1] + " model ('" + rep.target() + "') to " + dirs[i]);
                saved.add(dirs[i].toString());
            } catch (UserInputException ex) {
                // As mtl train's final save: the results are printed and --json is still written; the
                // first failure is the run's error (exit 2), a second a warning.
                if (saveFailed == null) {
                    saveFailed = ex;
                } else {
                    warnings.add("the " + methods[i + 1] + " model was not saved either: " + ex.getMessage());
                }
            }
        }
        if (!saved.isEmpty()) {
            // A stop before --json is written says where the models are, as mtl train --out's does.
            Outputs.endInterruptedNote(jsonNote);
            jsonNote = Outputs.jsonPendingNote(e, json, "; " + String.join(" and ", saved) + (saved.size() == 1
                    ? " holds the fine-tuned model" : " hold the fine-tuned models"));
        }
        if (json != null) {
            JsonObject root = transferJson(backend, argv, "complete", cfg, tasks, rankSource, suiteName, sharedInputs);
            if (saveFailed != null) {
                root.addProperty("save_error", saveFailed.getMessage());
            }
            root.add("transfer", ModelIO.gson().toJsonTree(rep));
            root.add("warnings", warnings.json());
            Outputs.writeJson(json, ModelIO.toJson(root), spec.commandLine().getOut(), o, "");
            Outputs.endInterruptedNote(jsonNote);
        }
        if (saveFailed != null) {
            throw saveFailed;
        }
        return 0;
    }

    /**
     * What every model.json of mtl train starts with: provenance, config, the data options (for
     * --resume) and X's column names (CSV headers), which mtl predict matches its inputs' columns to.
     */
    private JsonObject modelJsonHeader(Backend backend, String[] argv, ExperimentConfig cfg,
                                       Preparation.Config prepCfg, List<PreparedTask> tasks, String[] featureNames) {
        JsonObject meta = new JsonObject();
        meta.add("provenance", Outputs.provenance(backend, argv));
        meta.add("config", configJson(cfg, prepCfg, tasks));
        JsonArray dataArgs = new JsonArray();
        data.toArgs().forEach(dataArgs::add);
        meta.add("data_args", dataArgs);
        if (featureNames != null) {
            JsonArray fn = new JsonArray();
            for (String n : featureNames) {
                fn.add(n);
            }
            meta.add(FEATURE_NAMES, fn);
        }
        return meta;
    }

    /** model.json's key for what a transfer-mode save holds (mtl train --transfer-target --out or --out-aligned). */
    static final String TRANSFER_KEY = "transfer";

    /**
     * One fine-tuned target model as mtl train saves its MTL model: the frozen B (and shared bias),
     * the new head (and R for the aligned variant), the target's standardisation and classes, so
     * that mtl predict applies it to the target's raw inputs. model.json's "transfer" says which
     * variant, target and sources, and keeps --resume from taking it for an MTL model.
     */
    private void saveTransferModel(Path dir, MtlModel model, String variant, TransferExperiment.Training trained,
                                   TransferExperiment.Report rep, Backend backend, String[] argv, ExperimentConfig cfg,
                                   Preparation.Result prep, int target, String[] featureNames) {
        JsonObject meta = modelJsonHeader(backend, argv, cfg, data.preparation(), prep.tasks(), featureNames);
        meta.addProperty("status", "complete");
        meta.addProperty("epochs_done", trained.epochs());
        // "model" as an --out-aligned save names its column (MTL+align); "transfer" says on what.
        meta.addProperty("model", variant);
        JsonObject t = new JsonObject();
        t.addProperty("target", rep.target());
        JsonArray src = new JsonArray();
        rep.sources().forEach(src::add);
        t.add("sources", src);
        meta.add(TRANSFER_KEY, t);
        Preparation.Result one = new Preparation.Result(List.of(prep.tasks().get(target)),
                new float[][] {prep.means()[target]}, new float[][] {prep.scales()[target]}, List.of());
        saveModel(dir, model, one, meta);
    }

    /**
     * The preparation's warnings, with its label-scale ones judged as transfer mode trains: the
     * target is fine-tuned alone, so it is not in the sources' summed loss (a target in large units
     * was said to dominate it and the sources' transfer), and the sources are compared without it.
     */
    private List<String> transferWarnings(List<String> prepared, List<PreparedTask> tasks) {
        int target = -1;
        for (int i = 0; i < tasks.size(); i++) {
            if (tasks.get(i).name().equals(transferTarget)) {
                target = i;
            }
        }
        if (target < 0) {
            return prepared;
        }
        List<String> out = new ArrayList<>(prepared);
        out.removeAll(org.mtlalign.data.Preparation.lossScaleWarnings(tasks, -1));
        out.addAll(org.mtlalign.data.Preparation.lossScaleWarnings(tasks, target));
        return out;
    }

    /** Transfer mode's JSON up to its results: what ran, on which data. */
    private JsonObject transferJson(Backend backend, String[] argv, String status, ExperimentConfig cfg,
                                    List<PreparedTask> tasks, String rankSource, String suiteName, boolean sharedInputs) {
        JsonObject root = new JsonObject();
        root.add("provenance", Outputs.provenance(backend, argv));
        root.addProperty("seed", data.seed);
        root.addProperty("status", status);
        root.add("config", configJson(cfg, data.preparation(), tasks));
        root.addProperty("rank_source", rankSource);
        JsonArray dataArgs = new JsonArray();
        data.toArgs().forEach(dataArgs::add);
        root.add("data_args", dataArgs);
        // As every other mtl train JSON: which data (a script reading many runs' JSON keys on it).
        addDataIdentity(root, suiteName, sharedInputs, tasks);
        return root;
    }

    /** "suite", "shared_inputs" and "task_names": which data a run's JSON is about. */
    private static void addDataIdentity(JsonObject root, String suiteName, boolean sharedInputs, List<PreparedTask> tasks) {
        root.addProperty("suite", suiteName);
        root.addProperty("shared_inputs", sharedInputs);
        JsonArray names = new JsonArray();
        tasks.forEach(t -> names.add(t.name()));
        root.add("task_names", names);
    }

    /**
     * The rows the '!' rule scores a model on: its validation rows, or its training rows for a task
     * without any (--val 0); the warning said "validation rows" under --val 0 as well.
     */
    static String scoringRows(List<PreparedTask> tasks) {
        long none = tasks.stream().filter(t -> t.validation().length == 0).count();
        return none == 0 ? "validation rows" : none == tasks.size() ? "training rows (no validation rows)"
                : "validation rows (training rows for a task without any)";
    }

    /**
     * "task 'a' (30 rows, d = 300) has" / "tasks 'a', 'b' (30-41 rows, d = 300) have" for the tasks
     * with no more training rows than inputs (m_i <= d: X_i R_i B can then fit any training
     * labels), or null when none has.
     */
    static String fewerRowsThanInputs(List<PreparedTask> tasks) {
        int d = tasks.get(0).dim();
        List<String> names = new ArrayList<>();
        int lo = Integer.MAX_VALUE;
        int hi = 0;
        for (PreparedTask t : tasks) {
            int m = t.train().length;
            if (m <= d) {
                names.add("'" + t.name() + "'");
                lo = Math.min(lo, m);
                hi = Math.max(hi, m);
            }
        }
        if (names.isEmpty()) {
            return null;
        }
        String shown = names.size() <= 5 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 4)) + " and " + (names.size() - 4) + " more";
        return (names.size() == 1 ? "task " : "tasks ") + shown + " (" + (lo == hi ? lo : lo + "-" + hi)
                + " training rows, d = " + d + ") " + (names.size() == 1 ? "has" : "have");
    }

    /** A float as written, without exponent or float-to-double noise (0.0005, not 5.0E-4 or 5.000000237e-4). */
    static String plain(float v) {
        return new java.math.BigDecimal(Float.toString(v)).stripTrailingZeros().toPlainString();
    }

    /** v to four significant digits, without exponent or trailing zeros (0.1 x 64 / 768 is 0.008333). */
    static String fourDigits(float v) {
        return new java.math.BigDecimal(Float.toString(v)).round(new java.math.MathContext(4)).stripTrailingZeros()
                .toPlainString();
    }

    /** "epochs run (best epoch)", marked when the run ran into the epoch cap. */
    static String epochsCell(TransferExperiment.Training t) {
        return t.epochs() + " (" + t.bestEpoch() + ")" + (t.hitEpochCap() ? " cap" : "");
    }

    /** The capacity suggestion with Proposition 1's bound, worded for what it says. */
    static String capacityLine(Capacity.Suggestion c) {
        String why = c.validated()
                ? String.format(Locale.ROOT, "the width whose linear single-task models, refitted on its shared "
                        + "directions, predict held-out folds of the training rows best; %.0f%% of the spectrum would "
                        + "take r = %d%s", c.energy() * 100, c.energyRank(), c.weak()
                        ? "; weak: the fits explain under 20% of the held-out targets' variance at any width" : "")
                : String.format(Locale.ROOT, "%.0f%% of the single-task models' spectrum; not validated: a task has "
                        + "fewer than 4 training rows, or no task's targets vary", c.energy() * 100);
        String line = String.format(Locale.ROOT, "capacity: suggested r = %d (%s); for linear models r >= %d gives no "
                + "transfer (Proposition 1)", c.suggestedRank(), why, c.noTransferRank());
        if (c.suggestedRank() >= c.noTransferRank() && c.noTransferRank() > 1) {
            line += String.format(Locale.ROOT, "; the suggestion reaches that bound, so linear heads could fit each task "
                    + "on its own: --rank %d or less makes the tasks share (which helps only related tasks)",
                    Math.max(1, c.noTransferRank() - 1));
        }
        return line;
    }

    /**
     * The note under a similarity matrix whose diagonal is well below 1 (or null): a task scores
     * ||D||_F / trace(D) with itself, 1 only at rank 1 (0.037 for isotropic inputs of rank 872),
     * so a user reading 0.04 against 1 took every task, itself included, for unrelated.
     */
    static String selfScoreNote(double[][] sim) {
        double low = 1;
        for (int i = 0; i < sim.length; i++) {
            low = Math.min(low, sim[i][i]);
        }
        if (sim.length < 2 || !(low < 0.5)) {
            return null;
        }
        return String.format(Locale.ROOT, "the diagonal is each task's score with itself, ||D||_F / trace(D) of its "
                + "kept spectrum (here down to %.3f; 1 only at rank 1): compare pairs with each other and with the "
                + "diagonal, not with 1", low);
    }

    /**
     * The note for a flat held-out curve (or null): some width above the suggestion validates
     * as well as it (Capacity.Suggestion.widestAsGood), so the linear fits cannot choose and the
     * suggestion is only the smallest of those widths. On anisotropic embeddings at d = 768 the
     * suggestion was 3 with r = 23 as good (within 0.005, one standard error between folds), and
     * ReLU MTL at r = 3 lost to the single-task models on 7 of 8 tasks while r = 13 trained best.
     * The sweep named spans the range: its ends and its middle.
     *
     * <p>The suggestion's own margin (1% of the best) is narrower than the standard error when the
     * folds disagree, so narrower widths than the suggestion can be within the standard error too:
     * on six tasks in two groups of three planted directions (60 training rows each, d = 20) the
     * curve read 0.592 0.304 0.277 0.267 0.262 0.262 with a standard error of 0.034, r = 5 was
     * suggested, and the note said "r = 5 validates as well as r = 6 ... the smallest is suggested"
     * and named 'mtl sweep --ranks 5,6', hiding r = 3 and 4, as good by the same standard. The note
     * names the whole range within that tolerance, and the sweep spans it.
     */
    static String flatNote(Capacity.Suggestion c) {
        if (!c.validated()) {
            return null;
        }
        int s = c.suggestedRank();
        int w = c.widestAsGood();
        double best = c.validationError()[c.bestRank() - 1];
        double tol = c.asGoodTolerance();
        int n = c.narrowestAsGood();
        if (n == s && !c.flat()) {
            return null;
        }
        String se = c.standardError() == null ? "n/a" : String.format(Locale.ROOT, "%.4f", c.standardError());
        if (n == s) {
            String ranks = s + (w - s >= 2 ? "," + (s + w) / 2 : "") + "," + w;
            return String.format(Locale.ROOT, "the held-out curve is flat: r = %d validates as well as r = %d (both "
                    + "within %.4f of the best, %.4f at r = %d; standard error between folds %s), so the linear fits "
                    + "cannot choose among these widths and the smallest is suggested; 'mtl sweep --ranks %s' measures "
                    + "which trains best", s, w, tol, best, c.bestRank(), se, ranks);
        }
        java.util.TreeSet<Integer> sweep = new java.util.TreeSet<>(List.of(n, (n + w) / 2, s, w));
        StringBuilder ranks = new StringBuilder();
        for (int r : sweep) {
            ranks.append(ranks.length() == 0 ? "" : ",").append(r);
        }
        return String.format(Locale.ROOT, "the held-out curve is flat: r = %d to %d all validate within %.4f of the "
                + "best (%.4f at r = %d; standard error between folds %s), so the linear fits cannot choose among these "
                + "widths; r = %d is suggested only as the smallest within %.4f of the best (1%% of it, at least 0.001), a "
                + "narrower margin than the standard error; 'mtl sweep --ranks %s' measures which trains best", n, w,
                tol, best, c.bestRank(), se, s, c.suggestionMargin(), ranks);
    }

    /** Where r came from, for the JSON: "--rank", "suggested" or "resumed model". */
    private static String rankSource(String rWhy) {
        return rWhy.startsWith("suggested") ? "suggested" : rWhy.startsWith("from ") ? "resumed model" : "--rank";
    }

    static Capacity.Suggestion suggestCapacity(Backend backend, List<PreparedTask> tasks) {
        org.mtlalign.data.TrainingRows tr = org.mtlalign.data.TrainingRows.of(tasks);
        return new Capacity(backend).suggest(tr.xs(), tr.rows(), tr.dim(), tr.ys(), tr.cols(), 1e-3, 0.9);
    }

    /**
     * Per task: the split sizes and a CRC-32 of the prepared inputs, targets and split, so that
     * --resume can tell when the data files changed under the saved model. Stored as "checksum";
     * models saved before it have "crc32", a CRC that saw only the low byte of each target and
     * split index (CRC32.update(int) takes one byte), so label changes escaped it: those are
     * still compared by that rule, which is all their file can tell.
     */
    static JsonArray dataFingerprint(List<PreparedTask> tasks) {
        JsonArray out = new JsonArray();
        for (PreparedTask t : tasks) {
            java.util.zip.CRC32 full = new java.util.zip.CRC32();
            java.util.zip.CRC32 legacy = new java.util.zip.CRC32();
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            float[] x = t.x();
            for (int i = 0; i < x.length; ) {
                buf.clear();
                while (i < x.length && buf.remaining() >= 4) {
                    buf.putFloat(x[i++]);
                }
                buf.flip();
                full.update(buf.duplicate());
                legacy.update(buf);
            }
            float[] target = t.target();
            for (int i = 0; i < target.length; ) {
                buf.clear();
                while (i < target.length && buf.remaining() >= 4) {
                    legacy.update(Float.floatToRawIntBits(target[i]));
                    buf.putFloat(target[i++]);
                }
                buf.flip();
                full.update(buf);
            }
            String[] names = t.labels().classNames();
            // Boolean labels are 0 and 1 as before they were named false and true: their models
            // keep their checksums.
            if (names != null && !java.util.Arrays.equals(names, new String[] {"false", "true"})
                    && !java.util.Arrays.equals(names, new String[] {"true", "false"})) {
                // Text labels: the names too, so a renamed class is a change (numeric labels' targets
                // already carry their values; their checksums stay what they were).
                for (String n : names) {
                    full.update(n.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    full.update(0);
                }
            }
            for (int[] split : new int[][] {t.train(), t.validation(), t.test()}) {
                for (int i = 0; i < split.length; ) {
                    buf.clear();
                    while (i < split.length && buf.remaining() >= 4) {
                        legacy.update(split[i]);
                        buf.putInt(split[i++]);
                    }
                    buf.flip();
                    full.update(buf);
                }
            }
            JsonObject o = new JsonObject();
            o.addProperty("name", t.name());
            o.addProperty("rows", t.rows());
            o.addProperty("train", t.train().length);
            o.addProperty("validation", t.validation().length);
            o.addProperty("test", t.test().length);
            o.addProperty("checksum", "crc32:" + Long.toHexString(full.getValue()));
            o.addProperty("crc32", Long.toHexString(legacy.getValue()));
            out.add(o);
        }
        return out;
    }

    /** The parts of a fingerprint entry both sides have (a model saved before "checksum" lacks it). */
    private static boolean sameFingerprint(JsonObject saved, JsonObject now) {
        for (String key : saved.keySet()) {
            if (!key.equals("crc32") || !saved.has("checksum")) {
                if (!saved.get(key).equals(now.get(key))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void checkSameData(JsonObject saved, JsonArray now, Path dir) {
        if (!saved.has("data_fingerprint") || !saved.get("data_fingerprint").isJsonArray()) {
            return; // saved by a version that did not record it
        }
        JsonArray was = saved.getAsJsonArray("data_fingerprint");
        // A task whose row count changed is named first: the fingerprints are over standardised
        // inputs, and with --standardize global a change to one task's file moves every task's.
        List<String> contents = new ArrayList<>();
        String splitNote = null;
        for (int i = 0; i < Math.min(was.size(), now.size()); i++) {
            JsonObject a = was.get(i).getAsJsonObject();
            JsonObject b = now.get(i).getAsJsonObject();
            String name = b.get("name").getAsString();
            if (!a.get("rows").equals(b.get("rows"))) {
                throw new UserInputException("--resume " + dir + ": the data of task '" + name + "' differ from those "
                        + "the model was trained on (it had " + a.get("rows") + " rows, now " + b.get("rows")
                        + "); resume on the same data or start a new run");
            }
            if (!sameFingerprint(a, b)) {
                contents.add("'" + name + "'");
                String was3 = a.get("train") + "/" + a.get("validation") + "/" + a.get("test");
                String now3 = b.get("train") + "/" + b.get("validation") + "/" + b.get("test");
                if (splitNote == null && !was3.equals(now3)) {
                    // Same rows, other part sizes: other labels (missing ones are in no part), or a
                    // split of many small classes made before they were brought to their shares.
                    splitNote = "; task '" + name + "' is split " + now3 + " (train/validation/test rows), the model's "
                            + "data " + was3 + ": its labels changed, or it has many small classes, whose stratified "
                            + "split is now brought to the --val and --test shares (a model trained on the earlier "
                            + "split cannot be resumed on this one)";
                }
            }
        }
        if (!contents.isEmpty()) {
            boolean one = contents.size() == 1;
            throw new UserInputException("--resume " + dir + ": the data of task" + (one ? " " : "s ")
                    + String.join(", ", contents) + " differ from those the model was trained on (" + (one ? "its" : "their")
                    + " contents changed" + (!one && contents.size() == now.size()
                            ? "; with --standardize global a change to one task's inputs, or to its labels (which can "
                                    + "move its split), changes every task's standardised inputs, so the file that "
                                    + "changed may be any of them"
                            : "")
                    + (splitNote == null ? "" : splitNote) + "); resume on the same data or start a new run");
        }
    }

    private static void checkShape(MtlModel m, List<PreparedTask> tasks, Path dir) {
        if (m.taskCount() != tasks.size() || m.inputDim() != tasks.get(0).dim()) {
            throw new UserInputException("--resume " + dir + ": the saved model has " + m.taskCount() + " tasks and d = "
                    + m.inputDim() + ", the data has " + tasks.size() + " tasks and d = " + tasks.get(0).dim());
        }
    }

    private static MtlModel checkCompatible(MtlModel m, List<PreparedTask> tasks, ExperimentConfig cfg, Path dir) {
        checkShape(m, tasks, dir);
        for (int i = 0; i < tasks.size(); i++) {
            if (!m.heads().get(i).equals(tasks.get(i).head())) {
                throw new UserInputException("--resume " + dir + ": task " + i + " is " + m.heads().get(i)
                        + " in the saved model but " + tasks.get(i).head() + " in the data");
            }
        }
        if (m.rank() != cfg.rank() || m.activation() != cfg.activation() || m.hasBias() != cfg.bias()) {
            throw new UserInputException("--resume " + dir + ": the saved model has r = " + m.rank() + ", "
                    + m.activation().cliName() + (m.hasBias() ? ", with biases" : ", no biases")
                    + "; pass the same --rank/--activation/--no-bias");
        }
        return m;
    }

    /** A hand-edited model.json: name the file, not an option the user never gave. */
    private static UserInputException damagedModelJson(Path resume, RuntimeException ex) {
        return new UserInputException("--resume " + resume + ": " + ModelIO.MODEL_JSON + " is damaged or was "
                + "edited by hand (" + (ex instanceof CommandLine.ParameterException
                        ? "its data_args: " + ex.getMessage() : ModelIO.damage(ex)) + ")");
    }

    /**
     * A value restored from model.json, checked as the option it stands for would be: a recorded
     * '--standardize 0' or optimizer '-1' was reported later as '--standardize: unknown value',
     * naming an option the command line never gave.
     */
    private static void checkRecorded(Path resume, String where, Runnable parse) {
        try {
            parse.run();
        } catch (UserInputException ex) {
            throw new UserInputException("--resume " + resume + ": " + ModelIO.MODEL_JSON + " is damaged or was edited "
                    + "by hand (" + where + ": " + ex.getMessage() + ")", ex);
        }
    }

    private static DataOptions dataFromSavedModel(JsonObject json, Path dir) {
        if (!json.has("data_args")) {
            throw new UserInputException("--resume " + dir + ": the model does not record its data; give the data options");
        }
        List<String> args = new ArrayList<>();
        json.getAsJsonArray("data_args").forEach(a -> args.add(a.getAsString()));
        DataOptions d = new DataOptions();
        new CommandLine(new Holder(d)).parseArgs(args.toArray(new String[0]));
        checkRecorded(dir, "its data_args", d::preparation);
        return d;
    }

    /** Lets picocli parse stored data arguments into a DataOptions. */
    @Command(name = "data")
    static final class Holder {
        @Mixin
        DataOptions d;

        Holder(DataOptions d) {
            this.d = d;
        }
    }

    /**
     * The ".." lines of a run. With a progress bar (redrawn in place with '\r' by the MTL
     * training while other workers log), each line first erases the bar's line, so that it
     * starts a line of its own and the bar is redrawn below it.
     */
    private static java.util.function.Consumer<String> progressLog(PrintWriter e, ExperimentConfig cfg) {
        String clear = cfg.train().progress() ? "\r\u001b[2K" : "";
        return s -> {
            synchronized (e) {
                e.println(clear + "  .. " + s);
                e.flush();
            }
        };
    }

    /** Refuses an output file inside the model folder {@code saveTo} (null: none), which every save replaces. */
    private static void checkNotInModelFolder(Path file, String option, Path saveTo) {
        if (saveTo != null && file.toAbsolutePath().normalize().startsWith(saveTo.toAbsolutePath().normalize())) {
            throw new UserInputException(option + " " + file + ": is inside the model folder " + saveTo
                    + ", which every save replaces; write it elsewhere");
        }
    }

    /**
     * What to try after the named runs diverged: the alignment phase runs at --lr x
     * --align-lr-factor, so where only it diverged a smaller --lr would change the MTL model too,
     * and the factor is the setting to lower.
     */
    static String divergenceAdvice(List<String> runs) {
        long align = runs.stream().filter(r -> r.endsWith("MTL+align")).count();
        return align == 0 ? "try a smaller --lr"
                : align == runs.size() ? "try a smaller --align-lr-factor (the alignment phase runs at --lr times it)"
                : "try a smaller --lr (for MTL+align, a smaller --align-lr-factor)";
    }

    /** Whether DIR's model.json says it holds an MTL + alignment model (--out-aligned); false if unreadable. */
    static boolean holdsAlignedModel(Path dir) {
        try {
            JsonElement j = com.google.gson.JsonParser.parseString(Files.readString(dir.resolve(ModelIO.MODEL_JSON)));
            if (!j.isJsonObject() || !j.getAsJsonObject().has("architecture")
                    || !j.getAsJsonObject().get("architecture").isJsonObject()) {
                return false;
            }
            JsonElement a = j.getAsJsonObject().getAsJsonObject("architecture").get("alignment");
            return a != null && a.isJsonPrimitive() && a.getAsJsonPrimitive().isBoolean() && a.getAsBoolean();
        } catch (java.io.IOException | RuntimeException ex) {
            return false;
        }
    }

    /** Epochs before the resume plus this run's cap, saturating (an --epochs near the int limit must not wrap). */
    private static int totalEpochs(int before, ExperimentConfig cfg) {
        return (int) Math.min(Integer.MAX_VALUE, (long) before + cfg.train().epochs());
    }

    private JsonObject configJson(ExperimentConfig cfg, Preparation.Config prep, List<PreparedTask> tasks) {
        JsonObject c = ModelIO.gson().toJsonTree(cfg).getAsJsonObject();
        if (c.has("train") && c.get("train").isJsonObject()) {
            // Whether a terminal was attached is not a setting of the run: the same command from a
            // terminal and from a script writes the same configuration.
            c.getAsJsonObject("train").remove("progress");
        }
        c.add("data", ModelIO.gson().toJsonTree(prep));
        c.addProperty("loss_option", data.loss);
        c.addProperty("sampling_option", opts.sampling);
        JsonArray noise = new JsonArray();
        List<String> args = data.toArgs();
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).equals("--label-noise")) {
                noise.add(args.get(i + 1));
            }
        }
        c.add("label_noise", noise);
        c.addProperty("align_lr_factor", opts.alignLrFactor(tasks.get(0).dim()));
        if (cfg.reweight() != null && tasks.size() > 1) {
            int total = tasks.stream().mapToInt(t -> t.labels().outputs()).sum();
            try {
                c.addProperty("reweight_rank_used", org.mtlalign.analysis.SvdReweighting.rank(cfg.reweightRank(),
                        cfg.rank(), tasks.size(), tasks.get(0).dim(), total));
            } catch (UserInputException ex) {
                c.addProperty("reweight_rank_used", (Number) null); // the run that needs it reports the error
            }
        } else {
            // No reweighted model (--reweight none, or one task): null, not a missing key, so that a
            // script reading config["reweight_rank_used"] finds the documented key in every run.
            c.addProperty("reweight_rank_used", (Number) null);
        }
        return c;
    }

    /**
     * On --resume: the saved training options (optimizer, learning rate, batch, momentum, weight
     * decay, sampling, patience) unless given again. Returns true when --optimizer changes it.
     */
    private boolean restoreTrainOptions(JsonObject saved) {
        JsonObject tr;
        try {
            tr = saved.getAsJsonObject("config").getAsJsonObject("train");
        } catch (RuntimeException ex) {
            return false;
        }
        if (tr == null) {
            return false;
        }
        String savedOptimizer = tr.has("optimizer") ? tr.get("optimizer").getAsString().toLowerCase(Locale.ROOT) : null;
        if (!matched("--optimizer") && savedOptimizer != null) {
            checkRecorded(resume, "its optimizer", () -> org.mtlalign.train.TrainConfig.Optimizer.parse(savedOptimizer));
            opts.optimizer = savedOptimizer;
        }
        if (!matched("--lr") && tr.has("learningRate")) {
            opts.lr = tr.get("learningRate").getAsFloat();
        }
        if (!matched("--batch") && tr.has("batchSize")) {
            opts.batch = tr.get("batchSize").getAsInt();
        }
        if (!matched("--momentum") && tr.has("momentum")) {
            opts.momentum = tr.get("momentum").getAsFloat();
        }
        if (!matched("--weight-decay") && tr.has("weightDecay")) {
            opts.weightDecay = tr.get("weightDecay").getAsFloat();
        }
        if (!matched("--sampling") && tr.has("sampling")) {
            String sampling = tr.get("sampling").getAsString().toLowerCase(Locale.ROOT).replace('_', '-');
            checkRecorded(resume, "its sampling", () -> org.mtlalign.train.TrainConfig.Sampling.parse(sampling));
            opts.sampling = sampling;
            samplingFromModel = true;
        }
        if (!matched("--patience") && tr.has("patience")) {
            opts.patience = tr.get("patience").getAsInt();
        }
        restoreRunOptions(saved.getAsJsonObject("config"));
        return savedOptimizer != null && !savedOptimizer.equalsIgnoreCase(opts.optimizer);
    }

    /**
     * On --resume: which models the saved run trained (--no-stl, --align, --reweight,
     * --reweight-rank) unless given again. Before, a run saved with --no-stl --align none
     * --reweight none trained the baselines, the alignment and the reweighted model when resumed.
     */
    private void restoreRunOptions(JsonObject c) {
        if (!matched("--no-stl") && c.has("runStl") && c.get("runStl").isJsonPrimitive()) {
            opts.noStl = !c.get("runStl").getAsBoolean();
        }
        if (!matched("--align") && c.has("alignMode") && c.get("alignMode").isJsonPrimitive()) {
            opts.align = ExperimentConfig.AlignMode.valueOf(c.get("alignMode").getAsString()).cliName();
        }
        if (!matched("--reweight") && c.has("reweight")) {
            opts.reweight = c.get("reweight").isJsonNull() ? "none"
                    : org.mtlalign.analysis.SvdReweighting.Variant.valueOf(c.get("reweight").getAsString()).cliName();
        }
        if (!matched("--reweight-rank") && c.has("reweightRank") && c.get("reweightRank").isJsonPrimitive()) {
            opts.reweightRank = c.get("reweightRank").getAsInt();
        }
    }

    /** Long names of the options of {@code mixin} that the command line gave explicitly. */
    private List<String> matchedOptions(CommandLine.Model.CommandSpec mixin) {
        List<String> out = new ArrayList<>();
        for (CommandLine.Model.OptionSpec opt : mixin.options()) {
            if (matched(opt.longestName())) {
                out.add(opt.longestName());
            }
        }
        return out;
    }

    /** --sampling was taken from the resumed model's record (said so on the sampling line). */
    private boolean samplingFromModel;

    private boolean matched(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** Whether two tasks share one X and one split (shared-input tasks do). */
    private static boolean sameSplit(PreparedTask a, PreparedTask b) {
        return a.x() == b.x() && java.util.Arrays.equals(a.train(), b.train()) && java.util.Arrays.equals(a.test(), b.test());
    }

    /** How many test rows repeat a training row's inputs bit for bit (a hash of each training row, then a check). */
    static int testRowsSeenInTraining(PreparedTask t) {
        int d = t.dim();
        float[] x = t.x();
        java.util.Map<Integer, List<Integer>> byHash = new java.util.HashMap<>();
        for (int r : t.train()) {
            byHash.computeIfAbsent(rowHash(x, r, d), h -> new ArrayList<>(1)).add(r);
        }
        int repeated = 0;
        for (int r : t.test()) {
            List<Integer> same = byHash.get(rowHash(x, r, d));
            if (same != null) {
                for (int q : same) {
                    if (java.util.Arrays.equals(x, r * d, r * d + d, x, q * d, q * d + d)) {
                        repeated++;
                        break;
                    }
                }
            }
        }
        return repeated;
    }

    /**
     * Test rows of one task that are training inputs of another task split differently (the same
     * file under two names, or tasks that share examples): MTL then trains its shared module on
     * the inputs a task is tested on. One line per task with such rows.
     */
    static List<String> crossTaskOverlap(List<PreparedTask> tasks) {
        List<String> w = new ArrayList<>();
        if (tasks.size() < 2) {
            return w;
        }
        int d = tasks.get(0).dim();
        java.util.Map<Integer, List<int[]>> byHash = new java.util.HashMap<>();
        for (int i = 0; i < tasks.size(); i++) {
            for (int r : tasks.get(i).train()) {
                byHash.computeIfAbsent(rowHash(tasks.get(i).x(), r, d), h -> new ArrayList<>(1)).add(new int[] {i, r});
            }
        }
        for (int i = 0; i < tasks.size(); i++) {
            PreparedTask t = tasks.get(i);
            int overlap = 0;
            java.util.TreeSet<String> others = new java.util.TreeSet<>();
            for (int r : t.test()) {
                List<int[]> same = byHash.get(rowHash(t.x(), r, d));
                if (same == null) {
                    continue;
                }
                boolean found = false;
                for (int[] q : same) {
                    PreparedTask o = tasks.get(q[0]);
                    if (q[0] != i && !sameSplit(o, t)
                            && java.util.Arrays.equals(t.x(), r * d, r * d + d, o.x(), q[1] * d, q[1] * d + d)) {
                        found = true;
                        others.add("'" + o.name() + "'");
                    }
                }
                overlap += found ? 1 : 0;
            }
            if (overlap > 0) {
                w.add(String.format(Locale.ROOT, "task '%s': %s %s of task%s %s "
                        + "(the same rows split differently), so MTL trains its shared module on inputs this task is "
                        + "tested on and its transfer is optimistic; give tasks with common rows one split (one X with "
                        + "--shared-x and a label column per task, missing labels allowed) or remove the overlap",
                        t.name(), ofItsTestRows(overlap, t.test().length),
                        overlap == 1 ? "is a training input" : "are training inputs", others.size() == 1 ? "" : "s",
                        others.size() <= 3 ? String.join(", ", others)
                                : String.join(", ", new ArrayList<>(others).subList(0, 3)) + " and "
                                        + (others.size() - 3) + " more"));
            }
        }
        return w;
    }

    private static int rowHash(float[] x, int r, int d) {
        int h = 1;
        for (int j = r * d; j < r * d + d; j++) {
            h = 31 * h + Float.floatToIntBits(x[j]);
        }
        return h;
    }

    /** "1 test row", "5 test rows": counts in warnings, which a tiny task makes 1. */
    static String testRows(int n) {
        return n + (n == 1 ? " test row" : " test rows");
    }

    /**
     * Every task's split as CSV lines task,row,part (part train, validation or test; the task's
     * name quoted), rows in increasing order; unlabelled rows are in no part and not listed.
     */
    static String splitCsv(List<PreparedTask> tasks) {
        StringBuilder b = new StringBuilder("task,row,part\n");
        String[] parts = {"train", "validation", "test"};
        for (PreparedTask t : tasks) {
            String name = "\"" + t.name().replace("\"", "\"\"") + "\"";
            String[] part = new String[t.rows()];
            int[][] split = {t.train(), t.validation(), t.test()};
            for (int p = 0; p < 3; p++) {
                for (int r : split[p]) {
                    part[r] = parts[p];
                }
            }
            for (int r = 0; r < part.length; r++) {
                if (part[r] != null) {
                    b.append(name).append(',').append(r).append(',').append(part[r]).append('\n');
                }
            }
        }
        return b.toString();
    }

    /** Fewer test rows of a binary task's rarer class than this make its AUC noisy enough to warn. */
    static final int FEW_OF_A_CLASS = 10;

    /** "3 of its 20 test rows", "1 of its 20 test rows", or "its only test row" (k = n = 1). */
    static String ofItsTestRows(int k, int n) {
        return k == 1 && n == 1 ? "its only test row" : k + " of its " + testRows(n);
    }

    /** {@link #splitWarnings(List)} and, unless standardised per task, {@link #crossTaskOverlap}. */
    static List<String> splitWarnings(List<PreparedTask> tasks, Preparation.Config prep) {
        List<String> w = new ArrayList<>(splitWarnings(tasks));
        if (prep.standardize() != Preparation.Standardize.PER_TASK) {
            // (Per-task standardisation gives one raw row other values in each task: not comparable.)
            w.addAll(crossTaskOverlap(tasks));
        }
        return w;
    }

    /**
     * A later seed's split warnings (sweep, pairs) that no earlier seed gave, each added once as
     * "seed S: ..."; {@code said} holds those given so far.
     */
    static void addNewSplitWarnings(List<PreparedTask> tasks, long seed, java.util.Set<String> said, Warnings warnings) {
        for (String w : splitWarnings(tasks)) {
            if (said.add(w)) {
                warnings.add("seed " + seed + ": " + w);
            }
        }
    }

    /** Splits that make a task's test metric undefined or unreliable, in one line each. */
    static List<String> splitWarnings(List<PreparedTask> tasks) {
        List<String> w = new ArrayList<>();
        List<PreparedTask> checked = new ArrayList<>();
        // Under 20 test rows is common among many small tasks (the 'school' data: 20 of 50 tasks),
        // where a line a task drowned the rest: from DataOptions.SUMMARISED_FROM tasks on, one line.
        List<PreparedTask> fewTestRows = new ArrayList<>();
        // So are rare positives among many binary tasks (Tox21-style data).
        List<String> fewRare = new ArrayList<>();
        List<String> fewRareLines = new ArrayList<>();
        List<String> oneClassVal = new ArrayList<>();
        List<String> oneClassValLines = new ArrayList<>();
        List<String> oneClassTest = new ArrayList<>();
        List<String> oneClassTestLines = new ArrayList<>();
        for (PreparedTask t : tasks) {
            if (t.validation().length == 0) {
                w.add("task '" + t.name() + "' has no validation rows, so early stopping and its 'best val loss' "
                        + "use its training loss (which rewards overfitting); raise --val or give more rows");
            } else if (t.loss() == org.mtlalign.model.Loss.LOGISTIC) {
                int[] c = MtlExperiment.classCounts(t, t.validation());
                if (c[0] == 0 || c[1] == 0) {
                    int v = t.validation().length;
                    oneClassVal.add(t.name() + " (" + v + " '" + t.labels().classLabel(c[1] == 0 ? 0 : 1) + "')");
                    oneClassValLines.add("task '" + t.name() + "': its " + v + (v == 1 ? " validation row holds" : " validation rows hold")
                            + " only class '" + t.labels().classLabel(c[1] == 0 ? 0 : 1) + "', so early stopping and the "
                            + "'!' check judge it by how surely it predicts that class, not by how it separates the two; "
                            + "the task needs more examples of its rarer class");
                }
            }
            int n = t.test().length;
            if (n == 0) {
                w.add("task '" + t.name() + "' has no test rows, so its test metrics are undefined (shown as -); "
                        + "raise --test or give more rows");
                continue;
            }
            // Tasks sharing X share its split too: one check (and one warning) for all of them.
            boolean alreadyChecked = checked.stream().anyMatch(seen -> sameSplit(seen, t));
            int repeated = alreadyChecked ? 0 : testRowsSeenInTraining(t);
            checked.add(t);
            if (repeated > 0) {
                long sharing = tasks.stream().filter(o -> o != t && sameSplit(o, t)).count();
                w.add(String.format(Locale.ROOT, "task '%s': %s %s the inputs of a training row "
                        + "exactly (duplicate rows in the data), so its test metric is optimistic%s; remove duplicates "
                        + "before splitting", t.name(), ofItsTestRows(repeated, n), repeated == 1 ? "has" : "have",
                        sharing > 0 ? ", and so are those of the " + sharing + (sharing == 1 ? " other task" : " other tasks")
                                + " sharing its inputs and split" : ""));
            }
            if (t.loss() == org.mtlalign.model.Loss.LOGISTIC) {
                int[] c = MtlExperiment.classCounts(t, t.test());
                if (c[0] == 0 || c[1] == 0) {
                    oneClassTest.add(t.name() + " (" + n + " '" + t.labels().classLabel(c[1] == 0 ? 0 : 1) + "')");
                    oneClassTestLines.add("task '" + t.name() + "': its " + testRows(n) + (n == 1 ? " holds" : " hold")
                            + " one class only, so AUC is undefined "
                            + "(shown as -); the task needs more examples of its rarer class");
                    continue;
                }
                int rare = c[1] <= c[0] ? 1 : 0;
                if (c[rare] < FEW_OF_A_CLASS) {
                    fewRare.add(t.name() + " (" + c[rare] + " '" + t.labels().classLabel(rare) + "' of " + n + ")");
                    // AUC is the share of (rare, other) row pairs ranked right: with 3 rare rows,
                    // one row's rank moves it by up to a third.
                    fewRareLines.add("task '" + t.name() + "': its " + testRows(n) + " hold only " + c[rare] + " of class '"
                            + t.labels().classLabel(rare) + "', so its AUC rests on " + (c[rare] == 1 ? "that row" : "those "
                            + c[rare]) + " and is noisy (one row's rank moves it by up to " + (c[rare] == 1 ? "1" : "1/"
                            + c[rare]) + "); compare over several --seed values, or give more examples of that class");
                }
            }
            if (n < 20) {
                fewTestRows.add(t);
            }
            if (t.loss() == org.mtlalign.model.Loss.SQUARED) {
                double max = largestDeviation(t);
                if (max > 1e6) {
                    w.add(String.format(Locale.ROOT, "task '%s': labels reach %.3g from their training mean; squared "
                            + "loss on that scale overflows float32 easily and dwarfs the other tasks; rescale the labels "
                            + "or pass --standardize-labels", t.name(), max));
                }
            }
        }
        perTask(w, oneClassValLines, oneClassVal, tasks.size(), "have validation rows of one class only, so early "
                + "stopping and the '!' check judge them by how surely they predict that class, not by how they separate "
                + "the two; they need more examples of their rarer class");
        perTask(w, oneClassTestLines, oneClassTest, tasks.size(), "have test rows of one class only, so their AUC is "
                + "undefined (shown as -); they need more examples of their rarer class");
        perTask(w, fewRareLines, fewRare, tasks.size(), "have fewer than " + FEW_OF_A_CLASS + " test rows of their rarer "
                + "class, so their AUCs rest on those rows and are noisy (with n of them, one row's rank moves the AUC by "
                + "up to 1/n); compare over several --seed values, or give more examples of those classes");
        if (fewTestRows.size() < DataOptions.SUMMARISED_FROM) {
            for (PreparedTask t : fewTestRows) {
                w.add("task '" + t.name() + "' has only " + testRows(t.test().length) + "; its metrics and transfer are noisy");
            }
        } else {
            StringBuilder b = new StringBuilder();
            for (PreparedTask t : fewTestRows) {
                b.append(b.length() == 0 ? "" : ", ").append(t.name()).append(" (").append(t.test().length).append(')');
            }
            w.add(fewTestRows.size() + " of " + tasks.size() + " tasks have fewer than 20 test rows, so their metrics "
                    + "and transfers are noisy: " + b);
        }
        return w;
    }

    /**
     * The largest distance of a regression task's label from its column's training mean. Measured
     * from the mean, not from 0: the head's bias starts at that mean (MtlExperiment.newModel), so
     * labels of 3e6 + N(0, 4) train as labels of N(0, 4) do (test MSE 0.0182 of the variance against
     * 0.0156 for a float64 fit), where 'labels reach 3e+06 ... dwarfs the other tasks' was said of
     * them; under --no-bias their offset has its own warning ({@link #noBiasOffsetWarnings}).
     */
    static double largestDeviation(PreparedTask t) {
        int q = t.targetColumns();
        float[] y = t.target();
        double[] sum = new double[q];
        long[] n = new long[q];
        for (int r : t.train()) {
            for (int c = 0; c < q; c++) {
                float v = y[r * q + c];
                if (!Float.isNaN(v)) { // NaN: a missing label
                    sum[c] += v;
                    n[c]++;
                }
            }
        }
        double max = 0;
        for (int i = 0; i < y.length; i++) {
            int c = i % q;
            if (!Float.isNaN(y[i]) && n[c] > 0) {
                max = Math.max(max, Math.abs(y[i] - sum[c] / n[c]));
            }
        }
        return max;
    }

    /**
     * Adds a warning of one kind: each task's own line, or from DataOptions.SUMMARISED_FROM tasks
     * on one line, "N of k tasks WHAT: name (detail), ...".
     */
    private static void perTask(List<String> w, List<String> lines, List<String> entries, int k, String what) {
        if (entries.size() < DataOptions.SUMMARISED_FROM) {
            w.addAll(lines);
        } else {
            w.add(entries.size() + " of " + k + " tasks " + what + ": " + String.join(", ", entries));
        }
    }

    /**
     * The notes (0, 1 or 2 lines, without "note: ") for trainings that failed at their start and
     * were trained again from another initialisation (MtlExperiment.trainFresh): those a restart
     * fixed, whose results are the restart's, and those where every restart failed too, whose
     * results are the first start's. Each entry is "NAME: REASON" (NAME with its seed where there are
     * several); {@code total} is how many trainings the command made.
     */
    static List<String> restartNotes(List<String> fixed, List<String> notFixed, int total) {
        List<String> out = new ArrayList<>();
        if (!fixed.isEmpty()) {
            out.add(count(fixed.size(), total) + " failed at " + (fixed.size() == 1 ? "its" : "their") + " start and "
                    + (fixed.size() == 1 ? "was" : "were") + " trained again from another initialisation, which "
                    + "learned: the results shown are the restart's (" + String.join("; ", shownOf(fixed)) + ")");
        }
        if (!notFixed.isEmpty()) {
            out.add(count(notFixed.size(), total) + " failed at " + (notFixed.size() == 1 ? "its" : "their")
                    + " start and at each of " + MtlExperiment.RESTARTS + " restarts from another initialisation, so the "
                    + "first start's results stand (" + String.join("; ", shownOf(notFixed)) + "): a task that learns "
                    + "nothing from any start may have no signal at this width");
        }
        return out;
    }

    private static String count(int n, int total) {
        return total == 1 ? "the training" : n + " of " + total + " trainings";
    }

    private static List<String> shownOf(List<String> all) {
        int shown = Math.min(6, all.size());
        List<String> out = new ArrayList<>(all.subList(0, shown));
        if (shown < all.size()) {
            out.add("and " + (all.size() - shown) + " more");
        }
        return out;
    }

    /**
     * The advice for trainings that never improved on their start (best epoch 0): more epochs
     * only for those that ran all of them; one that early stopping ended had --patience epochs
     * without a gain, which more epochs would not change.
     */
    static String neverImprovedAdvice(boolean someRanAllEpochs, boolean someStoppedEarly, int patience) {
        if (!someStoppedEarly) {
            return "try another --lr or more --epochs";
        }
        return "try another --lr (more --epochs would not help where early stopping ended the training: --patience "
                + patience + (patience == 1 ? " epoch" : " epochs") + " passed without a gain on the start)"
                + (someRanAllEpochs ? ", or more --epochs for those that ran them all" : "");
    }

    /**
     * The note for an MTL model whose summed validation loss was best after its first of many
     * epochs (or null): the tasks' losses pulled apart from the start (768-d embeddings of 300 to
     * 5000 rows: every task far below its STL baseline), and the tables alone do not say why.
     */
    static String oneEpochNote(ExperimentResult.Training t, int epochsBefore, int tasks) {
        return oneEpochNote(t, epochsBefore, tasks, org.mtlalign.train.TrainConfig.Sampling.ROUND_ROBIN);
    }

    /** As above; under proportional sampling the note does not suggest it. */
    static String oneEpochNote(ExperimentResult.Training t, int epochsBefore, int tasks,
            org.mtlalign.train.TrainConfig.Sampling sampling) {
        if (!t.run().equals("MTL") || epochsBefore > 0 || t.bestEpoch() != 1 || t.epochsRun() < 10
                || t.diverged() != null || tasks < 2) {
            return null;
        }
        return "MTL's validation loss (summed over the tasks) was lowest after its first epoch and no later epoch "
                + "improved on it, so its model had one epoch of training: typically a task with few rows overfits at "
                + "once, or tasks compete for the shared module; 'mtl pairs' measures which pairs conflict"
                + (sampling == org.mtlalign.train.TrainConfig.Sampling.PROPORTIONAL ? ""
                        : ", and --sampling proportional gives the large tasks more of the steps");
    }

    private static String chanceCell(TaskReport t, String run, double metric) {
        return Tables.num(metric) + (t.noBetterThanPrior().contains(run) ? "!" : "");
    }

    /**
     * The note for regression tasks that linear models fit well, trained with ReLU (or null): a
     * ReLU layer of width r cannot represent a rank-r linear map (that takes 2r units), so on such
     * tasks it trains far worse than the identity (four linear tasks of a planted rank 2, r = 2:
     * test MSE 0.11-0.44 for the ReLU baselines and up to 1.83 for MTL, against 0.05-0.09 for
     * identity), and the tables alone read as negative transfer.
     */
    static String linearTasksNote(Capacity.Suggestion c, ExperimentConfig cfg, List<PreparedTask> tasks) {
        if (cfg.activation() != org.mtlalign.model.Activation.RELU || !c.validated()
                || tasks.stream().anyMatch(t -> t.loss() != org.mtlalign.model.Loss.SQUARED)) {
            return null;
        }
        double[] err = c.validationError();
        double atR = err[Math.min(cfg.rank(), err.length) - 1];
        if (!(atR <= LINEAR_ERROR)) {
            return null;
        }
        return String.format(Locale.ROOT, "linear models of width r = %d explain %.0f%% of the held-out targets' "
                + "variance (capacity above): these tasks look linear, and a ReLU module of width r cannot represent a "
                + "rank-r linear map (that takes 2r units); compare with --activation identity (the paper's linear "
                + "model) or a wider --rank", cfg.rank(), 100 * (1 - atR));
    }

    /** Under round-robin sampling, tasks whose training rows differ by this factor or more get a warning. */
    static final int SIZE_RATIO = 100;

    /** {@link #noisyThetaWarning(List, int[], int, double[], int)} on each task's training rows. */
    private static String noisyThetaWarning(Backend backend, List<PreparedTask> tasks, ExperimentConfig cfg) {
        int k = tasks.size();
        int d = tasks.get(0).dim();
        double[] ratio = new double[k];
        int[] rows = new int[k];
        int total = 0;
        for (int i = 0; i < k; i++) {
            // One task's rows at a time: all of them gathered at once would hold the inputs twice.
            org.mtlalign.data.TrainingRows tr = org.mtlalign.data.TrainingRows.of(List.of(tasks.get(i)));
            ratio[i] = new org.mtlalign.analysis.SvdReweighting(backend).noiseRatios(tr.xs(), tr.rows(), d, tr.ys(),
                    tr.cols())[0];
            rows[i] = tr.rows()[0];
            total += tr.cols()[0];
        }
        int r = org.mtlalign.analysis.SvdReweighting.rank(cfg.reweightRank(), cfg.rank(), k, d, total);
        return noisyThetaWarning(tasks.stream().map(PreparedTask::name).toList(), rows, d, ratio, r);
    }

    /**
     * The warning (or null) for tasks whose theta_i, Algorithm 2's label direction, is mostly
     * sampling noise ({@link org.mtlalign.analysis.SvdReweighting#noiseRatios} above
     * {@link org.mtlalign.analysis.SvdReweighting#NOISY_RATIO}). Their weights are not the only
     * ones at stake: the noise lies in directions no other task shares, so it can take one of the r
     * directions of U_r, and the tasks that lose it are down-weighted although their own theta_i is
     * sound (README, Algorithm 2, has the measurements).
     */
    static String noisyThetaWarning(List<String> names, int[] rows, int d, double[] ratio, int r) {
        List<String> noisy = new ArrayList<>();
        for (int i = 0; i < ratio.length; i++) {
            if (ratio[i] > org.mtlalign.analysis.SvdReweighting.NOISY_RATIO) {
                noisy.add(String.format(Locale.ROOT, "%s (%d training rows, noise %.2f of its norm)", names.get(i),
                        rows[i], ratio[i]));
            }
        }
        if (noisy.isEmpty()) {
            return null;
        }
        boolean one = noisy.size() == 1;
        String listed = noisy.size() <= 5 ? String.join(", ", noisy)
                : String.join(", ", noisy.subList(0, 5)) + " and " + (noisy.size() - 5) + " more";
        return String.format(Locale.ROOT, "Algorithm 2: %s too few training rows for d = %d to estimate %s label "
                + "direction theta_i = X_i^T (y_i - mean y_i) / m_i: its sampling noise is over %.1f of its norm (about "
                + "1 when the labels carry no signal): %s. The noise lies in directions the other tasks do not share "
                + "and can take one of the r = %d directions of U_r, lowering the weights of tasks whose theta_i is "
                + "sound (by 0.08 on average in a measurement the README's Algorithm 2 section gives). More "
                + "rows for %s, leaving %s out, or --reweight none avoid it",
                one ? "1 task has" : noisy.size() + " tasks have", d, one ? "its" : "their",
                org.mtlalign.analysis.SvdReweighting.NOISY_RATIO, listed, r, one ? "it" : "them", one ? "it" : "them");
    }

    /**
     * The warning for tasks of very different sizes under round-robin sampling (or null): every task
     * gets the same number of steps and its mean validation loss counts alike in early stopping, so
     * the smallest task is passed over hundreds of times per pass over the largest, overfits, and
     * can stop the training while the large tasks are far from fitted (a 1%-positive task of 20000
     * rows beside one of 50 rows ended at AUC 0.83 in MTL, 0.9997 with --sampling proportional).
     * How many passes over the small task come with one over the large one is counted in steps
     * (a task's batch is min(--batch, its rows)): 9 rows beside 1200 at --batch 32 are passed over
     * 38 times (38 steps to one), not 133 as the rows' ratio would say.
     */
    static String sizeWarning(List<PreparedTask> tasks, org.mtlalign.train.TrainConfig tc) {
        if (tc.sampling() != org.mtlalign.train.TrainConfig.Sampling.ROUND_ROBIN || tasks.size() < 2) {
            return null;
        }
        PreparedTask small = tasks.get(0);
        PreparedTask large = tasks.get(0);
        for (PreparedTask t : tasks) {
            small = t.train().length < small.train().length ? t : small;
            large = t.train().length > large.train().length ? t : large;
        }
        long few = small.train().length;
        long many = large.train().length;
        if (many < SIZE_RATIO * Math.max(1, few)) {
            return null;
        }
        long b = tc.batchSize();
        long passes = Math.round((double) ((many + b - 1) / b) / Math.max(1, (few + b - 1) / b));
        return String.format(Locale.ROOT, "task '%s' has %d training row%s and task '%s' %d (%d times as many): under "
                + "--sampling round-robin every task gets the same number of steps, so '%s' is revisited "
                + "about %d times per pass over '%s' and may overfit early, and as early stopping sums the tasks' mean "
                + "validation losses alike, it can end the training before the larger tasks are fitted; --sampling "
                + "proportional steps each task by its size", small.name(), few, few == 1 ? "" : "s", large.name(), many,
                many / Math.max(1, few), small.name(), passes, large.name());
    }

    /**
     * Under --no-bias, squared-loss tasks whose training labels sit further from 0 than they vary
     * (|mean| above the standard deviation, per label column): the bias-free model starts at 0 and
     * can fit an offset only through the inputs, which the default standardisation centres, so the
     * offset is loss that no input explains and that the summed loss, shared module and early
     * stopping all follow. Labels of 1e4 + N(0, 1) next to unit tasks gave an MSE of 1e8 for that
     * task and ruined the others' MTL (a unit task's MSE 0.045 -> 4.2), with nothing naming why.
     * Empty without --no-bias: a bias fits the mean.
     */
    static List<String> noBiasOffsetWarnings(List<PreparedTask> tasks, boolean noBias) {
        List<String> w = new ArrayList<>();
        if (!noBias) {
            return w;
        }
        for (PreparedTask t : tasks) {
            int[] rows = t.train();
            if (t.loss() != org.mtlalign.model.Loss.SQUARED || rows.length == 0) {
                continue;
            }
            int c = t.targetColumns();
            float[] y = t.target();
            double worst = 0;
            double worstMean = 0;
            double worstSd = 0;
            for (int o = 0; o < c; o++) {
                double sum = 0;
                for (int r : rows) {
                    sum += y[r * c + o];
                }
                double mu = sum / rows.length;
                double ss = 0;
                for (int r : rows) {
                    double v = y[r * c + o] - mu;
                    ss += v * v;
                }
                double sd = Math.sqrt(ss / rows.length);
                double ratio = sd > 0 ? Math.abs(mu) / sd : mu != 0 ? Double.POSITIVE_INFINITY : 0;
                if (ratio > worst) {
                    worst = ratio;
                    worstMean = mu;
                    worstSd = sd;
                }
            }
            if (worst > 1) {
                w.add(String.format(Locale.ROOT, "task '%s': its labels' mean (%.3g%s) is %s their standard deviation "
                        + "(%.3g), and --no-bias leaves the model no bias to fit it: predictions start at 0 and the "
                        + "offset can only come through the inputs (centred unless --standardize none), so it is loss that the "
                        + "shared module and early stopping chase for every task; centre the labels "
                        + "(--standardize-labels does) or drop --no-bias", t.name(), worstMean,
                        c > 1 ? ", in one of its " + c + " columns" : "",
                        Double.isInfinite(worst) ? "far beyond" : String.format(Locale.ROOT, "%.3g times", worst), worstSd));
            }
        }
        return w;
    }

    /** See {@link TaskReport#RARE_POSITIVES}. */
    static final double RARE_POSITIVES = TaskReport.RARE_POSITIVES;

    /**
     * For binary tasks whose positive class is rare in the test rows, the average precision of
     * each run beside the positive rate (what a random ranking scores): an AUC of 0.99 on 0.1%
     * positives can still bring many false positives with each true one, which AUC does not show.
     */
    static void printAveragePrecision(PrintWriter o, ExperimentResult res) {
        List<List<String>> rows = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (TaskReport t : res.tasks()) {
            TaskReport.AveragePrecision ap = t.averagePrecision();
            if (ap != null && ap.rare()) {
                rows.add(List.of(t.name(), String.format(Locale.ROOT, "%.3g%%", 100 * ap.positiveRate()),
                        Tables.num(ap.stl()), Tables.num(ap.mtl()), Tables.num(ap.mtlAlign()), Tables.num(ap.mtlReweight())));
            } else if (ap != null && ap.positiveRate() < 1 && ap.positiveRate() > 1 - RARE_POSITIVES && t.classes() != null) {
                // The rare class is the negative one (text labels sort 'ok' after 'fraud'): its
                // average precision is what matters, and --positive gives it.
                notes.add(String.format(Locale.ROOT, "note: task '%s': its positive class '%s' is %.3g%% of its test rows; "
                        + "for the average precision of finding the rare class '%s', pass %s", t.name(),
                        t.classes().get(1), 100 * ap.positiveRate(), t.classes().get(0),
                        org.mtlalign.ShellWords.taskOption("--positive", t.name(), t.classes().get(0))));
            }
        }
        if (!rows.isEmpty()) {
            o.println();
            o.println("average precision of binary tasks with under " + Math.round(100 * RARE_POSITIVES) + "% positives in "
                    + "their test rows (area under the precision-recall curve; a random ranking scores the positive rate)");
            Tables.print(o, List.of("task", "positives", "STL", "MTL", "MTL+align", "MTL+reweight"), rows);
        }
        notes.forEach(o::println);
    }

    /**
     * For multi-class tasks whose largest class holds over half their test rows, the balanced
     * accuracy of each run (the mean over the classes of each class's recall): there, always
     * predicting the largest class has an accuracy over 0.5 but a balanced accuracy of 1 / classes.
     */
    static void printBalancedAccuracy(PrintWriter o, ExperimentResult res) {
        List<List<String>> rows = new ArrayList<>();
        for (TaskReport t : res.tasks()) {
            TaskReport.BalancedAccuracy ba = t.balancedAccuracy();
            if (ba != null && ba.skewed()) {
                rows.add(List.of(t.name(), String.format(Locale.ROOT, "%.3g%%", 100 * ba.largestClassRate()),
                        Integer.toString(ba.classesInTest()), Tables.num(ba.stl()), Tables.num(ba.mtl()),
                        Tables.num(ba.mtlAlign()), Tables.num(ba.mtlReweight())));
            }
        }
        if (!rows.isEmpty()) {
            o.println();
            o.println("balanced accuracy of multi-class tasks whose largest class is over half their test rows (the mean "
                    + "of each class's recall; always predicting the largest class scores 1 / classes)");
            Tables.print(o, List.of("task", "largest class", "classes", "STL", "MTL", "MTL+align", "MTL+reweight"), rows);
        }
    }

    /** Below this held-out error (over the variance) at the run's width, the tasks count as linear. */
    static final double LINEAR_ERROR = 0.2;

    /** Runs flagged '!' on more tasks than this are counted in the warning, not listed. */
    static final int FLAGGED_NAMES = 6;

    /**
     * The '!' warning's list, a run and its flagged tasks each. Forty tasks of which half learned
     * nothing made it one line of 900 characters: past a few names a run's tasks are counted, as
     * the table's marks (and the JSON's noBetterThanPrior) name them.
     */
    static List<String> flaggedRuns(Map<String, List<String>> tasksByRun, int k) {
        List<String> flagged = new ArrayList<>();
        tasksByRun.forEach((run, names) -> {
            if (names.size() > FLAGGED_NAMES) {
                flagged.add(run + " on " + names.size() + " of " + k + " tasks");
            } else if (!names.isEmpty()) {
                flagged.add(run + " " + String.join(", ", names));
            }
        });
        return flagged;
    }

    /**
     * The warning naming runs whose loss is no better than the constant prediction's while they
     * order the rows beyond chance ({@code runs}: "MTL t4, t5" or "seed 1 MTL t4"); one seed's run
     * and --seeds alike.
     */
    static String miscalibratedWarning(List<String> runs) {
        return "miscalibrated, not uninformed (" + String.join("; ", runs) + "): a validation loss no better than "
                + "predicting the training labels' class rates, yet the validation rows ordered beyond chance (AUC or "
                + "accuracy over 3 standard errors above it), so the test metric stands while the loss and 'mtl predict' "
                + "probabilities are poorly calibrated";
    }

    /** @param epochsBefore epochs the resumed MTL model had trained before this run (0: not resumed) */
    private static void printResult(PrintWriter o, Warnings warnings, ExperimentResult res, ExperimentConfig cfg,
                                    List<PreparedTask> tasks, int epochsBefore, float alignLrFactor) {
        o.println();
        o.println("test metric per task (transfer = MTL - STL, signed so + means MTL helps)");
        List<List<String>> rows = new ArrayList<>();
        Map<String, List<String>> chance = new java.util.LinkedHashMap<>(); // run -> its tasks
        Map<String, List<String>> miscalibrated = new java.util.LinkedHashMap<>();
        for (String run : List.of("STL", "MTL", "MTL+align", "MTL+reweight")) {
            chance.put(run, new ArrayList<>());
            miscalibrated.put(run, new ArrayList<>());
        }
        for (TaskReport t : res.tasks()) {
            rows.add(List.of(t.name(), Loss.metricLabel(t.metric()), chanceCell(t, "STL", t.stl()), chanceCell(t, "MTL", t.mtl()),
                    chanceCell(t, "MTL+align", t.mtlAlign()), chanceCell(t, "MTL+reweight", t.mtlReweight()),
                    Tables.num(t.weight()),
                    Tables.signed(t.transfer(), Math.max(Math.abs(t.stl()), Math.abs(t.mtl()))), t.transferSign()));
            for (String run : t.noBetterThanPrior()) {
                chance.get(run).add(t.name());
            }
            for (String run : t.miscalibrated()) {
                miscalibrated.get(run).add(t.name());
            }
        }
        Tables.print(o, List.of("task", "metric", "STL", "MTL", "MTL+align", "MTL+reweight", "alpha", "transfer", "sign"),
                rows);
        List<String> flagged = flaggedRuns(chance, res.tasks().size());
        if (!flagged.isEmpty()) {
            // Beside the table (a metric such as AUC 0.50 or an MSE near the label variance does
            // not say it by itself), and in the JSON's warnings.
            List<String> causes = new ArrayList<>(List.of("the task has no signal at r = " + cfg.rank(),
                    "the training stopped on the plateau it starts on (raise --patience or --epochs)"));
            if (cfg.activation() == org.mtlalign.model.Activation.RELU) {
                causes.add("its ReLU units all died (a wider --rank or --activation identity makes that rarer)");
            }
            if (res.tasks().size() > 1) {
                causes.add("in MTL the other tasks took the shared module ('mtl pairs' measures which)");
            }
            String w = "! marks a model no better than predicting the training labels' mean or class rates on its "
                    + scoringRows(tasks) + " (" + String.join("; ", flagged) + "): it learned nothing from the inputs; "
                    + "either " + String.join(", ", causes.subList(0, causes.size() - 1)) + ", or "
                    + causes.get(causes.size() - 1) + "; a transfer involving it says little";
            o.println("warning: " + w);
            warnings.keep(w);
        }
        List<String> sure = flaggedRuns(miscalibrated, res.tasks().size());
        if (!sure.isEmpty()) {
            // Before, these carried the '!' and its "learned nothing": a 4096-d embedding task of
            // 480 training rows with validation AUC 0.878 was one.
            int d = tasks.get(0).dim();
            int fewest = tasks.stream().mapToInt(p -> p.train().length).min().orElse(0);
            String w = miscalibratedWarning(sure)
                    + (d > fewest ? " (overconfident logits are typical when d = " + d + " exceeds the training rows, "
                            + fewest + " in the smallest task)" : "");
            o.println("warning: " + w);
            warnings.keep(w);
        }
        if (res.tasks().stream().anyMatch(t -> t.transferSign().equals("positive") || t.transferSign().equals("negative"))) {
            // The sign column says "positive" for any difference; one split cannot say whether it
            // would keep that sign (docs/results/false-positives.md: on tasks with nothing in common
            // one seed's signs split both ways).
            o.println("note: one seed and split: a transfer's sign may be noise; mtl train --seeds 5 marks the "
                    + "differences that keep their sign in every seed (1 time in 16 without a real effect)");
        }
        printAveragePrecision(o, res);
        printBalancedAccuracy(o, res);
        o.println();
        o.println("how each training ended (early stopping on the weighted validation loss; 'cap' = all epochs ran)");
        List<List<String>> tr = new ArrayList<>();
        boolean improving = false;
        boolean alignKeptStart = false;
        for (ExperimentResult.Training t : res.trainings()) {
            // "still improving": the best epoch lies in the last tenth of the run.
            boolean late = t.stillImproving();
            String end = t.diverged() != null ? "diverged" : !t.hitEpochCap() ? "patience" : late ? "cap, improving" : "cap";
            // A resumed MTL model's epochs are this run's; the ones before the resume are said.
            boolean continued = epochsBefore > 0 && t.run().equals("MTL");
            tr.add(List.of(continued ? "MTL (resumed)" : t.run(), t.epochsRun() + (continued ? " (+" + epochsBefore
                    + " before)" : ""), Integer.toString(t.bestEpoch()), Tables.num(t.bestValidationLoss()), end));
            improving |= late && t.diverged() == null;
            alignKeptStart |= t.run().equals("MTL+align") && t.bestEpoch() == 0 && t.diverged() == null;
        }
        Tables.print(o, List.of("model", "epochs", "best epoch", "best val loss", "ended by"), tr);
        for (ExperimentResult.Training t : res.divergedRuns()) {
            // Beside the tables it concerns (standard output), and in the JSON's warnings too.
            String w = t.diverged().replace("parameters restored to the last good epoch (",
                    "its model is not used (its best epoch was ") + "; its test metrics are shown as -";
            if (t.run().equals("MTL+align")) {
                // The phase ran at --lr x --align-lr-factor: the factor is what to lower.
                w = w.replace("try a smaller --lr", divergenceAdvice(List.of(t.run())));
            }
            o.println("warning: " + w);
            warnings.keep(w);
        }
        if (improving) {
            o.println("note: a model marked 'cap, improving' reached its best epoch near the end of --epochs; raise "
                    + "--epochs for a converged comparison");
        }
        if (res.trainings().stream().anyMatch(t -> t.run().equals("MTL+align"))) {
            // The phase's own settings, which the table does not show (the JSON's config has the factor).
            int d = tasks.get(0).dim();
            o.println("note: MTL+align is the MTL model's best epoch trained further from R_i = I ("
                    + cfg.alignMode().cliName() + (cfg.alignMode() == ExperimentConfig.AlignMode.FIXED_B
                            ? ": B fixed, R_i and the heads trained" : ": B, R_i and the heads trained")
                    + ") at lr " + fourDigits(cfg.train().learningRate() * alignLrFactor) + " (--lr "
                    + plain(cfg.train().learningRate()) + " x --align-lr-factor " + fourDigits(alignLrFactor)
                    + (d > MtlExperiment.ALIGN_LR_DIM && alignLrFactor == MtlExperiment.alignLrFactor(d)
                            ? ", its default at d = " + d + ": 0.1 x 64 / d" : "")
                    + "), a fresh optimiser state, and the same early stopping; its epochs are counted from there");
        }
        if (res.similarityAligned() != null) {
            o.println("note: MTL+align adds a d x d matrix R_i per task, so R_i B can fit a task on its own: compare it "
                    + "with STL too, not only with MTL (a gain over MTL can be capacity rather than alignment)");
            String few = fewerRowsThanInputs(tasks);
            if (few != null) {
                // Measured: 6 tasks of 30 training rows, d = 300 (rotated copies of one linear task):
                // the alignment phase lowered the validation loss (3.87 -> 3.58) while 5 of 6 tasks'
                // test MSE rose.
                String w = "MTL+align trains " + tasks.get(0).dim() + " x " + tasks.get(0).dim() + " = "
                        + (long) tasks.get(0).dim() * tasks.get(0).dim() + " entries of R_i per task, and " + few
                        + " no more training rows than inputs, where X_i R_i B can fit any training labels: only early "
                        + "stopping on the validation rows holds R_i back, so a gain over MTL may be chosen by noise "
                        + "in those rows (compare several --seeds)";
                o.println("warning: " + w);
                warnings.keep(w);
            }
        }
        List<String> fixed = new ArrayList<>();
        List<String> notFixed = new ArrayList<>();
        for (ExperimentResult.Training t : res.trainings()) {
            if (t.restarts() > 0) {
                (t.restartKept() ? fixed : notFixed).add(t.run() + ": " + t.restartReason());
            }
        }
        for (String restartNote : restartNotes(fixed, notFixed, res.trainings().size())) {
            o.println("note: " + restartNote);
        }
        List<String> neverImproved = new ArrayList<>();
        boolean neverImprovedAtCap = false;
        boolean neverImprovedStopped = false;
        boolean neverImprovedShared = false;
        for (ExperimentResult.Training t : res.trainings()) {
            // (A resumed MTL model starts trained: best epoch 0 there means no further gain, said by its row.)
            boolean resumedMtl = epochsBefore > 0 && t.run().equals("MTL");
            if (t.bestEpoch() == 0 && t.epochsRun() > 0 && t.diverged() == null && !t.run().equals("MTL+align")
                    && !resumedMtl) {
                neverImproved.add(t.run());
                boolean stopped = t.epochsRun() < cfg.train().epochs();
                neverImprovedAtCap |= !stopped;
                neverImprovedStopped |= stopped;
                neverImprovedShared |= stopped && !t.run().startsWith("STL ") && tasks.size() > 1;
            }
        }
        if (!neverImproved.isEmpty()) {
            o.println("note: " + String.join(", ", neverImproved) + " never improved the validation loss of the "
                    + "starting point (best epoch 0), so the metrics are those of the initialisation and transfers "
                    + "involving it say little; "
                    + neverImprovedAdvice(neverImprovedAtCap, neverImprovedStopped, cfg.train().patience())
                    + (neverImprovedShared ? "; a multi-task model's validation loss sums every task's "
                            + (cfg.train().sampling() == org.mtlalign.train.TrainConfig.Sampling.PROPORTIONAL
                                    ? "weighted by its training rows, as proportional sampling trains them"
                                    : "alike") + ", so tasks "
                            + "whose loss rises from the start (a task with few rows that overfits at once, or tasks "
                            + "competing for the shared module) can hold it above its start while other tasks improve: "
                            + "'mtl pairs' measures which pairs conflict" : ""));
        }
        for (ExperimentResult.Training t : res.trainings()) {
            String note = oneEpochNote(t, epochsBefore, tasks.size(), cfg.train().sampling());
            if (note != null) {
                o.println("note: " + note);
            }
        }
        if (alignKeptStart) {
            o.println("note: the alignment phase never improved the validation loss, so MTL+align kept the MTL "
                    + "model (R = I) and its similarities equal those before alignment; --align-lr-factor sets the "
                    + "phase's learning rate");
        }
        if (cfg.reweight() != null && res.tasks().size() == 1) {
            o.println("note: MTL+reweight needs at least two tasks (Algorithm 2 weighs the tasks against each "
                    + "other), so it did not run (-)");
        }
        if (res.reweightAlpha() != null) {
            o.println("note: alpha (Algorithm 2) is the share of each task's label direction theta_i inside the top "
                    + "shared directions: a low alpha means 'outside them' (unrelated or noisy), not necessarily noisy"
                    + (res.tasks().size() == 2 ? "; with two tasks only one direction is kept, so one of them is "
                            + "down-weighted unless their directions agree" : ""));
        }
        o.println("note: the validation losses are weighted sums over the model's tasks (reweighting changes the "
                + "weights), so compare them within a row's model, not across models");
        List<String> names = tasks.stream().map(PreparedTask::name).toList();
        o.println();
        Tables.matrix(o, String.format(Locale.ROOT, "covariance similarity (eq. 5, %s%% rank rule; %s)",
                Tables.percent(cfg.energy()), Tables.ranks(res.similarityRanks())), names, res.similarity());
        String self = selfScoreNote(res.similarity());
        if (self != null) {
            o.println("note: " + self);
        }
        if (res.similarityAligned() != null) {
            o.println();
            Tables.matrix(o, "covariance similarity after alignment (X_i R_i)", names, res.similarityAligned());
            // Measured: 4 rotated copies of one anisotropic linear task (d 30, r 1): alignment took
            // MTL's MSE from 0.03-0.06 to STL's 0.011-0.013 while no pair's score moved by 0.002.
            o.println("note: the loss sees R_i only through R_i B, so R_i - I is of rank about r and X_i R_i differs "
                    + "from X_i in few directions: this score can stay flat (or fall) while alignment fits the "
                    + "tasks, and rises only when that shared part carries much of each task's input variance");
        }
        o.println();
        Capacity.Suggestion c = res.capacity();
        o.println(capacityLine(c));
        String flat = flatNote(c);
        boolean relu = cfg.activation() == org.mtlalign.model.Activation.RELU;
        if (flat != null) {
            o.println("note: " + flat + (relu ? " (ReLU modules often train best above the linear suggestion)" : ""));
        }
        String linear = linearTasksNote(c, cfg, tasks);
        if (linear != null) {
            o.println("note: " + linear);
        } else if (flat == null && relu && c.validated()
                && cfg.rank() == c.suggestedRank() && c.suggestedRank() < c.noTransferRank()) {
            // Measured on 27 suites (docs/results/capacity-suggestion.md): the suggestion comes
            // from linear fits, and ReLU modules often trained best a width or more above it.
            o.println("note: the suggestion is for linear models; with ReLU a width or two more often trains better "
                    + "(try --rank " + (c.suggestedRank() + 1) + (c.suggestedRank() + 2 <= c.noTransferRank()
                            ? " and " + (c.suggestedRank() + 2) : "") + ")");
        }
        o.printf(Locale.ROOT, "done in %.1f s (peak heap %.0f MiB)%n", res.seconds(), Outputs.peakHeapBytes() / 1048576.0);
    }
}
