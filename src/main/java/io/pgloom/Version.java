// The version stamped into the jar manifest at build time ("dev" when run from classes).
package io.pgloom;

public final class Version {
    private Version() {}

    public static String get() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }
}
