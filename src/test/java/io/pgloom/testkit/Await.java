// Waiting for a condition with a deadline (never a bare sleep), and the small network checks tests share.
package io.pgloom.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

public final class Await {
    private Await() {}

    /** A condition that may throw (a failed query counts as "not yet"). */
    public interface Check {
        boolean ok() throws Exception;
    }

    /** Polls every 50 ms until the check passes; fails the test after the deadline, naming what it waited for. */
    public static void until(Check check, int seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            try {
                if (check.ok()) return;
            } catch (Exception notYet) {
                // keep polling until the deadline
            }
            if (System.nanoTime() > deadline)
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    /** Whether something accepts TCP connections on 127.0.0.1:port. */
    public static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port free right now on 127.0.0.1. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
