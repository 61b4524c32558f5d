// Fewer read pollers than the JDK's default for a proxy's socket load. JDK 25 gives every core its own read
// poller (an epoll set on a virtual thread, parked on a master poller thread whenever its set is quiet). A pooler's
// sockets each wake once per message; spread over one set per core, a set is often empty, so its poller parks and
// the master thread must wake it for the next event. One poller per four cores keeps each set busy: on 2 cores it
// cut voluntary context switches and CPU per transaction (bench/RESULTS.md, "What changed"). It must be set before
// any virtual thread blocks on a socket; a value given with -Djdk.readPollers is left as given.
package io.pgloom;

final class VirtualThreadPolling {
    private VirtualThreadPolling() {}

    static final String READ_POLLERS = "jdk.readPollers";

    /** One read poller per four cores, a power of two (the JDK refuses anything else), at least one. */
    static int readPollers(int cores) {
        return Math.max(1, Integer.highestOneBit(Math.max(1, cores / 4)));
    }

    /** Sets the read poller count unless the command line did; returns "jdk.readPollers=N" when it set it, else null. */
    static String apply() {
        if (System.getProperty(READ_POLLERS) != null) return null;
        String n = Integer.toString(readPollers(Runtime.getRuntime().availableProcessors()));
        System.setProperty(READ_POLLERS, n);
        return READ_POLLERS + "=" + n;
    }
}
