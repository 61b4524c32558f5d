// Monotonic and wall time behind one interface, so timeouts and the janitor can be tested without waiting.
package io.pgloom.util;

public interface Clock {
    long nanoTime();

    long currentTimeMillis();

    Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis();
        }
    };
}
