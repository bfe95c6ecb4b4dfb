package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.mtlalign.UserInputException;

/** The column names a saved model records, as mtl predict reads them from model.json. */
class PredictFeatureNamesTest {
    private static JsonObject namesJson(String[] names) {
        JsonArray a = new JsonArray();
        for (String n : names) {
            a.add(n);
        }
        JsonObject o = new JsonObject();
        o.add(TrainCommand.FEATURE_NAMES, a);
        return o;
    }

    @Test
    void manyNamesAreCheckedForRepeatsInLinearTime() {
        // Checked with List.contains per name, 200000 names took d^2 / 2 = 2e10 comparisons
        // (about a minute); with a set, milliseconds.
        int d = 200_000;
        String[] names = new String[d];
        for (int j = 0; j < d; j++) {
            names[j] = "word_" + j;
        }
        JsonObject json = namesJson(names);
        String[] read = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> PredictCommand.featureNames(json, d, Path.of("m")));
        assertArrayEquals(names, read);
        names[d - 1] = names[3];
        UserInputException e = assertThrows(UserInputException.class,
                () -> PredictCommand.featureNames(namesJson(names), d, Path.of("m")));
        assertTrue(e.getMessage().contains("feature_names holds 'word_3' twice; the saved model is damaged"), e.getMessage());
    }
}
