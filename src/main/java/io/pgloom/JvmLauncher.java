// Keeps `java -jar proxy.jar conf/proxy.toml` the way to run pgloom while starting the JVM with the flags it runs
// best with (runbook.md, "JVM flags pgloom starts itself with"): on first start it replaces itself (execv, same
// process id) by the same java with those flags, the user's own JVM flags after them (so the user's always win).
package io.pgloom;

import java.io.File;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

final class JvmLauncher {
    private JvmLauncher() {}

    /** Set on the re-executed JVM's command line: that JVM does not relaunch again. */
    static final String MARKER = "pgloom.relaunched";
    /** Any non-empty value turns the relaunch off (the JVM then runs with exactly the flags it was given). */
    static final String OFF_ENV = "PGLOOM_NO_RELAUNCH";
    /** Environment variables the java launcher and the JVM read options from; the re-executed JVM reads them too. */
    private static final List<String> OPTION_ENVS = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

    private static final Set<String> COLLECTORS = Set.of(
            "UseSerialGC",
            "UseParallelGC",
            "UseG1GC",
            "UseZGC",
            "UseShenandoahGC",
            "UseEpsilonGC",
            "UseConcMarkSweepGC");

    /**
     * pgloom's flags for a JVM of this feature release (runbook.md says why each; bench/PROFILE.md has the figures). A
     * proxy holds little live heap and allocates almost nothing per message: the serial collector has the cheapest
     * barriers and no concurrent threads, and a small initial heap keeps its young generation (which the JVM touches
     * whole, so it all becomes RSS) small until load needs more; compact object headers (a product flag from JDK 25)
     * take 4 bytes off every object.
     */
    static List<String> flags(int feature) {
        List<String> f = new ArrayList<>(List.of("-XX:+UseSerialGC", "-Xms16m"));
        if (feature >= 25) f.add("-XX:+UseCompactObjectHeaders");
        return f;
    }

    /**
     * Relaunches when pgloom runs from its jar (java -jar), was not relaunched yet and the environment does not turn
     * it off; returns only when it does not relaunch (or the execv failed: then pgloom runs with the flags it has).
     * Returns the reason it did not relaunch, for the startup log, or null when there is nothing to say.
     */
    static String relaunchIfWanted(String[] args) {
        if (System.getProperty(MARKER) != null) return null;
        if (args.length != 1 || args[0].startsWith("-")) return null; // --version, --check, usage: nothing to tune
        String off = System.getenv(OFF_ENV);
        if (off != null && !off.isEmpty()) return OFF_ENV + " is set";
        String jar = runningJar();
        if (jar == null) return null; // tests, an IDE, java -cp: not the operator's java -jar
        int feature = Runtime.version().feature();
        if (feature < 22) return "Java " + feature + " cannot execv (needs 22+); running with the given flags";
        List<String> command = command(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                flags(feature),
                ManagementFactory.getRuntimeMXBean().getInputArguments(),
                System.getenv(),
                jar,
                args);
        System.out.flush();
        System.err.flush();
        String error = Exec.execv(command);
        return "relaunch failed (" + error + "); running with the given flags";
    }

    /** The jar of `java -jar JAR ...`, or null when started any other way. */
    static String runningJar() {
        String cp = System.getProperty("java.class.path", "");
        String cmd = System.getProperty("sun.java.command", "");
        if (!cp.endsWith(".jar") || cp.contains(File.pathSeparator)) return null;
        return cmd.equals(cp) || cmd.startsWith(cp + " ") ? cp : null;
    }

    /**
     * java, then our flags that the user did not set, then the user's command-line flags (those from the option
     * environment variables are read again by the new JVM, before the command line), the marker, -jar jar args.
     */
    static List<String> command(
            String java, List<String> ours, List<String> input, Map<String, String> env, String jar, String[] args) {
        List<String> user = new ArrayList<>(input);
        for (String var : OPTION_ENVS) {
            String v = env.get(var);
            if (v != null) for (String token : v.trim().split("\\s+")) user.remove(token);
        }
        Set<String> given = new HashSet<>();
        for (String a : input) given.add(key(a));
        List<String> c = new ArrayList<>();
        c.add(java);
        for (String f : ours) if (!given.contains(key(f))) c.add(f);
        c.addAll(user);
        c.add("-D" + MARKER + "=true");
        c.add("-jar");
        c.add(jar);
        c.addAll(Arrays.asList(args));
        return c;
    }

