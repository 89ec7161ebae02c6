package org.mesalab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package map of docs/architecture.md, read from the sources of every module: modules point one
 * way ({@code lab -> agents -> core}), no two packages depend on each other in a circle, and every
 * package says what it is for in a {@code package-info.java}.
 */
class ArchitectureTest {
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("\\b(org\\.mesalab(?:\\.[a-z]\\w*)*)\\.[A-Z]\\w*");

    /** Package to the packages its main sources refer to (imports and qualified names). */
    static Map<String, Set<String>> graph() throws IOException {
        Map<String, Set<String>> edges = new TreeMap<>();
        Path root = Path.of("..").toAbsolutePath().normalize();
        for (String module : List.of("core", "agents", "lab", "cluster")) {
            try (Stream<Path> files = Files.walk(root.resolve(module).resolve("src/main/java"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String src = Files.readString(f);
                    Matcher pm = PACKAGE.matcher(src);
                    if (!pm.find()) {
                        continue;
                    }
                    String pkg = pm.group(1);
                    Set<String> out = edges.computeIfAbsent(pkg, k -> new TreeSet<>());
                    Matcher r = REFERENCE.matcher(src);
                    while (r.find()) {
                        if (!r.group(1).equals(pkg)) {
                            out.add(r.group(1));
                        }
                    }
                }
            }
        }
        edges.values().forEach(s -> s.retainAll(edges.keySet()));
        return edges;
    }

    @Test
    void modulesPointOneWayAndPackagesHaveNoCycles() throws IOException {
        Map<String, Set<String>> g = graph();
        assertTrue(g.size() >= 15, "packages: " + g.keySet());
        for (var e : g.entrySet()) {
            for (String to : e.getValue()) {
                int from = layer(e.getKey());
                assertTrue(layer(to) <= from, e.getKey() + " depends on " + to + ": modules point cluster -> lab -> agents -> core");
            }
        }
        assertEquals(List.of(), cycles(g), "package cycles");
    }

    @Test
    void everyPackageSaysWhatItIsFor() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<String> missing = new ArrayList<>();
        for (String pkg : graph().keySet()) {
            String module = List.of("core", "agents", "lab", "cluster").get(layer(pkg));
            Path info = root.resolve(module).resolve("src/main/java").resolve(pkg.replace('.', '/')).resolve("package-info.java");
            if (!Files.exists(info) || !Files.readString(info).contains("/**")) {
                missing.add(pkg);
            }
        }
        assertEquals(List.of(), missing, "packages without a package-info.java");
    }

    private static int layer(String pkg) {
        return pkg.startsWith("org.mesalab.core") ? 0 : pkg.startsWith("org.mesalab.agents") ? 1 : pkg.startsWith("org.mesalab.cluster") ? 3 : 2;
    }

    /** Strongly connected components of more than one package (Tarjan). */
    static List<List<String>> cycles(Map<String, Set<String>> g) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        List<String> stack = new ArrayList<>();
        Set<String> onStack = new TreeSet<>();
        List<List<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String v : g.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, g, index, low, stack, onStack, out, counter);
            }
        }
        return out;
    }

    private static void connect(String v, Map<String, Set<String>> g, Map<String, Integer> index, Map<String, Integer> low, List<String> stack,
                                Set<String> onStack, List<List<String>> out, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]++);
        stack.add(v);
        onStack.add(v);
        for (String w : g.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, g, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> comp = new ArrayList<>();
            String w;
            do {
                w = stack.remove(stack.size() - 1);
                onStack.remove(w);
                comp.add(w);
            } while (!w.equals(v));
            if (comp.size() > 1) {
                out.add(comp);
            }
        }
    }
}
