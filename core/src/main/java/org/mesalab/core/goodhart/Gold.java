package org.mesalab.core.goodhart;

import org.mesalab.core.Objective;

/**
 * The gold objective: an objective's return discounted by {@code discount} per step. The discount is
 * what lets gold fall: an optimizer that idles in the corner and eats the cheese at the last step still
 * "reaches the cheese", but collects {@code discount^199} of it instead of {@code discount^12}.
 */
public record Gold(Objective objective, double discount) {
    public Gold {
        if (!(discount > 0 && discount <= 1)) {
            throw new org.mesalab.core.UsageException("gold discount=" + discount + " is not allowed; allowed: (0, 1]");
        }
    }

    /** The definition in words, for JSON and reports. */
    public String definition() {
        return "return of '" + objective.name() + "' discounted by " + discount + " per step";
    }
}