    /** What a flag sets, so that a user's flag for the same thing replaces ours: -XX:[+-]Name / -XX:Name=v -> Name. */
    static String key(String flag) {
        if (flag.startsWith("-XX:")) {
            String name = flag.substring(4);
            if (name.startsWith("+") || name.startsWith("-")) name = name.substring(1);
            int eq = name.indexOf('=');
            if (eq >= 0) name = name.substring(0, eq);
            return COLLECTORS.contains(name) ? "collector" : name;
        }
        if (flag.startsWith("-D")) {
            int eq = flag.indexOf('=');
            return eq >= 0 ? flag.substring(0, eq) : flag;
        }
        for (String p : List.of("-Xss", "-Xmx", "-Xms", "-Xmn")) if (flag.startsWith(p)) return p;
        return flag;
    }

    /**
     * execv(2) through the Foreign Function API (final in Java 22), by reflection because pgloom compiles for 21. On
     * success it does not return: the process becomes the new JVM, keeping its id, its stdio and its parent. Before
     * it, close_range(3, ~0, CLOSE_RANGE_CLOEXEC) keeps this JVM's own files (the jar, the module image) from
     * leaking into the new one; only stdin, stdout and stderr pass.
     */
    static final class Exec {
        private static final int CLOSE_RANGE_CLOEXEC = 4;

        private final Class<?> linkerC = Class.forName("java.lang.foreign.Linker");
        private final Class<?> segmentC = Class.forName("java.lang.foreign.MemorySegment");
        private final Class<?> layoutC = Class.forName("java.lang.foreign.MemoryLayout");
        private final Class<?> descriptorC = Class.forName("java.lang.foreign.FunctionDescriptor");
        private final Class<?> optionC = Class.forName("java.lang.foreign.Linker$Option");
        private final Class<?> allocatorC = Class.forName("java.lang.foreign.SegmentAllocator");
        private final Class<?> valueLayoutC = Class.forName("java.lang.foreign.ValueLayout");
        private final Object linker = linkerC.getMethod("nativeLinker").invoke(null);
        private final Object lookup = linkerC.getMethod("defaultLookup").invoke(linker);
        private final Object address = valueLayoutC.getField("ADDRESS").get(null);
        private final Object jint = valueLayoutC.getField("JAVA_INT").get(null);

        private Exec() throws ReflectiveOperationException {}

        static String execv(List<String> command) {
            try {
                return new Exec().run(command);
            } catch (Throwable e) { // any reflective or native failure: run on with the flags we have
                return e.getClass().getSimpleName() + ": " + e.getMessage();
            }
        }

        private String run(List<String> command) throws Throwable {
            MethodHandle execv = downcall("execv", address, address);
            if (execv == null) return "no execv in the C library";
            Object arena =
                    Class.forName("java.lang.foreign.Arena").getMethod("global").invoke(null);
            Method fromString = allocatorC.getMethod("allocateFrom", String.class);
            Object argv = allocatorC
                    .getMethod("allocate", layoutC, long.class)
                    .invoke(arena, address, (long) command.size() + 1);
            Class<?> addressLayoutC = Class.forName("java.lang.foreign.AddressLayout");
            Method setAt = segmentC.getMethod("setAtIndex", addressLayoutC, long.class, segmentC);
            for (int i = 0; i < command.size(); i++) {
                setAt.invoke(argv, address, (long) i, fromString.invoke(arena, command.get(i)));
            }
            setAt.invoke(
                    argv,
                    address,
                    (long) command.size(),
                    segmentC.getField("NULL").get(null));
            Object path = fromString.invoke(arena, command.get(0));
            MethodHandle closeRange = downcall("close_range", jint, jint, jint);
            if (closeRange != null) closeRange.invokeWithArguments(3, -1, CLOSE_RANGE_CLOEXEC); // best effort
            int rc = (int) execv.invokeWithArguments(path, argv);
            return "execv returned " + rc;
        }

        /** A handle on the C library's int name(args...), or null when the library has no such function. */
        private MethodHandle downcall(String name, Object... args) throws ReflectiveOperationException {
            Class<?> lookupC = Class.forName("java.lang.foreign.SymbolLookup");
            Optional<?> symbol =
                    (Optional<?>) lookupC.getMethod("find", String.class).invoke(lookup, name);
            if (symbol.isEmpty()) return null;
            Object layouts = Array.newInstance(layoutC, args.length);
            for (int i = 0; i < args.length; i++) Array.set(layouts, i, args[i]);
            Object descriptor =
                    descriptorC.getMethod("of", layoutC, layouts.getClass()).invoke(null, jint, layouts);
            Object noOptions = Array.newInstance(optionC, 0);
            return (MethodHandle) linkerC.getMethod("downcallHandle", segmentC, descriptorC, noOptions.getClass())
                    .invoke(linker, symbol.get(), descriptor, noOptions);
        }
    }
}
