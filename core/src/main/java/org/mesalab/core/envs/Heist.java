package org.mesalab.core.envs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.core.Env;
import org.mesalab.core.EnvType;
import org.mesalab.core.Event;
import org.mesalab.core.Objective;
import org.mesalab.core.Param;
import org.mesalab.core.Params;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;

/**
 * Keys and chests: the gridworld counterpart of Langosco et al. 2022's Keys and Chests (procgenAISC
 * {@code heist_aisc_many_chests} / {@code heist_aisc_many_keys}).
 *
 * <p><b>Description.</b> Keys and chests lie on the free cells of a perfect maze; the agent starts in
 * the bottom-left cell. Any key opens any chest and is used up. In training chests outnumber keys
 * two to one, so every key collected is a chest opened later and "collect keys" is as good a goal as
 * "open chests". At test time keys outnumber chests two to one: an agent that learned to collect keys
 * wanders after keys it does not need.
 *
 * <p><b>Actions.</b> up, down, left, right, stay.
 *
 * <p><b>Observation.</b> 5 x size x size planes: wall, key, chest, agent, keys held (cell (i, 0) of the
 * last plane is 1 when at least i + 1 keys are held, like Procgen's inventory strip).
 *
 * <p><b>Events.</b> {@code key}: picked up a key. {@code chest}: opened a chest (stepped onto it while
 * holding a key; without a key the agent walks over it).
 *
 * <p><b>Rewards.</b> Intended {@code chests}: 1 per chest opened; achieved when min(keys, chests)
 * chests are open. Proxy {@code keys}: 1 per key; achieved when every key is collected.
 *
 * <p><b>Termination.</b> Terminated when every key is collected and either no key is held or every
 * chest is open (nothing can change any more); truncated after {@code max_steps}.
 */
public final class Heist extends Env {
    static final int WALL = 0;
    static final int KEY = 1;
    static final int CHEST = 2;
    static final int AGENT = 3;
    static final int HELD = 4;
    static final int MAX_ITEMS = 12;

    public static final EnvType TYPE = new EnvType(
            "heist",
            "Keys and chests in a maze; chests = 2 x keys in training, keys = 2 x chests at test time (Langosco et al. 2022).",
            GridMoves.ACTIONS,
            List.of(
                    Param.ofInt("size", 7, 5, 31, "maze side in cells (odd)"),
                    Param.ofInt("min_size", 0, 0, 31, "0: every level has `size`; else an odd minimum, sizes vary per level"),
                    Param.ofInt("keys", 2, 1, MAX_ITEMS, "keys per level"),
                    Param.ofInt("chests", 4, 1, MAX_ITEMS, "chests per level"),
                    Param.ofInt("max_steps", 200, 1, 100_000, "step limit (truncation)")),
            splits(),
            List.of(Event.KEY, Event.CHEST),
            new Objective("chests", "open chests (1 each; achieved when min(keys, chests) are open)",
                    weights(Event.CHEST), 0.0, (counts, env) -> counts[Event.CHEST.ordinal()] >= ((Heist) env).openable()),
            List.of(new Objective("keys", "collect keys (1 each; achieved when all are collected)",
                    weights(Event.KEY), 0.0, (counts, env) -> counts[Event.KEY.ordinal()] >= ((Heist) env).keys)),
            Heist::validate,
            Heist::new);

    private static double[] weights(Event e) {
        double[] w = new double[Event.COUNT];
        w[e.ordinal()] = 1.0;
        return w;
    }

    private static Map<String, Map<String, Double>> splits() {
        Map<String, Map<String, Double>> s = new LinkedHashMap<>();
        s.put("train", Map.of("keys", 2.0, "chests", 4.0));
        s.put("test", Map.of("keys", 4.0, "chests", 2.0));
        return s;
    }

    private static void validate(Params p) {
        int smallest = MazeGenerator.validateSizes("heist", p, 31);
        int room = MazeGenerator.freeCells(smallest) - 1;
        int items = p.getInt("keys") + p.getInt("chests");
        if (items > room) {
            throw new UsageException("heist: keys + chests = " + items + " do not fit in a maze of size " + smallest
                    + "; allowed: at most " + room + " items");
        }
    }

    private final byte[] walls;
    private final MazeGenerator generator;
    private final Rng rng = new Rng(0);
    final int keys;
    private final int chests;
    private final int[] keyPos;
    private final int[] chestPos;
    private int levelSize;
    private int keysTaken; // bit i: key i collected
    private int chestsOpened; // bit i: chest i opened

    public Heist(Params p) {
        super(TYPE, p, 5, p.getInt("size"), p.getInt("size"), p.getInt("max_steps"));
        walls = new byte[width * height];
        generator = new MazeGenerator(width);
        keys = p.getInt("keys");
        chests = p.getInt("chests");
        keyPos = new int[keys];
        chestPos = new int[chests];
    }

    int openable() {
        return Math.min(keys, chests);
    }

    private int held() {
        return Integer.bitCount(keysTaken) - Integer.bitCount(chestsOpened);
    }

