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
 * (X, Y) minus the activation without it: "an item at (X, Y)", as the network represents it. A level's own
 * vector ({@code cheese@level}, Turner et al.'s original protocol: the same maze with and without the
 * cheese) is computed at the start of each episode from that level's first observation and added through
 * that episode; {@code values} then holds the mean over the averaged levels, for its norm.
 *
 * @param levels the levels averaged over (0 for a vector given as a file)
 * @param target a retargeting vector's cell {@code [x, y]}; null otherwise
 * @param item   the item of a level's own vector ({@code ITEM@level}); null otherwise
 */
public record SteeringVector(String name, int layer, float[] values, int levels, int[] target, String item) {

    /**
     * The vector of {@code item} (at its own cell, or moved to {@code target} when not null) at {@code layer},
     * averaged over the levels {@code start, start + 1, ...} of {@code dist} where the edit is possible.
     */
    public static SteeringVector ofItem(PpoPolicy policy, Distribution dist, long start, int levels, String item, int[] target, int layer) {
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
            float[] d = difference(policy, with, without, layer);
            if (sum == null) {
                sum = new float[d.length];
            }
            for (int j = 0; j < d.length; j++) {
                sum[j] += d[j];
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
        return new SteeringVector(name, layer, sum, used, target, null);
    }

    /** A level's own vector of {@code item}, made at the start of each episode; {@code mean} is {@link #ofItem} over the same kind of levels. */
    public static SteeringVector perLevel(SteeringVector mean, String item) {
        return new SteeringVector(item + "@level", mean.layer, mean.values, mean.levels, null, item);
    }

    /** This level's vector: the first observation's activation with the item minus without it (zero when the agent stands on it). */
    static float[] ofLevel(PpoPolicy policy, Env env, String item, int layer) {
        int[] at = Trajectories.items(env).get(item);
        float[] obs = env.observation();
        float[] without = ObservationEdits.remove(env, obs, at[0], at[1]);
        if (without == null) {
            return new float[(int) policy.network().layerWidth(layer)];
        }
        return difference(policy, obs, without, layer);
    }

    /** The layer's activation on {@code with} minus on {@code without}, each seen first in an episode. */
    private static float[] difference(PpoPolicy policy, float[] with, float[] without, int layer) {
        float[] a = Activations.first(policy.network(), policy.manager(), with).get(layer);
        float[] b = Activations.first(policy.network(), policy.manager(), without).get(layer);
        for (int j = 0; j < a.length; j++) {
            a[j] -= b[j];
        }
        return a;
    }

    /** Adds {@code coefficient} times this vector to the layer's activation of every step. */
    public PolicyNetwork.Hook hook(double coefficient) {
        return add(values, coefficient, layer);
    }

    static PolicyNetwork.Hook add(float[] values, double coefficient, int layer) {
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
