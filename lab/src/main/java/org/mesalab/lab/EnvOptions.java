package org.mesalab.lab;

import java.util.ArrayList;
import java.util.List;
import org.mesalab.core.Distribution;
import org.mesalab.core.EnvType;
import org.mesalab.core.envs.Envs;
import picocli.CommandLine.Option;

/** Options shared by commands that pick a split and override generator parameters. */
final class EnvOptions {
    @Option(names = "--split", description = "split: train or test (default: train)")
    String split = "train";

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a generator parameter (repeatable), e.g. --set size=11")
    List<String> overrides = new ArrayList<>();

    Distribution distribution(String envName) {
        EnvType type = Envs.get(envName);
        return type.distribution(split, type.parseOverrides(overrides));
    }
}
