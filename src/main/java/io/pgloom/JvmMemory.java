// Makes the JVM give back the memory a burst left behind: a pooler holds little live heap (about 4.5 KiB per idle
// client), but the JVM's defaults keep up to 70 % of the heap free and committed after a collection. Only
// options still at their defaults are changed, so -XX flags on the command line always win.
package io.pgloom;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.tinylog.Logger;

final class JvmMemory {
    private JvmMemory() {}

    /**
     * Manageable HotSpot options (settable while running), in the order they must be set: MinHeapFreeRatio may not
     * exceed MaxHeapFreeRatio at any moment. G1PeriodicGCInterval lets an idle proxy return memory within a minute.
     */
    private static final String[][] SETTINGS = {
        {"MinHeapFreeRatio", "10"},
        {"MaxHeapFreeRatio", "20"},
        {"G1PeriodicGCInterval", "60000"},
    };

    /** Applies what it can; returns "name=value" for each option it changed (for the startup log line). */
    static List<String> apply() {
        List<String> changed = new ArrayList<>();
        HotSpotDiagnosticMXBean hotspot;
        try {
            hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        } catch (RuntimeException notHotSpot) {
            return changed;
        }
        if (hotspot == null) return changed;
        for (String[] s : SETTINGS) {
            try {
                VMOption current = hotspot.getVMOption(s[0]);
                if (current.getOrigin() != VMOption.Origin.DEFAULT || !current.isWriteable()) continue;
                hotspot.setVMOption(s[0], s[1]);
                changed.add(s[0] + "=" + s[1]);
            } catch (RuntimeException unavailable) {
                // not this JVM's option (another collector, another JVM): leave it
                Logger.debug("event=jvm_option_skipped option={} error={}", s[0], unavailable.getMessage());
            }
        }
        return changed;
    }
}
