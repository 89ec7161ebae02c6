package org.mesalab.lab;

import picocli.CommandLine;

/** Version line: mesalab's version and the Java runtime it runs on. */
final class Versions implements CommandLine.IVersionProvider {
    static String mesalab() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"mesalab " + mesalab() + " (Java " + System.getProperty("java.version") + ")"};
    }
}
