// A tinylog writer for tests (writer2 in src/test/resources/tinylog.properties): renders each entry exactly as the
// text log does (Main's format and exception filter, through pgloom's provider) and keeps it for the captures that
// are open, so a test can read the lines an in-process session wrote. Without an open capture it keeps nothing.
package io.pgloom.testkit;

import io.pgloom.Main;
import io.pgloom.util.ResourceLock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.tinylog.core.LogEntry;
import org.tinylog.writers.AbstractFormatPatternWriter;

public final class LogCapture extends AbstractFormatPatternWriter {
    private static final List<Capture> OPEN = new CopyOnWriteArrayList<>();
    private final ResourceLock lock = new ResourceLock();

    /** Called by tinylog with writer2's properties; the format and exception filter are the text log's. */
    public LogCapture(Map<String, String> properties) {
        super(textLog(properties));
    }

    private static Map<String, String> textLog(Map<String, String> properties) {
        Map<String, String> p = new HashMap<>(properties);
        p.put("format", Main.TEXT_FORMAT);
        p.put("exception", Main.TEXT_EXCEPTION_FILTER);
        return p;
    }

    /** Starts keeping what is logged from now on, until the capture is closed. */
    public static Capture start() {
        Capture c = new Capture();
        OPEN.add(c);
        return c;
    }

    @Override
    public void write(LogEntry entry) {
        if (OPEN.isEmpty()) return;
        String text;
        try (var h = lock.obtain()) {
            text = render(entry); // the renderer's buffer is shared
        }
        for (Capture c : OPEN) c.add(text);
    }

    @Override
    public void flush() {
        // nothing buffered
    }

    @Override
    public void close() {
        OPEN.clear();
    }

    /** What was logged while it was open: each entry as the text log writes it, its line end included. */
    public static final class Capture implements AutoCloseable {
        private final List<String> entries = new ArrayList<>();
        private final ResourceLock lock = new ResourceLock();

        private void add(String text) {
            try (var h = lock.obtain()) {
                entries.add(text);
            }
        }

        /** The entries so far. */
        public List<String> entries() {
            try (var h = lock.obtain()) {
                return List.copyOf(entries);
            }
        }

        /** The entries so far whose text contains {@code needle}. */
        public List<String> containing(String needle) {
            return entries().stream().filter(e -> e.contains(needle)).toList();
        }

        @Override
        public void close() {
            OPEN.remove(this);
        }
    }
}
