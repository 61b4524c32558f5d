// No server connection became free within query_wait_timeout.
package io.pgloom.pool;

public final class PoolTimeoutException extends Exception {
    private static final long serialVersionUID = 1L;

    public PoolTimeoutException(String message) {
        super(message, null, false, false);
    }
}
