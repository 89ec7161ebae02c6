package org.mesalab.agents.interp;

import java.util.ArrayList;
import java.util.List;
import org.mesalab.core.UsageException;

/**
 * What a probe can be asked to read, as one class per recorded step ({@code -1}: not defined there):
 * {@code ITEM_position} (the cell of a goal item of the env, e.g. {@code cheese_position},
 * {@code coin_position}), {@code agent_position}, {@code next_action}, and for plan probes
 * {@code future_position:K} (the agent's cell K steps later in the same episode) and
 * {@code future_action:K}. A cell's class is {@code y * width + x}.
 */
public final class Targets {
    public static final int MAX_AHEAD = 64;

    private Targets() {
    }

    /** The targets an env's trajectories support, for messages and {@code --target all}. */
    public static List<String> available(Trajectories traj) {
        List<String> names = new ArrayList<>();
        if (!traj.steps().isEmpty()) {
            for (String item : traj.steps().get(0).items().keySet()) {
                names.add(item + "_position");
            }
        }
        names.add("agent_position");
        names.add("next_action");
        names.add("future_position:K");
        names.add("future_action:K");
        return names;
    }

    /** Checks a target name against the env's items before any work; one line naming what is allowed. */
    public static void check(String target, List<String> items) {
        if (target.equals("agent_position") || target.equals("next_action")) {
            return;
        }
        if (target.startsWith("future_position:") || target.startsWith("future_action:")) {
            String k = target.substring(target.indexOf(':') + 1);
            int ahead;
            try {
                ahead = Integer.parseInt(k);
            } catch (NumberFormatException e) {
                ahead = -1;
            }
            if (ahead < 1 || ahead > MAX_AHEAD) {
                throw new UsageException("--target " + target + ": steps ahead must be an integer in [1, " + MAX_AHEAD + "]");
            }
            return;
        }
        if (target.endsWith("_position") && items.contains(target.substring(0, target.length() - "_position".length()))) {
            return;
        }
        List<String> allowed = new ArrayList<>();
        for (String item : items) {
            allowed.add(item + "_position");
        }
        allowed.addAll(List.of("agent_position", "next_action", "future_position:K", "future_action:K"));
        throw new UsageException("--target " + target + " is not something this env has; allowed: " + String.join(", ", allowed));
    }

    public static int[] labels(String target, Trajectories traj) {
        List<Trajectories.Step> steps = traj.steps();
        int n = steps.size();
        int[] y = new int[n];
        int w = traj.width();
        if (target.startsWith("future_position:") || target.startsWith("future_action:")) {
            int k = Integer.parseInt(target.substring(target.indexOf(':') + 1));
            boolean position = target.startsWith("future_position:");
            for (int i = 0; i < n; i++) {
                int j = i + k;
                boolean same = j < n && steps.get(j).level() == steps.get(i).level() && steps.get(j).t() == steps.get(i).t() + k;
                Trajectories.Step s = same ? steps.get(j) : null;
                y[i] = s == null ? -1 : position ? s.agentY() * w + s.agentX() : s.action();
            }
            return y;
        }
        for (int i = 0; i < n; i++) {
            Trajectories.Step s = steps.get(i);
            if (target.equals("agent_position")) {
                y[i] = s.agentY() * w + s.agentX();
            } else if (target.equals("next_action")) {
                y[i] = s.action();
            } else {
                int[] xy = s.items().get(target.substring(0, target.length() - "_position".length()));
                y[i] = xy == null ? -1 : xy[1] * w + xy[0];
            }
        }
        return y;
    }

    /** The level of each step (probes choose their penalty on held-out levels). */
    public static int[] levels(Trajectories traj) {
        int[] l = new int[traj.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = traj.steps().get(i).level();
        }
        return l;
    }
}
