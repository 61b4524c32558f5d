// What a health check found a host to be: pg_is_in_recovery() false is a primary, true a standby.
package io.pgloom.backend;

import java.util.Locale;

public enum BackendRole {
    UNKNOWN,
    PRIMARY,
    STANDBY;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
