// The properties every fuzz harness checks on each input: only the parsers' own clean failures come out, and the
// input never makes the code allocate more than the caps allow (a forged 2 GiB length must not allocate 2 GiB).
package io.pgloom.testkit;

import java.lang.management.ManagementFactory;

public final class FuzzChecks {
    private FuzzChecks() {}

    /** Work on one fuzz input, from fresh state each call; may throw anything, which {@link #run} sorts out. */
    public interface Input {
        void run() throws Exception;
    }

    /** Decides whether a failure is one of the clean refusals the code is allowed to end with. */
    public interface Clean {
        boolean test(Throwable t);
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * Runs the input on this thread. A failure that is not clean is rethrown (the fuzzer records the input as a
     * finding). So is an allocation of more than {@code maxAllocatedBytes}, when a second run of the same input (with
     * classes loaded and caches filled by the first) allocates as much again.
     */
    public static void run(long maxAllocatedBytes, Clean clean, Input input) throws Exception {
        long allocated = runOnce(clean, input);
        if (allocated > maxAllocatedBytes) allocated = runOnce(clean, input);
        if (allocated > maxAllocatedBytes) {
            throw new AssertionError(
                    "one input allocated " + allocated + " bytes, more than the cap of " + maxAllocatedBytes);
        }
    }

    private static long runOnce(Clean clean, Input input) throws Exception {
        long tid = Thread.currentThread().threadId();
        long before = THREADS.getThreadAllocatedBytes(tid);
        try {
            input.run();
        } catch (Exception e) {
            if (!clean.test(e)) throw e;
        }
        return THREADS.getThreadAllocatedBytes(tid) - before;
    }
}
