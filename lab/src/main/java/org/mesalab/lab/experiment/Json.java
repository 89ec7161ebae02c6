package org.mesalab.lab.experiment;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.PrintWriter;

/**
 * JSON output: stable snake_case field names chosen by the commands, pretty-printed. Numbers that are
 * not finite (a rate over zero episodes) are written as {@code null}: JSON has no NaN.
 */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .registerModule(new SimpleModule().addSerializer(Double.class, new FiniteDouble()).addSerializer(double.class, new FiniteDouble()));
    /** One line, for the results store and the report's embedded data. */
    public static final ObjectMapper COMPACT = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Double.class, new FiniteDouble()).addSerializer(double.class, new FiniteDouble()));

    /** Writes non-finite doubles as null. */
    private static final class FiniteDouble extends StdSerializer<Double> {
        FiniteDouble() {
            super(Double.class);
        }

        @Override
        public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws java.io.IOException {
            if (v == null || !Double.isFinite(v)) {
                g.writeNull();
            } else {
                g.writeNumber(v);
            }
        }
    }

    private Json() {
    }

    public static void print(PrintWriter out, Object value) {
        try {
            out.println(MAPPER.writeValueAsString(value));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
