package org.mesalab.agents.planner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.mesalab.agents.Torch;

/** The categorical support: h and its inverse, two-hot targets, and the number read back from logits. */
class SupportTest {
    @Test
    void hInverseUndoesH() {
        for (double x : new double[] {-50, -3, -1, -0.01, 0, 1e-4, 0.03, 0.5, 1, 7, 300}) {
            assertEquals(x, Support.hInverse(Support.h(x)), 1e-9 * Math.max(1, Math.abs(x)), "x = " + x);
        }
        assertEquals(Math.sqrt(2) - 1 + 0.001, Support.h(1), 1e-12, "MuZero's h(1)");
    }

    /** Two points around h(x), weighted so their mean is h(x); outside the range, all mass on the end point. */
    @Test
    void twoHotTargetsHaveTheTransformedValueAsTheirMean() {
        Support s = new Support(2, 0.25); // points -0.5 .. 0.5 on h's scale
        float[] t = s.twoHot(new float[] {1f, 0f, -0.2f, 9f, -9f}, 5);
        float[] first = Arrays.copyOfRange(t, 0, 5);
        double h1 = Support.h(1); // 0.4152: between 0.25 (index 3) and 0.5 (index 4)
        assertArrayEquals(new float[] {0, 0, 0, (float) (1 - (h1 - 0.25) / 0.25), (float) ((h1 - 0.25) / 0.25)}, first, 1e-6f);
        assertArrayEquals(new float[] {0, 0, 1, 0, 0}, Arrays.copyOfRange(t, 5, 10), 0f);
        double mean = 0;
        for (int i = 0; i < 5; i++) {
            mean += t[10 + i] * (i - 2) * 0.25;
        }
        assertEquals(Support.h(-0.2), mean, 1e-6);
        assertArrayEquals(new float[] {0, 0, 0, 0, 1}, Arrays.copyOfRange(t, 15, 20), 0f, "9 clipped to h = 0.5");
        assertArrayEquals(new float[] {1, 0, 0, 0, 0}, Arrays.copyOfRange(t, 20, 25), 0f);
    }

    /** Logits whose softmax is a value's two-hot target read back as that value, in float32, also near 0; flat logits read 0. */
    @Test
    void theLogitsOfATwoHotTargetReadBackAsItsValue() {
        Support s = new Support(10, 0.05);
        float[] values = {0, 1e-4f, 0.003f, -0.02f, 0.3f, 1f, -1.2f};
        float[] t = s.twoHot(values, values.length);
        float[] logits = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            logits[i] = (float) Math.log(Math.max(t[i], 1e-30));
        }
        try (NDManager m = Torch.newManager(1)) {
            float[] back = s.scalar(m.create(logits, new Shape(values.length, s.bins()))).toFloatArray();
            for (int i = 0; i < values.length; i++) {
                assertEquals(values[i], back[i], 2e-6 + 1e-5 * Math.abs(values[i]), "value " + values[i]);
            }
            assertEquals(0f, s.scalar(m.zeros(new Shape(1, s.bins()))).getFloat(0), 1e-6, "a uniform distribution over a symmetric support");
        }
    }
}
