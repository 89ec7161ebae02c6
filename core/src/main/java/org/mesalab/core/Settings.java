package org.mesalab.core;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A learner's hyperparameters as a typed record whose components are declared once as {@link Param}s
 * (name in snake_case, default, allowed values, doc), in component order. From the declarations come
 * the defaults, {@code --set PREFIX.KEY=VALUE} parsing with one-line errors, the config-file map and
 * its reading (missing keys take their defaults, unknown keys are refused), and listings for help.
 * A record and its declarations that disagree fail when the class loads (and in a test).
 *
 * @param <T> the configuration record
 */
public final class Settings<T extends Record> {
    private final String owner;
    private final List<Param> params;
    private final RecordComponent[] components;
    private final Constructor<T> constructor;

    /** @param owner the prefix used on the command line and in messages ({@code ppo}, {@code planner}) */
    public Settings(String owner, Class<T> type, List<Param> params) {
        this.owner = owner;
        this.params = List.copyOf(params);
        this.components = type.getRecordComponents();
        if (components.length != params.size()) {
            throw new IllegalStateException(type.getSimpleName() + " has " + components.length + " components, " + params.size() + " declared");
        }
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            String expected = snakeCase(components[i].getName());
            if (!expected.equals(params.get(i).name())) {
                throw new IllegalStateException(type.getSimpleName() + "." + components[i].getName() + " is declared as " + params.get(i).name());
            }
        }
        try {
            this.constructor = type.getDeclaredConstructor(types);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    public String owner() {
        return owner;
    }

    public List<Param> params() {
        return params;
    }

    /** The declaration of {@code key}; unknown keys are a usage error naming the known ones. */
    public Param param(String key) {
        for (Param p : params) {
            if (p.name().equals(key)) {
                return p;
            }
        }
        throw new UsageException(owner + ": unknown hyperparameter '" + key + "'; allowed: " + names());
    }

    public String names() {
        return String.join(", ", params.stream().map(Param::name).toList());
    }

    public T defaults() {
        return fromMap(Map.of());
    }

    /** A copy of {@code base} with {@code key} set from text, checked against its declaration. */
    public T with(T base, String key, String text) {
        Param p = param(key);
        Map<String, Object> m = toMap(base);
        m.put(key, p.parseValue(owner, text));
        return fromMap(m);
    }

    /** The values by snake_case name, in declaration order (what config files hold). */
    public Map<String, Object> toMap(T value) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < components.length; i++) {
            try {
                m.put(params.get(i).name(), components[i].getAccessor().invoke(value));
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException(e);
            }
        }
        return m;
    }

    /** A record from a config map: missing keys take their defaults, every value is checked, unknown keys are refused. */
    public T fromMap(Map<String, ?> given) {
        for (String k : given.keySet()) {
            param(k);
        }
        Object[] args = new Object[params.size()];
        for (int i = 0; i < args.length; i++) {
            Param p = params.get(i);
            Object v = given.containsKey(p.name()) ? p.checkValue(owner, given.get(p.name())) : p.defaultValue();
            args[i] = components[i].getType() == double.class ? ((Number) v).doubleValue() : v;
        }
        try {
            return constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** camelCase to snake_case: {@code numEnvs} to {@code num_envs}. */
    static String snakeCase(String camel) {
        StringBuilder b = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                b.append('_').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
