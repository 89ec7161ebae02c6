package org.mesalab.core.goodhart;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Event;
import org.mesalab.core.Objective;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;
import org.mesalab.core.gp.GaussianProcess;
import org.mesalab.core.gp.Kernel;
import org.mesalab.core.gp.Kernels;

/**
 * A learned reward model as the proxy: a Gaussian process fitted to the gold reward of the steps of uniformly random
 * walks on training levels, reading features of a step that the user picks: {@code x} and {@code y}, the agent's
 * position after the step as shares of the level's width and height, and any of the env's events (1 when the step
 * brought it). The features decide what the model can learn: position alone can only learn where the reward was in
 * training ("the cheese is top-right"), an event feature can learn what it was.
 *
 * <p>Data: {@link #LEVELS} training levels from index 0 (the levels agents train on), one random walk each, labelled
 * with the gold objective's reward; each distinct feature vector is one row with its mean reward (the rate at which
 * a step with those features was rewarded), so a rare reward is not drowned by the many unrewarded steps. Kernel
 * hyperparameters maximize the marginal likelihood (2 restarts). Predictions are memoized per distinct feature
 * vector, so scoring is cheap.
 */
public final class RewardModel implements Proxy {
    public static final String PREFIX = "model:";
    /** ARD squared-exponential without a noise term: the rows are already mean rewards, so the model interpolates them. */
    public static final String DEFAULT_KERNEL = "ard";
    public static final int LEVELS = 200;
    /** Most distinct feature rows fitted (the most visited are kept). */
    public static final int MAX_ROWS = 1000;

    private final List<String> features;
    private final Event[] events;
    private final GaussianProcess gp;
    private final int rows;
    private final int rewarded;
    private final long steps;
    private final double pessimism;
    private final Map<Long, Double> memo = new ConcurrentHashMap<>();

    private RewardModel(List<String> features, Event[] events, GaussianProcess gp, int rows, int rewarded, long steps, double pessimism) {
        this.features = features;
        this.events = events;
        this.gp = gp;
        this.rows = rows;
        this.rewarded = rewarded;
        this.steps = steps;
        this.pessimism = pessimism;
    }

    /**
     * The same model scoring each step by its mean less {@code beta} posterior standard deviations (a lower confidence
     * bound: pessimism where the model has seen little).
     */
    public RewardModel withPessimism(double beta) {
        return new RewardModel(features, events, gp, rows, rewarded, steps, beta);
    }

