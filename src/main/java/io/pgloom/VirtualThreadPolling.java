// Fewer read pollers than the JDK's default for a proxy's socket load. JDK 25 gives every core its own read
// poller (an epoll set on a virtual thread, parked on a master poller thread whenever its set is quiet). A pooler's
// sockets each wake once per message; spread over one set per core, a set is often empty, so its poller parks and
// the master thread must wake it for the next event. One poller per four cores keeps each set busy: on 2 cores it
// cut voluntary context switches and CPU per transaction (bench/RESULTS.md, "What changed"). It must be set before
// any virtual thread blocks on a socket; a value given with -Djdk.readPollers is left as given.
// The pollers also run as platform threads (jdk.pollerMode=1, JDK 21's default on Linux) rather than as virtual
// threads under a master poller (JDK 25's default): one hand-off less per wake-up, fewer context switches per
// transaction at low concurrency (bench/PROFILE.md). -Djdk.pollerMode on the command line wins here too.
package io.pgloom;

final class VirtualThreadPolling {
    private VirtualThreadPolling() {}

    static final String READ_POLLERS = "jdk.readPollers";
    static final String POLLER_MODE = "jdk.pollerMode";
    /** Platform poller threads, woken by the kernel directly (the JDK's Poller.Mode.SYSTEM_THREADS). */
    static final String SYSTEM_THREADS = "1";

    /** One read poller per four cores, a power of two (the JDK refuses anything else), at least one. */
    static int readPollers(int cores) {
        return Math.max(1, Integer.highestOneBit(Math.max(1, cores / 4)));
    }

    /** Sets what the command line did not; returns what it set ("jdk.readPollers=N jdk.pollerMode=1"), or null. */
    static String apply() {
        StringBuilder set = new StringBuilder();
        if (System.getProperty(READ_POLLERS) == null) {
            String n = Integer.toString(readPollers(Runtime.getRuntime().availableProcessors()));
            System.setProperty(READ_POLLERS, n);
            set.append(READ_POLLERS).append('=').append(n);
        }
        if (System.getProperty(POLLER_MODE) == null) {
            System.setProperty(POLLER_MODE, SYSTEM_THREADS);
            set.append(set.isEmpty() ? "" : " ").append(POLLER_MODE).append('=').append(SYSTEM_THREADS);
        }
        return set.isEmpty() ? null : set.toString();
    }
}
