package org.mtlalign.train;

import java.util.List;
import java.util.Map;
import org.mtlalign.UserInputException;
import org.mtlalign.backend.Backend;
import org.mtlalign.backend.cpu.LossKernels;
import org.mtlalign.data.NpyArray;
import org.mtlalign.data.Preparation;
import org.mtlalign.model.Loss;
import org.mtlalign.model.ModelIO;
import org.mtlalign.model.MtlModel;

/**
 * A trained model applied to new raw inputs of one of its tasks: the training-time
 * standardisation (as saved with the model), the forward pass ({@link Evaluator}), and the head's outputs
 * turned into what they mean (regression values; the positive class's probability; one
 * probability per class). What `mtl predict` runs.
 */
public final class Predictor {
    private final MtlModel model;
    private final Map<String, NpyArray> extras;
    /** Per task name, the class labels recorded with the model (model.json's class_values). */
    private Map<String, List<String>> classes = Map.of();

    /**
     * For a model loaded with {@link ModelIO#loadForPrediction} or {@link ModelIO#load} (its
     * standardisation comes with it). A model
     * whose model.json does not say how its inputs were standardised (saved with
     * {@link ModelIO#save(java.nio.file.Path, MtlModel, com.google.gson.JsonObject, Map)} and no
     * standardisation arrays) is refused: applying it to raw inputs would silently be wrong.
     */
    public Predictor(ModelIO.Loaded loaded) {
        this(java.util.Objects.requireNonNull(loaded, "loaded (ModelIO.load or ModelIO.inMemory)").model(),
                loaded.extras());
        if (!standardisationKnown(loaded)) {
            throw new UserInputException("the saved model does not record how its inputs were standardised (no "
                    + "standardisation arrays, no \"" + ModelIO.STANDARDISATION + "\" in model.json); save it with "
                    + "ModelIO.save(dir, model, preparation, meta), as mtl train --out does");
        }
        classes = classLabels(loaded.json());
    }

