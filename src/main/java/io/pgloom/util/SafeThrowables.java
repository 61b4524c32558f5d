// A tinylog throwable filter for the text log: an exception's message (and its causes') gets its control
// characters escaped and its length capped, so text inside an exception cannot write a line of its own.
package io.pgloom.util;

import org.tinylog.throwable.ThrowableData;
import org.tinylog.throwable.ThrowableFilter;
import org.tinylog.throwable.ThrowableStore;

public final class SafeThrowables implements ThrowableFilter {
    /** tinylog passes the text after "name:" in the configuration; there is none. */
    public SafeThrowables(String arguments) {
        // nothing to configure
    }

    @Override
    public ThrowableData filter(ThrowableData t) {
        if (t == null) return null;
        String m = t.getMessage();
        return new ThrowableStore(
                t.getClassName(),
                m == null ? null : SafeText.terminal(SafeText.capped(m)),
                t.getStackTrace(),
                filter(t.getCause()));
    }
}
