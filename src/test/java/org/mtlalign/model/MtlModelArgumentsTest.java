package org.mtlalign.model;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.mtlalign.analysis.TestData;
import org.mtlalign.backend.HostResident;
import org.mtlalign.backend.cpu.CpuBackend;

/** What a library caller may pass a model wrongly, refused with a message that says what. */
class MtlModelArgumentsTest {
    private final long seed = TestData.seed();
    private final Random rnd = new Random(seed);

    private List<TaskHead> heads(int k) {
        List<TaskHead> h = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            h.add(new TaskHead("t" + i, Loss.SQUARED, 1 + rnd.nextInt(3)));
        }
        return h;
    }

    /**
     * Two heads of one name were accepted, the second unreachable by name (Predictor.requireHead
     * returned the first), and a width r above d built a model that mtl train and MtlExperiment
     * refuse to build: both are refused, naming what is wrong; r = d is still a model.
     */
    @Test
    void duplicateHeadNamesAndAWidthAboveTheInputsAreRefused() {
        int k = 2 + rnd.nextInt(3);
        int d = 1 + rnd.nextInt(6);
        List<TaskHead> h = new ArrayList<>(heads(k));
        int first = rnd.nextInt(k);
        h.add(new TaskHead(h.get(first).name(), Loss.LOGISTIC, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MtlModel(d, 1, Activation.RELU, true, h));
        assertTrue(e.getMessage().contains("heads " + first + " and " + k + " are both named '" + h.get(first).name()
                + "'"), e.getMessage() + " (seed " + seed + ")");
        e = assertThrows(IllegalArgumentException.class, () -> new MtlModel(d, d + 1, Activation.IDENTITY, false, heads(k)));
        assertTrue(e.getMessage().contains("r = " + (d + 1) + " exceeds the input dimension d = " + d),
                e.getMessage() + " (seed " + seed + ")");
        assertTrue(new MtlModel(d, d, Activation.RELU, true, heads(k)).rank() == d);
    }

    /**
     * A task index outside the model failed with "Index 5 out of bounds for length 3" from an
     * array inside, or, in a training step, from a List deep in the resident model: every method
     * taking a task index names it and the model's range (-1, "every task", stays allowed where
     * it means that).
     */
    @Test
    void aTaskIndexOutsideTheModelIsNamed() {
        int k = 1 + rnd.nextInt(4);
        int d = 2 + rnd.nextInt(5);
        MtlModel model = new MtlModel(d, 1 + rnd.nextInt(d), Activation.RELU, true, heads(k));
        model.enableAlignment();
        model.initialize(seed);
        int last = k - 1;
        assertSame(model.headWeight(last), model.taskParameters(last).get(0));
        assertTrue(model.alignment(last) != null && model.headBias(last) != null);
        String range = "is outside 0.." + last + " (a model of " + k + " task" + (k == 1 ? "" : "s") + ")";
        try (CpuBackend be = new CpuBackend(1)) {
            ResidentModel rm = ResidentModel.upload(model, new HostResident(be, false), 4);
            rm.startGradients(-1);
            rm.adam(-1, 0.01f, 0.9f, 0.999f, 1e-8f, 0f);
            for (int bad : new int[] {k, k + 3, -1, -2}) {
                List<Executable> calls = new ArrayList<>(List.of(
                        () -> model.headWeight(bad), () -> model.headBias(bad), () -> model.alignment(bad),
                        () -> model.taskParameters(bad), () -> model.parametersUsedBy(bad),
                        () -> model.forward(be, bad, new float[d], 1, model.workspace(1)),
                        () -> rm.forward(bad, HostResident.wrap(new float[d]), 1)));
                if (bad != -1) {
                    calls.add(() -> rm.startGradients(bad));
                    calls.add(() -> rm.adam(bad, 0.01f, 0.9f, 0.999f, 1e-8f, 0f));
                    calls.add(() -> rm.sgdMomentum(bad, 0.01f, 0.9f, 0f));
                }
                for (int c = 0; c < calls.size(); c++) {
                    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, calls.get(c),
                            "call " + c + " with task " + bad + " (seed " + seed + ")");
                    assertTrue(e.getMessage().contains("task index " + bad + " " + range),
                            "call " + c + ": " + e.getMessage());
                }
            }
        }
    }
}