    /** class_values of model.json: numbers (formatted as the user writes them) or names. */
    private static Map<String, List<String>> classLabels(com.google.gson.JsonObject json) {
        if (!json.has("class_values") || !json.get("class_values").isJsonObject()) {
            return Map.of();
        }
        Map<String, List<String>> out = new java.util.HashMap<>();
        for (Map.Entry<String, com.google.gson.JsonElement> e : json.getAsJsonObject("class_values").entrySet()) {
            if (!e.getValue().isJsonArray()) {
                continue;
            }
            List<String> labels = new java.util.ArrayList<>();
            for (com.google.gson.JsonElement v : e.getValue().getAsJsonArray()) {
                if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()) {
                    labels.add(v.getAsString());
                } else if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
                    labels.add(org.mtlalign.data.EncodedLabels.formatValue(v.getAsFloat()));
                } else {
                    labels = null;
                    break;
                }
            }
            if (labels != null) {
                out.put(e.getKey(), List.copyOf(labels));
            }
        }
        return out;
    }

    /**
     * The class labels of a classification head, in the order of its probabilities (for a
     * binary head the negative class, then the positive one whose probability it gives): the
     * text labels' names or the label values, as recorded by {@code mtl train --out}; null for a
     * regression head, a model that records none, or one built without a {@link ModelIO.Loaded}.
     *
     * @throws IllegalArgumentException for a head index outside the model (-1 from {@link #head}
     *     for an unknown task name included: null would read as "no classes")
     */
    public List<String> classLabels(int head) {
        checkHead(head);
        if (model.heads().get(head).loss() == Loss.SQUARED) {
            return null;
        }
        List<String> c = classes.get(model.heads().get(head).name());
        int expected = model.heads().get(head).loss() == Loss.LOGISTIC ? 2 : model.heads().get(head).outputs();
        return c != null && c.size() == expected ? c : null;
    }

    /**
     * @param extras the saved extras holding each task i's standardisation under
     *     {@link ModelIO#standardizeMeanKey} and {@link ModelIO#standardizeScaleKey}, or an empty
     *     map when the model was trained on unstandardised inputs
     */
    public Predictor(MtlModel model, Map<String, NpyArray> extras) {
        this.model = java.util.Objects.requireNonNull(model, "model");
        this.extras = extras == null ? Map.of() : extras;
    }

    private static boolean standardisationKnown(ModelIO.Loaded loaded) {
        for (String key : loaded.extras().keySet()) {
            if (key.startsWith("standardize_mean_")) {
                return true;
            }
        }
        com.google.gson.JsonObject json = loaded.json();
        if (json.has(ModelIO.STANDARDISATION)) {
            return true;
        }
        // Models saved by mtl train before the key existed: the data options are recorded.
        if (json.has("data_args") && json.get("data_args").isJsonArray()) {
            com.google.gson.JsonArray a = json.getAsJsonArray("data_args");
            for (int i = 0; i + 1 < a.size(); i++) {
                if ("--standardize".equals(a.get(i).getAsString())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The index of the head named {@code task}, or -1 (see {@link #requireHead}). */
    public int head(String task) {
        for (int i = 0; i < model.heads().size(); i++) {
            if (model.heads().get(i).name().equals(task)) {
                return i;
            }
        }
        return -1;
    }

    /** The index of the head named {@code task}; an unknown name is an error naming the heads. */
    public int requireHead(String task) {
        int h = head(task);
        if (h < 0) {
            List<String> names = new java.util.ArrayList<>();
            model.heads().forEach(x -> names.add(x.name()));
            throw new UserInputException("no task '" + task + "' in the model; its tasks are " + String.join(", ", names));
        }
        return h;
    }

    /**
     * Predictions of head {@code head} for {@code rows} raw input rows (row-major, rows x d, not
     * modified): rows x outputs values, probabilities for the classification heads. A row holding
     * NaN or an infinity is not refused: its outputs are NaN (check inputs first where that matters;
     * mtl predict refuses such files).
     *
     * @param head the head's index ({@link #requireHead} finds it by task name)
     * @throws IllegalArgumentException for a head index outside the model
     * @throws UserInputException when x does not hold {@code rows} rows of the model's d inputs
     */
    public float[] predict(Backend backend, int head, float[] x, int rows) {
        java.util.Objects.requireNonNull(backend, "backend");
        java.util.Objects.requireNonNull(x, "x");
        int d = model.inputDim();
        checkHead(head);
        if (rows < 0 || x.length != (long) rows * d) {
            throw new UserInputException("inputs of " + x.length + " values are not " + rows + " rows of d = " + d);
        }
        NpyArray mean = extras.get(ModelIO.standardizeMeanKey(head));
        NpyArray scale = extras.get(ModelIO.standardizeScaleKey(head));
        float[] z = mean != null && scale != null ? Preparation.apply(x, rows, d, mean.data(), scale.data()) : x;
        int c = model.heads().get(head).outputs();
        int[] all = new int[rows];
        for (int i = 0; i < rows; i++) {
            all[i] = i;
        }
        float[] out = new Evaluator(backend).predict(model, head, z, d, all);
        toProbabilities(model.heads().get(head).loss(), out, rows, c);
        NpyArray labelMean = extras.get(ModelIO.labelMeanKey(head));
        NpyArray labelScale = extras.get(ModelIO.labelScaleKey(head));
        if (labelMean != null && labelScale != null && model.heads().get(head).loss() == Loss.SQUARED) {
            // Trained on standardised labels (--standardize-labels): back to the labels' units.
            for (int i = 0; i < out.length; i++) {
                out[i] = out[i] * labelScale.data()[i % c] + labelMean.data()[i % c];
            }
        }
        return out;
    }

    private void checkHead(int head) {
        int k = model.heads().size();
        if (head < 0 || head >= k) {
            throw new IllegalArgumentException("no head " + head + " in a model of " + k + " head" + (k == 1 ? "" : "s")
                    + " (requireHead finds a head by its task name)");
        }
    }

    /**
     * Logits to probabilities, exactly as the training loss reads them: {@code out} holds rows x c
     * values, changed in place (regression outputs are left as they are).
     *
     * @throws IllegalArgumentException when out does not hold rows x c values
     */
    public static void toProbabilities(Loss loss, float[] out, int rows, int c) {
        java.util.Objects.requireNonNull(loss, "loss");
        java.util.Objects.requireNonNull(out, "out");
        if (rows < 0 || c < 1 || out.length != (long) rows * c) {
            throw new IllegalArgumentException("out: " + out.length + " values are not " + rows + " rows x " + c
                    + " outputs");
        }
        if (loss == Loss.LOGISTIC) {
            for (int i = 0; i < out.length; i++) {
                out[i] = LossKernels.sigmoid(out[i]);
            }
        } else if (loss == Loss.SOFTMAX) {
            for (int i = 0; i < rows; i++) {
                LossKernels.softmax(out, i * c, c, out);
            }
        }
    }
}
