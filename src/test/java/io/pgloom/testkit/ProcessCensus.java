// What the test process holds, for leak checks that compare after a test with before it: pgloom's own threads,
// virtual ones included (counted by name in a JSON thread dump; Thread.getAllStackTraces misses them), and the heap.
package io.pgloom.testkit;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class ProcessCensus {
    private ProcessCensus() {}

    private static final Pattern NAME = Pattern.compile("\"name\": \"(pgloom-[^\"]*)\"");

    /** Live threads whose name starts with "pgloom-" (sessions, pumps, acceptor, janitor...). */
    public static int pgloomThreads() throws IOException {
        Path f = Files.createTempFile("pgloom-threads", ".json");
        Files.delete(f); // dumpThreads refuses to overwrite
        try {
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(f.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            Matcher m = NAME.matcher(Files.readString(f));
            int n = 0;
            while (m.find()) n++;
            return n;
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** Heap in use after a full collection (pgloom runs in the test's JVM). */
    public static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
