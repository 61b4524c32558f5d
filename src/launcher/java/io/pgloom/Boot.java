// The jar's Main-Class, compiled for Java 8 so that an older java can load it: says in one line that pgloom needs
// Java 21 or newer (instead of an UnsupportedClassVersionError) and exits 1; on 21+ it hands over to Main.
package io.pgloom;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

public final class Boot {
    private Boot() {}

    static final int NEEDED = 21;

    public static void main(String[] args) throws Throwable {
        String spec = System.getProperty("java.specification.version", "0");
        int feature = feature(spec);
        if (feature < NEEDED) {
            String java = System.getProperty("java.home", "?") + File.separator + "bin" + File.separator + "java";
            System.err.println("pgloom needs Java " + NEEDED + " or newer; this is Java " + spec + " at " + java
                    + "; set JAVA_HOME to a JDK " + NEEDED + "+ and run its bin/java, or install one"
                    + " (e.g. apt-get install openjdk-21-jre-headless)");
            System.exit(1);
        }
        Method main = Class.forName("io.pgloom.Main").getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** "1.8" -> 8, "17" -> 17. */
    static int feature(String spec) {
        String s = spec.startsWith("1.") ? spec.substring(2) : spec;
        int end = 0;
        while (end < s.length() && Character.isDigit(s.charAt(end))) end++;
        return end == 0 ? 0 : Integer.parseInt(s.substring(0, end));
    }
}
