package org.mesalab.lab;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;
import org.mesalab.core.gp.GaussianProcess;
import org.mesalab.core.gp.Kernel;
import org.mesalab.core.gp.Kernels;
import org.mesalab.lab.experiment.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "gp", footer = {"", "Examples:", "  mesalab gp --train train.csv --predict test.csv --kernel rbf+white --fit", "  mesalab gp --train train.csv --predict test.csv --kernel \"rbf[action]\" --json"}, description = {
        "Gaussian-process regression on your own data. CSV files have a header of feature names (group.name puts a",
        "feature in a group, for kernels like rbf[group]); the training file also has a 'y' column.",
        "Kernel: " + Kernels.ALLOWED + ". Names and defaults follow scikit-learn (length_scale 1.0, alpha = --noise)."})
final class GpCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(names = "--train", required = true, description = "training CSV with feature columns and y")
    Path train;

    @Option(names = "--predict", required = true, description = "CSV of inputs to predict (same feature columns; a y column is ignored)")
    Path predict;

    @Option(names = "--kernel", defaultValue = "rbf", description = "kernel expression (default: ${DEFAULT-VALUE})")
    String kernel;

    @Option(names = "--fixed", description = "keep the hyperparameters at their defaults instead of fitting them (--fit, the default)")
    boolean fixed;

    @Option(names = "--fit", description = "maximize the log marginal likelihood over the hyperparameters (default)")
    boolean fit;

    @Option(names = "--noise", defaultValue = "1e-10", description = "variance added to the diagonal, scikit-learn's alpha (default: ${DEFAULT-VALUE})")
    double noise;

    @Option(names = "--restarts", defaultValue = "2", description = "optimizer restarts from random log-uniform points (default: ${DEFAULT-VALUE})")
    int restarts;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the restarts (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    record Table(List<String> columns, double[][] x, double[] y) {
    }

    @Override
    public void run() {
        if (fixed && fit) {
            throw new UsageException("give --fit or --fixed, not both");
        }
        if (restarts < 0 || restarts > 100) {
            throw new UsageException("--restarts=" + restarts + " is out of range; allowed: [0, 100]");
        }
        if (!(noise >= 0) || !Double.isFinite(noise)) {
            throw new UsageException("--noise=" + noise + " is out of range; allowed: a number >= 0");
        }
        Table tr = read(train, true);
        Table te = read(predict, false);
        if (!te.columns().equals(tr.columns())) {
            throw new UsageException(predict + ": feature columns " + te.columns() + " differ from the training file's " + tr.columns());
        }
        Kernel k = Kernels.parse(kernel, tr.columns());
        GaussianProcess gp = fixed ? GaussianProcess.fit(tr.x(), tr.y(), k.fixAll(), noise)
                : GaussianProcess.optimize(tr.x(), tr.y(), k, noise, restarts, new Rng(seed));
        List<Map<String, Object>> hypers = new ArrayList<>();
        for (Kernel.Hyper h : k.hypers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", h.name());
            m.put("value", h.value());
            m.put("fixed", fixed);
            hypers.add(m);
        }
        List<Map<String, Double>> preds = new ArrayList<>();
        for (double[] row : te.x()) {
            GaussianProcess.Prediction p = gp.predict(row);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("mean", p.mean());
            m.put("std", p.std());
            preds.add(m);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kernel", k.describe());
            m.put("hyperparameters", hypers);
            m.put("log_marginal_likelihood", gp.logMarginalLikelihood());
            m.put("noise", noise);
            m.put("train_rows", tr.x().length);
            m.put("predictions", preds);
            m.put("warnings", gp.warnings());
            Json.print(out, m);
            return;
        }
        for (String w : gp.warnings()) {
            System.err.println("mesalab: warning: " + w);
        }
        out.printf("kernel: %s%nlog marginal likelihood: %.6f%n", k.describe(), gp.logMarginalLikelihood());
        out.println("row      mean        std");
        for (int i = 0; i < preds.size(); i++) {
            out.printf("%-5d %10.6f %10.6f%n", i + 1, preds.get(i).get("mean"), preds.get(i).get("std"));
        }
        out.flush();
    }

    static Table read(Path file, boolean needY) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UsageException("cannot read " + file + ": " + UsageException.why(e));
        }
        if (lines.isEmpty()) {
            throw new UsageException(file + " is empty; allowed: a CSV with a header of feature names" + (needY ? " and y" : ""));
        }
        String[] header = lines.get(0).split(",", -1);
        int yCol = -1;
        List<String> cols = new ArrayList<>();
        List<Integer> featureIdx = new ArrayList<>();
        for (int i = 0; i < header.length; i++) {
            String h = header[i].trim();
            if (h.isEmpty()) {
                throw new UsageException(file + ":1: column " + (i + 1) + " has no name");
            }
            if (h.equals("y")) {
                yCol = i;
            } else {
                cols.add(h);
                featureIdx.add(i);
            }
        }
        if (needY && yCol < 0) {
            throw new UsageException(file + ":1: no 'y' column; allowed: feature columns and a y column");
        }
        if (cols.isEmpty()) {
            throw new UsageException(file + ":1: no feature columns");
        }
        int n = lines.size() - 1;
        if (n == 0) {
            throw new UsageException(file + " has a header but no rows");
        }
        double[][] x = new double[n][cols.size()];
        double[] y = new double[n];
        for (int r = 0; r < n; r++) {
            String[] cells = lines.get(r + 1).split(",", -1);
            if (cells.length != header.length) {
                throw new UsageException(file + ":" + (r + 2) + ": " + cells.length + " fields, the header has " + header.length);
            }
            try {
                for (int c = 0; c < featureIdx.size(); c++) {
                    x[r][c] = Double.parseDouble(cells[featureIdx.get(c)].trim());
                }
                if (yCol >= 0 && needY) {
                    y[r] = Double.parseDouble(cells[yCol].trim());
                }
            } catch (NumberFormatException e) {
                throw new UsageException(file + ":" + (r + 2) + ": a value is not a number: '" + lines.get(r + 1) + "'");
            }
        }
        return new Table(cols, x, y);
    }
}
