package org.mesalab.agents.interp;

import ai.djl.ndarray.NDArray;
import org.mesalab.agents.ppo.PolicyNetwork;
import org.mesalab.agents.ppo.PpoPolicy;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;

/**
 * A direction in one layer's activations, added during rollouts with a coefficient (activation addition,
 * Turner, Mini et al. 2023).
 *
 * <p>An item's vector ({@code cheese}) is Turner et al.'s cheese vector averaged over levels: the layer's
 * activation on a level's first observation minus its activation on the same observation with the item
 * taken out. A retargeting vector ({@code cheese@X,Y}) is the activation with the item moved to cell
 * (X, Y) minus the activation without it: "an item at (X, Y)", as the network represents it.
 *
 * @param levels the levels averaged over (0 for a vector given as a file)
 * @param target a retargeting vector's cell {@code [x, y]}; null otherwise
 */
public record SteeringVector(String name, int layer, float[] values, int levels, int[] target) {

    /**
     * The vector of {@code item} (at its own cell, or moved to {@code target} when not null) at {@code layer},
     * averaged over the levels {@code start, start + 1, ...} of {@code dist} where the edit is possible.
     */
    public static SteeringVector ofItem(PpoPolicy policy, Distribution dist, long start, int levels, String item, int[] target, int layer) {
        PolicyNetwork net = policy.network();
        Env env = dist.create();
        float[] sum = null;
        int used = 0;
        for (int i = 0; i < levels; i++) {
            env.reset(dist.levelSeed(start + i));
            int[] at = Trajectories.items(env).get(item);
            float[] obs = env.observation();
            float[] without = ObservationEdits.remove(env, obs, at[0], at[1]);
            float[] with = target == null ? obs : ObservationEdits.move(env, obs, at[0], at[1], target[0], target[1]);
            if (without == null || with == null) {
                continue;
            }
            float[] a = Activations.first(net, policy.manager(), with).get(layer);
            float[] b = Activations.first(net, policy.manager(), without).get(layer);
            if (sum == null) {
                sum = new float[a.length];
            }
            for (int j = 0; j < a.length; j++) {
                sum[j] += a[j] - b[j];
            }
            used++;
        }
        if (used == 0) {
            return null;
        }
        for (int j = 0; j < sum.length; j++) {
            sum[j] /= used;
        }
        String name = target == null ? item : item + "@" + target[0] + "," + target[1];
        return new SteeringVector(name, layer, sum, used, target);
    }

    /** Adds {@code coefficient} times this vector to the layer's activation of every step. */
    public PolicyNetwork.Hook hook(double coefficient) {
        float[] scaled = new float[values.length];
        for (int j = 0; j < values.length; j++) {
            scaled[j] = (float) (coefficient * values[j]);
        }
        return (l, a) -> {
            if (l != layer) {
                return a;
            }
            NDArray v = a.getManager().create(scaled);
            return a.add(v);
        };
    }

    public double norm() {
        double s = 0;
        for (float v : values) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }

}
