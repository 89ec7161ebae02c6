package org.mesalab.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.mesalab.core.envs.Envs;

class EventExpressionTest {
    private static final EnvType MAZE = Envs.get("maze");

    @Test
    void termsWithSignsFactorsAndSteps() {
        Objective o = EventExpression.parse("cheese-0.01*steps", MAZE);
        assertEquals(1.0, o.weight(Event.CHEESE));
        assertEquals(-0.01, o.stepReward(), 1e-15);
        Objective p = EventExpression.parse("cheese+0.02*corner", MAZE);
        assertEquals(0.02, p.weight(Event.CORNER), 1e-15);
        assertEquals(1.02, p.reward(Event.CHEESE.bit() | Event.CORNER.bit()), 1e-12);
        Objective q = EventExpression.parse("2e-2*corner-cheese", MAZE);
        assertEquals(0.02, q.weight(Event.CORNER), 1e-15);
        assertEquals(-1.0, q.weight(Event.CHEESE));
    }

    @Test
    void refusesWhatIsNotAnExpression() {
        for (String bad : new String[] {"", "frog", "cheese+coin", "x*cheese", "cheese++corner", "nan*cheese"}) {
            assertThrows(UsageException.class, () -> EventExpression.parse(bad, MAZE), bad);
        }
    }
}
