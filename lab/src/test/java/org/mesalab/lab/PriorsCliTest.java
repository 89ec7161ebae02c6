package org.mesalab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PriorsCliTest {

    private static JsonNode essay(JsonNode report) {
        for (JsonNode s : report.get("situations")) {
            if (s.get("situation").asText().equals("pay_someone_to kill_person")) {
                return s;
            }
        }
        throw new AssertionError("the essay's question is missing");
    }

    @Test
    void assistantJsonShowsThePriorDecidingTheEssaysQuestion() {
        JsonNode action = Cli.run("assistant", "--kernel", "action", "--json").json();
        JsonNode outcome = Cli.run("assistant", "--kernel", "outcome", "--json").json();
        assertEquals("comply", essay(action).get("choice").asText());
        assertEquals("refuse", essay(outcome).get("choice").asText());
        assertTrue(essay(outcome).get("options").get("refuse").get("mean").asDouble() > essay(outcome).get("options").get("comply").get("mean").asDouble());
        assertTrue(essay(action).get("options").get("comply").has("std"));
        assertTrue(outcome.get("accuracy").asDouble() > action.get("accuracy").asDouble());
        assertEquals(0.0, action.get("ask_rate").asDouble());
        JsonNode cautious = Cli.run("assistant", "--kernel", "action", "--cautious", "0.5", "--json").json();
        assertEquals("ask", essay(cautious).get("choice").asText());
        assertTrue(cautious.get("ask_rate").asDouble() > 0);
        assertTrue(essay(cautious).get("correct").isNull());
    }

    @Test
    void undefinedAccuracyIsJsonNullNotAString() {
        // Cautious with a wide prior asks about every test situation: accuracy over decided situations is undefined.
        JsonNode j = Cli.run("assistant", "--kernel", "both", "--cautious", "0.5", "--json").json();
        assertEquals(1.0, j.get("ask_rate").asDouble());
        assertTrue(j.get("accuracy").isNull(), j.get("accuracy").toString());
    }

    @Test
    void assistantTextMarksTheEssaysQuestion() {
        Cli r = Cli.run("assistant", "--kernel", "outcome");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("pay_someone_to kill_person") && r.out().contains("<- the essay's question"));
        assertTrue(r.out().contains("accuracy"));
    }

    @Test
    void gpFitsAndPredictsUserData(@TempDir Path dir) throws Exception {
        Path train = dir.resolve("train.csv");
        Path test = dir.resolve("test.csv");
        StringBuilder b = new StringBuilder("x,y\n");
        for (int i = 0; i <= 20; i++) {
            double x = i * 0.3;
            b.append(x).append(',').append(Math.sin(x)).append('\n');
        }
        Files.writeString(train, b);
        Files.writeString(test, "x\n1.05\n2.5\n20\n");
        Cli r = Cli.run("gp", "--train", train.toString(), "--predict", test.toString(), "--kernel", "rbf", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals(3, j.get("predictions").size());
        assertEquals(Math.sin(1.05), j.get("predictions").get(0).get("mean").asDouble(), 1e-3);
        assertTrue(j.get("predictions").get(2).get("std").asDouble() > 0.5, "far away: back to the prior");
        assertEquals("length_scale", j.get("hyperparameters").get(0).get("name").asText());
        assertTrue(Double.isFinite(j.get("log_marginal_likelihood").asDouble()));
        Cli fixed = Cli.run("gp", "--train", train.toString(), "--predict", test.toString(), "--kernel", "rbf", "--fixed", "--json");
        assertEquals(1.0, fixed.json().get("hyperparameters").get(0).get("value").asDouble(), 1e-12);
    }

    @Test
    void gpReportsJitterForDuplicates(@TempDir Path dir) throws Exception {
        Path train = dir.resolve("dup.csv");
        Files.writeString(train, "a.x,y\n1,0.5\n1,0.5\n2,1\n");
        Cli r = Cli.run("gp", "--train", train.toString(), "--predict", train.toString(), "--fixed", "--noise", "0", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.json().get("warnings").get(0).asText().contains("jitter"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "assistant --kernel gauss|unknown kernel 'gauss'; allowed: action, outcome, both, ard",
            "assistant --cautious -1|--cautious=-1.0 is out of range",
            "assistant --cautious 1.5|--cautious=1.5 is out of range; allowed: [0, 1], the posterior std as a share of the prior's",
            "assistant --situations DIR/none.csv|cannot read DIR/none.csv",
            "assistant --situations DIR/bad.csv|bad.csv:1: header must start with situation,split,comply,refuse",
            "gp --train DIR/none.csv --predict DIR/none.csv|cannot read DIR/none.csv",
            "gp --train DIR/noy.csv --predict DIR/noy.csv|noy.csv:1: no 'y' column",
            "gp --train DIR/ok.csv --predict DIR/ok.csv --kernel rbf++white|kernel 'rbf++white' is malformed",
            "gp --train DIR/ok.csv --predict DIR/ok.csv --kernel rbf[z]|no feature column or group 'z'",
            "gp --train DIR/ok.csv --predict DIR/ok.csv --noise -1|--noise=-1.0 is out of range",
            "gp --train DIR/ok.csv --predict DIR/other.csv|feature columns [q] differ",
            "gp --train DIR/ok.csv --predict DIR/ok.csv --fit --fixed|give --fit or --fixed, not both",
            "gp --train DIR/text.csv --predict DIR/ok.csv|text.csv:2: a value is not a number",
    })
    void badInputExitsWithCode2AndOneLine(String line, String expected, @TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("bad.csv"), "name,split\nx,train\n");
        Files.writeString(dir.resolve("noy.csv"), "x\n1\n");
        Files.writeString(dir.resolve("ok.csv"), "x,y\n1,2\n2,3\n");
        Files.writeString(dir.resolve("other.csv"), "q\n1\n");
        Files.writeString(dir.resolve("text.csv"), "x,y\none,2\n");
        Cli r = Cli.run(line.replace("DIR", dir.toString()).split(" "));
        assertEquals(2, r.code(), line + "\n" + r.err());
        String want = expected.replace("DIR", dir.toString());
        assertTrue(r.err().contains(want), "'" + r.err() + "' should contain '" + want + "'");
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(r.err().contains("Exception"));
    }
}
