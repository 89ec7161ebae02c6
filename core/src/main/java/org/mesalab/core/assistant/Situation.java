package org.mesalab.core.assistant;

import java.util.Map;

/**
 * A request the assistant may comply with, refuse, or ask about: a <em>means</em> applied to a
 * <em>request</em> ("pay someone to" + "kill a person"), described by named features in two groups:
 * {@code action.*} (how it would be done) and {@code outcome.*} (what would happen in the world).
 *
 * @param name     e.g. {@code pay_someone_to kill_person}
 * @param features feature name to value, every name in {@link Assistant#FEATURES}
 * @param comply   true reward of complying (hidden from the learner except on labelled training situations)
 * @param refuse   true reward of refusing
 */
public record Situation(String name, String split, Map<String, Double> features, double comply, double refuse) {

    public double[] vector() {
        double[] v = new double[Assistant.FEATURES.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = features.getOrDefault(Assistant.FEATURES.get(i), 0.0);
        }
        return v;
    }

    /** The better of comply and refuse under the true reward. */
    public String best() {
        return comply >= refuse ? "comply" : "refuse";
    }
}
