// What the acceptor does after a failed accept (EMFILE, ENFILE, ENOMEM): wait, doubling from 10 ms up to 1 s while
// accepts keep failing, and log at most one line a second with the count of failures not logged. Acceptor-only.
package io.pgloom.session;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

final class AcceptBackoff {
    static final long FIRST_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The reason label of pgloom_accept_failures_total, each exported from the start (0 until it happens). */
    static final List<String> REASONS = List.of("emfile", "enfile", "no_memory", "other");

    private long waitNanos;
    private long streak;
    private boolean logged;
    private long lastLogNanos;
    private long notLogged;

    /** The reason label for an accept's exception, from the JDK's text of the errno. */
    static String reason(IOException e) {
        String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        if (m.contains("too many open files in system")) return "enfile";
        if (m.contains("too many open files")) return "emfile";
        if (m.contains("cannot allocate memory") || m.contains("no buffer space")) return "no_memory";
        return "other";
    }

    /** An accept failed: how long to wait before the next one. */
    long failed() {
        streak++;
        waitNanos = waitNanos == 0 ? FIRST_WAIT_NANOS : Math.min(MAX_WAIT_NANOS, waitNanos * 2);
        return waitNanos;
    }

    /**
     * Whether the failure just counted is logged: the first of a streak and then one a second. When it is, {@link
     * #notLogged()} says how many were left out since the previous line.
     */
    boolean log(long now) {
        if (logged && now - lastLogNanos < LOG_EVERY_NANOS) {
            notLogged++;
            return false;
        }
        logged = true;
        lastLogNanos = now;
        return true;
    }

    /** Failures left out of the log since the line before the current one (reset by reading). */
    long notLogged() {
        long n = notLogged;
        notLogged = 0;
        return n;
    }

    /** An accept succeeded: the failures it ends (0 when there were none); waits start small again. */
    long succeeded() {
        long s = streak;
        streak = 0;
        waitNanos = 0;
        return s;
    }
}
