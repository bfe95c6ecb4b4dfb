package org.mtlalign.train;

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

    /** For a model loaded with {@link ModelIO#load} (its standardisation comes with it). */
    public Predictor(ModelIO.Loaded loaded) {
        this(loaded.model(), loaded.extras());
    }

    /**
     * @param extras the saved extras holding "standardize_mean_i" and "standardize_scale_i" per
     *     task i, or an empty map when the model was trained on unstandardised inputs
     */
    public Predictor(MtlModel model, Map<String, NpyArray> extras) {
        this.model = model;
        this.extras = extras;
    }

    /** The index of the head named {@code task}, or -1. */
    public int head(String task) {
        for (int i = 0; i < model.heads().size(); i++) {
            if (model.heads().get(i).name().equals(task)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Predictions of head {@code head} for {@code rows} raw input rows (row-major, rows x d, not
     * modified): rows x outputs values, probabilities for the classification heads.
     */
    public float[] predict(Backend backend, int head, float[] x, int rows) {
        int d = model.inputDim();
        if (head < 0 || head >= model.heads().size()) {
            throw new IllegalArgumentException("no head " + head + " in a model of " + model.heads().size());
        }
        if (rows < 0 || x.length != (long) rows * d) {
            throw new UserInputException("inputs of " + x.length + " values are not " + rows + " rows of d = " + d);
        }
        NpyArray mean = extras.get("standardize_mean_" + head);
        NpyArray scale = extras.get("standardize_scale_" + head);
        float[] z = mean != null && scale != null ? Preparation.apply(x, rows, d, mean.data(), scale.data()) : x;
        int c = model.heads().get(head).outputs();
        int[] all = new int[rows];
        for (int i = 0; i < rows; i++) {
            all[i] = i;
        }
        float[] out = new Evaluator(backend).predict(model, head, z, d, all);
        toProbabilities(model.heads().get(head).loss(), out, rows, c);
        return out;
    }

    /** Logits to probabilities, exactly as the training loss reads them. */
    public static void toProbabilities(Loss loss, float[] out, int rows, int c) {
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
