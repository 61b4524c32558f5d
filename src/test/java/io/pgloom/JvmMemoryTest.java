// JvmMemory changes only options still at their defaults, once: what an operator set on the command line wins,
// and a second start (a reload path, a test) does not fight the first.
package io.pgloom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

class JvmMemoryTest {
    @Test
    void givesMemoryBackByChangingOnlyDefaultOptionsOnce() {
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        boolean wasDefault =
                hotspot.getVMOption("MaxHeapFreeRatio").getOrigin() == com.sun.management.VMOption.Origin.DEFAULT;
        List<String> first = JvmMemory.apply();
        if (wasDefault) {
            assertTrue(first.contains("MaxHeapFreeRatio=20"), first.toString());
            assertEquals("20", hotspot.getVMOption("MaxHeapFreeRatio").getValue());
            assertEquals("10", hotspot.getVMOption("MinHeapFreeRatio").getValue());
        }
        assertTrue(JvmMemory.apply().isEmpty(), "options it set are no longer defaults: left alone the second time");
    }
}
