// How the launcher builds the re-executed JVM's command line: a flag the user gave always wins over pgloom's,
// options from the environment are not repeated, the marker and the user's arguments come last.
package io.pgloom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JvmLauncherTest {
    private static final List<String> OURS = List.of("-XX:+UseSerialGC", "-Xms16m", "-XX:ReservedCodeCacheSize=64m");

    @Test
    void oursComeFirstThenTheUsersThenTheMarkerJarAndArguments() {
        List<String> c = JvmLauncher.command(
                "/jdk/bin/java", OURS, List.of("-Xmx200m"), Map.of(), "proxy.jar", new String[] {"conf/proxy.toml"});
        assertEquals(
                List.of(
                        "/jdk/bin/java",
                        "-XX:+UseSerialGC",
                        "-Xms16m",
                        "-XX:ReservedCodeCacheSize=64m",
                        "-Xmx200m",
                        "-Dpgloom.relaunched=true",
                        "-jar",
                        "proxy.jar",
                        "conf/proxy.toml"),
                c);
    }

    @Test
    void aUserFlagForTheSameSettingReplacesOurs() {
        List<String> c = JvmLauncher.command(
                "java",
                OURS,
                List.of("-XX:+UseG1GC", "-Xms1g", "-XX:ReservedCodeCacheSize=128m"),
                Map.of(),
                "proxy.jar",
                new String[0]);
        assertFalse(c.contains("-XX:+UseSerialGC"), "two collectors would stop the JVM: " + c);
        assertFalse(c.contains("-Xms16m"), c.toString());
        assertFalse(c.contains("-XX:ReservedCodeCacheSize=64m"), c.toString());
        assertTrue(c.containsAll(List.of("-XX:+UseG1GC", "-Xms1g", "-XX:ReservedCodeCacheSize=128m")), c.toString());
    }

    @Test
    void turningOneOfOurBooleanFlagsOffWins() {
        List<String> c = JvmLauncher.command(
                "java",
                List.of("-XX:+UseCompactObjectHeaders"),
                List.of("-XX:-UseCompactObjectHeaders"),
                Map.of(),
                "p.jar",
                new String[0]);
        assertEquals(
                1, c.stream().filter(a -> a.contains("UseCompactObjectHeaders")).count(), c.toString());
        assertTrue(c.contains("-XX:-UseCompactObjectHeaders"));
    }

    @Test
    void optionsFromTheEnvironmentAreNotRepeatedButStillWinOverOurs() {
        // The new JVM reads JAVA_TOOL_OPTIONS again itself; the input arguments include them.
        List<String> c = JvmLauncher.command(
                "java",
                OURS,
                List.of("-XX:+UseParallelGC", "-javaagent:/a.jar", "-Xmx1g"),
                Map.of("JAVA_TOOL_OPTIONS", " -XX:+UseParallelGC  -javaagent:/a.jar "),
                "p.jar",
                new String[0]);
        assertFalse(c.contains("-javaagent:/a.jar"), "an agent loaded twice: " + c);
        assertFalse(c.contains("-XX:+UseParallelGC"), c.toString());
        assertFalse(c.contains("-XX:+UseSerialGC"), "the environment chose a collector: " + c);
        assertTrue(c.contains("-Xmx1g"));
    }

    @Test
    void keysNameTheSettingNotTheValue() {
        assertEquals("collector", JvmLauncher.key("-XX:+UseZGC"));
        assertEquals("collector", JvmLauncher.key("-XX:+UseSerialGC"));
        assertEquals("TieredStopAtLevel", JvmLauncher.key("-XX:TieredStopAtLevel=1"));
        assertEquals("-Dfoo", JvmLauncher.key("-Dfoo=bar"));
        assertEquals("-Xms", JvmLauncher.key("-Xms16m"));
    }

    @Test
    void compactHeadersOnlyWhereTheJvmHasThemAsAProductFlag() {
        assertFalse(JvmLauncher.flags(21).contains("-XX:+UseCompactObjectHeaders"));
        assertTrue(JvmLauncher.flags(25).contains("-XX:+UseCompactObjectHeaders"));
    }

    @Test
    void testsAndClassDirectoriesNeverRelaunch() {
        assertNull(JvmLauncher.runningJar(), "the test JVM does not run from pgloom's jar");
        assertNull(JvmLauncher.relaunchIfWanted(new String[] {"conf/proxy.toml"}));
    }

    @Test
    void bootReadsOldAndNewVersionStrings() {
        assertEquals(8, Boot.feature("1.8"));
        assertEquals(17, Boot.feature("17"));
        assertEquals(25, Boot.feature("25-ea"));
    }
}
