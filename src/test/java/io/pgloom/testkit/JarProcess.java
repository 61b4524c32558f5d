// Runs the real jar (target/proxy.jar, or -Dpgloom.jar) with a config file, as an operator would, its stdout and
// stderr (the log) going to one file, for tests about what the process itself writes.
package io.pgloom.testkit;

import java.io.IOException;
import java.nio.file.Path;

public final class JarProcess {
    private JarProcess() {}

    /** Starts {@code java -jar proxy.jar conf} with the same java as the test; the log goes to {@code log}. */
    public static Process start(Path conf, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String jar = System.getProperty("pgloom.jar", "target/proxy.jar");
        return new ProcessBuilder(java, "-jar", jar, conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }
}
