package org.mesalab.lab;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.mesalab.lab.experiment.Json;

/** Runs the CLI in-process and captures what it prints. */
record Cli(int code, String out, String err) {

    static Cli run(String... args) {
        return runWithInput(null, args);
    }

    static Cli runWithInput(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InputStream saved = Main.in;
        if (stdin != null) {
            Main.in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        }
        try {
            int code = Main.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            Main.in = saved;
        }
    }

    JsonNode json() {
        try {
            return Json.MAPPER.readTree(out);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + out + "\nstderr: " + err, e);
        }
    }
}
