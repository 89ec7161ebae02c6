package org.mesalab.core.goodhart;

import org.mesalab.core.Env;
import org.mesalab.core.Objective;

/** What an optimizer maximizes, one step at a time: an objective over events, or a learned reward model. */
public sealed interface Proxy permits Proxy.Events, RewardModel {
    /** The reward of the step that just brought {@code events} to {@code env} (read after the step). */
    double reward(Env env, int events);

    /** An objective over events ({@code events:EXPR}). */
    final class Events implements Proxy {
        private final Objective objective;
        private final double[] table;

        public Events(Objective objective) {
            this.objective = objective;
            this.table = objective.rewardTable();
        }

        public Objective objective() {
            return objective;
        }

        @Override
        public double reward(Env env, int events) {
            return table[events];
        }
    }
}
