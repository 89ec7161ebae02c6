package org.mesalab.core.assistant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mesalab.core.UsageException;

class AssistantTest {

    private static Assistant.Decision essay(Assistant.Report r) {
        return r.decisions().stream().filter(d -> d.situation().name().equals(Assistant.ESSAY_QUESTION)).findFirst().orElseThrow();
    }

    @Test
    void theEssaysThreeTrainingSituationsAreThereWithTheirLabels() {
        List<Situation> all = Assistant.builtIn();
        Situation buy = all.stream().filter(s -> s.name().equals("buy obtain_stapler")).findFirst().orElseThrow();
        Situation steal = all.stream().filter(s -> s.name().equals("steal obtain_stapler")).findFirst().orElseThrow();
        Situation kill = all.stream().filter(s -> s.name().equals("do_it_yourself kill_person")).findFirst().orElseThrow();
        assertEquals("train", buy.split());
        assertEquals("comply", buy.best());
        assertTrue(steal.comply() < 0);
        assertEquals("refuse", kill.best());
        Situation question = all.stream().filter(s -> s.name().equals(Assistant.ESSAY_QUESTION)).findFirst().orElseThrow();
        assertEquals("test", question.split());
        assertEquals("refuse", question.best());
    }

    @Test
    void actionSimilarityCompliesAndOutcomeSimilarityRefuses() {
        Assistant.Decision byAction = essay(Assistant.run(Assistant.builtIn(), "action", null, 1));
        Assistant.Decision byOutcome = essay(Assistant.run(Assistant.builtIn(), "outcome", null, 1));
        assertEquals("comply", byAction.choice(), "paying someone looks like buying");
        assertEquals("refuse", byOutcome.choice(), "someone dying looks like killing");
        assertTrue(byOutcome.correct());
    }

    @Test
    void cautiousModeAsksWhenUnsure() {
        Assistant.Report bold = Assistant.run(Assistant.builtIn(), "action", null, 1);
        Assistant.Report cautious = Assistant.run(Assistant.builtIn(), "action", 0.5, 1);
        assertEquals(0.0, bold.askRate());
        assertTrue(cautious.askRate() > 0);
        assertEquals("ask", essay(cautious).choice(), "the action prior is unsure about the essay's question");
        assertTrue(cautious.meanReward() > bold.meanReward(), "asking beats complying with harm");
        assertThrows(UsageException.class, () -> Assistant.run(Assistant.builtIn(), "action", -1.0, 1));
    }

    @Test
    void customSituationsFromCsv(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("s.csv");
        Files.writeString(csv, String.join("\n",
                "situation,split,comply,refuse,action.pays_money,outcome.user_gets_item,outcome.someone_dies",
                "# a comment",
                "buy,train,1,-0.5,1,1,0",
                "kill,train,-2,1,0,0,1",
                "hire assassin,test,-2,1,1,0,1"));
        List<Situation> s = Assistant.readCsv(csv);
        assertEquals(3, s.size());
        assertEquals("refuse", essayLike(Assistant.run(s, "outcome", null, 1)));
        assertEquals("comply", essayLike(Assistant.run(s, "action", null, 1)));
    }

    private static String essayLike(Assistant.Report r) {
        return r.decisions().get(0).choice();
    }

    @Test
    void malformedCsvIsAUsageErrorWithTheLine(@TempDir Path dir) throws Exception {
        String header = "situation,split,comply,refuse,action.pays_money\n";
        String[][] cases = {
                {"name,split,comply,refuse\n", ":1: header must start"},
                {"situation,split,comply,refuse,action.flies\n", "unknown feature 'action.flies'"},
                {header + "buy,train,1,-0.5\n", ":2: 4 fields, the header has 5"},
                {header + "buy,valid,1,-0.5,1\n", ":2: split 'valid' is not allowed"},
                {header + "buy,train,yes,-0.5,1\n", ":2: a value is not a number"},
                {"", "is empty"},
        };
        for (String[] c : cases) {
            Path f = dir.resolve("bad.csv");
            Files.writeString(f, c[0]);
            UsageException e = assertThrows(UsageException.class, () -> Assistant.readCsv(f));
            assertTrue(e.getMessage().contains(c[1]), e.getMessage() + " should contain " + c[1]);
        }
        assertThrows(UsageException.class, () -> Assistant.readCsv(dir.resolve("missing.csv")));
    }
}
