package org.mesalab.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mesalab.agents.planner.PlannerConfig;
import org.mesalab.agents.ppo.PpoConfig;
import org.mesalab.core.UsageException;

/** The learners' hyperparameters, declared once: the keys and defaults stay what they were, the map round-trips, bad values are refused. */
class ConfigTest {
    @Test
    void defaultsAreTheDocumentedOnes() {
        assertEquals(new PpoConfig(32, 128, 5e-4, true, 0.99, 0.95, 4, 4, true, 0.2, true, 0.01, 0.5, 0.5, 0.0, 1e-5, 0.0,
                "mlp", 256, 2, "16-32", 0, 1, 10), PpoConfig.defaults());
        assertEquals(new PlannerConfig(16, "gumbel", 16, true, 1e-8, 0.1, 0.0, "mlp", 128, 64, 16, 0, 1.0, 5, 10, false, 0.97, 256, 4, 1e-3, 1e-4, 5.0, 0.25, 2.0, 0.0, 0.0, 1.0,
                1, 100_000, 2_000, 0, "test", false, 500), PlannerConfig.defaults());
        assertEquals(List.of("num_envs", "num_steps", "learning_rate", "anneal_lr", "gamma", "gae_lambda", "num_minibatches", "update_epochs",
                "norm_adv", "clip_coef", "clip_vloss", "ent_coef", "vf_coef", "max_grad_norm", "target_kl", "adam_eps", "weight_decay", "network",
                "width", "depth", "channels", "lstm_size", "value_heads", "checkpoint_every"), List.copyOf(PpoConfig.defaults().toMap().keySet()));
    }

    @Test
    void theConfigFileMapRoundTripsAndOldManifestsRead() {
        PpoConfig c = PpoConfig.defaults().with("network", "conv").with("channels", "8-16").with("learning_rate", "0.001").with("anneal_lr", "false");
        assertEquals(c, PpoConfig.fromMap(c.toMap()));
        PlannerConfig p = PlannerConfig.defaults().with("search", "puct").with("model_envs", "4").with("rescale_q", "false");
        assertEquals(p, PlannerConfig.fromMap(p.toMap()));
        // manifests written before the declarations: rescale_q as a string, numbers as JSON gives them, keys missing
        PlannerConfig old = PlannerConfig.fromMap(Map.of("rescale_q", "false", "discount", 1, "num_envs", 8L));
        assertEquals(false, old.rescaleQ());
        assertEquals(1.0, old.discount());
        assertEquals(8, old.numEnvs());
        assertEquals(PlannerConfig.defaults().width(), old.width());
    }

    @Test
    void theManifestIsWrittenAndReadByOneRecord(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        RunManifest m = RunManifest.of("planner", "maze", "train", Map.of("size", 9.0), 0, 0, 3, 4000, 1, Map.of("java", "17"), "abc", "now", "test")
                .withLearner("planner", PlannerConfig.defaults().with("model_envs", "2").toMap(), 1234, 250);
        RunDir run = RunDir.create(dir.resolve("r"));
        run.writeManifest(m);
        RunManifest back = RunDir.open(dir.resolve("r")).readManifest();
        assertEquals(RunDir.JSON.writeValueAsString(m), RunDir.JSON.writeValueAsString(back));
        assertEquals(PlannerConfig.of(m), PlannerConfig.of(back));
        assertEquals(m.envOverrides(), back.envOverrides());
        assertEquals(9, ((Number) back.envParams().get("size")).intValue(), "the training distribution's full parameters are recorded");
        String json = java.nio.file.Files.readString(dir.resolve("r/config.json"));
        assertTrue(json.contains("\"env_overrides\"") && json.contains("\"total_steps\" : 4000") && !json.contains("\"ppo\""), json);
        // an unreadable manifest is a usage error naming the file
        java.nio.file.Files.writeString(dir.resolve("r/config.json"), "{\"algo\": \"ppo\", \"env\": \"maze\", \"split\": \"train\"}");
        assertMessage(() -> RunDir.open(dir.resolve("r")).readManifest(), "config.json has algo 'ppo' without its hyperparameters");
    }

    @Test
    void badValuesAreRefusedWithTheAllowedValues() {
        assertMessage(() -> PpoConfig.defaults().with("learning_rate", "0"), "ppo: learning_rate=0 is out of range; allowed: a number in (0, 1]");
        assertMessage(() -> PpoConfig.defaults().with("num_envs", "1.5"), "ppo: num_envs=1.5 is not a valid integer; allowed: an integer in [1, 4096]");
        assertMessage(() -> PpoConfig.defaults().with("anneal_lr", "yes"), "anneal_lr=yes is not a valid boolean");
        assertMessage(() -> PpoConfig.defaults().with("network", "rnn"), "ppo: network=rnn is not known; allowed: mlp, conv");
        assertMessage(() -> PpoConfig.defaults().with("channels", "16-"), "ppo: channels=16- is malformed");
        assertMessage(() -> PpoConfig.defaults().with("optimizer", "sgd"), "ppo: unknown hyperparameter 'optimizer'; allowed: num_envs, ");
        assertMessage(() -> PlannerConfig.fromMap(Map.of("simulations", 0)), "planner: simulations=0 is out of range; allowed: an integer in [1, 4096]");
        assertMessage(() -> PlannerConfig.defaults().with("replay_size", "10").validate(1000, List.of("train", "test")), "planner: replay_size=10");
    }

    private static void assertMessage(Runnable r, String part) {
        UsageException e = assertThrows(UsageException.class, r::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
