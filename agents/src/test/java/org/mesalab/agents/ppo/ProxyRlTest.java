package org.mesalab.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProxyRlTest {
    /** KL(p || q) against hand-computed values: zero for equal distributions (shifted logits too), a known value otherwise. */
    @Test
    void klOfTwoSoftmaxes() {
        assertEquals(0.0, ProxyRl.kl(new float[] {1, 2, 3}, new float[] {1, 2, 3}), 1e-12);
        assertEquals(0.0, ProxyRl.kl(new float[] {1, 2, 3}, new float[] {11, 12, 13}), 1e-6);
        // p = (0.5, 0.5), q = (0.2, 0.8): 0.5 ln(0.5/0.2) + 0.5 ln(0.5/0.8)
        float lq = (float) Math.log(0.8 / 0.2);
        assertEquals(0.5 * Math.log(2.5) + 0.5 * Math.log(0.625), ProxyRl.kl(new float[] {0, 0}, new float[] {0, lq}), 1e-6);
    }
}