    /** Fits {@code model:FEATURES[@KERNEL]} to {@code gold}'s reward on random walks of {@code train}'s levels. */
    public static RewardModel fit(String spec, Distribution train, Objective gold, long seed, String what) {
        List<String> features = features(spec, train.env(), what);
        String body = spec.substring(PREFIX.length());
        String kernelSpec = body.contains("@") ? body.substring(body.indexOf('@') + 1) : DEFAULT_KERNEL;
        Kernel kernel = Kernels.parse(kernelSpec, features);
        Event[] events = new Event[features.size()];
        for (int i = 0; i < events.length; i++) {
            String f = features.get(i);
            events[i] = f.equals("x") || f.equals("y") ? null : Event.byId(f);
        }
        Rng rng = new Rng(Rng.mix(seed ^ 0x7e3aL));
        double[] table = gold.rewardTable();
        // Steps with equal features are one row, labelled with their mean reward: the features are discrete (cells and
        // events), so this keeps the data small (tens to hundreds of rows) whatever the number of steps.
        Map<java.util.List<Double>, double[]> rows = new java.util.LinkedHashMap<>();
        long steps = 0;
        Env env = train.create();
        for (int i = 0; i < LEVELS; i++) {
            env.reset(train.levelSeed(i));
            while (!env.done()) {
                int ev = env.step(rng.nextInt(env.numActions()));
                double[] f = row(env, ev, features, events);
                double[] sumCount = rows.computeIfAbsent(java.util.Arrays.stream(f).boxed().toList(), k -> new double[2]);
                sumCount[0] += table[ev];
                sumCount[1]++;
                steps++;
            }
        }
        List<Map.Entry<java.util.List<Double>, double[]>> kept = new ArrayList<>(rows.entrySet());
        if (kept.size() > MAX_ROWS) { // the most visited (a stable sort keeps first-seen order among ties)
            kept.sort((p, q) -> Double.compare(q.getValue()[1], p.getValue()[1]));
            kept = kept.subList(0, MAX_ROWS);
        }
        double[][] x = new double[kept.size()][];
        double[] y = new double[kept.size()];
        int rewarded = 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = kept.get(i).getKey().stream().mapToDouble(Double::doubleValue).toArray();
            y[i] = kept.get(i).getValue()[0] / kept.get(i).getValue()[1];
            rewarded += y[i] != 0 ? 1 : 0;
        }
        GaussianProcess gp = GaussianProcess.optimize(x, y, kernel, 1e-6, 2, rng);
        return new RewardModel(features, events, gp, x.length, rewarded, steps, 0);
    }

    /** The features of a {@code model:} spec, checked: x, y and the env's events, each once. */
    static List<String> features(String spec, org.mesalab.core.EnvType type, String what) {
        String body = spec.substring(PREFIX.length());
        String list = body.contains("@") ? body.substring(0, body.indexOf('@')) : body;
        List<String> allowed = new ArrayList<>(List.of("x", "y"));
        type.events().forEach(e -> allowed.add(e.id()));
        List<String> out = new ArrayList<>();
        for (String f : list.split(",", -1)) {
            String t = f.trim();
            if (!allowed.contains(t) || out.contains(t)) {
                throw new UsageException(what + ": feature '" + t + "' is " + (out.contains(t) ? "given twice" : "not known") + "; allowed: "
                        + String.join(", ", allowed) + " (comma-separated, each once), optionally @KERNEL");
            }
            out.add(t);
        }
        return List.copyOf(out);
    }

    /** Checks a {@code model:} spec's features and kernel for {@code type} without fitting (specs, before any work). */
    public static void check(String spec, org.mesalab.core.EnvType type, String what) {
        List<String> features = features(spec, type, what);
        String body = spec.substring(PREFIX.length());
        Kernels.parse(body.contains("@") ? body.substring(body.indexOf('@') + 1) : DEFAULT_KERNEL, features);
    }

    private static double[] row(Env env, int ev, List<String> features, Event[] events) {
        double[] f = new double[events.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = events[i] != null ? (events[i].in(ev) ? 1 : 0)
                    : features.get(i).equals("x") ? env.agentX() / (double) Math.max(1, env.width - 1) : env.agentY() / (double) Math.max(1, env.height - 1);
        }
        return f;
    }

    @Override
    public double reward(Env env, int events) {
        // the features are a function of position, level size and events (sizes below 4096, 9 event bits)
        long key = env.agentX() | (long) env.agentY() << 12 | (long) env.width << 24 | (long) env.height << 36 | (long) events << 48;
        return memo.computeIfAbsent(key, k -> {
            GaussianProcess.Prediction p = gp.predict(row(env, events, features, this.events));
            return p.mean() - pessimism * p.std();
        });
    }

    /** The model's prediction for a feature row (tests, reports). */
    public GaussianProcess.Prediction predict(double[] row) {
        return gp.predict(row);
    }

    public List<String> features() {
        return features;
    }

    /** What the model was fitted on and the kernel it settled on, for the record. */
    public String describe() {
        return "Gaussian process over " + String.join(", ", features) + " fitted to the mean reward of " + rows + " distinct feature rows (" + rewarded
                + " ever rewarded) from " + steps + " random-walk steps on " + LEVELS + " training levels; kernel " + gp.kernel().describe()
                + (pessimism == 0 ? "" : "; scored by the mean less " + pessimism + " posterior std");
    }
}
