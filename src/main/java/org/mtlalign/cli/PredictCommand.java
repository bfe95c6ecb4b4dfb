package org.mtlalign.cli;

import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mtlalign.UserInputException;
import org.mtlalign.backend.Backend;
import org.mtlalign.data.FiniteCheck;
import org.mtlalign.data.Npy;
import org.mtlalign.data.NpyArray;
import org.mtlalign.data.TaskLoader;
import org.mtlalign.model.ModelIO;
import org.mtlalign.model.MtlModel;
import org.mtlalign.model.TaskHead;
import org.mtlalign.train.Predictor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `mtl predict`: a saved MTL model (mtl train --out) applied to new inputs of one of its tasks,
 * with the standardisation fitted at training time.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = {"Applies a model saved by 'mtl train --out DIR' (the MTL model) or '--out-aligned DIR' (MTL + "
                + "alignment: X enters B as X R_i) to new inputs of one of its tasks.",
                "The inputs are standardised as at training time. Writes, per row: for a regression head its "
                        + "predicted value(s); for a binary head the probability of the positive class; for a "
                        + "softmax head the probability of each class (in the order of the class values printed)."})
public final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A model folder (mtl train --out or --out-aligned).")
    Path model;

    @Option(names = "--task", required = true, paramLabel = "NAME", description = "Which task's head to use.")
    String task;

    @Option(names = "--in", required = true, paramLabel = "X", description = "Inputs, m x d (.npy or CSV, as for training; a .npz: its only array or its X).")
    Path in;

    @Option(names = "--out", required = true, paramLabel = "FILE", converter = Main.FileTarget.class,
            description = "Predictions: .npy (float32, m or m x c) or .csv (with a header row); '-' writes the CSV to "
                    + "standard output (and the summary line to standard error).")
    Path out;

    @Mixin
    BackendOption backendOption = new BackendOption();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter e = spec.commandLine().getErr();
        String name = out.getFileName() == null ? "" : out.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean toStdout = out.toString().equals("-");
        boolean csv = toStdout || name.endsWith(".csv");
        if (!csv && !name.endsWith(".npy")) {
            throw new UserInputException("--out " + out + ": give a .npy or .csv file name, or - for CSV on standard output");
        }
        if (!toStdout) {
            Outputs.checkTarget(out, "--out");
            Outputs.checkNotInput(out, "--out", List.of(in, model));
        }
        ModelIO.Loaded loaded = ModelIO.loadForPrediction(model);
        MtlModel m = loaded.model();
        Predictor predictor;
        try {
            predictor = new Predictor(loaded);
        } catch (UserInputException ex) {
            throw new UserInputException("--model " + model + ": " + ex.getMessage(), ex);
        }
        int head = predictor.head(task);
        List<String> names = new ArrayList<>();
        m.heads().forEach(t -> names.add(t.name()));
        if (head < 0) {
            // The same name in another Unicode normalization (a decomposed u + diaeresis from a macOS
            // file name, the composed one typed in Python) prints the same: the error listed the task
            // it refused. One task equal under NFC is the one meant.
            String nfc = java.text.Normalizer.normalize(task, java.text.Normalizer.Form.NFC);
            List<Integer> same = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                if (java.text.Normalizer.normalize(names.get(i), java.text.Normalizer.Form.NFC).equals(nfc)) {
                    same.add(i);
                }
            }
            head = same.size() == 1 ? same.get(0) : -1;
        }
        if (head < 0) {
            throw new UserInputException("--task: the model has no task '" + task + "' (tasks: " + String.join(", ", names)
                    + ")");
        }
        TaskHead h = m.heads().get(head);
        warnIfUnfinished(loaded.json(), e);
        int d = m.inputDim();
        String[] trainedNames = featureNames(loaded.json(), d, model);
        NpyArray xa = readInputs(in, trainedNames);
        if (xa.firstRowMayBePandasHeader() && xa.rank() == 2 && xa.dim(1) == d) {
            // pandas' names for an unnamed frame (0 or 0,1): no partner file to count rows against
            // here, and a file written by to_csv is the likely source.
            xa = xa.withoutPandasHeader();
            e.println("warning: " + in + ": its first line (" + (d == 2 ? "0,1" : "0") + ") was read as pandas' default "
                    + "column names, not as an input row; if it is an input row, save the file with named columns or "
                    + "as .npy");
        }
        int[] inputs = xa.rank() == 2 && xa.dim(1) > d
                ? org.mtlalign.data.FeatureNames.within(trainedNames, xa.columnNames()) : null;
        if (inputs != null) {
            // A table that still holds its label column (or an id) beside the model's inputs,
            // named as in training: predict from those, as a user of pandas would select them.
            java.util.Set<Integer> used = new java.util.HashSet<>();
            for (int j : inputs) {
                used.add(j);
            }
            String[] given = xa.columnNames();
            List<String> left = new ArrayList<>();
            for (int j = 0; j < given.length; j++) {
                if (!used.contains(j)) {
                    left.add("'" + given[j] + "'");
                }
            }
            xa = xa.columns(inputs);
            e.println("note: " + in + ": column" + (left.size() == 1 ? " " : "s ") + (left.size() <= 5
                    ? String.join(", ", left) : String.join(", ", left.subList(0, 5)) + " and " + (left.size() - 5)
                    + " more") + (left.size() == 1 ? " is" : " are") + " not among the model's inputs and "
                    + (left.size() == 1 ? "was" : "were") + " left out; the model's " + d + " columns were taken by name");
        }
        if (trainedNames != null && xa.rank() == 2 && xa.dim(1) != d
                && org.mtlalign.data.FeatureNames.meaningful(xa.columnNames()) != null) {
            // Names say more than a column count: which ones are missing or extra.
            org.mtlalign.data.FeatureNames.match(trainedNames, xa.columnNames(), in.toString());
        }
        if (xa.rank() != 2 || xa.dim(1) != d) {
            // More columns than inputs, without names to pick them by: most often the label or an
            // id column kept beside the inputs (a named file has them left out).
            int extra = xa.rank() == 2 ? xa.dim(1) - d : 0;
            throw new UserInputException(in + ": expected an m x " + d + " array (the model's d), got shape "
                    + java.util.Arrays.toString(xa.shape()) + (extra > 0 ? "; " + (extra == 1 ? "one column" : extra
                            + " columns") + " more than the model's inputs (a label or id column?): drop "
                            + (extra == 1 ? "it" : "them") + (trainedNames != null ? ", or give the file a header "
                                    + "with the model's column names (feature_names in model.json), which leaves other "
                                    + "columns out" : "") : xa.rank() == 1 && d == 1
                            ? "; for the model's one input column, save X.reshape(-1, 1)"
                            : xa.rank() == 1 && xa.dim(0) == d ? "; one row of inputs? save X.reshape(1, -1)" : ""));
        }
        int rows = xa.dim(0);
        if (rows == 0) {
            throw new UserInputException(in + ": no rows");
        }
        FiniteCheck.requireFinite(in.toString(), xa);
        int[] order = org.mtlalign.data.FeatureNames.match(trainedNames, xa.columnNames(), in.toString());
        if (trainedNames == null && org.mtlalign.data.FeatureNames.meaningful(xa.columnNames()) != null) {
            e.println("note: the model records no column names (its training files had no header, or named a column twice), so the columns of "
                    + in + " are taken by position");
        }
        if (order != null) {
            // Columns given by name in another order (e.g. sorted): put them in the model's order.
            float[] x = xa.data();
            float[] row = new float[d];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < d; j++) {
                    row[j] = x[i * d + order[j]];
                }
                System.arraycopy(row, 0, x, i * d, d);
            }
            e.println("note: " + in + ": its columns were matched to the model's by name (they are in another order)");
        }
        if (xa.precisionLoss() != null) {
            e.println("warning: " + in + ": " + xa.precisionLoss());
        }
        float[] pred;
        try (Backend backend = backendOption.select(e::println)) {
            pred = predictor.predict(backend, head, xa.data(), rows);
        }
        String[] columns = columns(h, predictor.classLabels(head));
        String[] predicted = csv ? predictedClasses(h, predictor.classLabels(head), pred, rows) : null;
        if (toStdout) {
            if (!Outputs.printUtf8(o, csvText(pred, rows, columns, predicted))) {
                // Not "wrote standard output": a full disk ends the run with its one-line error.
                return 0;
            }
        } else {
            write(csv, pred, rows, columns, predicted);
        }
        (toStdout ? e : o).printf(Locale.ROOT, "predicted %d %s of task '%s' (%s head%s): wrote %s (%s)%n", rows,
                rows == 1 ? "row" : "rows", task, h.loss().cliName(),
                loaded.json().has(TrainCommand.TRANSFER_KEY)
                        ? (loaded.model().hasAlignment() ? ", fine-tuned with alignment by transfer mode: X R enters the frozen B"
                                : ", fine-tuned by transfer mode on the frozen B")
                        : loaded.model().hasAlignment() ? ", MTL + alignment model: X R_i enters B" : "",
                toStdout ? "standard output" : out, columns.length <= 8 ? String.join(", ", columns)
                        : String.join(", ", java.util.Arrays.copyOf(columns, 4)) + ", ... (" + columns.length
                                + " columns)");
        return 0;
    }

    /**
     * The input file; a CSV whose extra columns are text or missing values (a test table's label
     * column: yes/no, NA) is read again as a table with text columns when every column the model
     * was trained on is named in it once and holds numbers, so that the extra columns can be left
     * out. Otherwise the first error stands.
     */
    private static NpyArray readInputs(Path in, String[] trainedNames) {
        try {
            return TaskLoader.readArray(in);
        } catch (UserInputException ex) {
            if (trainedNames == null || !TaskLoader.isCsv(in)) {
                throw ex;
            }
            NpyArray wide;
            try {
                wide = org.mtlalign.data.Csv.readLabelTable(in).array();
            } catch (UserInputException again) {
                throw ex;
            }
            int[] keep = wide.rank() == 2
                    ? org.mtlalign.data.FeatureNames.within(trainedNames, wide.columnNames()) : null;
            if (keep == null) {
                throw ex;
            }
            for (int j : keep) {
                if (wide.classNames(j) != null) {
                    throw ex; // a model column of words: the first error names it
                }
            }
            return wide;
        }
    }

    /**
     * The input columns' names recorded with the model, or null. mtl train records d distinct
     * names; other ones are a damaged model.json: a name twice (a, a, c) took input column a for
     * both and left b out, silently, and a count other than d blamed the input file's columns.
     */
    static String[] featureNames(JsonObject json, int d, Path model) {
        if (!json.has(TrainCommand.FEATURE_NAMES) || !json.get(TrainCommand.FEATURE_NAMES).isJsonArray()) {
            return null;
        }
        List<String> names = new ArrayList<>();
        String wrong = null;
        for (com.google.gson.JsonElement v : json.getAsJsonArray(TrainCommand.FEATURE_NAMES)) {
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                wrong = "an entry that is not a name: " + v;
                break;
            }
            names.add(v.getAsString());
        }
        // A set, not names.contains per name: d^2 / 2 comparisons took about a minute at d = 200000.
        String twice = wrong == null ? org.mtlalign.data.FeatureNames.repeated(names.toArray(new String[0])) : null;
        if (twice != null) {
            wrong = "'" + twice + "' twice";
        }
        if (wrong == null && names.size() != d) {
            wrong = names.size() + " names for d = " + d + " inputs";
        }
        if (wrong != null) {
            throw new UserInputException(model.resolve(ModelIO.MODEL_JSON) + ": " + TrainCommand.FEATURE_NAMES + " holds "
                    + wrong + "; the saved model is damaged or was edited by hand");
        }
        return names.toArray(new String[0]);
    }

    /** Column names: the class labels recorded with the model where it has them, else indices. */
    private static String[] columns(TaskHead h, List<String> classes) {
        switch (h.loss()) {
            case LOGISTIC:
                return new String[] {"p(y = " + (classes != null ? classes.get(1) : "the positive class") + ")"};
            case SOFTMAX: {
                String[] out = new String[h.outputs()];
                for (int k = 0; k < out.length; k++) {
                    out[k] = "p(y = " + (classes != null ? classes.get(k) : "class " + k) + ")";
                }
                return out;
            }
            default: {
                String[] out = new String[h.outputs()];
                for (int k = 0; k < out.length; k++) {
                    out[k] = out.length == 1 ? "prediction" : "prediction " + k;
                }
                return out;
            }
        }
    }

    /**
     * A classification head's most probable class per row, by label (the positive class of a
     * binary head from probability 0.5 on), for the CSV's "predicted" column; null for regression.
     */
    private static String[] predictedClasses(TaskHead h, List<String> classes, float[] pred, int rows) {
        if (h.loss() == org.mtlalign.model.Loss.SQUARED) {
            return null;
        }
        String[] out = new String[rows];
        int c = h.loss() == org.mtlalign.model.Loss.LOGISTIC ? 1 : h.outputs();
        for (int i = 0; i < rows; i++) {
            int best;
            if (c == 1) {
                best = pred[i] >= 0.5f ? 1 : 0;
            } else {
                best = 0;
                for (int k = 1; k < c; k++) {
                    best = pred[i * c + k] > pred[i * c + best] ? k : best;
                }
            }
            out[i] = classes != null ? classes.get(best) : "class " + best;
        }
        return out;
    }

    private void write(boolean csv, float[] pred, int rows, String[] columns, String[] predicted) {
        int c = columns.length;
        if (!csv) {
            Npy.write(out, c == 1 ? new int[] {rows} : new int[] {rows, c}, pred);
            return;
        }
        Outputs.writeAtomically(out, csvText(pred, rows, columns, predicted), "--out");
    }

    /** The predictions as CSV: a header of the column names (and "predicted"), a line per row. */
    private static String csvText(float[] pred, int rows, String[] columns, String[] predicted) {
        int c = columns.length;
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < c; k++) {
            b.append(k == 0 ? "" : ",").append('"').append(columns[k].replace("\"", "\"\"")).append('"');
        }
        if (predicted != null) {
            b.append(",\"predicted\"");
        }
        b.append('\n');
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < c; k++) {
                b.append(k == 0 ? "" : ",").append(pred[i * c + k]);
            }
            if (predicted != null) {
                b.append(",\"").append(predicted[i].replace("\"", "\"\"")).append('"');
            }
            b.append('\n');
        }
        return b.toString();
    }

    /**
     * The model was saved by a training that had not completed (a checkpoint of a run that was
     * stopped, or the last good parameters of a diverged one): its predictions may be of a barely
     * trained model, which nothing in the output would show.
     */
    static void warnIfUnfinished(com.google.gson.JsonObject json, PrintWriter e) {
        if (!json.has("status") || !json.get("status").isJsonPrimitive()) {
            return;
        }
        String status = json.get("status").getAsString();
        if (status.equals("complete") || status.startsWith("trained")) {
            return;
        }
        String epochs = json.has("epochs_done") && json.get("epochs_done").isJsonPrimitive()
                ? json.get("epochs_done").getAsString() : "?";
        e.println("warning: the model was saved with status '" + status + "' after " + epochs + " epoch(s), not by a "
                + "completed training; its predictions may be poor (mtl train --resume continues it)");
    }
}