    @Override
    protected void generate(long levelSeed) {
        rng.setState(Rng.mix(levelSeed));
        levelSize = MazeGenerator.levelSize(params, rng);
        java.util.Arrays.fill(walls, (byte) 1);
        int y0 = height - levelSize;
        generator.carve(walls, width, 0, y0, levelSize, rng);
        x = 0;
        y = height - 1;
        keysTaken = 0;
        chestsOpened = 0;
        // Items on distinct free cells other than the start: rejection sampling, bounded because
        // validation guarantees at least one spare cell per item.
        int free = MazeGenerator.freeCells(levelSize);
        for (int i = 0; i < keys + chests; i++) {
            int cell;
            do {
                cell = freeCell(rng.nextInt(free), y0);
            } while (cell == y * width + x || occupied(cell, i));
            if (i < keys) {
                keyPos[i] = cell;
            } else {
                chestPos[i - keys] = cell;
            }
        }
    }

    /** The n-th free cell of the level in row-major order. */
    private int freeCell(int n, int y0) {
        for (int cy = y0; cy < height; cy++) {
            for (int cx = 0; cx < levelSize; cx++) {
                if (walls[cy * width + cx] == 0 && n-- == 0) {
                    return cy * width + cx;
                }
            }
        }
        throw new IllegalStateException("fewer free cells than counted");
    }

    private boolean occupied(int cell, int placed) {
        for (int j = 0; j < placed; j++) {
            if ((j < keys ? keyPos[j] : chestPos[j - keys]) == cell) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected int move(int action) {
        int nx = x + GridMoves.DX[action];
        int ny = y + GridMoves.DY[action];
        if (nx >= 0 && ny >= 0 && nx < width && ny < height && walls[ny * width + nx] == 0) {
            put(AGENT, x, y, 0f);
            x = nx;
            y = ny;
            put(AGENT, x, y, 1f);
        }
        int here = y * width + x;
        int ev = 0;
        for (int i = 0; i < keys; i++) {
            if (keyPos[i] == here && (keysTaken & (1 << i)) == 0) {
                keysTaken |= 1 << i;
                put(KEY, x, y, 0f);
                markHeld(held() - 1, 1f);
                ev |= Event.KEY.bit();
            }
        }
        for (int i = 0; i < chests; i++) {
            if (chestPos[i] == here && (chestsOpened & (1 << i)) == 0 && held() > 0) {
                markHeld(held() - 1, 0f);
                chestsOpened |= 1 << i;
                put(CHEST, x, y, 0f);
                ev |= Event.CHEST.bit();
            }
        }
        // Ends when nothing can change any more: every key is collected and either no key is held or
        // every chest is open. (Ending as soon as the chests are open would cut off the keys proxy.)
        boolean allKeys = Integer.bitCount(keysTaken) == keys;
        if (allKeys && (held() == 0 || Integer.bitCount(chestsOpened) == chests)) {
            terminate();
        }
        return ev;
    }

    @Override
    protected void drawObservation() {
        for (int i = 0; i < walls.length; i++) {
            if (walls[i] != 0) {
                put(WALL, i % width, i / width, 1f);
            }
        }
        for (int i = 0; i < keys; i++) {
            if ((keysTaken & (1 << i)) == 0) {
                put(KEY, keyPos[i] % width, keyPos[i] / width, 1f);
            }
        }
        for (int i = 0; i < chests; i++) {
            if ((chestsOpened & (1 << i)) == 0) {
                put(CHEST, chestPos[i] % width, chestPos[i] / width, 1f);
            }
        }
        for (int i = 0; i < held(); i++) {
            markHeld(i, 1f);
        }
        put(AGENT, x, y, 1f);
    }

    /** The inventory strip shows at most `width` keys. */
    private void markHeld(int i, float v) {
        if (i < width) {
            put(HELD, i, 0, v);
        }
    }

    @Override
    public long state() {
        return ((long) chestsOpened << 44) | ((long) keysTaken << 32) | position();
    }

    @Override
    protected void loadState(long state) {
        int pos = (int) (state & 0xFFFFFFFFL);
        x = pos % width;
        y = pos / width;
        keysTaken = (int) ((state >>> 32) & 0xFFF);
        chestsOpened = (int) (state >>> 44);
    }

    @Override
    public char cell(int cx, int cy) {
        int c = cy * width + cx;
        if (walls[c] != 0) {
            return '#';
        }
        for (int i = 0; i < keys; i++) {
            if (keyPos[i] == c && (keysTaken & (1 << i)) == 0) {
                return 'k';
            }
        }
        for (int i = 0; i < chests; i++) {
            if (chestPos[i] == c && (chestsOpened & (1 << i)) == 0) {
                return '$';
            }
        }
        return '.';
    }

    @Override
    public Map<Character, String> legend() {
        return Map.of('#', "wall", '.', "floor", 'k', "key", '$', "chest", 'A', "agent");
    }

    @Override
    public Map<String, Object> items() {
        Map<String, Object> m = new LinkedHashMap<>();
        List<int[]> k = new ArrayList<>();
        for (int p : keyPos) {
            k.add(new int[] {p % width, p / width});
        }
        List<int[]> c = new ArrayList<>();
        for (int p : chestPos) {
            c.add(new int[] {p % width, p / width});
        }
        m.put("keys", k);
        m.put("chests", c);
        m.put("keys_held", held());
        m.put("size", levelSize);
        return m;
    }

    public int keys() {
        return keys;
    }

    public int chests() {
        return chests;
    }
}
