// What the running JVM was started with, for /status: its collector and its -X/-XX flags (the ones pgloom's
// launcher chose and the user's own; -D properties and agents are left out, they may carry paths or secrets).
package io.pgloom.admin;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

final class JvmInfo {
    private JvmInfo() {}

    /** The collectors' names as the JVM reports them, e.g. "Copy, MarkSweepCompact" for the serial collector. */
    static String collectors() {
        List<String> names = new ArrayList<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) names.add(gc.getName());
        return String.join(", ", names);
    }

    /** The -X and -XX flags among the JVM's input arguments, in the order given, space-separated. */
    static String flags() {
        List<String> flags = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-X")) flags.add(a);
        }
        return String.join(" ", flags);
    }
}
