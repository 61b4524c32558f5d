// pgloom's tinylog logging provider: every Logger call goes through it, and it formats the message with
// SafeText.logMessage (each argument a logfmt value) before tinylog's own provider writes it. Named by the
// "provider" key of tinylog.properties, so it is the only provider (a second one would double every line).
package io.pgloom.util;

import org.tinylog.Level;
import org.tinylog.Supplier;
import org.tinylog.core.TinylogLoggingProvider;
import org.tinylog.format.MessageFormatter;
import org.tinylog.provider.ContextProvider;
import org.tinylog.provider.LoggingProvider;

public final class SafeLogging implements LoggingProvider {
    /** Arguments as logfmt values; tinylog calls it only for an entry some writer takes. */
    private static final MessageFormatter FORMATTER = (template, args) -> SafeText.logMessage(template, resolve(args));

    private final TinylogLoggingProvider tinylog = new TinylogLoggingProvider();

    @Override
    public ContextProvider getContextProvider() {
        return tinylog.getContextProvider();
    }

    @Override
    public Level getMinimumLevel() {
        return tinylog.getMinimumLevel();
    }

    @Override
    public Level getMinimumLevel(String tag) {
        return tinylog.getMinimumLevel(tag);
    }

    @Override
    public boolean isEnabled(int depth, String tag, Level level) {
        return tinylog.isEnabled(depth + 1, tag, level);
    }

    @Override
    public boolean isEnabled(String loggerClassName, String tag, Level level) {
        return tinylog.isEnabled(loggerClassName, tag, level);
    }

    @Override
    public void log(
            int depth,
            String tag,
            Level level,
            Throwable exception,
            MessageFormatter formatter,
            Object obj,
            Object... arguments) {
        tinylog.log(depth + 1, tag, level, exception, FORMATTER, plain(obj, arguments), arguments);
    }

    @Override
    public void log(
            String loggerClassName,
            String tag,
            Level level,
            Throwable exception,
            MessageFormatter formatter,
            Object obj,
            Object... arguments) {
        tinylog.log(loggerClassName, tag, level, exception, FORMATTER, plain(obj, arguments), arguments);
    }

    @Override
    public void shutdown() throws InterruptedException {
        tinylog.shutdown();
    }

    /**
     * A message without arguments is written by tinylog as it is, without the formatter: it still gets its control
     * characters escaped (a Logger.info(text) with text from elsewhere stays one line).
     */
    private static Object plain(Object obj, Object[] arguments) {
        if (arguments != null && arguments.length > 0) return obj;
        Object v = obj instanceof Supplier<?> s ? s.get() : obj;
        return v == null ? null : SafeText.logMessage(v.toString());
    }

    private static Object[] resolve(Object[] args) {
        Object[] out = args.clone();
        for (int i = 0; i < out.length; i++) if (out[i] instanceof Supplier<?> s) out[i] = s.get();
        return out;
    }
}
